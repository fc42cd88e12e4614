from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..services import xero_client as xc
from ..services.journal_mapper import ManualJournalMapper
from ..services.mappers import MAPPERS

# Xero web paths of documents (reference §7)
_DEEP_LINKS = {
    "out_invoice": "/AccountsReceivable/View.aspx?InvoiceID={id}",
    "in_invoice": "/AccountsPayable/Edit.aspx?InvoiceID={id}",
    "out_refund": "/AccountsPayable/ViewCreditNote.aspx?creditNoteID={id}",
    "in_refund": "/AccountsPayable/ViewCreditNote.aspx?creditNoteID={id}",
    "entry": "/Journal/View.aspx?invoiceID={id}",
}
_ENTITY = {"out_invoice": "invoice", "in_invoice": "invoice", "out_refund": "credit_note",
           "in_refund": "credit_note"}


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "xero.sync.mixin"]
    _xero_entity = "invoice"

    xero_invoice_type = fields.Selection(
        [("invoice", "Invoice"), ("bill", "Bill"), ("credit_note", "Credit Note"), ("receipt", "Receipt")],
        string="Xero Invoice Type", compute="_compute_xero_invoice_type", store=True, readonly=False,
        precompute=True, copy=False,
        help="How the document goes to Xero. Receipt: a paid cash sale (or purchase) recorded in Xero as money "
             "received into (or spent from) the bank account of its payment.")
    xero_online_url = fields.Char("Online Invoice", compute="_compute_xero_document_fields")
    xero_branding_theme_id = fields.Many2one(
        "xero.branding.theme", string="Xero Branding Theme", copy=False,
        domain="[('company_id', '=', company_id)]",
        help="How Xero presents this document; empty: the connection's default.")
    xero_status = fields.Char("Status in Xero", compute="_compute_xero_document_fields")
    xero_locked = fields.Char("Locked in Xero", compute="_compute_xero_document_fields")
    xero_syncable = fields.Boolean(compute="_compute_xero_syncable")

    def init(self):
        super().init()
        # matching Xero's documents by contact and amount looks the moves of a partner up
        self.env.cr.execute("CREATE INDEX IF NOT EXISTS account_move_xero_commercial_partner_idx "
                            "ON account_move (commercial_partner_id, move_type)")

    @api.depends("move_type")
    def _compute_xero_invoice_type(self):
        kinds = {"out_invoice": "invoice", "in_invoice": "bill", "out_refund": "credit_note",
                 "in_refund": "credit_note"}
        for move in self:
            if move.xero_invoice_type != "receipt" or move.move_type not in ("out_invoice", "in_invoice"):
                move.xero_invoice_type = kinds.get(move.move_type, False)

    @api.constrains("xero_invoice_type", "move_type")
    def _check_xero_invoice_type(self):
        allowed = {"out_invoice": ("invoice", "receipt"), "in_invoice": ("bill", "receipt"),
                   "out_refund": ("credit_note",), "in_refund": ("credit_note",)}
        for move in self:
            if move.move_type in allowed and move.xero_invoice_type not in allowed[move.move_type]:
                raise ValidationError(_("A %(kind)s cannot go to Xero as a %(type)s.",
                                        kind=dict(move._fields["move_type"]._description_selection(self.env))[move.move_type],
                                        type=dict(move._fields["xero_invoice_type"]._description_selection(self.env)).get(
                                            move.xero_invoice_type, move.xero_invoice_type)))

    @api.depends("move_type", "origin_payment_id", "statement_line_id")
    def _compute_xero_syncable(self):
        for move in self:
            move.xero_syncable = move.move_type in _ENTITY or ManualJournalMapper.is_journal(move)

    def _xero_tracked_fields(self):
        # journal entries are manual journals: what that mapper reads matters too
        return super()._xero_tracked_fields() | MAPPERS["manual_journal"].tracked_fields()

    @api.depends("xero_binding_ids.xero_status", "xero_binding_ids.xero_locked")
    @api.depends_context("company")
    def _compute_xero_document_fields(self):
        bindings = self._xero_bindings()
        for move in self:
            binding = bindings.get(move.id)
            move.xero_status = binding.xero_status if binding else False
            move.xero_locked = binding.xero_locked if binding else False
            move.xero_online_url = binding.online_url if binding else False

    def _xero_document_currency(self):
        return self.currency_id

    def _xero_entity_groups(self):
        groups = {}
        for move in self:
            entity = "receipt" if move.xero_invoice_type == "receipt" else _ENTITY.get(move.move_type)
            if not entity and ManualJournalMapper.is_journal(move):
                entity = "manual_journal"
            if entity:
                groups.setdefault(entity, self.browse())
                groups[entity] |= move
        return list(groups.items())

    def _xero_deep_link_path(self, xero_id):
        if self[:1].xero_invoice_type == "receipt":
            return f"/Bank/ViewTransaction.aspx?bankTransactionID={xero_id}"
        path = _DEEP_LINKS.get(self[:1].move_type) if self else None
        return path.format(id=xero_id) if path else False

    def action_xero_online_invoice(self):
        """Open the customer's online view of this invoice in Xero (asked from Xero once, then kept)."""
        self.ensure_one()
        connection = self.env["xero.connection"]._for_company()
        binding = self.env["xero.binding"].sudo().search([
            ("connection_id", "=", connection.id), ("res_model", "=", self._name), ("res_id", "=", self.id)])
        if not binding.xero_id or self.move_type != "out_invoice" or self.xero_invoice_type != "invoice":
            raise UserError(_("Only a customer invoice that is in Xero has an online invoice."))
        if not binding.online_url:
            try:
                url = connection._client().online_invoice_url(binding.xero_id)
            except xc.XeroError as exc:
                raise UserError(_("Xero gave no online invoice: %(error)s", error=exc.message)) from exc
            if not url:
                raise UserError(_("Xero gave no online invoice (drafts have none)."))
            binding.online_url = url
        return {"type": "ir.actions.act_url", "url": binding.online_url, "target": "new"}


class AccountPartialReconcile(models.Model):
    """A payment (or credit) applied to an invoice: one Xero payment."""

    _name = "account.partial.reconcile"
    _inherit = ["account.partial.reconcile", "xero.sync.mixin"]
    _xero_entity = "payment"
    _xero_delete_follows = True

    def _xero_deep_link_path(self, xero_id):
        return False


class AccountPayment(models.Model):
    """A customer receipt (vendor payment) not wholly applied to invoices in Xero: an overpayment."""

    _name = "account.payment"
    _inherit = ["account.payment", "xero.sync.mixin"]
    _xero_entity = "overpayment"

    def _xero_deep_link_path(self, xero_id):
        return f"/Bank/ViewTransaction.aspx?bankTransactionID={xero_id}"
