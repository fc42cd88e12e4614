# shellcheck shell=bash
# Shared set-up for ./run.sh and ./test.sh: sourced, not executed.
#
# It finds (or installs) an Odoo 18 source tree, makes sure PostgreSQL answers,
# and builds a cached virtualenv with Odoo's requirements and ours.  Everything
# it creates lives outside the repository, under $XC_HOME.
#
# Environment knobs:
#   ODOO_SRC           an Odoo 18 source tree (contains odoo-bin); default /opt/odoo,
#                      else a clone of Odoo's upstream 18.0 branch under $XC_HOME
#   XC_HOME            cache directory (default ~/.cache/xero_connector)
#   XC_PYTHON          Python interpreter used to build the venv (default python3.11 or python3)
#   XC_VENV            virtualenv to use (default $XC_HOME/venv-<hash of requirements>)
#   XC_NO_UPSTREAM=1   never try to clone Odoo from upstream

set -euo pipefail

XC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
XC_HOME="${XC_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/xero_connector}"
ODOO_UPSTREAM="https://github.com/odoo/odoo.git"
mkdir -p "$XC_HOME"

xc_log() { printf '\033[1m[xero_connector]\033[0m %s\n' "$*" >&2; }
xc_die() { printf '\033[1;31m[xero_connector] error:\033[0m %s\n' "$*" >&2; exit 2; }

xc_is_odoo18() {
    [ -f "$1/odoo-bin" ] && [ -f "$1/odoo/release.py" ] &&
        grep -Eq '^version_info = \(18, ' "$1/odoo/release.py"
}

# Sets ODOO_SRC to an Odoo 18 source tree or exits with instructions.
xc_find_odoo() {
    local candidate
    if [ -n "${ODOO_SRC:-}" ]; then
        xc_is_odoo18 "$ODOO_SRC" && { ODOO_SRC="$(cd "$ODOO_SRC" && pwd)"; export ODOO_SRC; return; }
        xc_die "ODOO_SRC=$ODOO_SRC is not an Odoo 18 source tree (expected odoo-bin and odoo/release.py with version 18)."
    fi
    for candidate in /opt/odoo "$XC_HOME/odoo-18.0"; do
        if xc_is_odoo18 "$candidate"; then ODOO_SRC="$candidate"; export ODOO_SRC; return; fi
    done
    if [ "${XC_NO_UPSTREAM:-0}" != 1 ] && command -v git >/dev/null; then
        xc_log "No Odoo 18 source tree found; cloning Odoo 18.0 from $ODOO_UPSTREAM ..."
        rm -rf "$XC_HOME/odoo-18.0.partial"
        if git clone --quiet --depth 1 --branch 18.0 "$ODOO_UPSTREAM" "$XC_HOME/odoo-18.0.partial" 2>"$XC_HOME/odoo-clone.log"; then
            mv "$XC_HOME/odoo-18.0.partial" "$XC_HOME/odoo-18.0"
            ODOO_SRC="$XC_HOME/odoo-18.0"; export ODOO_SRC; return
        fi
        rm -rf "$XC_HOME/odoo-18.0.partial"
        xc_log "Cloning Odoo failed (see $XC_HOME/odoo-clone.log)."
    fi
    xc_die "Odoo 18 was not found. Provide an Odoo 18.0 source tree (with odoo-bin, odoo/, addons/, requirements.txt):
    either set ODOO_SRC=/path/to/odoo-18.0, or put it at /opt/odoo,
    or allow network access so the set-up can clone $ODOO_UPSTREAM (branch 18.0)."
}

xc_pick_python() {
    if [ -n "${XC_PYTHON:-}" ]; then echo "$XC_PYTHON"; return; fi
    local p
    for p in python3.11 python3.12 python3; do
        if command -v "$p" >/dev/null && "$p" -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] < (3, 13))'; then
            echo "$p"; return
        fi
    done
    xc_die "Odoo 18 needs Python 3.10-3.12; none was found (set XC_PYTHON)."
}

# Odoo's pins with the fixes this platform needs (cbor2 5.4.2 does not build on 3.11).
xc_odoo_requirements() {
    sed -E 's/^cbor2==5\.4\.2\b/cbor2==5.4.6/' "$ODOO_SRC/requirements.txt"
}

# apt-get install (as root, on Debian/Ubuntu) with a log; false when it cannot.
xc_apt() {
    local log="$XC_HOME/apt-$1.log"
    [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || return 1
    xc_log "Installing Debian packages: $* ..."
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"; } >"$log" 2>&1 || {
        xc_log "apt-get failed (see $log)"; return 1; }
}

