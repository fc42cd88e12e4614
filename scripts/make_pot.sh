#!/usr/bin/env bash
# Regenerates xero_connector/i18n/xero_connector.pot, the translation template, with
# Odoo's own exporter: installs the addon in a throw-away database (without demo data),
# exports the module's terms (--i18n-export --modules=xero_connector), drops the database.
# Run it after changing any user-facing string; TestTranslationTemplate fails until you do.
#
#   scripts/make_pot.sh            writes xero_connector/i18n/xero_connector.pot
#   XC_POT_OUT=/tmp/x.pot scripts/make_pot.sh   writes elsewhere (the committed file is untouched)
source "$(dirname "$0")/common.sh"

xc_find_odoo
xc_venv
xc_postgres

db="xc_pot_$$"
out="${XC_POT_OUT:-$XC_ROOT/xero_connector/i18n/xero_connector.pot}"
work="$(mktemp -d)"
cleanup() { dropdb --if-exists "$db" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

odoo=("$XC_PY" "$ODOO_SRC/odoo-bin" --addons-path="$ODOO_SRC/addons,$XC_ROOT" -d "$db"
      --http-port "$(xc_free_port)" --gevent-port "$(xc_free_port)" --max-cron-threads=0)

xc_log "Installing xero_connector in the throw-away database $db ..."
"${odoo[@]}" -i xero_connector --without-demo=all --stop-after-init --log-level=warn >"$work/install.log" 2>&1 ||
    { cat "$work/install.log" >&2; xc_die "Installing xero_connector failed."; }
if grep -E ' (ERROR|CRITICAL) ' "$work/install.log" >&2; then
    xc_die "Installing xero_connector logged errors (above)."
fi

xc_log "Exporting the module's terms ..."
"${odoo[@]}" --i18n-export="$work/xero_connector.pot" --modules=xero_connector --log-level=warn \
    >"$work/export.log" 2>&1 || { cat "$work/export.log" >&2; xc_die "Exporting the terms failed."; }
[ -s "$work/xero_connector.pot" ] || { cat "$work/export.log" >&2; xc_die "Odoo wrote no template."; }
# a file the extractor cannot read (e.g. an f-string inside _()) loses its terms: refuse
if grep -E ' (ERROR|CRITICAL) ' "$work/export.log" >&2; then
    xc_die "Odoo's exporter could not read every file (above); the template was not written."
fi

mkdir -p "$(dirname "$out")"
cp "$work/xero_connector.pot" "$out"
xc_log "Wrote $out ($(grep -c '^msgid "' "$out") msgids, the header included)."
