"""Odoo payments ↔ Xero overpayments and prepayments.

Odoo → Xero: a customer receipt (or vendor payment) that is not wholly applied to invoices in
Xero goes as a bank transaction of type RECEIVE-OVERPAYMENT (SPEND-OVERPAYMENT): the part
already sent as Xero payments of its invoices is left out, the rest is the overpayment's
credit.  Always an overpayment, with or without invoices: an Odoo payment carries no revenue
account nor tax, which is Xero's overpayment (one line, coded to Accounts Receivable/Payable,
no tax); a Xero prepayment needs sales lines and their tax.  Reconciliations of the payment made
afterwards become allocations of the overpayment (``AllocationMapper``).

Xero → Odoo: overpayments and prepayments (both lists, ``If-Modified-Since``) become posted
Odoo payments left outstanding on the partner (journal from the bank account of their bank
transaction); their allocations reconcile the Odoo invoices they name, and an allocation
removed in Xero is unreconciled in Odoo.
"""

from odoo import _, fields
from odoo.tools import float_compare, float_round

from . import xero_client as xc
from .document_mappers import (
    AllocationMapper, DocumentImport, DocumentMapper, follow_removed_allocations, odoo_journal,
    xero_bank_account)
from .mappers import MAPPERS, Mapper, MappingError, SkipRecord, mapping

_d = xc.xero_date
KINDS = {("inbound", "customer"): "RECEIVE", ("outbound", "supplier"): "SPEND"}
COUNTERPART_TYPES = ("asset_receivable", "liability_payable")


def counterpart_lines(record):
    """The receivable/payable lines of an Odoo payment or invoice (what reconciles them)."""
    move = record.move_id if record._name == "account.payment" else record
    return move.line_ids.filtered(lambda l: l.account_id.account_type in COUNTERPART_TYPES)


