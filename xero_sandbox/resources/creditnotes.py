"""CreditNotes (``/api.xro/2.0/CreditNotes``): ACCRECCREDIT and ACCPAYCREDIT, and their
allocations to invoices (``PUT /CreditNotes/{id}/Allocations``).

Lines, totals, contacts, statuses and lock dates as for invoices (``documents.py``).
``CreditNoteNumber`` of ACCRECCREDIT is generated ``CN-0001``… when missing and unique:
``Credit Note # must be unique.``.  ``RemainingCredit = Total − allocations − refunds``;
nothing left → PAID.

Allocation rules (an element is ``{"Invoice": {"InvoiceID"}, "Amount", "Date"}``): the credit
note must be AUTHORISED, the invoice AUTHORISED, of the matching type (ACCRECCREDIT →
ACCREC, ACCPAYCREDIT → ACCPAY), same contact and currency; ``Amount`` > 0, at most the
remaining credit and the invoice's amount due; lock dates apply to ``Date``.
"""

import uuid
from decimal import Decimal

from .. import wire
from .base import parse_body, parse_bool
from .documents import Document, dec, lock_errors, num, parse_date, reconcile, rnd, today

CREDIT_NOTE_FIELDS = (
    "Type", "Contact", "Date", "DueDate", "Status", "LineAmountTypes", "LineItems", "SubTotal", "TotalTax",
    "Total", "CISDeduction", "CISRate", "UpdatedDateUTC", "UpdatedDateUTCString", "CurrencyCode",
    "FullyPaidOnDate", "CreditNoteID", "CreditNoteNumber", "Reference", "SentToContact", "CurrencyRate",
    "RemainingCredit", "Allocations", "AppliedAmount", "Payments", "BrandingThemeID", "StatusAttributeString",
    "HasAttachments", "HasErrors", "ValidationErrors", "Warnings", "InvoiceAddresses")
MATCHING_INVOICE = {"ACCRECCREDIT": "ACCREC", "ACCPAYCREDIT": "ACCPAY"}


class CreditNotes(Document):
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
        if req.method == "PUT" and len(parts) == 2 and parts[1].lower() == "allocations":
            ctx.query = req.query
            return self.allocate(ctx, req, parts[0])
        return super().handle(ctx, req, parts)

    def match(self, ctx, changes):
        number = str(changes.get("CreditNoteNumber") or "").strip().casefold()
        if not number or changes.get("Type") == "ACCPAYCREDIT":
            return None
        return next((n for n in ctx.store(self.plural).values() if n.get("Type") == "ACCRECCREDIT"
                     and str(n.get("CreditNoteNumber") or "").strip().casefold() == number), None)

    def after_accept(self, ctx, candidate, existing, contact):
        if contact is not None and candidate.get("Status") in ("AUTHORISED", "PAID"):
            contact["IsCustomer" if candidate["Type"] == "ACCRECCREDIT" else "IsSupplier"] = True

    # -------------------------------------------------------- allocations
    def allocate(self, ctx, req, key):
        note = self.find(ctx, key)
        if note is None:
            return wire.not_found()
        body, invalid = parse_body(req)
        if invalid:
            return invalid
        elements = body.get("Allocations") if isinstance(body, dict) else None
        if isinstance(body, dict) and elements is None and body.get("Invoice"):
            elements = [body]
        if not isinstance(elements, list) or not elements:
            return wire.Response.json(400, wire.api_exception(
                17, "NoDataProcessedException", "No data has been processed for this endpoint. This endpoint is "
                "expecting Allocation data to be specifed in the request body."))
        results = [self._allocate_one(ctx, note, element) for element in elements]
        if parse_bool(req.query.get("summarizeerrors"), True):
            failed = [echo for echo, ok in results if not ok]
            if failed:
                return wire.Response.json(400, wire.validation_exception(elements=failed))
            return ctx.ok("Allocations", [echo for echo, _ in results])
        for echo, ok in results:
            echo["StatusAttributeString"] = "OK" if ok else "ERROR"
        return ctx.ok("Allocations", [echo for echo, _ in results])

    def _allocate_one(self, ctx, note, element):
        errors = []
        if not isinstance(element, dict):
            return {"ValidationErrors": [{"Message": "An allocation must be an object."}]}, False
        ref = element.get("Invoice") if isinstance(element.get("Invoice"), dict) else {}
        invoices = ctx.store("Invoices")
        invoice = None
        if ref.get("InvoiceID"):
            wanted = str(ref["InvoiceID"]).lower()
            invoice = next((i for k, i in invoices.items() if k.lower() == wanted), None)
        elif ref.get("InvoiceNumber"):
            wanted = str(ref["InvoiceNumber"]).strip().casefold()
            invoice = next((i for i in invoices.values()
                            if str(i.get("InvoiceNumber") or "").strip().casefold() == wanted), None)
        if note.get("Status") != "AUTHORISED":
            errors.append("Only an Authorised credit note with remaining credit can be allocated.")
        if invoice is None:
            errors.append("The Invoice specified for this allocation could not be found.")
        else:
            if invoice.get("Status") != "AUTHORISED":
                errors.append("Credit notes can only be allocated to Authorised invoices.")
            if invoice.get("Type") != MATCHING_INVOICE.get(note.get("Type")):
                errors.append("A sales credit note can only be allocated to a sales invoice, a purchase credit "
                              "note to a bill.")
            if (invoice.get("Contact") or {}).get("ContactID") != (note.get("Contact") or {}).get("ContactID"):
                errors.append("The credit note and the invoice must be for the same contact.")
            if invoice.get("CurrencyCode") != note.get("CurrencyCode"):
                errors.append("The credit note and the invoice must be in the same currency.")
        amount = None
        try:
            amount = rnd(dec(element.get("Amount")))
            if amount <= 0:
                raise ValueError(amount)
        except ValueError:
            errors.append("The Amount must be a number greater than 0.")
            amount = None
        if amount is not None and not errors:
            if amount > Decimal(str(note.get("RemainingCredit") or 0)):
                errors.append("The amount allocated cannot be more than the remaining credit on the credit note.")
            if amount > Decimal(str(invoice.get("AmountDue") or 0)):
                errors.append("Payment amount exceeds the amount outstanding on this document")
        stamp = parse_date(element["Date"]) if element.get("Date") is not None else today(ctx)
        if stamp is None:
            errors.append(f"'{element.get('Date')}' is not a valid Date.")
        else:
            errors += lock_errors(ctx, wire.ms_date(stamp))
        if errors:
            echo = wire.strip_nulls({"Amount": element.get("Amount"), "Date": wire.ms_date(stamp) if stamp else None,
                                     "Invoice": {k: v for k, v in ref.items() if k in ("InvoiceID", "InvoiceNumber")},
                                     "ValidationErrors": [{"Message": m} for m in errors]})
            return echo, False
        allocation = {"AllocationID": str(uuid.uuid4()), "Amount": num(amount), "Date": wire.ms_date(stamp),
                      "Invoice": wire.strip_nulls({"InvoiceID": invoice["InvoiceID"],
                                                   "InvoiceNumber": invoice.get("InvoiceNumber")})}
        note.setdefault("Allocations", []).append(allocation)
        note["UpdatedDateUTC"] = wire.ms_date(ctx.now)
        reconcile(ctx)
        echo = dict(allocation, CreditNote=wire.strip_nulls({
            "CreditNoteID": note["CreditNoteID"], "CreditNoteNumber": note.get("CreditNoteNumber")}),
            IsDeleted=False)
        return echo, True
