import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..services import xero_client as xc

_logger = logging.getLogger(__name__)


class XeroTenantPicker(models.TransientModel):
    """Shown after consent when Xero gave access to several organisations."""

    _name = "xero.tenant.picker"
    _description = "Choose a Xero Organisation"

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="connection_id.company_id")
    line_ids = fields.One2many("xero.tenant.picker.line", "picker_id")
    line_id = fields.Many2one("xero.tenant.picker.line", string="Organisation",
                              domain="[('picker_id', '=', id)]")

    def action_confirm(self):
        self.ensure_one()
        if not self.line_id:
            raise UserError(_("Choose the Xero organisation to connect %(company)s to.",
                              company=self.company_id.name))
        conn = self.connection_id
        chosen = self.line_id.sudo()
        conn._oauth_select_tenant({"tenantId": chosen.tenant_id, "tenantName": chosen.name,
                                   "id": chosen.xero_connection_ref})
        # Give back the organisations we were offered but do not use.
        client = conn._client(tenant_id="")
        for line in (self.line_ids - self.line_id).sudo():
            try:
                client.delete_connection(line.xero_connection_ref)
            except xc.XeroError as exc:
                _logger.info("Could not release Xero organisation %s: %s", line.name, exc)
        return {"type": "ir.actions.act_url", "url": "/odoo/settings#xero_connector", "target": "self"}


class XeroTenantPickerLine(models.TransientModel):
    _name = "xero.tenant.picker.line"
    _description = "Offered Xero Organisation"

    picker_id = fields.Many2one("xero.tenant.picker", required=True, ondelete="cascade")
    name = fields.Char(required=True)
    tenant_id = fields.Char(required=True, groups="base.group_system")
    xero_connection_ref = fields.Char(groups="base.group_system")

    @api.depends("name")
    def _compute_display_name(self):
        for line in self:
            line.display_name = line.name
