#!/usr/bin/env bash
# Crash-safety over real processes: scripts/chaos.sh [CASE ...]
#
# Starts the Xero sandbox (kept running, with a state file, across every Odoo
# restart) and real odoo-bin processes (`odoo-bin shell` for interactive pushes,
# `odoo-bin` servers with one cron thread for background runs) on a throw-away
# database; kills them with SIGKILL after Xero applied a write and before Odoo
# committed, injects 5xx / dropped connections / timeouts, expires and revokes
# tokens, exhausts the day limit; retries; counts what Xero holds.  Prints
#   case | records | duplicates in Xero | lost updates | outcome
# and exits 1 when any case shows a duplicate or a lost update (2: set-up failed).
#
# CASE: a-int a-bg b-int b-bg c-int c-bg d e-5xx e-drop e-timeout f-expire f-revoke g
# (default all, ~10 minutes).  XC_CHAOS_KEEP=1 keeps the database and the logs.
source "$(dirname "$0")/common.sh"
xc_find_odoo
xc_venv
xc_postgres
db="xc_chaos_$$"
work="$(mktemp -d "${TMPDIR:-/tmp}/xc-chaos.XXXXXX")"
port="$(xc_free_port)"
xc_start_sandbox "$port" "$work/sandbox-state.json"
cleanup() {
    kill "$XC_SANDBOX_PID" 2>/dev/null || true
    if [ "${XC_CHAOS_KEEP:-0}" = 1 ]; then
        xc_log "Kept database $db and logs in $work"
    else
        dropdb --if-exists "$db" >/dev/null 2>&1 || true
        rm -rf "$work"
    fi
}
trap cleanup EXIT
xc_log "Creating database $db (xero_connector, no demo data) ..."
"$XC_PY" "$ODOO_SRC/odoo-bin" --addons-path="$ODOO_SRC/addons,$XC_ROOT" -d "$db" --log-level=warn \
    -i xero_connector --without-demo=all --stop-after-init >"$work/install.log" 2>&1 ||
    { tail -n 40 "$work/install.log" >&2; xc_die "Installing xero_connector in $db failed."; }
rc=0
XC_SANDBOX_URL="$XC_SANDBOX_URL" "$XC_PY" "$XC_ROOT/scripts/chaos.py" \
    --db "$db" --odoo-bin "$ODOO_SRC/odoo-bin" --addons-path "$ODOO_SRC/addons,$XC_ROOT" \
    --work "$work" "$@" || rc=$?
exit "$rc"
