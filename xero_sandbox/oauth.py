"""Xero identity: the consent page, the token and revocation endpoints, connections.

Paths are Xero's (``/identity/connect/authorize`` on login.xero.com,
``/connect/token`` and ``/connect/revocation`` on identity.xero.com,
``/connections`` on api.xero.com), all served on the sandbox's one origin.
"""

import base64
import hashlib
import hmac
import html
import json
import re
import secrets
import uuid
from urllib.parse import unquote, urlencode, urlsplit

from . import wire
from .state import AccessToken, AuthCode, Connection, Grant, RefreshToken

AUTHORIZE_PATH = "/identity/connect/authorize"
IDENTITY_SCOPES = {"openid", "profile", "email", "offline_access"}
_BROAD = ("accounting.transactions", "accounting.contacts", "accounting.settings",
          "accounting.attachments", "accounting.reports.read", "accounting.journals.read",
          "accounting.budgets.read", "accounting.reports.tenninetynine.read")
# Xero's granular scopes (2026): accounting.invoices covers invoices, credit notes (and their
# allocations), purchase orders, quotes, repeating invoices, linked transactions and items;
# accounting.payments payments, overpayments, prepayments and batch payments;
# accounting.banktransactions bank transactions and transfers; accounting.manualjournals manual
# journals; accounting.classicexpenses expense claims and receipts.  Each has a .read variant.
# The broad accounting.reports.read gives way to one read scope per report.
_GRANULAR = ("accounting.invoices", "accounting.payments", "accounting.banktransactions",
             "accounting.manualjournals", "accounting.classicexpenses")
_GRANULAR_REPORTS = ("accounting.reports.aged.read", "accounting.reports.balancesheet.read",
                     "accounting.reports.profitandloss.read", "accounting.reports.trialbalance.read",
                     "accounting.reports.executivesummary.read", "accounting.reports.bankstatement.read")
ACCOUNTING_SCOPES = {s for base in _BROAD + _GRANULAR + _GRANULAR_REPORTS
                     for s in ((base,) if base.endswith(".read") else (base, base + ".read"))}
# Apps created on or after this date may not ask for the broad scopes the granular ones
# replace (older apps may until September 2027).
GRANULAR_ONLY_SINCE = "2026-03-02"
RETIRED_SCOPES = {"accounting.transactions", "accounting.transactions.read", "accounting.reports.read"}
KNOWN_SCOPES = IDENTITY_SCOPES | ACCOUNTING_SCOPES
PKCE_CHALLENGE_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")
PKCE_VERIFIER_RE = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
SANDBOX_USER = {"email": "sandbox.user@example.com", "given_name": "Sandbox", "family_name": "User"}


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def make_jwt(claims, key):
    """An HS256 JWT.  Xero's are RS256; clients must treat access tokens as opaque anyway."""
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(key.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64url(signature)}"


def pkce_challenge(verifier):
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def oauth_error(code, status=400):
    return wire.Response.json(status, {"error": code})


def unauthorized(detail, headers=()):
    return wire.Response.json(401, wire.problem(401, "Unauthorized", detail), headers)


