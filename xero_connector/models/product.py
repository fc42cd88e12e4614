from odoo import api, fields, models

from .xero_binding import SYNC_STATES

# Xero fields of a single-variant template, read from (and the tick written to) its variant.
_TEMPLATE_FIELDS = ("xero_allow_sync", "xero_id", "xero_url", "xero_sync_state", "xero_last_sync",
                    "xero_last_error", "xero_connected")


class ProductProduct(models.Model):
    _name = "product.product"
    _inherit = ["product.product", "xero.sync.mixin"]

    def init(self):
        super().init()
        # Xero matching looks products up by their code, case-insensitively (services/mappers.py)
        self.env.cr.execute("CREATE INDEX IF NOT EXISTS product_product_xero_lower_code_idx "
                            "ON product_product (lower(default_code))")
    _xero_entity = "product"

    @api.model
    def _xero_deep_link_path(self, xero_id):
        return f"/Accounts/Inventory/{xero_id}"


class ProductTemplate(models.Model):
    """The Xero fields of a product without variants, on its template form."""

    _inherit = "product.template"

    xero_allow_sync = fields.Boolean("Allow Xero Sync", compute="_compute_xero_fields",
                                     inverse="_inverse_xero_allow_sync")
    xero_id = fields.Char("Xero ID", compute="_compute_xero_fields")
    xero_url = fields.Char("Xero Link", compute="_compute_xero_fields")
    xero_sync_state = fields.Selection(SYNC_STATES, string="Xero Status", compute="_compute_xero_fields")
    xero_last_sync = fields.Datetime("Last Xero Sync", compute="_compute_xero_fields")
    xero_last_error = fields.Text("Xero Error", compute="_compute_xero_fields")
    xero_connected = fields.Boolean(compute="_compute_xero_fields")

    @api.depends(*(f"product_variant_ids.{name}" for name in _TEMPLATE_FIELDS))
    @api.depends_context("company")
    def _compute_xero_fields(self):
        for template in self:
            variant = template.product_variant_ids if len(template.product_variant_ids) == 1 else None
            for name in _TEMPLATE_FIELDS:
                template[name] = variant[name] if variant else False
            template.xero_sync_state = template.xero_sync_state or "not_synced"

    def _inverse_xero_allow_sync(self):
        for template in self:
            template.product_variant_ids.xero_allow_sync = template.xero_allow_sync

    def write(self, vals):
        result = super().write(vals)
        # Template fields (name, prices, descriptions) are the variants' too.
        variants = self.with_context(active_test=False).product_variant_ids
        tracked = variants._xero_tracked_fields() if variants else ()
        if set(vals) & set(tracked):
            self.env["xero.binding"].sudo().search([
                ("res_model", "=", "product.product"), ("res_id", "in", variants.ids),
                ("xero_id", "!=", False), ("need_sync", "=", False)]).write({"need_sync": True})
        return result

    def action_xero_sync(self):
        return self.product_variant_ids.action_xero_sync()

    def action_xero_open(self):
        return self.product_variant_id.action_xero_open()
