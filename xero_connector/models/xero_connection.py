import calendar
import contextlib
import hashlib
import logging
import random
import secrets
import time
import zlib
from datetime import datetime, timedelta
from urllib.parse import quote

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessDenied, UserError
from odoo.tools import format_datetime

from ..services import xero_client as xc
from ..services.engine import SyncEngine
from ..services.mappers import MAPPERS

_logger = logging.getLogger(__name__)

CALLBACK_PATH = "/xero/oauth/callback"
# Advisory-lock namespace (first int4 key) of the per-tenant API concurrency slots
API_SLOT_NAMESPACE = zlib.crc32(b"xero_connector:api_slots") - 2 ** 31
API_SLOT_WAIT = 60.0  # seconds a call waits for a free slot before giving up (a 'concurrent' limit)
STATE_TTL = timedelta(minutes=15)


def _hash_state(state):
    return hashlib.sha256(state.encode()).hexdigest()


class XeroConnection(models.Model):
    """One Odoo company ↔ one Xero organisation (tenant).

    Secrets (client secret, tokens, tenant id, pending OAuth state) are only
    readable by Settings administrators; code reads them through
    :meth:`_secrets` (sudo) and never logs them.
    """

    _name = "xero.connection"
    _description = "Xero Connection"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "company_id"

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, ondelete="cascade")
    active = fields.Boolean(default=True)
    state = fields.Selection(
        [("disconnected", "Not connected"), ("connected", "Connected"),
         ("reauth", "Needs re-authorisation")],
        default="disconnected", required=True, readonly=True, tracking=True)
    responsible_user_id = fields.Many2one(
        "res.users", string="Responsible", default=lambda self: self.env.user,
        help="Told (activity and e-mail) when the connection needs attention.")

    # -- app credentials and endpoints --------------------------------------
    client_id = fields.Char("Client ID", groups="base.group_system", copy=False)
    client_secret = fields.Char("Client Secret", groups="base.group_system", copy=False)
    scopes = fields.Char(default=xc.DEFAULT_SCOPES, required=True,
                         help="Space-separated OAuth2 scopes asked for when connecting.")
    login_url = fields.Char("Login URL", default=xc.DEFAULT_LOGIN_URL, required=True)
    identity_url = fields.Char("Identity URL", default=xc.DEFAULT_IDENTITY_URL, required=True)
    api_url = fields.Char("API URL", default=xc.DEFAULT_API_URL, required=True)
    web_url = fields.Char("Web URL", default=xc.DEFAULT_WEB_URL, required=True,
                          help="Where 'Open in Xero' links point.")

    # -- the organisation -------------------------------------------------
    tenant_id = fields.Char("Tenant ID", groups="base.group_system", readonly=True, copy=False)
    xero_connection_ref = fields.Char(
        "Xero Connection ID", groups="base.group_system", readonly=True, copy=False)
    tenant_name = fields.Char("Organisation", readonly=True, tracking=True, copy=False)
    short_code = fields.Char(readonly=True, copy=False)
    base_currency = fields.Char(readonly=True, copy=False)
    connected_since = fields.Datetime(readonly=True, copy=False)
    connected_by_id = fields.Many2one("res.users", readonly=True, copy=False)

    # -- tokens (system administrators only) -------------------------------
    access_token = fields.Char(groups="base.group_system", copy=False, readonly=True)
    refresh_token = fields.Char(groups="base.group_system", copy=False, readonly=True)
    token_expires_at = fields.Datetime("Access Token Expiry", readonly=True, copy=False)
    oauth_state_hash = fields.Char(groups="base.group_system", copy=False, readonly=True)
    oauth_state_user_id = fields.Many2one(
        "res.users", groups="base.group_system", copy=False, readonly=True)
    oauth_state_expires = fields.Datetime(groups="base.group_system", copy=False, readonly=True)
    oauth_code_verifier = fields.Char(groups="base.group_system", copy=False, readonly=True)

    status_line = fields.Char(compute="_compute_status_line")
    last_error = fields.Text(readonly=True, copy=False)
    binding_count = fields.Integer(compute="_compute_binding_count")
    log_ids = fields.One2many("xero.sync.log", "connection_id")
    mapping_ids = fields.One2many("xero.mapping", "connection_id", string="Sync Rules")

    _sql_constraints = [
        ("company_uniq", "unique(company_id)", "A company can be connected to one Xero organisation only."),
    ]

    @api.depends("tenant_name", "company_id.name")
    def _compute_name(self):
        for conn in self:
            conn.name = conn.tenant_name or conn.company_id.name or _("Xero")

    @api.depends("state", "tenant_name", "connected_since", "token_expires_at")
    def _compute_status_line(self):
        for conn in self:
            if conn.state == "connected":
                conn.status_line = _(
                    "Connected to %(org)s since %(since)s; access token valid until %(exp)s.",
                    org=conn.tenant_name or "?",
                    since=format_datetime(self.env, conn.connected_since) or "?",
                    exp=format_datetime(self.env, conn.token_expires_at) or "?")
            elif conn.state == "reauth":
                conn.status_line = _(
                    "Xero no longer accepts this connection to %(org)s: press Connect to re-authorise.",
                    org=conn.tenant_name or "?")
            else:
                conn.status_line = _("Not connected to Xero.")

    def _compute_binding_count(self):
        data = self.env["xero.binding"]._read_group(
            [("connection_id", "in", self.ids)], ["connection_id"], ["__count"])
        counts = {conn.id: count for conn, count in data}
        for conn in self:
            conn.binding_count = counts.get(conn.id, 0)

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    @api.model
    def _for_company(self, company=None, raise_if_missing=True):
        company = company or self.env.company
        conn = self.sudo().search([("company_id", "=", company.id)], limit=1).with_env(self.env)
        if not conn and raise_if_missing:
            raise UserError(_("%(company)s is not connected to Xero. Connect it in Settings › Xero.",
                              company=company.name))
        return conn

    def _secrets(self):
        """All secret fields, read as superuser. Never log the result."""
        self.ensure_one()
        conn = self.sudo()
        return {
            "client_id": conn.client_id or "",
            "client_secret": conn.client_secret or "",
            "tenant_id": conn.tenant_id or "",
            "access_token": conn.access_token or "",
            "refresh_token": conn.refresh_token or "",
        }

    def _redirect_uri(self):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        return f"{base.rstrip('/')}{CALLBACK_PATH}"

    def _check_credentials(self):
        secrets_ = self._secrets()
        if not secrets_["client_id"] or not secrets_["client_secret"]:
            raise UserError(_("Enter the Client ID and Client Secret of your Xero app first."))
        return secrets_

    # ------------------------------------------------------------------
    # OAuth2 authorisation-code flow with PKCE
    # ------------------------------------------------------------------
    def action_connect(self):
        self.ensure_one()
        if not self.env.user.has_group("base.group_system"):
            raise AccessDenied()
        creds = self._check_credentials()
        state = secrets.token_urlsafe(32)
        verifier, challenge = xc.make_pkce_pair()
        self.sudo().write({
            "oauth_state_hash": _hash_state(state),
            "oauth_state_user_id": self.env.user.id,
            "oauth_state_expires": fields.Datetime.now() + STATE_TTL,
            "oauth_code_verifier": verifier,
        })
        url = xc.authorize_url(
            self.login_url, client_id=creds["client_id"], redirect_uri=self._redirect_uri(),
            scopes=self.scopes, state=state, code_challenge=challenge)
        return {"type": "ir.actions.act_url", "url": url, "target": "self"}

    @api.model
    def _oauth_connection_for_state(self, state):
        """The connection waiting for ``state`` for the current user, or raise."""
        if not state:
            raise AccessDenied(_("The Xero answer has no state."))
        conn = self.sudo().search([("oauth_state_hash", "=", _hash_state(state))], limit=1)
        if (not conn or conn.oauth_state_user_id != self.env.user
                or not conn.oauth_state_expires or conn.oauth_state_expires < fields.Datetime.now()):
            raise AccessDenied(_("This Xero authorisation was not started by you in this session, "
                                 "or it has expired. Start again from Settings › Xero."))
        return conn

    def _oauth_finish(self, code):
        """Exchange ``code`` for tokens; returns the offered organisations."""
        self.ensure_one()
        conn = self.sudo()
        verifier = conn.oauth_code_verifier
        # single use: forget the state whatever happens next
        conn.write({"oauth_state_hash": False, "oauth_state_user_id": False,
                    "oauth_state_expires": False, "oauth_code_verifier": False})
        creds = self._check_credentials()
        token = xc.exchange_code(
            self.identity_url, client_id=creds["client_id"], client_secret=creds["client_secret"],
            code=code, redirect_uri=self._redirect_uri(), code_verifier=verifier, scopes=self.scopes)
        self._store_token(token)
        tenants = [t for t in self._client(tenant_id="").list_connections()
                   if t.get("tenantType", "ORGANISATION") == "ORGANISATION"]
        if not tenants:
            raise UserError(_("Xero did not give access to any organisation."))
        return tenants

    def _oauth_select_tenant(self, tenant):
        """Bind the connection to one organisation from /connections."""
        self.ensure_one()
        self.sudo().write({
            "tenant_id": tenant["tenantId"],
            "xero_connection_ref": tenant.get("id"),
            "tenant_name": tenant.get("tenantName"),
            "state": "connected",
            "connected_since": fields.Datetime.now(),
            "connected_by_id": self.env.user.id,
            "last_error": False,
        })
        self._refresh_organisation()
        self.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref("mail.mail_activity_data_warning")
        ).action_feedback(feedback=_("Reconnected."))
        self.message_post(body=_("Connected to the Xero organisation %(org)s.", org=self.tenant_name))

    def _refresh_organisation(self):
        org = self._client().get_organisation()
        self.sudo().write({
            "tenant_name": org.get("Name") or self.tenant_name,
            "short_code": org.get("ShortCode"),
            "base_currency": org.get("BaseCurrency"),
        })
        return org

    def action_disconnect(self):
        self.ensure_one()
        if not self.env.user.has_group("base.group_system"):
            raise AccessDenied()
        creds = self._secrets()
        ref = self.sudo().xero_connection_ref
        try:
            if ref and self.state == "connected":
                self._client().delete_connection(ref)
        except xc.XeroError as exc:
            _logger.info("Xero connection %s: DELETE /connections failed: %s", self.id, exc)
        try:
            if creds["refresh_token"]:
                xc.revoke_token(self.identity_url, client_id=creds["client_id"],
                                client_secret=creds["client_secret"], token=creds["refresh_token"])
        except xc.XeroError as exc:
            _logger.info("Xero connection %s: token revocation failed: %s", self.id, exc)
        self.sudo().write({
            "state": "disconnected", "access_token": False, "refresh_token": False,
            "token_expires_at": False, "tenant_id": False, "xero_connection_ref": False,
            "connected_since": False,
        })
        self.message_post(body=_("Disconnected from Xero."))
        return True

    def action_test(self):
        self.ensure_one()
        try:
            org = self._refresh_organisation()
        except xc.XeroError as exc:
            raise UserError(_("Xero connection test failed: %(error)s", error=exc.message)) from exc
        return {
            "type": "ir.actions.client", "tag": "display_notification",
            "params": {"type": "success", "title": _("Xero"),
                       "message": _("Connected to %(org)s (%(cur)s).", org=org.get("Name"),
                                    cur=org.get("BaseCurrency") or "?")},
        }

    # ------------------------------------------------------------------
    # Tokens
    # ------------------------------------------------------------------
    def _store_token(self, token):
        self.sudo().write({
            "access_token": token["access_token"],
            "refresh_token": token.get("refresh_token"),
            "token_expires_at": datetime.utcfromtimestamp(token["expires_at"]),
        })

    def _token_dict(self, access_token, refresh_token, expires_at):
        return {
            "access_token": access_token,
            "refresh_token": refresh_token,
            "token_type": "Bearer",
            "expires_at": expires_at,
            "scope": self.scopes.split(),
        }

    def _current_token(self):
        creds = self._secrets()
        expires = self.sudo().token_expires_at
        return self._token_dict(creds["access_token"], creds["refresh_token"], _epoch(expires))

    def _refresh_token_locked(self, stale_access_token, force=False):
        """Refresh the tokens in a separate, committed transaction.

        The connection row is locked (``FOR NO KEY UPDATE``) so that two
        workers never spend the same refresh token; whoever gets the lock
        second finds a new access token and uses it.  The rotated refresh
        token is committed at once, so it survives a rollback of the caller.
        """
        self.ensure_one()
        creds = self._check_credentials()
        with self.env.registry.cursor() as cr:
            cr.execute("SET LOCAL lock_timeout = '20s'")
            cr.execute("""SELECT access_token, refresh_token, token_expires_at, state
                            FROM xero_connection WHERE id = %s FOR NO KEY UPDATE""", [self.id])
            row = cr.fetchone()
            if not row:
                raise UserError(_("This Xero connection no longer exists."))
            access, refresh, expires, state = row
            fresh = expires and expires > datetime.utcnow() + timedelta(seconds=xc.TOKEN_MARGIN)
            if access and access != stale_access_token and (fresh or force):
                return self._token_dict(access, refresh, _epoch(expires))
            if not refresh or state == "reauth":
                raise xc.XeroAuthError(_("This connection to Xero must be re-authorised."))
            try:
                token = xc.refresh_token(
                    self.identity_url, client_id=creds["client_id"],
                    client_secret=creds["client_secret"], refresh_token=refresh, scopes=self.scopes)
            except xc.XeroAuthError as exc:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["xero.connection"].browse(self.id)._mark_needs_reauth(exc)
                cr.commit()
                raise
            cr.execute("""UPDATE xero_connection
                             SET access_token = %s, refresh_token = %s, token_expires_at = %s,
                                 write_date = now() at time zone 'UTC'
                           WHERE id = %s""",
                       [token["access_token"], token.get("refresh_token") or refresh,
                        datetime.utcfromtimestamp(token["expires_at"]), self.id])
            cr.commit()
        self.invalidate_recordset(["access_token", "refresh_token", "token_expires_at"])
        return token

    def _mark_needs_reauth(self, error):
        self.ensure_one()
        self.write({"state": "reauth", "access_token": False, "refresh_token": False,
                    "token_expires_at": False, "last_error": str(error)})
        message = _("Xero refused the stored authorisation (%(error)s). An administrator must "
                    "reconnect %(org)s in Settings › Xero.", error=error, org=self.tenant_name or "Xero")
        self.message_post(body=message, message_type="notification")
        user = self.responsible_user_id or self.connected_by_id
        if user:
            self.activity_schedule(
                "mail.mail_activity_data_warning", user_id=user.id,
                summary=_("Reconnect Xero"), note=message)

    def _client(self, tenant_id=None, wait_budget=30.0, before_wait=None):
        """A :class:`XeroClient` for this connection, refreshing tokens as needed."""
        self.ensure_one()
        creds = self._secrets()
        cache = {"token": self._current_token()}

        def token_provider(force=False):
            token = cache["token"]
            if force or not token["access_token"] or token["expires_at"] <= time.time() + xc.TOKEN_MARGIN:
                cache["token"] = self._refresh_token_locked(token["access_token"], force=force)
            return cache["token"]

        return xc.XeroClient(
            api_url=self.api_url,
            tenant_id=creds["tenant_id"] if tenant_id is None else tenant_id,
            token_provider=token_provider,
            client_id=creds["client_id"], client_secret=creds["client_secret"],
            wait_budget=wait_budget, before_wait=before_wait,
            slot_guard=self._api_slot_guard(creds["tenant_id"] if tenant_id is None else tenant_id),
            minute_seconds=float(self.env["ir.config_parameter"].sudo().get_param(
                "xero_connector.rate_limit_minute_seconds", xc.MINUTE_SECONDS) or xc.MINUTE_SECONDS),
        )

    def _api_slot_guard(self, tenant_id):
        """``callable() -> context manager`` holding one of the tenant's ``xc.CONCURRENT_SLOTS``.

        A slot is a PostgreSQL session-level advisory lock ``(API_SLOT_NAMESPACE,
        tenant hash * 8 + slot)`` taken on a cursor of its own, so it is shared by every Odoo
        worker and server on this database, independent of the caller's transaction (its
        commits, rollbacks or errors), and released right after the request, or by PostgreSQL
        when a killed process's connection goes.  All taken: wait briefly and try again.
        """
        if not tenant_id:
            return None
        base = (zlib.crc32(tenant_id.encode()) & 0x0FFFFFFF) * 8
        registry = self.env.registry

        @contextlib.contextmanager
        def guard():
            deadline = time.monotonic() + API_SLOT_WAIT
            with registry.cursor() as cr:
                slot = None
                while slot is None:
                    for n in range(xc.CONCURRENT_SLOTS):
                        cr.execute("SELECT pg_try_advisory_lock(%s, %s)", (API_SLOT_NAMESPACE, base + n))
                        if cr.fetchone()[0]:
                            slot = n
                            break
                    else:
                        if time.monotonic() > deadline:
                            raise xc.XeroRateLimitError(
                                _("%(count)s calls to this Xero organisation are under way in other Odoo "
                                  "workers; try again in a moment.", count=xc.CONCURRENT_SLOTS),
                                retry_after=1, problem="concurrent")
                        time.sleep(0.02 + random.random() * 0.08)
                try:
                    yield slot
                finally:
                    cr.execute("SELECT pg_advisory_unlock(%s, %s)", (API_SLOT_NAMESPACE, base + slot))
        return guard

    def _ensure_connected(self):
        self.ensure_one()
        if self.state != "connected":
            raise UserError(_("%(org)s: the Xero connection is not active (%(state)s).",
                              org=self.name, state=dict(self._fields["state"].selection)[self.state]))

    # ------------------------------------------------------------------
    # Deep links
    # ------------------------------------------------------------------
    def _deep_link(self, path):
        self.ensure_one()
        if not self.short_code:
            return f"{self.web_url.rstrip('/')}{path}"
        return (f"{self.web_url.rstrip('/')}/organisationlogin/default.aspx?"
                f"shortcode={quote(self.short_code)}&redirecturl={quote(path)}")

    # ------------------------------------------------------------------
    # Runs from the connection
    # ------------------------------------------------------------------
    def _run_and_show(self, run):
        """Run ``run(engine)`` now and open the resulting log."""
        self.ensure_one()
        try:
            log = run(SyncEngine(self, trigger="manual"))
        except xc.XeroError as exc:
            raise UserError(_("Xero sync failed: %(error)s", error=exc.message)) from exc
        return {"type": "ir.actions.act_window", "res_model": "xero.sync.log", "res_id": log.id,
                "view_mode": "form", "target": "current", "name": log.name}

    def action_fetch_match(self):
        """Fetch & Match every entity: link what exists on both sides, create nothing."""
        self.ensure_one()
        mappings = self.env["xero.mapping"]._ensure_all(self)
        logs = self.env["xero.sync.log"]
        try:
            for mapping in mappings.filtered(lambda m: MAPPERS[m.entity].match_keys):
                logs |= SyncEngine(self, trigger="manual").fetch_and_match(mapping.entity)
        except xc.XeroError as exc:
            raise UserError(_("Fetch & Match failed: %(error)s", error=exc.message)) from exc
        return {"type": "ir.actions.act_window", "res_model": "xero.sync.log", "name": _("Fetch & Match"),
                "view_mode": "list,form", "domain": [("id", "in", logs.ids)], "target": "current"}

    def action_view_mappings(self):
        self.ensure_one()
        self.env["xero.mapping"]._ensure_all(self)
        return {"type": "ir.actions.act_window", "res_model": "xero.mapping", "name": _("Sync Rules"),
                "view_mode": "list,form", "domain": [("connection_id", "=", self.id)],
                "context": {"default_connection_id": self.id}}

    def action_view_bindings(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window", "name": _("Xero Links"), "res_model": "xero.binding",
            "view_mode": "list,form", "domain": [("connection_id", "=", self.id)],
        }


def _epoch(value):
    """Naive UTC datetime (as Odoo stores them) -> POSIX timestamp; None -> 0."""
    return calendar.timegm(value.timetuple()) if value else 0