class OAuth:
    def __init__(self, app):
        self.state = app.state
        self._signing_key = secrets.token_urlsafe(32)

    # ------------------------------------------------------------ routing
    def handle(self, req):
        """The response for an identity request, or None when the path is not one."""
        path = req.path.rstrip("/")
        if path == AUTHORIZE_PATH and req.method == "GET":
            return self.authorize_page(req.params)
        if path == AUTHORIZE_PATH and req.method == "POST":
            return self.authorize_submit(req.form_lists())
        if path == "/connect/token" and req.method == "POST":
            return self.token(req)
        if path == "/connect/revocation" and req.method == "POST":
            return self.revoke(req)
        if path.lower() == "/connections" and req.method == "GET":
            return self.connections(req)
        match = re.fullmatch(r"/connections/([^/]+)", path, re.IGNORECASE)
        if match and req.method == "DELETE":
            return self.delete_connection(req, unquote(match.group(1)))
        return None

    # ------------------------------------------------------------ bearer tokens
    def authenticate(self, req):
        """``(AccessToken, None)`` for a valid bearer token, else ``(None, 401 response)``."""
        header = req.header("Authorization") or ""
        scheme, _, token = header.partition(" ")
        with self.state.lock:
            access = self.state.live_access_token(token.strip()) if scheme.lower() == "bearer" else None
            if access is None:
                return None, unauthorized("AuthenticationUnsuccessful")
            if access.expires_at <= self.state.now():
                return None, unauthorized(
                    f"TokenExpired: token expired at {wire.us_datetime(access.expires_at)}",
                    [("WWW-Authenticate", 'Bearer error="invalid_token"')])
            return access, None

    # ------------------------------------------------------------ consent
    def _check_authorize(self, params):
        """``(app, scopes, None)`` or ``(None, None, error message)`` for authorize params."""
        app = self.state.apps.get(params.get("client_id", ""))
        if app is None:
            return None, None, "Unknown client or client not enabled (invalid client_id)."
        if app.custom_connection:
            return None, None, "This app is a custom connection: it uses the client_credentials grant."
        if params.get("redirect_uri") not in app.redirect_uris:
            return None, None, "Invalid redirect_uri: it is not registered for this app."
        if params.get("response_type") != "code":
            return None, None, "unsupported_response_type: response_type must be 'code'."
        scopes = params.get("scope", "").split()
        unknown = [s for s in scopes if s not in KNOWN_SCOPES]
        if not scopes or unknown:
            return None, None, f"invalid_scope: {' '.join(unknown) or 'no scope requested'}."
        challenge, method = params.get("code_challenge"), params.get("code_challenge_method")
        if (challenge or method) and (method != "S256" or not PKCE_CHALLENGE_RE.match(challenge or "")):
            return None, None, "Invalid PKCE parameters: code_challenge_method must be S256 with a valid code_challenge."
        return app, scopes, None

    @staticmethod
    def _retired_scope_refusal(app, scopes):
        """Xero's ``error_description`` when ``app`` may not ask for ``scopes``, else None.

        Apps created on or after GRANULAR_ONLY_SINCE are refused the broad scopes that the
        granular ones replace; the refusal goes back to the (verified) redirect URI as
        ``error=invalid_scope`` (RFC 6749 4.1.2.1).
        """
        retired = [s for s in scopes if s in RETIRED_SCOPES]
        if not retired or not granular_only(app):
            return None
        return (f"Invalid scope for client: {' '.join(retired)} is not available to apps created on or "
                f"after {GRANULAR_ONLY_SINCE}; ask for the granular scopes (accounting.invoices, "
                f"accounting.payments, accounting.banktransactions, accounting.manualjournals, ...) instead.")

    @staticmethod
    def _refuse(params, error, description):
        extra = {"state": params["state"]} if "state" in params else {}
        return wire.Response.redirect(_with_query(
            params["redirect_uri"], error=error, error_description=description, **extra))

    def _grantable(self, app):
        tenant_ids = app.organisations if app.organisations is not None else list(self.state.orgs)
        return [self.state.orgs[t] for t in tenant_ids if t in self.state.orgs]

    def authorize_page(self, params):
        with self.state.lock:
            app, scopes, error = self._check_authorize(params)
            if error:
                return error_page(error)
            refusal = self._retired_scope_refusal(app, scopes)
            if refusal:
                return self._refuse(params, "invalid_scope", refusal)
            orgs = self._grantable(app)
        hidden = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(params[k])}">'
            for k in ("response_type", "client_id", "redirect_uri", "scope", "state",
                      "code_challenge", "code_challenge_method") if k in params)
        boxes = "".join(
            f'<li><label><input type="checkbox" name="tenant_ids" value="{o.tenant_id}" checked> '
            f"{html.escape(o.name)}</label></li>" for o in orgs) or "<li>No organisations available.</li>"
        items = "".join(f"<li><code>{html.escape(s)}</code></li>" for s in scopes)
        return wire.Response.html(200, _PAGE.format(
            title="Xero sandbox: allow access", body=f"""
<h1>{html.escape(app.name)} wants to access your Xero data</h1>
<form method="post" action="{AUTHORIZE_PATH}">{hidden}
<h2>Organisations</h2><ul>{boxes}</ul>
<h2>Permissions</h2><ul>{items}</ul>
<button type="submit" id="allow" name="action" value="allow">Allow access</button>
<button type="submit" id="deny" name="action" value="deny">Deny</button>
</form>"""))

    def authorize_submit(self, fields):
        params = {k: v[-1] for k, v in fields.items()}
        with self.state.lock:
            app, scopes, error = self._check_authorize(params)
            if error:
                return error_page(error)
            refusal = self._retired_scope_refusal(app, scopes)
            if refusal:
                return self._refuse(params, "invalid_scope", refusal)
            redirect = {"state": params["state"]} if "state" in params else {}
            if params.get("action") == "deny":
                return wire.Response.redirect(_with_query(params["redirect_uri"], error="access_denied", **redirect))
            allowed = {o.tenant_id for o in self._grantable(app)}
            chosen = list(dict.fromkeys(fields.get("tenant_ids", [])))
            if any(t not in allowed for t in chosen):
                return error_page("An organisation that was not offered was chosen.")
            if not chosen and ACCOUNTING_SCOPES & set(scopes):
                return error_page("Choose at least one organisation.")
            now = self.state.now()
            grant = Grant(id=str(uuid.uuid4()), client_id=app.client_id, scopes=scopes, created=now)
            self.state.grants[grant.id] = grant
            for tenant_id in chosen:
                self._connect(app, tenant_id, grant.id, now)
            code = AuthCode(code=secrets.token_urlsafe(32), client_id=app.client_id,
                            redirect_uri=params["redirect_uri"],
                            expires_at=now + self.state.settings["code_ttl"], grant_id=grant.id,
                            code_challenge=params.get("code_challenge"))
            self.state.codes[code.code] = code
            return wire.Response.redirect(_with_query(params["redirect_uri"], code=code.code, **redirect))

    def _connect(self, app, tenant_id, auth_event_id, now):
        connection = app.connections.get(tenant_id)
        if connection is None:
            app.connections[tenant_id] = Connection(str(uuid.uuid4()), tenant_id, auth_event_id, now, now)
        else:
            connection.auth_event_id, connection.updated = auth_event_id, now

    def connect_custom(self, app):
        """A custom connection is connected to its one organisation when the app is made."""
        self._connect(app, app.organisations[0], str(uuid.uuid4()), self.state.now())

    # ------------------------------------------------------------ token endpoint
    def _client(self, req, form):
        """The authenticated App (HTTP Basic or body credentials), or None.

        Basic credentials are accepted both as sent by most clients and
        form-urlencoded first, as RFC 6749 2.3.1 asks.
        """
        candidates = [(form.get("client_id"), form.get("client_secret"))]
        scheme, _, value = (req.header("Authorization") or "").partition(" ")
        if scheme.lower() == "basic":
            try:
                basic_id, _, basic_secret = base64.b64decode(value.strip()).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                return None
            body_id, body_secret = candidates[0]
            candidates = [(i, s) for i, s in ((basic_id, basic_secret), (unquote(basic_id), unquote(basic_secret)))
                          if body_id in (None, i) and body_secret in (None, s)]
        for client_id, secret in candidates:
            app = self.state.apps.get(client_id or "")
            if app is not None and secret and hmac.compare_digest(app.client_secret.encode(), secret.encode()):
                return app
        return None

    def token(self, req):
        form = req.form()
        with self.state.lock:
            app = self._client(req, form)
            if app is None:
                return oauth_error("invalid_client", 401)
            grant_type = form.get("grant_type")
            if grant_type == "authorization_code":
                return self._exchange_code(app, form)
            if grant_type == "refresh_token":
                return self._refresh(app, form)
            if grant_type == "client_credentials":
                return self._client_credentials(app)
            return oauth_error("unsupported_grant_type")

    def _exchange_code(self, app, form):
        now = self.state.now()
        code = self.state.codes.get(form.get("code", ""))
        if code is None or code.client_id != app.client_id or code.expires_at <= now:
            return oauth_error("invalid_grant")
        if code.used:
            # RFC 6749 4.1.2: a replayed code revokes what was issued from it.
            self.state.grants[code.grant_id].revoked = True
            return oauth_error("invalid_grant")
        if form.get("redirect_uri") != code.redirect_uri:
            return oauth_error("invalid_grant")
        if code.code_challenge:
            verifier = form.get("code_verifier", "")
            if not PKCE_VERIFIER_RE.match(verifier) or not hmac.compare_digest(
                    pkce_challenge(verifier), code.code_challenge):
                return oauth_error("invalid_grant")
        code.used = True
        return self._issue(app, self.state.grants[code.grant_id], now)

    def _refresh(self, app, form):
        now = self.state.now()
        token = self.state.refresh_tokens.get(form.get("refresh_token", ""))
        if token is None or token.client_id != app.client_id:
            return oauth_error("invalid_grant")
        grant = self.state.grants.get(token.grant_id)
        if grant is None or grant.revoked:
            return oauth_error("invalid_grant")
        if token.used_at is None:
            if token.expires_at <= now:
                return oauth_error("invalid_grant")
            token.used_at = now
        elif now - token.used_at > self.state.settings["refresh_grace"]:
            return oauth_error("invalid_grant")
        return self._issue(app, grant, now)

    def _client_credentials(self, app):
        if not app.custom_connection:
            return oauth_error("unauthorized_client")
        now = self.state.now()
        grant = Grant(id=str(uuid.uuid4()), client_id=app.client_id, scopes=list(app.scopes), created=now)
        self.state.grants[grant.id] = grant
        return self._issue(app, grant, now, refreshable=False)

    def _issue(self, app, grant, now, refreshable=True):
        """Mint tokens for ``grant``; the body has exactly Xero's keys (the SDK rejects others)."""
        self._purge(now)
        ttl = self.state.settings["access_token_ttl"]
        claims = {
            "nbf": int(now), "exp": int(now + ttl), "iss": "https://identity.xero.com",
            "aud": "https://identity.xero.com/resources", "client_id": app.client_id,
            "sub": app.user_id, "auth_time": int(grant.created), "xero_userid": app.user_id,
            "global_session_id": grant.id, "jti": uuid.uuid4().hex,
            "authentication_event_id": grant.id, "scope": grant.scopes,
        }
        access = make_jwt(claims, self._signing_key)
        self.state.access_tokens[access] = AccessToken(access, grant.id, app.client_id, now + ttl)
        body = {}
        if "openid" in grant.scopes and refreshable:
            body["id_token"] = make_jwt({
                "nbf": int(now), "exp": int(now + 300), "iss": "https://identity.xero.com",
                "aud": app.client_id, "iat": int(now), "at_hash": _b64url(hashlib.sha256(access.encode()).digest()[:16]),
                "sid": grant.id, "sub": app.user_id, "auth_time": int(grant.created),
                "xero_userid": app.user_id, "global_session_id": grant.id,
                "preferred_username": SANDBOX_USER["email"], **SANDBOX_USER,
            }, app.client_secret)
        body.update(access_token=access, expires_in=ttl, token_type="Bearer")
        if refreshable and "offline_access" in grant.scopes:
            refresh = secrets.token_urlsafe(32)
            self.state.refresh_tokens[refresh] = RefreshToken(
                refresh, grant.id, app.client_id, now + self.state.settings["refresh_ttl"])
            body["refresh_token"] = refresh
        body["scope"] = " ".join(grant.scopes)
        return wire.Response.json(200, body, [("Cache-Control", "no-store"), ("Pragma", "no-cache")])

    def _purge(self, now):
        """Forget tokens and codes that can never be used again (keeps the state file small)."""
        s, day = self.state, 86400
        s.codes = {k: c for k, c in s.codes.items() if c.expires_at > now - day}
        s.access_tokens = {k: t for k, t in s.access_tokens.items() if t.expires_at > now - day}
        s.refresh_tokens = {
            k: t for k, t in s.refresh_tokens.items()
            if (t.expires_at > now if t.used_at is None else t.used_at + s.settings["refresh_grace"] > now)}

    # ------------------------------------------------------------ revocation
    def revoke(self, req):
        form = req.form()
        with self.state.lock:
            app = self._client(req, form)
            if app is None:
                return oauth_error("invalid_client", 401)
            token = self.state.refresh_tokens.get(form.get("token", ""))
            if token is not None and token.client_id == app.client_id:
                self.state.grants[token.grant_id].revoked = True
                # Revoking removes the user's connections to the app, as at Xero.
                app.connections.clear()
            return wire.Response.empty(200)

    # ------------------------------------------------------------ connections
    def connections(self, req):
        access, error = self.authenticate(req)
        if error:
            return error
        event = req.params.get("authEventId")
        with self.state.lock:
            items = [{
                "id": c.id, "authEventId": c.auth_event_id, "tenantId": c.tenant_id,
                "tenantType": "ORGANISATION", "tenantName": self.state.orgs[c.tenant_id].name,
                "createdDateUtc": wire.iso7(c.created), "updatedDateUtc": wire.iso7(c.updated),
            } for c in self.state.apps[access.client_id].connections.values()
                if c.tenant_id in self.state.orgs and (not event or c.auth_event_id == event)]
        return wire.Response.json(200, items)

    def delete_connection(self, req, connection_id):
        access, error = self.authenticate(req)
        if error:
            return error
        with self.state.lock:
            app = self.state.apps[access.client_id]
            tenant_id = next((t for t, c in app.connections.items() if c.id == connection_id), None)
            if tenant_id is None:
                return wire.not_found()
            del app.connections[tenant_id]
            return wire.Response.empty(204)


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:40em;margin:3em auto}}button{{margin-right:1em}}</style>
</head><body>{body}</body></html>"""


def granular_only(app):
    """True for apps created on or after GRANULAR_ONLY_SINCE (None: an app from an older state file)."""
    return bool(app.created) and app.created >= GRANULAR_ONLY_SINCE


def error_page(message):
    """Xero shows errors on its own page instead of redirecting to an unverified URI."""
    return wire.Response.html(400, _PAGE.format(
        title="Xero sandbox: error", body=f"<h1>Sorry, something went wrong</h1><p id=\"error\">{html.escape(message)}</p>"))


def _with_query(url, **params):
    joiner = "&" if urlsplit(url).query else "?"
    return f"{url}{joiner}{urlencode(params)}"
