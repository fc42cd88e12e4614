"""What credit notes, overpayments and prepayments share: their allocations to invoices.

``PUT /<Plural>/{id}/Allocations`` takes ``{"Allocations": [{"Invoice": {"InvoiceID"} or
{"InvoiceNumber"}, "Amount", "Date"}]}`` (``summarizeErrors``); ``DELETE
/<Plural>/{id}/Allocations/{AllocationID}`` removes one and answers the Allocation itself
(not enveloped) with ``IsDeleted: true`` ([OAS] deleteCreditNoteAllocations,
deleteOverpaymentAllocations, deletePrepaymentAllocations).

Rules (the reference's §6; where Xero's wording is not known the stricter rule is kept):
the credit must be AUTHORISED; the invoice AUTHORISED, of the matching type (sales credit →
ACCREC, purchase credit → ACCPAY), same contact and currency; ``Amount`` > 0, at most the
remaining credit and the invoice's amount due; lock dates apply to ``Date``, and to removing
an allocation dated on or before a lock date (Xero refuses to change a locked period).
A removed allocation leaves the credit's ``Allocations``; the credit's and the invoice's
amounts are recomputed (:func:`documents.reconcile`).
"""

import uuid
from decimal import Decimal

from .. import wire
from .base import no_data, parse_body, parse_bool
from .documents import dec, lock_errors, num, parse_date, reconcile, rnd, today


class Allocating:
    """Mixed into a collection whose records can be allocated to invoices."""

    #: the key naming the credit in an allocation's echo ("CreditNote", "Overpayment", ...)
    credit_key = ""
    #: credit type -> the invoice type it may be allocated to
    matching_invoice = {}
    #: words for messages: "credit note", "overpayment"
    credit_words = ""
    credit_ref_fields = ()

    def handle_allocations(self, ctx, req, parts):
        """The allocation routes, or None when ``parts`` is not one of them."""
        if len(parts) >= 2 and parts[1].lower() == "allocations":
            ctx.query = req.query
            if req.method == "PUT" and len(parts) == 2:
                return self.allocate(ctx, req, parts[0])
            if req.method == "DELETE" and len(parts) == 3:
                return self.delete_allocation(ctx, parts[0], parts[2])
            return wire.not_found()
        return None

    def allocate(self, ctx, req, key):
        credit = self.find(ctx, key)
        if credit is None:
            return wire.not_found()
        body, invalid = parse_body(req)
        if invalid:
            return invalid
        elements = body.get("Allocations") if isinstance(body, dict) else None
        if isinstance(body, dict) and elements is None and body.get("Invoice"):
            elements = [body]
        if not isinstance(elements, list) or not elements:
            return no_data("Allocation")
        results = [self._allocate_one(ctx, credit, element) for element in elements]
        if parse_bool(req.query.get("summarizeerrors"), True):
            failed = [echo for echo, ok in results if not ok]
            if failed:
                return wire.Response.json(400, wire.validation_exception(elements=failed))
            return ctx.ok("Allocations", [echo for echo, _ in results])
        for echo, ok in results:
            echo["StatusAttributeString"] = "OK" if ok else "ERROR"
        return ctx.ok("Allocations", [echo for echo, _ in results])

    def _credit_ref(self, credit):
        return wire.strip_nulls({k: credit.get(k) for k in self.credit_ref_fields})

    def _allocate_one(self, ctx, credit, element):
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
        words = self.credit_words
        if credit.get("Status") != "AUTHORISED":
            errors.append(f"Only an Authorised {words} with remaining credit can be allocated.")
        if invoice is None:
            errors.append("The Invoice specified for this allocation could not be found.")
        else:
            if invoice.get("Status") != "AUTHORISED":
                errors.append(f"{words.capitalize()}s can only be allocated to Authorised invoices.")
            if invoice.get("Type") != self.matching_invoice.get(credit.get("Type")):
                errors.append(self.type_mismatch_message)
            if (invoice.get("Contact") or {}).get("ContactID") != (credit.get("Contact") or {}).get("ContactID"):
                errors.append(f"The {words} and the invoice must be for the same contact.")
            if invoice.get("CurrencyCode") != credit.get("CurrencyCode"):
                errors.append(f"The {words} and the invoice must be in the same currency.")
        amount = None
        try:
            amount = rnd(dec(element.get("Amount")))
            if amount <= 0:
                raise ValueError(amount)
        except ValueError:
            errors.append("The Amount must be a number greater than 0.")
            amount = None
        if amount is not None and not errors:
            if amount > Decimal(str(credit.get("RemainingCredit") or 0)):
                errors.append(f"The amount allocated cannot be more than the remaining credit on the {words}.")
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
        credit.setdefault("Allocations", []).append(allocation)
        credit["UpdatedDateUTC"] = wire.ms_date(ctx.now)
        reconcile(ctx)
        return dict(allocation, **{self.credit_key: self._credit_ref(credit)}, IsDeleted=False), True

    type_mismatch_message = ""

    def delete_allocation(self, ctx, key, allocation_id):
        credit = self.find(ctx, key)
        if credit is None:
            return wire.not_found()
        wanted = str(allocation_id).lower()
        allocation = next((a for a in credit.get("Allocations", []) if a["AllocationID"].lower() == wanted), None)
        if allocation is None:
            return wire.not_found()
        errors = lock_errors(ctx, allocation.get("Date"))
        if credit.get("Status") == "VOIDED":
            errors.append(f"The {self.credit_words} has been voided; its allocations cannot be changed.")
        if errors:
            echo = dict(allocation, **{self.credit_key: self._credit_ref(credit)},
                        ValidationErrors=[{"Message": m} for m in errors])
            return wire.Response.json(400, wire.validation_exception(elements=[echo]))
        credit["Allocations"] = [a for a in credit["Allocations"] if a is not allocation]
        credit["UpdatedDateUTC"] = wire.ms_date(ctx.now)
        reconcile(ctx)
        return wire.Response.json(200, dict(allocation, **{self.credit_key: self._credit_ref(credit)},
                                            IsDeleted=True))
