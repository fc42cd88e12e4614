"""Fixtures: one in-process sandbox per session, reset before every test; a
registered app; tokens obtained by playing the user on the consent page; and
xero-python clients built exactly as a real integration builds them.
"""

import base64
import hashlib
import secrets
import time
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests
from xero_python.accounting import AccountingApi
from xero_python.api_client import ApiClient, Configuration
from xero_python.api_client.oauth2 import OAuth2Token, TokenApi
from xero_python.identity import IdentityApi

from xero_sandbox import SandboxServer

REDIRECT_URI = "http://localhost:8069/xero/oauth/callback"
# What an app created today may ask for (the broad accounting.transactions is refused to apps
# created since 2 March 2026; tests of it create an older app).
SCOPES = ("offline_access openid profile email accounting.invoices accounting.payments "
          "accounting.banktransactions accounting.manualjournals accounting.contacts accounting.settings")
BROAD_SCOPES = "offline_access openid profile email accounting.transactions accounting.contacts accounting.settings"


# ---------------------------------------------------------------- control API
class Sandbox:
    """A thin client of ``/_sandbox/`` plus helpers to play the Xero user."""

    def __init__(self, url, server):
        self.url = url
        self.server = server

    def call(self, method, path, **kw):
        resp = requests.request(method, f"{self.url}/_sandbox/{path}", timeout=30, **kw)
        assert resp.ok, f"{method} /_sandbox/{path}: {resp.status_code} {resp.text}"
        return resp.json()

    def create_org(self, name="Demo Company (US)", **kw):
        return self.call("POST", "organisations", json=dict(kw, name=name))

    def create_app(self, redirect_uris=(REDIRECT_URI,), **kw):
        return self.call("POST", "apps", json=dict(kw, redirect_uris=list(redirect_uris)))

    def limits(self, **values):
        return self.call("POST", "limits", json=values)

    def fault(self, **rule):
        return self.call("POST", "faults", json=rule)

    def advance(self, seconds):
        return self.call("POST", "clock", json={"advance": seconds})

    def records(self, tenant_id, resource="Contacts"):
        return self.call("GET", f"tenants/{tenant_id}/{resource}")[resource]

    def log(self, since=0, path_prefix="/api.xro"):
        return self.call("GET", "requests", params={"since": since, "path_prefix": path_prefix})["requests"]

    # -------------------------------------------------------- OAuth user
    def authorize_url(self, app, scope=SCOPES, state="xyz", challenge=None, redirect_uri=REDIRECT_URI):
        params = {"response_type": "code", "client_id": app["client_id"], "redirect_uri": redirect_uri,
                  "scope": scope}
        if state is not None:
            params["state"] = state
        if challenge:
            params.update(code_challenge=challenge, code_challenge_method="S256")
        return f"{self.url}/identity/connect/authorize?{urlencode(params)}"

    @staticmethod
    def consent(authorize_url, tenant_ids=None, action=None):
        """Submit the consent form as a browser would; returns the redirect's query dict."""
        page = requests.get(authorize_url, timeout=30)
        assert page.status_code == 200, page.text
        form = ConsentForm.parse(page.text)
        fields = [(k, v) for k, v in form.fields if k != "tenant_ids"]
        chosen = form.tenant_ids if tenant_ids is None else tenant_ids
        fields += [("tenant_ids", t) for t in chosen]
        if action:
            fields.append(("action", action))
        resp = requests.post(urljoin(authorize_url, form.action), data=fields, allow_redirects=False, timeout=30)
        assert resp.status_code == 302, resp.text
        location = resp.headers["Location"]
        assert location.startswith(REDIRECT_URI)
        return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}

    def token(self, app, data, basic=True):
        """POST /connect/token with client authentication in the header or the body."""
        if basic:
            return requests.post(f"{self.url}/connect/token", data=data, timeout=30,
                                 auth=(app["client_id"], app["client_secret"]))
        data = dict(data, client_id=app["client_id"], client_secret=app["client_secret"])
        return requests.post(f"{self.url}/connect/token", data=data, timeout=30)

    def connect(self, app, scope=SCOPES, tenant_ids=None):
        """The whole authorization-code flow with PKCE; returns the token response."""
        verifier, challenge = pkce_pair()
        query = self.consent(self.authorize_url(app, scope=scope, challenge=challenge), tenant_ids)
        resp = self.token(app, {"grant_type": "authorization_code", "code": query["code"],
                                "redirect_uri": REDIRECT_URI, "code_verifier": verifier})
        assert resp.status_code == 200, resp.text
        return resp.json()


