from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..services import xero_client as xc

# settings field -> xero.connection field
_CONNECTION_FIELDS = {
    "xero_client_id": "client_id",
    "xero_client_secret": "client_secret",
    "xero_scopes": "scopes",
    "xero_login_url": "login_url",
    "xero_identity_url": "identity_url",
    "xero_api_url": "api_url",
    "xero_web_url": "web_url",
}


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    xero_log_retention_days = fields.Integer(
        "Keep Xero Sync Logs (days)", default=90, config_parameter="xero_connector.log_retention_days")
    xero_connection_id = fields.Many2one("xero.connection", compute="_compute_xero_connection")
    xero_state = fields.Selection(related="xero_connection_id.state")
    xero_status_line = fields.Char(related="xero_connection_id.status_line")
    xero_client_id = fields.Char("Xero Client ID", groups="base.group_system")
    xero_client_secret = fields.Char("Xero Client Secret", groups="base.group_system")
    xero_scopes = fields.Char("Xero Scopes", default=xc.DEFAULT_SCOPES)
    xero_login_url = fields.Char("Xero Login URL", default=xc.DEFAULT_LOGIN_URL)
    xero_identity_url = fields.Char("Xero Identity URL", default=xc.DEFAULT_IDENTITY_URL)
    xero_api_url = fields.Char("Xero API URL", default=xc.DEFAULT_API_URL)
    xero_web_url = fields.Char("Xero Web URL", default=xc.DEFAULT_WEB_URL)
    xero_redirect_uri = fields.Char("Redirect URI", compute="_compute_xero_connection",
                                    help="Register this URI in your Xero app.")

    @api.depends("company_id")
    def _compute_xero_connection(self):
        for settings in self:
            conn = self.env["xero.connection"].with_company(settings.company_id)._for_company(
                settings.company_id, raise_if_missing=False)
            settings.xero_connection_id = conn
            settings.xero_redirect_uri = self.env["xero.connection"]._redirect_uri()

    @api.model
    def get_values(self):
        res = super().get_values()
        conn = self.env["xero.connection"]._for_company(raise_if_missing=False)
        if conn:
            conn = conn.sudo()
            res.update({key: conn[field] for key, field in _CONNECTION_FIELDS.items()})
        return res

    def set_values(self):
        super().set_values()
        self._xero_save()

    def _xero_save(self):
        """Write the Xero settings to the company's connection (creating it)."""
        self.ensure_one()
        values = {field: self[key] for key, field in _CONNECTION_FIELDS.items()}
        conn = self.env["xero.connection"].sudo()._for_company(self.company_id, raise_if_missing=False)
        if conn:
            changed = {k: v for k, v in values.items() if conn[k] != v}
            if changed:
                conn.write(changed)
        elif values["client_id"]:
            conn = self.env["xero.connection"].sudo().create(dict(values, company_id=self.company_id.id))
        return conn

    def action_xero_connect(self):
        conn = self._xero_save()
        if not conn:
            raise UserError(_("Enter the Client ID and Client Secret of your Xero app first."))
        return conn.with_env(self.env).action_connect()

    def action_xero_disconnect(self):
        return self.xero_connection_id.action_disconnect()

    def action_xero_test(self):
        return self.xero_connection_id.action_test()
