#!/usr/bin/env bash
# Runs the whole test suite: the Xero sandbox's own tests (pytest) and the
# addon's tests through Odoo + PostgreSQL + the sandbox over HTTP, tours in
# headless Chromium included.  Prints pytest's closing line with the totals.
#
#   ./test.sh                 everything
#   ./test.sh --odoo-only     only the addon's tests
#   ./test.sh --sandbox-only  only the sandbox's tests
#   XC_TEST_TAGS=/xero_connector:TestContactPush ./test.sh --odoo-only
#   XC_TEST_LOG=/tmp/odoo.log  where Odoo's test log goes (default ~/.cache/xero_connector/odoo-tests.log)
source "$(dirname "$0")/scripts/common.sh"

run_sandbox=1 run_odoo=1
case "${1:-}" in
    --odoo-only) run_sandbox=0 ;;
    --sandbox-only) run_odoo=0 ;;
    "") ;;
    *) xc_die "usage: $0 [--odoo-only|--sandbox-only]" ;;
esac

xc_find_odoo   # the Python environment is built from Odoo's requirements too
xc_venv
if [ "$run_odoo" = 1 ]; then xc_postgres; xc_chromium; fi

work="$(mktemp -d)"
db="xc_test_$$"
cleanup() {
    if [ "$run_odoo" = 1 ]; then dropdb --if-exists "$db" >/dev/null 2>&1 || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

started=$(date +%s)
passed=0 failed=0 skipped=0 errors=0

if [ "$run_sandbox" = 1 ]; then
    xc_log "Sandbox tests (pytest xero_sandbox/tests) ..."
    set +e
    "$XC_PY" -m pytest -q -p no:cacheprovider -p no:odoo "$XC_ROOT/xero_sandbox/tests" --junitxml="$work/sandbox.xml"
    set -e
    read -r p f s e < <("$XC_PY" - "$work/sandbox.xml" <<'EOF'
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError):
    print(0, 0, 0, 1); sys.exit()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
t = sum(int(s.get("tests", 0)) for s in suites)
f = sum(int(s.get("failures", 0)) for s in suites)
e = sum(int(s.get("errors", 0)) for s in suites)
sk = sum(int(s.get("skipped", 0)) for s in suites)
print(t - f - e - sk, f, sk, e)
EOF
    )
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s)) errors=$((errors + e))
fi

if [ "$run_odoo" = 1 ]; then
    port="$(xc_free_port)"
    log="${XC_TEST_LOG:-$XC_HOME/odoo-tests.log}"
    tags="${XC_TEST_TAGS:-/xero_connector}"
    xc_log "Addon tests: Odoo $ODOO_SRC, database $db, tags $tags (log: $log) ..."
    set +e
    "$XC_PY" "$ODOO_SRC/odoo-bin" --addons-path="$ODOO_SRC/addons,$XC_ROOT" -d "$db" \
        -i xero_connector --without-demo=all --test-enable --test-tags "$tags" \
        --stop-after-init --http-port "$port" --gevent-port "$(xc_free_port)" \
        --log-level=test --max-cron-threads=0 2>&1 | tee "$log" |
        grep -E --line-buffered ' (ERROR|CRITICAL|WARNING) |odoo\.tests\.(stats|result)|: (FAIL|ERROR|skipped)|Ran [0-9]+ tests|tests when loading' || true
    set -e
    read -r p f s e < <("$XC_PY" - "$log" <<'EOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
runs = re.findall(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests", text)
skips = len(re.findall(r" INFO \S+ odoo\.addons\.xero_connector\.\S+: skipped ", text))
# errors logged outside any test (module loading, registry) also fail the run
outside = len(re.findall(r"^\S+ \S+ \d+ (?:ERROR|CRITICAL) ", text, re.M)) if not runs else 0
if not runs:
    print(0, 0, skips, 1)
else:
    f, e, t = (sum(int(r[i]) for r in runs) for i in range(3))
    print(t - f - e - skips, f, skips, e + outside)
EOF
    )
    if [ "$((f + e))" -gt 0 ]; then
        xc_log "Failures (full log: $log):"
        awk '/: (FAIL|ERROR): /{show=1} / (INFO|WARNING) /{show=0} show' "$log" | head -n 400 >&2
    fi
    if [ "$((p + f + s + e))" = 0 ] || ! grep -q "tests when loading" "$log"; then
        xc_log "Odoo ran no test: see $log"
        tail -n 40 "$log" >&2
        e=$((e + 1))
    fi
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s)) errors=$((errors + e))
fi

elapsed=$(( $(date +%s) - started ))
parts=()
[ "$failed" -gt 0 ] && parts+=("$failed failed")
parts+=("$passed passed")
[ "$skipped" -gt 0 ] && parts+=("$skipped skipped")
[ "$errors" -gt 0 ] && parts+=("$errors errors")
summary="$(IFS=,; echo "${parts[*]}" | sed 's/,/, /g')"
if [ "$skipped" -gt 0 ]; then
    xc_log "Skipped tests prove nothing (a tour skipped for a missing websocket-client or Chromium?): failing."
fi
echo "============================= $summary in ${elapsed}s ============================="
[ "$failed" -eq 0 ] && [ "$errors" -eq 0 ] && [ "$skipped" -eq 0 ]