class ConsentForm(HTMLParser):
    """The consent form's action, hidden inputs and checked organisation boxes."""

    def __init__(self):
        super().__init__()
        self.action, self.fields, self.tenant_ids, self.buttons = None, [], [], {}

    @classmethod
    def parse(cls, text):
        form = cls()
        form.feed(text)
        return form

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.action = attrs.get("action")
        elif tag == "input" and attrs.get("type") == "hidden":
            self.fields.append((attrs["name"], attrs.get("value", "")))
        elif tag == "input" and attrs.get("type") == "checkbox" and "checked" in attrs:
            self.tenant_ids.append(attrs["value"])
        elif tag == "button":
            self.buttons[attrs.get("id")] = attrs


def pkce_pair():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


# ---------------------------------------------------------------- xero-python
def sdk_token(response, now):
    """A token response as a real integration stores it for the SDK's getter."""
    return {"access_token": response["access_token"], "scope": response["scope"].split(),
            "expires_in": response["expires_in"], "token_type": response["token_type"],
            "expires_at": now + response["expires_in"], "refresh_token": response.get("refresh_token"),
            "id_token": response.get("id_token")}


class Sdk:
    """An ApiClient with AccountingApi and IdentityApi pointed at the sandbox."""

    def __init__(self, url, app, token_response, retries=True):
        self.token = sdk_token(token_response, time.time())
        self.saved = []
        cfg = Configuration(debug=False)
        # Configuration is a process-wide default (xero-python#99): assign after construction.
        cfg.oauth2_token = OAuth2Token(client_id=app["client_id"], client_secret=app["client_secret"])
        self.api_client = ApiClient(cfg, pool_threads=1, oauth2_token_getter=lambda: self.token,
                                    oauth2_token_saver=self._save)
        if not retries:
            self.api_client.rest_client.pool_manager.connection_pool_kw["retries"] = False
        self.accounting = AccountingApi(self.api_client, base_url=f"{url}/api.xro/2.0")
        self.identity = IdentityApi(self.api_client, base_url=url)

    def _save(self, token):
        self.saved.append(dict(token))
        self.token = token


@pytest.fixture(scope="session")
def server():
    srv = SandboxServer(host="127.0.0.1", port=0).start()
    # The SDK's token URLs are class attributes (no constructor option).
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(TokenApi, "refresh_token_url", f"{srv.url}/connect/token")
        mp.setattr(TokenApi, "client_credentials_token_url", f"{srv.url}/connect/token")
        mp.setattr(TokenApi, "revoke_token_url", f"{srv.url}/connect/revocation")
        yield srv
    srv.stop()


@pytest.fixture
def sandbox(server):
    box = Sandbox(server.url, server)
    box.call("POST", "reset")
    return box


@pytest.fixture
def org(sandbox):
    return sandbox.create_org("Demo Company (US)")


@pytest.fixture
def app(sandbox, org):
    return sandbox.create_app(name="Odoo Connector")


@pytest.fixture
def tokens(sandbox, app):
    return sandbox.connect(app)


@pytest.fixture
def tenant_id(org):
    return org["tenant_id"]


@pytest.fixture
def sdk(sandbox, app, tokens):
    return Sdk(sandbox.url, app, tokens)


@pytest.fixture
def sdk_no_retry(sandbox, app, tokens):
    """As ``sdk`` with urllib3's hidden retries off: the raw answers reach the test."""
    return Sdk(sandbox.url, app, tokens, retries=False)


@pytest.fixture
def api(sdk):
    return sdk.accounting


@pytest.fixture
def raw(sandbox, tokens, tenant_id):
    """``raw(method, path, **requests_kwargs)`` on the Accounting API with the test's token."""
    def call(method, path, headers=None, token=None, tenant=tenant_id, **kw):
        hdrs = {"Authorization": f"Bearer {token or tokens['access_token']}", "Accept": "application/json"}
        if tenant:
            hdrs["xero-tenant-id"] = tenant
        hdrs.update(headers or {})
        return requests.request(method, f"{sandbox.url}/api.xro/2.0/{path.lstrip('/')}",
                                headers=hdrs, timeout=30, **kw)
    return call


def contacts_body(*names, **extra):
    return {"Contacts": [dict(extra, Name=n) for n in names]}
