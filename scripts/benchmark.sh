#!/usr/bin/env bash
# Prints speed and memory figures of syncing with the sandbox.
#
#   scripts/benchmark.sh [N=1000]      pushes N contacts and N/5 invoices (quick figures)
#   scripts/benchmark.sh --scale [--contacts 100000] [--invoices 10000] [--import N] [--time-scale 60]
#                                      (or XC_BENCH_MODE=scale) the scale run: Xero's real limits
#                                      (60 calls/min, 5 concurrent, 5,000/day) on a time scale, one
#                                      table of calls per 1,000 records, a 10,000-invoice background
#                                      job, an organisation of 100,000 contacts, peak memory growth
#
# Uses a throw-away database and sandbox; measures wall time, HTTP calls (from the sandbox's
# request log), SQL queries and peak memory of the Odoo process doing the work.
source "$(dirname "$0")/common.sh"
mode="${XC_BENCH_MODE:-quick}" n=1000 contacts=100000 invoices=10000 import="" time_scale=60
while [ $# -gt 0 ]; do
    case "$1" in
        --scale) mode=scale ;;
        --contacts) contacts="$2"; shift ;;
        --invoices) invoices="$2"; shift ;;
        --import) import="$2"; shift ;;
        --time-scale) time_scale="$2"; shift ;;
        [0-9]*) n="$1" ;;
        *) xc_die "usage: $0 [N] | --scale [--contacts N] [--invoices N] [--import N] [--time-scale S]" ;;
    esac
    shift
done
xc_find_odoo
xc_venv
xc_postgres
db="xc_bench_$$"
port="$(xc_free_port)"
xc_start_sandbox "$port"
out="$(mktemp -t xc-bench-XXXXXX.json)"
rm -f "$out"
# XC_BENCH_KEEP=1 keeps the database and the sandbox running afterwards (to look into a figure)
[ "${XC_BENCH_KEEP:-0}" = 1 ] ||
    trap 'kill "$XC_SANDBOX_PID" 2>/dev/null || true; dropdb --if-exists "$db" >/dev/null 2>&1 || true; rm -f "$out"' EXIT
odoo_args=(--addons-path="$ODOO_SRC/addons,$XC_ROOT" -d "$db" --log-level=warn)
xc_log "Creating database $db ..."
"$XC_PY" "$ODOO_SRC/odoo-bin" "${odoo_args[@]}" -i xero_connector --without-demo=all --stop-after-init
if [ "$mode" != scale ]; then
    XC_SANDBOX_URL="$XC_SANDBOX_URL" XC_BENCH_N="$n" \
        "$XC_PY" "$ODOO_SRC/odoo-bin" shell "${odoo_args[@]}" --no-http < "$XC_ROOT/scripts/benchmark_push.py"
    exit
fi
commit="${XC_BENCH_COMMIT:-$(git -C "$XC_ROOT" rev-parse --short HEAD 2>/dev/null || echo "?")}"
dirty="$( (git -C "$XC_ROOT" status --porcelain --untracked-files=no -- xero_connector xero_sandbox 2>/dev/null || true) | wc -l)"
start=$SECONDS
# Each phase is its own Odoo process: its peak memory growth is its own.
for phase in ${XC_BENCH_PHASES:-setup per_1000 background push_big org import_big}; do
    xc_log "Scale run: $phase ($((SECONDS - start)) s so far) ..."
    XC_SANDBOX_URL="$XC_SANDBOX_URL" XC_BENCH_PHASE="$phase" XC_BENCH_OUT="$out" \
        XC_BENCH_CONTACTS="$contacts" XC_BENCH_INVOICES="$invoices" XC_BENCH_IMPORT="${import:-$((contacts / 5))}" \
        XC_BENCH_TIME_SCALE="$time_scale" \
        "$XC_PY" "$ODOO_SRC/odoo-bin" shell "${odoo_args[@]}" --no-http < "$XC_ROOT/scripts/benchmark_scale.py"
done
echo "Scale run at commit $commit$([ "$dirty" = 0 ] || echo " (+ $dirty uncommitted files)"), $(date -u +%Y-%m-%d)," \
     "$(nproc) cores, $((SECONDS - start)) s:"
XC_SANDBOX_URL="$XC_SANDBOX_URL" XC_BENCH_PHASE=report XC_BENCH_OUT="$out" \
    "$XC_PY" "$ODOO_SRC/odoo-bin" shell "${odoo_args[@]}" --no-http < "$XC_ROOT/scripts/benchmark_scale.py"
