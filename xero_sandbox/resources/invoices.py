"""Invoices (``/api.xro/2.0/Invoices``): sales invoices (ACCREC) and bills (ACCPAY).

Shared document rules (contact, lines, totals, lock dates) live in ``documents.py``.
Invoice rules ([OAS] Invoice; the reference's §6 "Invoices"):

* ACCREC ``InvoiceNumber`` unique (case-insensitive, all statuses): ``Invoice # must be
  unique.``; generated ``INV-0001``, ``INV-0002``… when missing; ACCPAY numbers are free text;
* ``Reference`` is kept on ACCREC only; ``BrandingThemeID`` (ACCREC) falls back to the default;
* statuses: created DRAFT (default), SUBMITTED or AUTHORISED; DRAFT/SUBMITTED → any of DRAFT,
  SUBMITTED, AUTHORISED, DELETED; AUTHORISED → edited or VOIDED while nothing is paid or
  credited; PAID is automatic; PAID/VOIDED/DELETED are final;
* ``POST /Invoices`` upserts by ``InvoiceID``, else an ACCREC by ``InvoiceNumber``;
* the contact becomes ``IsCustomer``/``IsSupplier`` once an ACCREC/ACCPAY is AUTHORISED;
* ``GET /Invoices/{id}/OnlineInvoice`` for ACCREC that are not DRAFT/DELETED.
"""

import uuid

from .. import wire
from .base import bad_request
from .documents import Document

INVOICE_FIELDS = (
    "Type", "Contact", "LineItems", "Date", "DueDate", "LineAmountTypes", "InvoiceNumber", "Reference",
    "BrandingThemeID", "Url", "CurrencyCode", "CurrencyRate", "Status", "SentToContact", "ExpectedPaymentDate",
    "PlannedPaymentDate", "CISDeduction", "CISRate", "SubTotal", "TotalTax", "Total", "TotalDiscount",
    "InvoiceID", "RepeatingInvoiceID", "HasAttachments", "IsDiscounted", "Payments", "Prepayments",
    "Overpayments", "AmountDue", "AmountPaid", "FullyPaidOnDate", "AmountCredited", "UpdatedDateUTC",
    "UpdatedDateUTCString", "CreditNotes", "Attachments", "HasErrors", "StatusAttributeString",
    "ValidationErrors", "Warnings", "InvoiceAddresses")


def split_param(q, name):
    return [v.strip() for v in (q.get(name) or "").split(",") if v.strip()]


class Invoices(Document):
    plural = "Invoices"
    id_field = "InvoiceID"
    singular = "invoice"
    label = "Invoice"
    read_scopes = ("accounting.transactions.read", "accounting.invoices.read")
    write_scopes = ("accounting.transactions", "accounting.invoices")
    writable = {
        **{name: None for name in ("Type", "Date", "DueDate", "LineAmountTypes", "InvoiceNumber", "Reference",
                                   "BrandingThemeID", "CurrencyCode", "CurrencyRate", "Status", "SentToContact",
                                   "ExpectedPaymentDate", "PlannedPaymentDate", "Url")},
        "Contact": "object",
        "LineItems": tuple(Document.line_writable),
    }
    fields = frozenset(INVOICE_FIELDS)
    search_fields = ("InvoiceNumber", "Reference")
    alt_key = "InvoiceNumber"
    default_order = ((("UpdatedDateUTC",), False), (("InvoiceID",), False))
    summary_omit = ("LineItems", "Payments", "CreditNotes", "Prepayments", "Overpayments", "InvoiceAddresses")
    defaults = {"Status": "DRAFT"}
    render_defaults = {"HasAttachments": False, "HasErrors": False, "IsDiscounted": False}
    number_field = "InvoiceNumber"
    number_prefix = "INV-"
    numbered_types = ("ACCREC",)
    duplicate_number_message = "Invoice # must be unique."
    types = ("ACCREC", "ACCPAY")
    sales_types = ("ACCREC",)
    discount_types = ("ACCREC",)
    branded_types = ("ACCREC",)
    statuses = ("DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED")
    create_statuses = ("DRAFT", "SUBMITTED", "AUTHORISED")
    transitions = {"DRAFT": ("SUBMITTED", "AUTHORISED", "DELETED"),
                   "SUBMITTED": ("DRAFT", "AUTHORISED", "DELETED"),
                   "AUTHORISED": ("VOIDED",)}

    def handle(self, ctx, req, parts):
        if req.method == "GET" and len(parts) == 2 and parts[1].lower() == "onlineinvoice":
            ctx.query = req.query
            return self.online_invoice(ctx, parts[0])
        return super().handle(ctx, req, parts)

    def online_invoice(self, ctx, key):
        invoice = self.find(ctx, key)
        if invoice is None:
            return wire.not_found()
        if invoice.get("Type") != "ACCREC" or invoice.get("Status") in ("DRAFT", "DELETED"):
            return bad_request("An online invoice is only available for sales invoices that are not drafts.")
        token = uuid.uuid5(uuid.NAMESPACE_URL, invoice["InvoiceID"]).hex
        return ctx.ok("OnlineInvoices", [{"OnlineInvoiceUrl": f"https://in.xero.com/{token}"}])

    def match(self, ctx, changes):
        number = str(changes.get("InvoiceNumber") or "").strip().casefold()
        if not number or changes.get("Type") == "ACCPAY":
            return None
        return next((i for i in ctx.store(self.plural).values() if i.get("Type") == "ACCREC"
                     and str(i.get("InvoiceNumber") or "").strip().casefold() == number), None)

    def filter_records(self, ctx, records, q):
        numbers = {n.casefold() for n in split_param(q, "invoicenumbers")}
        if numbers:
            records = [r for r in records if str(r.get("InvoiceNumber") or "").casefold() in numbers]
        contacts = {c.lower() for c in split_param(q, "contactids")}
        if contacts:
            records = [r for r in records if (r.get("Contact") or {}).get("ContactID", "").lower() in contacts]
        statuses = {s.upper() for s in split_param(q, "statuses")}
        if statuses:
            records = [r for r in records if r.get("Status") in statuses]
        return records

    def list_omit(self, q, paged):
        return () if paged else ("LineItems",)  # Xero lists lines only on paged calls

    def extra_errors(self, ctx, candidate, existing):
        if candidate.get("Type") == "ACCPAY":
            candidate.pop("Reference", None)
            candidate.pop("BrandingThemeID", None)
        candidate["IsDiscounted"] = any(line.get("DiscountRate") or line.get("DiscountAmount")
                                        for line in candidate.get("LineItems", []))
        return []

    def after_accept(self, ctx, candidate, existing, contact):
        if contact is not None and candidate.get("Status") in ("AUTHORISED", "PAID"):
            contact["IsCustomer" if candidate["Type"] == "ACCREC" else "IsSupplier"] = True
