from odoo import api, fields, models


class PurchaseOrder(models.Model):
    _name = "purchase.order"
    _inherit = ["purchase.order", "xero.sync.mixin"]
    _xero_entity = "purchase_order"

    xero_status = fields.Char("Status in Xero", compute="_compute_xero_po_fields")
    xero_locked = fields.Char("Locked in Xero", compute="_compute_xero_po_fields")

    @api.depends("xero_binding_ids.xero_status", "xero_binding_ids.xero_locked")
    @api.depends_context("company")
    def _compute_xero_po_fields(self):
        bindings = self._xero_bindings()
        for order in self:
            binding = bindings.get(order.id)
            order.xero_status = binding.xero_status if binding else False
            order.xero_locked = binding.xero_locked if binding else False

    def _xero_document_currency(self):
        return self.currency_id

    @api.model
    def _xero_deep_link_path(self, xero_id):
        return f"/Accounts/Payable/PurchaseOrders/View/{xero_id}/"
