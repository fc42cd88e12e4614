#!/usr/bin/env bash
# Screenshots of the main screens for the app's page and the README, taken from the demo in
# headless Chromium: like ./run.sh (the sandbox, Odoo with the addon and Odoo's demo data,
# the company connected through OAuth) but in a throw-away database on free ports, with a few
# more records (scripts/screenshots_seed.py: synced contacts and invoices, a failure, a queued
# run).  Writes xero_connector/static/description/screenshot_*.png, drops the database.
#
#   scripts/screenshots.sh                 all screens
#   XC_SHOTS_OUT=/tmp/shots scripts/screenshots.sh   elsewhere
#   XC_SHOTS_ONLY=screenshot_overview.png scripts/screenshots.sh
#   XC_SHOTS_KEEP=1 scripts/screenshots.sh keeps the database (named in the output)
source "$(dirname "$0")/common.sh"

xc_find_odoo
xc_venv
xc_postgres
xc_chromium

db="xc_shots_$$"
out="${XC_SHOTS_OUT:-$XC_ROOT/xero_connector/static/description}"
http_port="$(xc_free_port)"
work="$(mktemp -d)"
odoo_pid=""
cleanup() {
    [ -n "$odoo_pid" ] && kill "$odoo_pid" 2>/dev/null && wait "$odoo_pid" 2>/dev/null
    [ -n "${XC_SANDBOX_PID:-}" ] && kill "$XC_SANDBOX_PID" 2>/dev/null
    if [ "${XC_SHOTS_KEEP:-0}" = 1 ]; then xc_log "Kept database $db"; else dropdb --if-exists "$db" >/dev/null 2>&1 || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

odoo_args=(--addons-path="$ODOO_SRC/addons,$XC_ROOT" -d "$db" --http-port "$http_port"
           --gevent-port "$(xc_free_port)")
odoo=("$XC_PY" "$ODOO_SRC/odoo-bin" "${odoo_args[@]}")
shell=("$XC_PY" "$ODOO_SRC/odoo-bin" shell "${odoo_args[@]}" --no-http --max-cron-threads=0 --log-level=warn)

xc_start_sandbox "$(xc_free_port)" "$work/sandbox-state.json"

xc_log "Creating database $db with xero_connector and demo data (a few minutes) ..."
"${odoo[@]}" -i xero_connector,contacts --stop-after-init --max-cron-threads=0 --log-level=warn \
    >"$work/install.log" 2>&1 || { cat "$work/install.log" >&2; xc_die "Installing failed."; }

xc_log "Connecting to the sandbox and seeding the demo's records ..."
XC_SANDBOX_URL="$XC_SANDBOX_URL" XC_BASE_URL="http://127.0.0.1:$http_port" \
    "${shell[@]}" < "$XC_ROOT/scripts/demo_setup.py" >"$work/setup.log" 2>&1 ||
    { cat "$work/setup.log" >&2; xc_die "Connecting the demo company failed."; }
"${shell[@]}" < "$XC_ROOT/scripts/screenshots_seed.py" >"$work/seed.log" 2>&1 ||
    { cat "$work/seed.log" >&2; xc_die "Seeding failed."; }
ids="$(sed -n 's/^XC_SHOTS //p' "$work/seed.log" | tail -n 1)"
[ -n "$ids" ] || { cat "$work/seed.log" >&2; xc_die "The seed printed no ids."; }

xc_log "Starting Odoo on port $http_port (the queued run goes through its cron) ..."
"${odoo[@]}" --max-cron-threads=1 --log-level=warn >"$work/odoo.log" 2>&1 &
odoo_pid=$!
for _i in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$http_port/web/login" >/dev/null 2>&1 && break
    kill -0 "$odoo_pid" 2>/dev/null || { cat "$work/odoo.log" >&2; xc_die "Odoo did not start."; }
    sleep 1
done
sleep 5  # let the queued run finish

xc_log "Taking the screenshots into $out ..."
"$XC_PY" "$XC_ROOT/scripts/screenshots.py" --url "http://127.0.0.1:$http_port" --ids "$ids" --out "$out" \
    ${XC_SHOTS_ONLY:+--only "$XC_SHOTS_ONLY"} ||
    { tail -n 40 "$work/odoo.log" >&2; xc_die "Taking the screenshots failed."; }