class OverpaymentMapper(Mapper):
    model = "account.payment"
    entity = "BankTransactions"
    id_key = "BankTransactionID"
    number_key = None
    statuses = [("posted", "Confirmed"), ("cancelled", "Cancelled")]
    default_statuses = ("posted",)
    identity_keys = ("Type", "Contact.ContactID", "Date", "Reference", "CurrencyCode", "BankAccount.Code",
                     "BankAccount.AccountID")
    import_dependencies = ("contact", "invoice")

    @classmethod
    def base_domain(cls):
        return ["|", "&", ("payment_type", "=", "inbound"), ("partner_type", "=", "customer"),
                "&", ("payment_type", "=", "outbound"), ("partner_type", "=", "supplier")]

    @classmethod
    def status_domain(cls, codes):
        states = (["in_process", "paid"] if "posted" in codes else []) + (["canceled"] if "cancelled" in codes else [])
        return [("state", "in", states)]

    def dependencies(self, payments):
        return [("contact", DocumentMapper._unsent(self, payments.partner_id.commercial_partner_id))]

    def followers(self, payments):
        partials = self.env["account.partial.reconcile"]
        for payment in payments:
            lines = counterpart_lines(payment)
            partials |= lines.matched_debit_ids | lines.matched_credit_ids
        return [("allocation", partials.filtered(AllocationMapper(self.env, self.connection).is_allocation))]

    # -- Odoo -> Xero ------------------------------------------------------------------
    @mapping("partner_id", "payment_type", "partner_type", "date", "journal_id", "currency_id", "memo", "amount",
             "state")
    def credit(self, payment):
        kind = KINDS.get((payment.payment_type, payment.partner_type))
        if not kind:
            raise SkipRecord(_("Only customer receipts and vendor payments go to Xero as overpayments."))
        if self.binding and self.binding.xero_id:
            if payment.state in ("canceled", "rejected"):
                # Xero's API changes no overpayment once created (the SDK cannot even send a bare
                # status); a person voids it in Xero
                raise MappingError(_("Cancelled in Odoo, but Xero does not let its overpayment be changed through "
                                     "its API: remove its allocations and void it in Xero."))
            raise SkipRecord(_("Xero overpayments cannot be changed; it stays as sent."))
        if payment.state not in ("in_process", "paid"):
            raise SkipRecord(_("A payment goes to Xero once it is confirmed."))
        lines = counterpart_lines(payment)
        currency = payment.currency_id
        if currency.is_zero(sum(lines.mapped("amount_residual_currency"))):
            raise SkipRecord(_("Wholly applied to invoices: it is in Xero as their payments."))
        amount = payment.amount - self._sent_as_payments(lines)
        if float_compare(amount, 0.0, precision_digits=currency.decimal_places) <= 0:
            raise SkipRecord(_("Wholly applied to invoices: it is in Xero as their payments."))
        partner = payment.partner_id.commercial_partner_id
        contact_id = DocumentMapper._xero_id_of(self, partner)
        if not contact_id:
            raise MappingError(_("%(partner)s is not in Xero yet (its own sync failed; see its Xero tab).",
                                 partner=partner.display_name))
        return {
            "Type": f"{kind}-OVERPAYMENT",
            "Contact": {"ContactID": contact_id},
            "BankAccount": xero_bank_account(self, payment.journal_id),
            "Date": _d(payment.date),
            "CurrencyCode": currency.name,
            "Reference": payment.memo or payment.name,
            "LineAmountTypes": "NoTax",
            "LineItems": [{"Description": _("Payment %(name)s", name=payment.name),
                           "LineAmount": float_round(amount, precision_digits=currency.decimal_places)}],
        }

    def _sent_as_payments(self, lines):
        """What of the payment Xero has as payments of invoices (reconciliations sent as Xero payments)."""
        partials = lines.matched_debit_ids | lines.matched_credit_ids
        sent = self.env["xero.binding"].sudo().search([
            ("connection_id", "=", self.connection.id), ("res_model", "=", partials._name),
            ("res_id", "in", partials.ids), ("xero_id", "!=", False), ("xero_credit", "=", False)])
        done = set(sent.mapped("res_id"))
        return sum(p.debit_amount_currency if p.debit_move_id in lines else p.credit_amount_currency
                   for p in partials if p.id in done)

    def binding_values(self, data, payload=None):
        for credits, key in (("Overpayments", "OverpaymentID"), ("Prepayments", "PrepaymentID")):
            if data.get(key):  # a payment in Xero keeps syncing (its cancellation voids it there)
                return {"xero_credit": f"{credits}/{data[key]}", "allow_sync": True}
        return {}

    def locked_status(self, data):
        if data.get("Status") in ("DELETED", "VOIDED"):
            return _("%(status)s in Xero.", status=data["Status"].capitalize())
        return None

    # -- Xero -> Odoo ------------------------------------------------------------------
    def iter_import(self, client, **params):
        """Overpayments, then prepayments, each with the bank account of its bank transaction (one
        read per 40 credits not linked yet)."""
        for credits, key in (("Overpayments", "OverpaymentID"), ("Prepayments", "PrepaymentID")):
            batch = []
            for credit in client.iter_all(credits, **params):
                batch.append(dict(credit, BankTransactionID=credit[key]))
                if len(batch) == 40:
                    yield from self._with_bank_accounts(client, batch)
                    batch = []
            yield from self._with_bank_accounts(client, batch)

    def _with_bank_accounts(self, client, batch):
        linked = set(self.env["xero.binding"].sudo().search([
            ("connection_id", "=", self.connection.id), ("res_model", "=", self.model),
            ("xero_id", "in", [c["BankTransactionID"] for c in batch])]).filtered("res_id").mapped("xero_id"))
        wanted = [c["BankTransactionID"] for c in batch if c["BankTransactionID"] not in linked]
        accounts = {}
        if wanted:
            where = " OR ".join(f'BankTransactionID==Guid("{i}")' for i in wanted)
            accounts = {t["BankTransactionID"]: t.get("BankAccount") for t in client.iter_all(
                "BankTransactions", where=where)}
        for credit in batch:
            if credit["BankTransactionID"] in accounts:
                credit["BankAccount"] = accounts[credit["BankTransactionID"]]
            yield credit

    def is_archived(self, data):
        return data.get("Status") == "VOIDED"

    def read(self, data, payment):
        if payment:
            return {}
        kind = (data.get("Type") or "").split("-")[0]
        payment_type, partner_type = next(k for k, v in KINDS.items() if v == kind) if kind in KINDS.values() \
            else (None, None)
        if not payment_type:
            raise SkipRecord(_("Not a received or spent credit."))
        return {
            "payment_type": payment_type,
            "partner_type": partner_type,
            "partner_id": DocumentImport._partner(self, data).id,
            "amount": data.get("Total") or 0.0,
            "date": xc.from_xero_date(data.get("Date")),
            "journal_id": odoo_journal(self, data.get("BankAccount")).id,
            "currency_id": DocumentImport._currency(self, data).id,
            "memo": data.get("Reference") or False,
        }

    def import_create(self, Model, values, data):
        payment = Model.create(values)
        payment.action_post()
        return payment

    def after_import(self, payment, data):
        credits = "Prepayments" if data.get("PrepaymentID") else "Overpayments"
        credit = f"{credits}/{data['BankTransactionID']}"
        if data.get("Status") == "VOIDED":
            if payment.state != "canceled":
                payment.action_draft()
                payment.action_cancel()
                return [_("cancelled (voided in Xero)")]
            return []
        changes = follow_removed_allocations(self, credit, data.get("Allocations"))
        return changes + self._follow_new_allocations(payment, credit, data.get("Allocations") or [])

    def _follow_new_allocations(self, payment, credit, allocations):
        """Xero's allocations of the credit that Odoo has not reconciled yet: reconcile them."""
        Binding = self.env["xero.binding"].sudo()
        known = set(Binding.search([("connection_id", "=", self.connection.id),
                                    ("res_model", "=", "account.partial.reconcile"),
                                    ("xero_id", "in", [a.get("AllocationID") for a in allocations])]).mapped("xero_id"))
        changes = []
        for allocation in allocations:
            if allocation.get("AllocationID") in known:
                continue
            invoice_id = (allocation.get("Invoice") or {}).get("InvoiceID")
            binding = Binding.search([("connection_id", "=", self.connection.id), ("res_model", "=", "account.move"),
                                      ("xero_id", "=", invoice_id)], limit=1)
            invoice = self.env["account.move"].browse(binding.res_id).exists() if binding else None
            if not invoice or invoice.state != "posted":
                raise MappingError(_("Xero allocated it to an invoice that is not posted in Odoo (%(invoice)s); "
                                     "import invoices first.",
                                     invoice=(allocation.get("Invoice") or {}).get("InvoiceNumber") or invoice_id))
            partial = self._reconcile(payment, invoice, allocation.get("Amount") or 0.0)
            Binding.create({"connection_id": self.connection.id, "res_model": partial._name, "res_id": partial.id,
                            "xero_id": allocation["AllocationID"], "xero_credit": credit, "state": "synced",
                            "allow_sync": True, "last_sync_date": fields.Datetime.now()})
            changes.append(_("%(amount)s allocated to %(invoice)s", amount=allocation.get("Amount"),
                             invoice=invoice.display_name))
        return changes

    def _reconcile(self, payment, invoice, amount):
        """Reconcile ``amount`` of ``payment`` with ``invoice``; returns the new partial."""
        mine = counterpart_lines(payment).filtered(lambda l: not l.reconciled)
        theirs = counterpart_lines(invoice).filtered(lambda l: not l.reconciled and l.account_id in mine.account_id)
        currency = payment.currency_id
        if not mine or not theirs or invoice.currency_id != currency:
            raise MappingError(_("Xero's allocation of %(amount)s to %(invoice)s cannot be reconciled in Odoo: the "
                                 "payment and the invoice have nothing open in common.",
                                 amount=amount, invoice=invoice.display_name))
        before = mine.matched_debit_ids | mine.matched_credit_ids
        open_mine = abs(sum(mine.mapped("amount_residual_currency")))
        open_theirs = abs(sum(theirs.mapped("amount_residual_currency")))
        if float_compare(amount, min(open_mine, open_theirs), precision_digits=currency.decimal_places) >= 0:
            (mine | theirs).reconcile()
        elif currency != payment.company_id.currency_id:
            raise MappingError(_("Xero allocated part of %(invoice)s (%(amount)s) in a foreign currency; reconcile "
                                 "it in Odoo by hand.", invoice=invoice.display_name, amount=amount))
        else:
            debit, credit = (theirs[:1], mine[:1]) if theirs[:1].balance > 0 else (mine[:1], theirs[:1])
            self.env["account.partial.reconcile"].create({
                "debit_move_id": debit.id, "credit_move_id": credit.id, "amount": amount,
                "debit_amount_currency": amount, "credit_amount_currency": amount})
        created = (mine.matched_debit_ids | mine.matched_credit_ids) - before
        if len(created) != 1:
            raise MappingError(_("Reconciling Xero's allocation of %(amount)s with %(invoice)s did not give one "
                                 "reconciliation in Odoo.", amount=amount, invoice=invoice.display_name))
        return created


MAPPERS["overpayment"] = OverpaymentMapper
