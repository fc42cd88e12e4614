"""Overpayments and Prepayments (``/api.xro/2.0/Overpayments``, ``/Prepayments``).

Created only through BankTransactions of type RECEIVE-/SPEND-OVERPAYMENT and
RECEIVE-/SPEND-PREPAYMENT (``banktransactions.py``): the credit has the bank transaction's
id, contact, date, currency, lines and totals.  Read with ``GET`` (one, or a list with
``where``, ``order``, ``If-Modified-Since``, ``page``/``pageSize``, ``References``);
allocated to invoices with ``PUT /{id}/Allocations`` and un-allocated with ``DELETE
/{id}/Allocations/{AllocationID}`` (rules in ``allocations.py``).  ``RemainingCredit =
Total − allocations``; nothing left → PAID; the bank transaction deleted → VOIDED.
Statuses ([OAS] Overpayment/Prepayment): AUTHORISED, PAID, VOIDED.
"""

from .. import wire
from .allocations import Allocating
from .base import Collection
from .invoices import split_param

CREDIT_FIELDS = (
    "Type", "Contact", "Date", "Status", "LineAmountTypes", "LineItems", "SubTotal", "TotalTax", "Total",
    "UpdatedDateUTC", "CurrencyCode", "CurrencyRate", "RemainingCredit", "Allocations", "AppliedAmount",
    "Payments", "HasAttachments", "Reference")
#: bank transaction type -> (credit collection plural, the credit's own type)
CREDIT_TYPES = {
    "RECEIVE-OVERPAYMENT": ("Overpayments", "RECEIVE-OVERPAYMENT"),
    "SPEND-OVERPAYMENT": ("Overpayments", "SPEND-OVERPAYMENT"),
    "RECEIVE-PREPAYMENT": ("Prepayments", "RECEIVE-PREPAYMENT"),
    "SPEND-PREPAYMENT": ("Prepayments", "SPEND-PREPAYMENT"),
}


class _Credits(Allocating, Collection):
    """A credit left by money received or spent ahead of (or beyond) invoices."""

    fields = frozenset(CREDIT_FIELDS)
    render_defaults = {"HasAttachments": False}
    read_scopes = ("accounting.transactions.read", "accounting.payments.read")
    write_scopes = ("accounting.transactions", "accounting.payments")
    matching_invoice = {}
    type_mismatch_message = ""

    def handle(self, ctx, req, parts):
        routed = self.handle_allocations(ctx, req, parts)
        if routed is not None:
            return routed
        if req.method != "GET":
            return wire.not_found()  # created through BankTransactions only
        return super().handle(ctx, req, parts)

    def filter_records(self, ctx, records, q):
        references = {r.casefold() for r in split_param(q, "references")}
        if references:
            records = [r for r in records if str(r.get("Reference") or "").casefold() in references]
        return records

    def list_omit(self, q, paged):
        return () if paged else ("LineItems",)

    def from_bank_transaction(self, ctx, transaction):
        """Store (or refresh) the credit of an accepted bank transaction; returns it."""
        store = ctx.store(self.plural)
        credit = store.get(transaction["BankTransactionID"])
        if credit is None:
            credit = store[transaction["BankTransactionID"]] = {self.id_field: transaction["BankTransactionID"]}
        credit.update({k: transaction.get(k) for k in (
            "Type", "Contact", "Date", "LineAmountTypes", "LineItems", "SubTotal", "TotalTax", "Total",
            "CurrencyCode", "CurrencyRate", "Reference")})
        credit["Status"] = "VOIDED" if transaction.get("Status") == "DELETED" else credit.get("Status", "AUTHORISED")
        credit["UpdatedDateUTC"] = wire.ms_date(ctx.now)
        for name in [k for k, v in credit.items() if v is None]:
            del credit[name]
        return credit


class Overpayments(_Credits):
    plural = "Overpayments"
    id_field = "OverpaymentID"
    singular = "overpayment"
    credit_key = "Overpayment"
    credit_words = "overpayment"
    credit_ref_fields = ("OverpaymentID",)
    default_order = ((("UpdatedDateUTC",), False), (("OverpaymentID",), False))
    fields = frozenset(CREDIT_FIELDS + ("OverpaymentID",))
    matching_invoice = {"RECEIVE-OVERPAYMENT": "ACCREC", "SPEND-OVERPAYMENT": "ACCPAY"}
    type_mismatch_message = ("A received overpayment can only be allocated to a sales invoice, a spent overpayment "
                             "to a bill.")


class Prepayments(_Credits):
    plural = "Prepayments"
    id_field = "PrepaymentID"
    singular = "prepayment"
    credit_key = "Prepayment"
    credit_words = "prepayment"
    credit_ref_fields = ("PrepaymentID",)
    default_order = ((("UpdatedDateUTC",), False), (("PrepaymentID",), False))
    fields = frozenset(CREDIT_FIELDS + ("PrepaymentID",))
    matching_invoice = {"RECEIVE-PREPAYMENT": "ACCREC", "SPEND-PREPAYMENT": "ACCPAY"}
    type_mismatch_message = ("A received prepayment can only be allocated to a sales invoice, a spent prepayment "
                             "to a bill.")
