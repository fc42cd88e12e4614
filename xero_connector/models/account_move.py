from odoo import api, fields, models

# Xero web paths of documents (reference §7)
_DEEP_LINKS = {
    "out_invoice": "/AccountsReceivable/View.aspx?InvoiceID={id}",
    "in_invoice": "/AccountsPayable/Edit.aspx?InvoiceID={id}",
    "out_refund": "/AccountsPayable/ViewCreditNote.aspx?creditNoteID={id}",
    "in_refund": "/AccountsPayable/ViewCreditNote.aspx?creditNoteID={id}",
}
_ENTITY = {"out_invoice": "invoice", "in_invoice": "invoice", "out_refund": "credit_note",
           "in_refund": "credit_note"}


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "xero.sync.mixin"]
    _xero_entity = "invoice"

    xero_branding_theme_id = fields.Many2one(
        "xero.branding.theme", string="Xero Branding Theme", copy=False,
        domain="[('company_id', '=', company_id)]",
        help="How Xero presents this document; empty: the connection's default.")
    xero_status = fields.Char("Status in Xero", compute="_compute_xero_document_fields")
    xero_locked = fields.Char("Locked in Xero", compute="_compute_xero_document_fields")
    xero_syncable = fields.Boolean(compute="_compute_xero_syncable")

    @api.depends("move_type")
    def _compute_xero_syncable(self):
        for move in self:
            move.xero_syncable = move.move_type in _ENTITY

    @api.depends("xero_binding_ids.xero_status", "xero_binding_ids.xero_locked")
    @api.depends_context("company")
    def _compute_xero_document_fields(self):
        bindings = self._xero_bindings()
        for move in self:
            binding = bindings.get(move.id)
            move.xero_status = binding.xero_status if binding else False
            move.xero_locked = binding.xero_locked if binding else False

    def _xero_entity_groups(self):
        groups = {}
        for move in self:
            entity = _ENTITY.get(move.move_type)
            if entity:
                groups.setdefault(entity, self.browse())
                groups[entity] |= move
        return list(groups.items())

    def _xero_deep_link_path(self, xero_id):
        path = _DEEP_LINKS.get(self[:1].move_type) if self else None
        return path.format(id=xero_id) if path else False


class AccountPartialReconcile(models.Model):
    """A payment (or credit) applied to an invoice: one Xero payment."""

    _name = "account.partial.reconcile"
    _inherit = ["account.partial.reconcile", "xero.sync.mixin"]
    _xero_entity = "payment"
    _xero_delete_follows = True

    def _xero_deep_link_path(self, xero_id):
        return False