# C headers that some of Odoo's pinned requirements compile against
# (python-ldap, psycopg2): installed when missing and possible.
xc_build_deps() {
    local missing=()
    [ -f /usr/include/ldap.h ] || missing+=(libldap2-dev)
    [ -f /usr/include/sasl/sasl.h ] || missing+=(libsasl2-dev)
    command -v pg_config >/dev/null || missing+=(libpq-dev)
    command -v gcc >/dev/null || missing+=(build-essential)
    [ "${#missing[@]}" = 0 ] || xc_apt "${missing[@]}" || true
}

# Builds (once) and activates the virtualenv; sets XC_PY.
xc_venv() {
    local py hash
    py="$(xc_pick_python)"
    hash="$( { "$py" --version 2>&1; xc_odoo_requirements; cat "$XC_ROOT/requirements.txt"; } | sha256sum | cut -c1-12)"
    XC_VENV="${XC_VENV:-$XC_HOME/venv-$hash}"
    if [ ! -f "$XC_VENV/.xc-complete" ]; then
        xc_log "Creating the Python environment in $XC_VENV (one-off, a few minutes) ..."
        xc_build_deps
        rm -rf "$XC_VENV"
        "$py" -m venv "$XC_VENV"
        "$XC_VENV/bin/pip" install --quiet --disable-pip-version-check --upgrade pip wheel "setuptools<81"
        xc_odoo_requirements > "$XC_VENV/odoo-requirements.txt"
        "$XC_VENV/bin/pip" install --quiet --disable-pip-version-check \
            -r "$XC_VENV/odoo-requirements.txt" -r "$XC_ROOT/requirements.txt" ||
            xc_die "Installing Python packages failed. Odoo's requirements need C headers for PostgreSQL and LDAP (Debian: apt-get install libpq-dev libldap2-dev libsasl2-dev python3-dev build-essential)."
        touch "$XC_VENV/.xc-complete"
    fi
    XC_PY="$XC_VENV/bin/python"
    export XC_VENV XC_PY
    export PYTHONPATH="$XC_ROOT${PYTHONPATH:+:$PYTHONPATH}"
}

# PostgreSQL must answer on the local socket for the current user.
xc_postgres() {
    if ! pg_isready -q 2>/dev/null; then
        if command -v pg_ctlcluster >/dev/null; then
            xc_log "Starting PostgreSQL ..."
            local v
            v="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)"
            [ -n "$v" ] && pg_ctlcluster --skip-systemctl-redirect "$v" main start || true
        fi
        local i
        for i in $(seq 1 30); do pg_isready -q 2>/dev/null && break; sleep 1; done
        pg_isready -q 2>/dev/null || xc_die "PostgreSQL is not running and could not be started. Start it and make sure '$(id -un)' can connect over the local socket."
    fi
    if [ "$(id -un)" = postgres ]; then
        xc_die "Odoo refuses to run as the 'postgres' role: run as another user with a PostgreSQL role of its own."
    fi
    psql -d postgres -Atqc 'select 1' >/dev/null 2>&1 ||
        xc_die "Cannot connect to PostgreSQL as role '$(id -un)'. Create it: sudo -u postgres createuser -s $(id -un)"
}

# Headless Chromium for the Odoo tours.
xc_chromium() {
    local b
    for b in chromium chromium-browser google-chrome google-chrome-stable; do
        command -v "$b" >/dev/null && return 0
    done
    xc_apt chromium && return 0
    xc_die "Chromium (or Google Chrome) is needed for the browser tests; install it (Debian: apt-get install chromium)."
}

xc_free_port() {
    "$XC_PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Starts the sandbox in the background: xc_start_sandbox PORT [STATE_FILE] -> sets XC_SANDBOX_PID, XC_SANDBOX_URL
xc_start_sandbox() {
    local port="$1" state="${2:-}" log="$XC_HOME/sandbox-$1.log" i
    "$XC_PY" -m xero_sandbox --host 127.0.0.1 --port "$port" ${state:+--state "$state"} >"$log" 2>&1 &
    XC_SANDBOX_PID=$!
    XC_SANDBOX_URL="http://127.0.0.1:$port"
    for i in $(seq 1 50); do
        curl -fsS "$XC_SANDBOX_URL/_sandbox/health" >/dev/null 2>&1 && { export XC_SANDBOX_URL; return 0; }
        kill -0 "$XC_SANDBOX_PID" 2>/dev/null || break
        sleep 0.2
    done
    cat "$log" >&2
    xc_die "The Xero sandbox did not start on port $port."
}
