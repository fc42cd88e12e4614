import logging

from werkzeug.exceptions import Forbidden

from odoo import _, http
from odoo.exceptions import AccessDenied, UserError
from odoo.http import request

from ..services import xero_client as xc
from ..models.xero_connection import CALLBACK_PATH

_logger = logging.getLogger(__name__)


class XeroOAuthController(http.Controller):

    @http.route(CALLBACK_PATH, type="http", auth="user", methods=["GET"])
    def oauth_callback(self, state=None, code=None, error=None, **kwargs):
        """Xero redirects here after consent with ``code`` and our ``state``."""
        if not request.env.user.has_group("base.group_system"):
            raise Forbidden()
        Connection = request.env["xero.connection"]
        try:
            conn = Connection._oauth_connection_for_state(state)
        except AccessDenied as exc:
            _logger.warning("Xero OAuth callback with an unknown or foreign state (user %s)",
                            request.env.uid)
            return request.render("xero_connector.oauth_result", {
                "title": _("Xero connection refused"), "message": exc.args[0] if exc.args else "",
                "ok": False})
        if error or not code:
            message = conn._oauth_error_message(error, kwargs.get("error_description"))
            values = {"oauth_state_hash": False, "oauth_code_verifier": False, "oauth_reconsent": False}
            if error and error != "access_denied":
                values["last_error"] = message
            conn.sudo().write(values)
            return request.render("xero_connector.oauth_result", {
                "title": _("Xero connection refused") if error in ("invalid_scope", "unauthorized_client")
                else _("Xero connection cancelled"),
                "message": message, "ok": False})
        try:
            tenants = conn._oauth_finish(code)
        except (xc.XeroError, UserError) as exc:
            conn.sudo().write({"last_error": str(exc)})
            return request.render("xero_connector.oauth_result", {
                "title": _("Xero connection failed"), "message": str(exc), "ok": False})
        if len(tenants) == 1:
            conn._oauth_select_tenant(tenants[0])
            return request.redirect(self._settings_url())
        picker = request.env["xero.tenant.picker"].create({
            "connection_id": conn.id,
            "line_ids": [(0, 0, {"tenant_id": t["tenantId"], "name": t.get("tenantName") or t["tenantId"],
                                 "xero_connection_ref": t.get("id")}) for t in tenants],
        })
        return request.redirect(f"/odoo/action-xero_connector.action_xero_tenant_picker/{picker.id}")

    @staticmethod
    def _settings_url():
        return "/odoo/settings#xero_connector"
