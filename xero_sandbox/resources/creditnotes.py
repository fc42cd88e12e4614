"""CreditNotes (``/api.xro/2.0/CreditNotes``): ACCRECCREDIT and ACCPAYCREDIT, and their
allocations to invoices (``PUT /CreditNotes/{id}/Allocations``, ``DELETE
/CreditNotes/{id}/Allocations/{AllocationID}``; rules in ``allocations.py``).

Lines, totals, contacts, statuses and lock dates as for invoices (``documents.py``).
``CreditNoteNumber`` of ACCRECCREDIT is generated ``CN-0001``… when missing and unique:
``Credit Note # must be unique.``.  ``RemainingCredit = Total − allocations − refunds``;
nothing left → PAID.
"""

from decimal import Decimal

from .allocations import Allocating
from .documents import Document

CREDIT_NOTE_FIELDS = (
    "Type", "Contact", "Date", "DueDate", "Status", "LineAmountTypes", "LineItems", "SubTotal", "TotalTax",
    "Total", "CISDeduction", "CISRate", "UpdatedDateUTC", "UpdatedDateUTCString", "CurrencyCode",
    "FullyPaidOnDate", "CreditNoteID", "CreditNoteNumber", "Reference", "SentToContact", "CurrencyRate",
    "RemainingCredit", "Allocations", "AppliedAmount", "Payments", "BrandingThemeID", "StatusAttributeString",
    "HasAttachments", "HasErrors", "ValidationErrors", "Warnings", "InvoiceAddresses")
MATCHING_INVOICE = {"ACCRECCREDIT": "ACCREC", "ACCPAYCREDIT": "ACCPAY"}


class CreditNotes(Allocating, Document):
    credit_key = "CreditNote"
    matching_invoice = MATCHING_INVOICE
    credit_words = "credit note"
    credit_ref_fields = ("CreditNoteID", "CreditNoteNumber")
    type_mismatch_message = ("A sales credit note can only be allocated to a sales invoice, a purchase credit "
                             "note to a bill.")
    plural = "CreditNotes"
    id_field = "CreditNoteID"
    singular = "credit note"
    label = "Credit Note"
    read_scopes = ("accounting.transactions.read", "accounting.invoices.read")
    write_scopes = ("accounting.transactions", "accounting.invoices")
    writable = {
        **{name: None for name in ("Type", "Date", "DueDate", "LineAmountTypes", "CreditNoteNumber", "Reference",
                                   "BrandingThemeID", "CurrencyCode", "CurrencyRate", "Status")},
        "Contact": "object",
        "LineItems": tuple(Document.line_writable),
    }
    fields = frozenset(CREDIT_NOTE_FIELDS)
    alt_key = "CreditNoteNumber"
    default_order = ((("UpdatedDateUTC",), False), (("CreditNoteID",), False))
    summary_omit = ("LineItems", "Payments", "Allocations")
    defaults = {"Status": "DRAFT"}
    render_defaults = {"HasAttachments": False, "HasErrors": False}
    number_field = "CreditNoteNumber"
    number_prefix = "CN-"
    numbered_types = ("ACCRECCREDIT",)
    duplicate_number_message = "Credit Note # must be unique."
    types = ("ACCRECCREDIT", "ACCPAYCREDIT")
    sales_types = ("ACCRECCREDIT",)
    discount_types = ("ACCRECCREDIT",)
    branded_types = ("ACCRECCREDIT",)
    statuses = ("DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED")
    create_statuses = ("DRAFT", "SUBMITTED", "AUTHORISED")
    transitions = {"DRAFT": ("SUBMITTED", "AUTHORISED", "DELETED"),
                   "SUBMITTED": ("DRAFT", "AUTHORISED", "DELETED"),
                   "AUTHORISED": ("VOIDED",)}

    def settled_amount(self, doc):
        return Decimal(str(doc.get("AppliedAmount") or 0))

    def handle(self, ctx, req, parts):
        return self.handle_allocations(ctx, req, parts) or super().handle(ctx, req, parts)

    def match(self, ctx, changes):
        number = str(changes.get("CreditNoteNumber") or "").strip().casefold()
        if not number or changes.get("Type") == "ACCPAYCREDIT":
            return None
        return next((n for n in ctx.store(self.plural).values() if n.get("Type") == "ACCRECCREDIT"
                     and str(n.get("CreditNoteNumber") or "").strip().casefold() == number), None)

    def after_accept(self, ctx, candidate, existing, contact):
        if contact is not None and candidate.get("Status") in ("AUTHORISED", "PAID"):
            contact["IsCustomer" if candidate["Type"] == "ACCRECCREDIT" else "IsSupplier"] = True
