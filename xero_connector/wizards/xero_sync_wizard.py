from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.xero_sync_job import JOB_DIRECTIONS, WINDOWS


class XeroSyncWizard(models.TransientModel):
    """'Sync with Xero': which entities, which way, which window; preview or for real."""

    _name = "xero.sync.wizard"
    _description = "Sync with Xero"

    connection_id = fields.Many2one(
        "xero.connection", required=True,
        default=lambda self: self.env["xero.connection"]._for_company(raise_if_missing=False))
    mapping_ids = fields.Many2many(
        "xero.mapping", string="Entities", domain="[('connection_id', '=', connection_id)]",
        default=lambda self: self._default_mappings(self.env["xero.connection"].browse(
            self.env.context.get("default_connection_id")) or
            self.env["xero.connection"]._for_company(raise_if_missing=False)),
        help="Contacts, products, invoices, payments...: what to sync.")
    direction = fields.Selection(JOB_DIRECTIONS, required=True, default="both")
    window = fields.Selection(WINDOWS, required=True, default="last")
    days = fields.Integer("Days", default=7)
    date_from = fields.Datetime("From")
    date_to = fields.Datetime("To")
    preview = fields.Boolean(
        "Preview Only", help="A dry run: counts and the list of what would be created, updated or skipped on "
                             "each side. Nothing is written in Odoo or in Xero.")

    @api.model
    def _default_mappings(self, connection):
        if not connection:
            return self.env["xero.mapping"]
        mappings = self.env["xero.mapping"]._ensure_all(connection)
        return mappings.filtered(lambda m: m.entity in ("contact", "product", "invoice", "credit_note", "payment"))

    @api.onchange("connection_id")
    def _onchange_connection_id(self):
        if self.connection_id and self.mapping_ids.connection_id != self.connection_id:
            self.mapping_ids = self._default_mappings(self.connection_id)

    def action_run(self):
        self.ensure_one()
        if self.connection_id.state != "connected":
            raise UserError(_("%(name)s is not connected to Xero.", name=self.connection_id.name))
        if not self.mapping_ids:
            raise UserError(_("Tick at least one entity to sync."))
        values = {"connection_id": self.connection_id.id, "mapping_ids": [(6, 0, self.mapping_ids.ids)],
                  "direction": self.direction, "window": self.window, "preview": self.preview,
                  "trigger": "manual", "user_id": self.env.user.id}
        if self.window == "days":
            if self.days < 1:
                raise UserError(_("Give a number of days of at least 1."))
            values["date_from"] = fields.Datetime.now() - timedelta(days=self.days)
        elif self.window == "range":
            if not self.date_from:
                raise UserError(_("Give the start of the date range."))
            if self.date_to and self.date_to < self.date_from:
                raise UserError(_("The end of the date range is before its start."))
            values.update(date_from=self.date_from, date_to=self.date_to)
        job = self.env["xero.sync.job"]._queue(values)
        return {
            "type": "ir.actions.client", "tag": "display_notification",
            "params": {
                "type": "info", "title": _("Sync with Xero"),
                "message": _("%(job)s is running in the background; you will be told when it is done.",
                             job=job.name),
                "next": {"type": "ir.actions.act_window", "res_model": "xero.sync.job", "res_id": job.id,
                         "view_mode": "form", "views": [[False, "form"]]},
            },
        }
