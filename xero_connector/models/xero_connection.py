import calendar
import contextlib
import hashlib
import logging
import math
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
# Calls a day per organisation.  Since 2 March 2026 Xero's Starter tier (what a company that
# registers its own app usually gets) allows 1,000; custom connections are exempt and keep 5,000.
DAY_LIMITS = {"starter": 1000, "standard": 5000, "custom": 5000}


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

    # -- scopes -------------------------------------------------------------
    granted_scopes = fields.Char(
        readonly=True, copy=False,
        help="The scopes Xero granted at the last consent (from its token answer).")
    missing_scopes = fields.Char(
        compute="_compute_scope_status",
        help="Granular scopes the synced entities need that Xero has not granted to this connection.")
    scope_warning = fields.Text(compute="_compute_scope_status")
    oauth_reconsent = fields.Boolean(groups="base.group_system", copy=False, readonly=True)

    # -- daily API budget ------------------------------------------------------
    api_day_limit = fields.Selection(
        [("starter", "1,000 a day (Starter tier)"), ("standard", "5,000 a day"),
         ("custom", "Custom connection (5,000 a day)")],
        string="Daily API Limit", default="starter", required=True,
        help="Xero's calls a day for this organisation. Since 2 March 2026 the Starter tier allows 1,000; "
             "custom connections are exempt from it and higher tiers allow 5,000.")
    api_day_budget = fields.Integer("Daily Budget (calls)", compute="_compute_api_budget")
    api_calls_24h = fields.Integer(
        "API Calls (last 24 h)", compute="_compute_api_budget",
        help="Sum of the API calls of this connection's sync runs of the last 24 hours.")
    api_calls_scheduled = fields.Integer(
        "Scheduled Calls a Day", compute="_compute_api_budget",
        help="Expected API calls a day of the active schedules: runs a day times the calls of their recent "
             "runs (one page read per imported entity when they have not run yet).")
    api_day_projected = fields.Integer(
        "Projected Daily Use", compute="_compute_api_budget",
        help="The last 24 hours' calls that did not come from schedules, plus the schedules' expected calls "
             "a day.")
    api_day_seen_at = fields.Datetime(
        "Day Budget Seen At", compute="_compute_api_budget",
        help="When Xero last reported the calls left today (X-DayLimit-Remaining) on a sync run.")
    api_budget_warning = fields.Text(compute="_compute_api_budget")

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

    @api.depends("granted_scopes", "scopes", "state")
    def _compute_scope_status(self):
        needed = xc.scopes_for()
        for conn in self:
            # Connections made before granted scopes were recorded: Xero grants what was asked.
            granted = (conn.granted_scopes or conn.scopes or "").split()
            missing = [s for s in needed if not xc.scope_covers(granted, s)]
            retired = [s for s in granted if s in xc.RETIRED_SCOPES]
            conn.missing_scopes = " ".join(missing) or False
            if conn.state == "disconnected" or not missing:
                conn.scope_warning = False
            elif retired:
                conn.scope_warning = _(
                    "This connection uses Xero's broad %(old)s permission, which Xero has retired: apps "
                    "created since 2 March 2026 cannot ask for it and older apps must stop using it by "
                    "September 2027. Press Re-consent to grant the granular permissions instead (%(new)s); "
                    "the organisation and all links stay the same.",
                    old=", ".join(retired), new=", ".join(missing))
            else:
                conn.scope_warning = _(
                    "Xero has not granted this connection %(missing)s, so the records that need it cannot be "
                    "synced. Press Re-consent and allow access in Xero; the organisation and all links stay "
                    "the same.", missing=", ".join(missing))

    def _api_day_budget(self):
        """Xero's calls a day for this organisation, as the connection is set up."""
        self.ensure_one()
        return DAY_LIMITS.get(self.api_day_limit, DAY_LIMITS["starter"])

    @api.model
    def _schedule_calls_a_day(self, schedule):
        """Expected API calls a day of one schedule: its runs a day times the calls of a run.

        A run costs what its last (up to 10) finished runs cost on average; a schedule that has
        not run yet costs at least one page read per entity it imports (an export of nothing
        changed costs nothing).
        """
        if schedule.mode == "interval":
            runs = math.ceil(24 * 60 / max(schedule.interval_minutes, 1))
        else:
            runs = len(schedule._parsed_times())
        jobs = schedule.job_ids.filtered(lambda j: j.state in ("done", "partial", "failed"))[:10]
        if jobs:
            per_run = sum(jobs.log_ids.mapped("api_calls")) / len(jobs)
        else:
            per_run = len(schedule.mapping_ids) if schedule.direction in ("import", "both") else 0
        return math.ceil(runs * per_run)

    @api.depends("api_day_limit")
    def _compute_api_budget(self):
        since = fields.Datetime.now() - timedelta(hours=24)
        Log = self.env["xero.sync.log"].sudo()
        for conn in self:
            budget = conn._api_day_budget()
            logs = Log.search([("connection_id", "=", conn.id), ("date_start", ">=", since)]) if conn.id else Log
            used = sum(logs.mapped("api_calls"))
            unscheduled = sum(logs.filtered(lambda l: l.trigger != "cron").mapped("api_calls"))
            scheduled = sum(conn._schedule_calls_a_day(s) for s in conn.sudo().schedule_ids.filtered("active"))
            seen = logs.filtered(lambda l: l.api_calls)[:1]
            conn.api_day_budget = budget
            conn.api_calls_24h = used
            conn.api_calls_scheduled = scheduled
            conn.api_day_projected = unscheduled + scheduled
            conn.api_day_seen_at = seen.date_end or seen.date_start or False
            if unscheduled + scheduled > budget:
                conn.api_budget_warning = _(
                    "Projected use of %(projected)s API calls a day is over Xero's daily limit of %(budget)s "
                    "for this organisation: runs will stop when Xero refuses more calls. Run schedules less "
                    "often, sync fewer entities, or use a custom connection (exempt from the Starter tier's "
                    "1,000 calls a day).", projected=unscheduled + scheduled, budget=budget)
            else:
                conn.api_budget_warning = False

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

    def action_reconsent(self):
        """Ask Xero again, for the granular scopes the connection needs (same organisation)."""
        self.ensure_one()
        if not self.env.user.has_group("base.group_system"):
            raise AccessDenied()
        asked = [s for s in (self.scopes or "").split() if s not in xc.RETIRED_SCOPES]
        wanted = list(dict.fromkeys(list(xc.IDENTITY_SCOPES) + asked + xc.scopes_for()))
        self.sudo().write({"scopes": " ".join(wanted), "oauth_reconsent": True})
        return self.action_connect()

    @api.model
    def _oauth_error_message(self, error, description=None):
        """Plain words for an ``error`` Xero sent back to the callback instead of a code."""
        said = f" ({description})" if description else ""
        if error in ("invalid_scope", "unauthorized_client"):
            return _(
                "Xero refused the permissions (scopes) Odoo asked for%(said)s. Xero apps created since "
                "2 March 2026 may no longer ask for the broad accounting.transactions permission, only for "
                "the granular ones (accounting.invoices, accounting.payments, accounting.banktransactions, "
                "...). In Settings › Xero set Scopes to Odoo's default (%(default)s), or remove the refused "
                "scope, then press Connect again.", said=said, default=xc.DEFAULT_SCOPES)
        if error == "access_denied":
            return _("Access was not allowed in Xero; nothing was changed.")
        return _("Xero answered: %(error)s%(said)s", error=error or _("no authorisation code"), said=said)

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
        reconsent, bound_tenant = conn.oauth_reconsent, conn.tenant_id
        # single use: forget the state whatever happens next
        conn.write({"oauth_state_hash": False, "oauth_state_user_id": False,
                    "oauth_state_expires": False, "oauth_code_verifier": False, "oauth_reconsent": False})
        creds = self._check_credentials()
        token = xc.exchange_code(
            self.identity_url, client_id=creds["client_id"], client_secret=creds["client_secret"],
            code=code, redirect_uri=self._redirect_uri(), code_verifier=verifier, scopes=self.scopes,
            translate=self.env._)
        self._store_token(token)
        tenants = [t for t in self._client(tenant_id="").list_connections()
                   if t.get("tenantType", "ORGANISATION") == "ORGANISATION"]
        if not tenants:
            raise UserError(_("Xero did not give access to any organisation."))
        if reconsent and bound_tenant:
            # a re-consent upgrades the permissions of the same organisation, never switches it
            same = [t for t in tenants if t.get("tenantId") == bound_tenant]
            if not same:
                raise UserError(_("Xero did not give access to %(org)s again: tick that organisation on "
                                  "Xero's page when you press Re-consent.", org=self.tenant_name or "?"))
            return same
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
            "connected_since": False, "granted_scopes": False,
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
            "granted_scopes": " ".join(token.get("scope") or []) or False,
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
                    client_secret=creds["client_secret"], refresh_token=refresh, scopes=self.scopes,
                    translate=self.env._)
            except xc.XeroAuthError as exc:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["xero.connection"].browse(self.id)._mark_needs_reauth(exc)
                cr.commit()
                raise
            cr.execute("""UPDATE xero_connection
                             SET access_token = %s, refresh_token = %s, token_expires_at = %s,
                                 granted_scopes = COALESCE(%s, granted_scopes),
                                 write_date = now() at time zone 'UTC'
                           WHERE id = %s""",
                       [token["access_token"], token.get("refresh_token") or refresh,
                        datetime.utcfromtimestamp(token["expires_at"]),
                        " ".join(token.get("scope") or []) or None, self.id])
            cr.commit()
        self.invalidate_recordset(["access_token", "refresh_token", "token_expires_at", "granted_scopes"])
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
            translate=self.env._,
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
                                self.env._("%(count)s calls to this Xero organisation are under way in other "
                                           "Odoo workers; try again in a moment.", count=xc.CONCURRENT_SLOTS),
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
                              org=self.name, state=dict(self._fields["state"]._description_selection(self.env))[self.state]))

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
