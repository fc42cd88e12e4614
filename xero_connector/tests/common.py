"""Shared fixtures: a real Xero sandbox over HTTP, a connected company.

The sandbox is the project's ``xero_sandbox`` package.  When the environment
variable ``XERO_SANDBOX_URL`` names a running one it is used; otherwise one is
started in this process on a free port (the test command puts the repository
on ``PYTHONPATH``).  Nothing that the sandbox can play is mocked.
"""

import os
import re
from urllib.parse import parse_qs, urlparse

from odoo.tests import HttpCase, tagged  # noqa: F401  (tagged re-exported for the test modules)

from ..models.xero_connection import CALLBACK_PATH
from ..services import xero_client as xc

try:  # test-only dependency: the test command puts the repository on PYTHONPATH
    from xero_sandbox import SandboxServer
    from xero_sandbox.control_client import SandboxControl as Sandbox
except ImportError as exc:  # pragma: no cover
    raise ImportError("xero_connector's tests need the xero_sandbox package on PYTHONPATH "
                      "(run them with ./test.sh)") from exc

_SANDBOX = {}


def sandbox_url():
    if os.environ.get("XERO_SANDBOX_URL"):
        return os.environ["XERO_SANDBOX_URL"].rstrip("/")
    if "server" not in _SANDBOX:
        server = SandboxServer(host="127.0.0.1", port=0)
        server.start()
        _SANDBOX["server"] = server
    return _SANDBOX["server"].url.rstrip("/")


class XeroCase(HttpCase):
    """A company with a Xero app registered in a fresh sandbox organisation."""

    #: the organisation's base currency (the Odoo company's currency must be the same)
    xero_base_currency = "USD"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._xero_company()
        cls.sandbox = Sandbox(sandbox_url())
        cls.sandbox.reset()
        cls.org = cls.sandbox.create_org("Sandbox Demo Company (Global)", base_currency=cls.xero_base_currency)
        cls.tenant_id = cls.org["tenant_id"]
        cls.redirect_uri = f"{cls.base_url()}{CALLBACK_PATH}"
        cls.app = cls.sandbox.create_app([cls.redirect_uri], organisations=[cls.tenant_id])
        cls.env["ir.config_parameter"].sudo().set_param("web.base.url", cls.base_url())
        cls.admin = cls.env.ref("base.user_admin")
        cls.company = cls.env.company
        cls.connection = cls.env["xero.connection"].create(cls._connection_values(cls.app))

    @classmethod
    def _xero_company(cls):
        """Hook: make ``cls.env`` another company's before it is connected (default: the current one)."""

    @classmethod
    def _connection_values(cls, app):
        url = cls.sandbox.url
        return {
            "company_id": cls.env.company.id,
            "client_id": app["client_id"], "client_secret": app["client_secret"],
            "login_url": url, "identity_url": url, "api_url": url, "web_url": url,
            "responsible_user_id": cls.env.ref("base.user_admin").id,
        }

    def setUp(self):
        # Odoo rolls each test back; the sandbox must forget what a test wrote too.
        super().setUp()
        self.sandbox.clear_faults()
        # Xero's budget is per tenant and minute; each test starts with a full one (the limits stay
        # Xero's: a test that makes more than 60 calls a minute is throttled like a real client).
        self.sandbox.limits()
        # Odoo rolls back the push counters that idempotency keys derive from;
        # the sandbox must forget the keys, or a later test's push is a replay.
        self.sandbox.clear_idempotency()
        # and this process's view of Xero's minute windows starts afresh with the sandbox's
        xc._WINDOWS.clear()
        for resource in ("Contacts", "Items"):
            self.sandbox.wipe(self.tenant_id, resource)

    # ------------------------------------------------------------------
    def start_connect(self, connection=None, user=None):
        """Press Connect as ``user``; return the authorize URL."""
        connection = (connection or self.connection).with_user(user or self.admin)
        action = connection.action_connect()
        self.assertEqual(action["type"], "ir.actions.act_url")
        return action["url"]

    def oauth_connect(self, connection=None, tenant_ids=None):
        """The full flow: Connect, consent in the sandbox, Odoo's callback."""
        connection = connection or self.connection
        location = self.sandbox.consent(self.start_connect(connection), tenant_ids)
        self.authenticate("admin", "admin")
        resp = self.url_open(location, allow_redirects=False)
        connection.invalidate_recordset()
        return resp

    def make_partner(self, name, **values):
        partner = self.env["res.partner"].create(dict(values, name=name))
        partner.xero_allow_sync = True
        return partner

    def xero_contacts(self):
        return self.sandbox.records(self.tenant_id, "Contacts")

    def api_requests(self, since, method=None, path=None):
        log = self.sandbox.requests_log(since=since, path_prefix="/api.xro")
        return [r for r in log if (not method or r["method"] == method)
                and (not path or re.search(path, r["path"]))]

    @staticmethod
    def query_of(url):
        return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


class ConnectedXeroCase(XeroCase):
    """As XeroCase, and already connected through the real OAuth flow."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._connect()

    def setUp(self):
        super().setUp()
        # Tests move the sandbox's clock and spend or revoke tokens, and the
        # sandbox does not roll back with Odoo: start each test with fresh ones.
        self.sandbox.call("POST", "clock", json={"offset": 0})
        self._connect()

    @classmethod
    def _connect(cls):
        cls._callback(cls.sandbox.consent(cls._connect_url()))

    @classmethod
    def _connect_url(cls):
        return cls.connection.with_user(cls.admin).action_connect()["url"]

    @classmethod
    def _callback(cls, location):
        # Drive Odoo's controller directly with the admin's environment: the
        # class fixture has no browser session yet.
        params = {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}
        conn = cls.env["xero.connection"].with_user(cls.admin)._oauth_connection_for_state(params["state"])
        tenants = conn.with_user(cls.admin)._oauth_finish(params["code"])
        conn.with_user(cls.admin)._oauth_select_tenant(tenants[0])
        cls.connection.invalidate_recordset()
        assert cls.connection.state == "connected", cls.connection.last_error
