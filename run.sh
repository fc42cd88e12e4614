#!/usr/bin/env bash
# The main job: Odoo 18 with xero_connector, connected to the bundled Xero
# sandbox, with sample partners.  Does all set-up on a fresh machine.
#
#   ./run.sh                   http://localhost:8069  (admin / admin)
#   XC_HTTP_PORT=8069 XC_SANDBOX_PORT=8071 XC_DB=xero_demo ./run.sh
source "$(dirname "$0")/scripts/common.sh"

http_port="${XC_HTTP_PORT:-8069}"
sandbox_port="${XC_SANDBOX_PORT:-8071}"
db="${XC_DB:-xero_demo}"

xc_find_odoo
xc_venv
xc_postgres

addons="$ODOO_SRC/addons,$XC_ROOT"
odoo_args=(--addons-path="$addons" -d "$db" --http-port "$http_port" --gevent-port "$(xc_free_port)")
odoo=("$XC_PY" "$ODOO_SRC/odoo-bin" "${odoo_args[@]}")

xc_start_sandbox "$sandbox_port" "$XC_HOME/sandbox-state.json"
trap 'kill "$XC_SANDBOX_PID" 2>/dev/null || true' EXIT
xc_log "Xero sandbox: $XC_SANDBOX_URL (state kept in $XC_HOME/sandbox-state.json)"

if psql -d "$db" -Atqc "select 1 from ir_module_module where name='xero_connector' and state='installed'" 2>/dev/null | grep -q 1; then
    xc_log "Updating xero_connector in database $db ..."
    "${odoo[@]}" -u xero_connector --stop-after-init --log-level=warn
else
    xc_log "Creating database $db with xero_connector and demo data (a few minutes) ..."
    "${odoo[@]}" -i xero_connector,contacts --stop-after-init --log-level=warn
fi

xc_log "Connecting the company to the sandbox organisation ..."
XC_SANDBOX_URL="$XC_SANDBOX_URL" XC_BASE_URL="http://localhost:$http_port" \
    "$XC_PY" "$ODOO_SRC/odoo-bin" shell "${odoo_args[@]}" --no-http --log-level=warn \
    < "$XC_ROOT/scripts/demo_setup.py"

cat <<MSG

  Odoo with xero_connector:  http://localhost:$http_port   (login: admin / password: admin)
  Xero sandbox:              $XC_SANDBOX_URL   (control API: $XC_SANDBOX_URL/_sandbox/)
  Contacts ticked "Allow Xero Sync" are ready for Contacts › (a contact) › Xero › Sync to Xero.

MSG
"${odoo[@]}" --log-level=info
