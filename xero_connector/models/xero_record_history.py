"""Per-record history: the Xero tab of a synced record lists what its runs did to it, and can
preview what the next sync would do (the engine's preview push of that one record)."""

from odoo import _, fields, models
from odoo.exceptions import UserError

from ..services import xero_client as xc
from ..services.engine import SyncEngine

HISTORY_LIMIT = 50


class XeroSyncLogLineHistory(models.Model):
    _inherit = "xero.sync.log.line"

    log_date = fields.Datetime(related="log_id.date_start", string="When")
    log_direction = fields.Selection(related="log_id.direction", string="Direction")
    log_trigger = fields.Selection(related="log_id.trigger", string="Started By")
    log_connection_id = fields.Many2one(related="log_id.connection_id", string="Connection")

    def action_open_log(self):
        self.ensure_one()
        return {"type": "ir.actions.act_window", "res_model": "xero.sync.log", "res_id": self.log_id.id,
                "view_mode": "form", "views": [[False, "form"]]}


class XeroSyncMixinHistory(models.AbstractModel):
    _inherit = "xero.sync.mixin"

    xero_history_ids = fields.One2many(
        "xero.sync.log.line", compute="_compute_xero_history", string="Xero Sync History",
        help="What the last runs (at most 50, newest first) did to this record; previews are not listed.")

    def _xero_history_domain(self):
        return [("res_model", "=", self._name), ("res_id", "in", self.ids), ("log_id.preview", "=", False)]

    def _compute_xero_history(self):
        Line = self.env["xero.sync.log.line"]
        real = self.filtered("id")
        for record in self - real:
            record.xero_history_ids = Line
        for record in real:
            record.xero_history_ids = Line.search(record._xero_history_domain(), order="id desc",
                                                  limit=HISTORY_LIMIT)

    def action_xero_preview(self):
        """What the next sync would do to these records: the engine's preview push (nothing is written
        to Xero); its run opens with one line per record."""
        connection = self.env["xero.connection"]._for_company()
        logs = self.env["xero.sync.log"]
        for entity, records in self._xero_entity_groups():
            try:
                logs |= SyncEngine(connection, trigger="button").push(entity, records, preview=True)
            except xc.XeroError as exc:
                raise UserError(_("Xero preview failed: %(error)s", error=exc.message)) from exc
        if not logs:
            raise UserError(_("This record does not sync with Xero."))
        if len(logs) == 1:
            return {"type": "ir.actions.act_window", "res_model": "xero.sync.log", "res_id": logs.id,
                    "view_mode": "form", "views": [[False, "form"]], "target": "new",
                    "name": _("Next sync (preview)")}
        return {"type": "ir.actions.act_window", "res_model": "xero.sync.log", "view_mode": "list,form",
                "views": [[False, "list"], [False, "form"]], "domain": [("id", "in", logs.ids)],
                "name": _("Next sync (preview)")}


class ProductTemplateHistory(models.Model):
    """A single-variant template shows its variant's history and previews its variant."""

    _inherit = "product.template"

    xero_history_ids = fields.One2many(
        "xero.sync.log.line", compute="_compute_xero_history", string="Xero Sync History")

    def _compute_xero_history(self):
        for template in self:
            variant = template.product_variant_ids if len(template.product_variant_ids) == 1 else None
            template.xero_history_ids = variant.xero_history_ids if variant else \
                self.env["xero.sync.log.line"]

    def action_xero_preview(self):
        return self.product_variant_ids.action_xero_preview()
