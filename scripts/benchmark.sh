#!/usr/bin/env bash
# Prints speed and memory figures for pushing contacts to the sandbox:
#   scripts/benchmark.sh [N=1000]
# Uses a throw-away database and sandbox; measures wall time, HTTP calls, SQL
# queries and peak memory of the Odoo process doing the push.
source "$(dirname "$0")/common.sh"
n="${1:-1000}"
xc_find_odoo
xc_venv
xc_postgres
db="xc_bench_$$"
port="$(xc_free_port)"
xc_start_sandbox "$port"
trap 'kill "$XC_SANDBOX_PID" 2>/dev/null || true; dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT
odoo_args=(--addons-path="$ODOO_SRC/addons,$XC_ROOT" -d "$db" --log-level=warn)
xc_log "Creating database $db ..."
"$XC_PY" "$ODOO_SRC/odoo-bin" "${odoo_args[@]}" -i xero_connector --without-demo=all --stop-after-init
XC_SANDBOX_URL="$XC_SANDBOX_URL" XC_BENCH_N="$n" \
    "$XC_PY" "$ODOO_SRC/odoo-bin" shell "${odoo_args[@]}" --no-http < "$XC_ROOT/scripts/benchmark_push.py"
