"""Screenshots of the addon's main screens, from a running Odoo, in headless Chromium.

Run by scripts/screenshots.sh; drives Chromium over the DevTools protocol (``websocket-client``,
as Odoo's own test browser does): logs in at /web/login, opens each screen through Odoo's action
service, waits until it has rendered, saves a PNG (made smaller with Pillow when over the size cap).

    python scripts/screenshots.py --url http://127.0.0.1:8069 --ids '{"partner": 7, ...}' --out DIR
"""

import argparse
import base64
import io
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

import websocket
from PIL import Image

WIDTH, HEIGHT = 1440, 900
MAX_BYTES = 300_000


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Chrome:
    """One headless Chromium with one page, spoken to over the DevTools protocol."""

    def __init__(self, binary):
        self.profile = tempfile.mkdtemp(prefix="xc-shots-chrome-")
        port = _free_port()
        self.proc = subprocess.Popen([
            binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--hide-scrollbars", "--remote-allow-origins=*", f"--user-data-dir={self.profile}",
            f"--window-size={WIDTH},{HEIGHT}", f"--remote-debugging-port={port}", "about:blank",
        ], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        page = None
        for _attempt in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as resp:
                    page = next((t for t in json.load(resp) if t.get("type") == "page"), None)
                if page:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        if not page:
            self.close()
            raise RuntimeError("Chromium did not open its DevTools endpoint")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60, suppress_origin=True)
        self.next_id = 0
        self.send("Page.enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  width=WIDTH, height=HEIGHT, deviceScaleFactor=1, mobile=False)

    def send(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def js(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if result.get("exceptionDetails"):
            raise RuntimeError(f"{expression[:80]}: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    def wait(self, condition, timeout=60, what=None):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if self.js(f"!!({condition})"):
                    return
            except RuntimeError:
                pass  # the page is navigating
            time.sleep(0.25)
        raise RuntimeError(f"timed out waiting for {what or condition}")

    def navigate(self, url):
        self.send("Page.navigate", url=url)
        time.sleep(0.5)
        self.wait("document.readyState === 'complete'", what=url)

    def png(self):
        return base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"])

    def close(self):
        try:
            self.ws.close()
        except Exception:  # noqa: BLE001 (closing anyway)
            pass
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


IDLE = "!document.querySelector('.o_loading_indicator, .o_blockUI, .o-main-components-container .o_loading')"


def _do_action(chrome, action, ready, app=None, clear=True):
    """Run ``action`` (an xmlid or an action dict) in the web client, under the app menu ``app``."""
    chrome.js(f"""(async () => {{
        const services = odoo.__WOWL_DEBUG__.root.env.services;
        await services.action.doAction({json.dumps(action)}, {{clearBreadcrumbs: {json.dumps(clear)}}});
        const app = services.menu.getApps().find(m => m.xmlid === {json.dumps(app)});
        if (app) services.menu.setCurrentMenu(app);
        return true; }})()""")
    chrome.wait(f"document.querySelector({json.dumps(ready)}) && {IDLE}", what=ready)


def _open_tab(chrome, label, ready):
    chrome.js(f"""(() => {{
        const tab = [...document.querySelectorAll('.o_notebook .nav-link')]
            .find(a => a.textContent.trim() === {json.dumps(label)});
        if (!tab) throw new Error('no tab ' + {json.dumps(label)});
        tab.click(); return true; }})()""")
    chrome.wait(f"document.querySelector({json.dumps(ready)}) && {IDLE}", what=ready)


def _form(model, res_id):
    return {"type": "ir.actions.act_window", "res_model": model, "res_id": res_id,
            "views": [[False, "form"]], "target": "current"}


def _save(data, path):
    """Write the PNG, quantised to a palette when it is over the size cap (UI pictures stay sharp)."""
    if len(data) > MAX_BYTES:
        image = Image.open(io.BytesIO(data)).convert("RGB")
        buf = io.BytesIO()
        image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(buf, "PNG", optimize=True)
        data = buf.getvalue()
    with open(path, "wb") as out:
        out.write(data)
    return len(data)


XERO, CONTACTS, INVOICING = "xero_connector.menu_xero_root", "contacts.menu_contacts", "account.menu_finance"
HISTORY = ".o_notebook .tab-pane.active .o_field_x2many .o_data_row"


def screens(ids):
    """(file name, app menu, [(action, selector once rendered), ...] run in turn, tab to open, selector in it)."""
    overview = ("xero_connector.action_xero_sync_overview_open", ".o_kanban_view .o_kanban_record")
    return [
        ("screenshot_overview.png", XERO, [overview], None, None),
        ("screenshot_connection.png", XERO, [(_form("xero.connection", ids["connection"]), ".o_form_view .o_form_sheet")],
         None, None),
        ("screenshot_contact.png", CONTACTS, [(_form("res.partner", ids["partner"]), ".o_form_view .o_notebook")],
         "Xero", HISTORY),
        ("screenshot_invoice.png", INVOICING, [(_form("account.move", ids["invoice"]), ".o_form_view .o_notebook")],
         "Xero", HISTORY),
        ("screenshot_sync_wizard.png", XERO, [overview, ("xero_connector.action_xero_sync_wizard", ".modal .o_form_view")],
         None, None),
        ("screenshot_parity.png", XERO, [(_form("xero.parity.report", ids["parity"]),
                                          ".o_form_view .o_notebook .o_data_row")], None, None),
        ("screenshot_sync_log.png", XERO, [(_form("xero.sync.log", ids["log"]), ".o_form_view .o_form_sheet .o_data_row")],
         None, None),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--ids", required=True, help="JSON: connection, partner, invoice, parity, log ids")
    parser.add_argument("--out", required=True)
    parser.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser")
                        or shutil.which("google-chrome") or "chromium")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--only", help="comma-separated file names to take (default: all)")
    args = parser.parse_args()
    ids = json.loads(args.ids)
    os.makedirs(args.out, exist_ok=True)
    chrome = Chrome(args.chromium)
    try:
        chrome.navigate(f"{args.url}/web/login")
        chrome.wait("document.querySelector('form input[name=login]')", what="the login form")
        chrome.js(f"""(() => {{
            document.querySelector('input[name=login]').value = {json.dumps(args.login)};
            document.querySelector('input[name=password]').value = {json.dumps(args.password)};
            document.querySelector('input[name=login]').form.submit(); return true; }})()""")
        time.sleep(1)
        chrome.wait(f"window.odoo && odoo.__WOWL_DEBUG__ && document.querySelector('.o_action_manager') && {IDLE}",
                    timeout=120, what="Odoo's web client after logging in")
        only = set(args.only.split(",")) if args.only else None
        for name, app, steps, tab, tab_ready in screens(ids):
            if only and name not in only:
                continue
            for index, (action, ready) in enumerate(steps):
                _do_action(chrome, action, ready, app, clear=index == 0)
            if tab:
                _open_tab(chrome, tab, tab_ready)
            time.sleep(1.5)  # fonts, icons and the last renders
            size = _save(chrome.png(), os.path.join(args.out, name))
            print(f"{name}: {size // 1000} KB")
    finally:
        chrome.close()


if __name__ == "__main__":
    main()
