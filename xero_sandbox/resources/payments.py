"""Payments (``/api.xro/2.0/Payments``) against invoices and credit notes.

Rules ([OAS] Payment, PaymentDelete; the reference's §6 "Payments"):

* ``PUT /Payments`` takes ``{"Payments": [...]}`` (``summarizeErrors``); ``POST /Payments``
  takes one Payment object (not wrapped);
* the document: ``Invoice`` ``{InvoiceID}`` or ``{InvoiceNumber}`` (or top-level
  ``InvoiceNumber``), or ``CreditNote`` ``{CreditNoteID}``/``{CreditNoteNumber}`` (a refund);
  it must be AUTHORISED: ``Payments can only be made against Authorised documents``;
* ``Amount`` > 0 and at most what is outstanding: ``Payment amount exceeds the amount
  outstanding on this document``;
* the account: ``Account`` ``{AccountID}`` or ``{Code}`` (or top-level ``Code``), BANK or
  with ``EnablePaymentsToAccount``: ``Account type is invalid for making a payment to/from``;
* ``Date`` defaults to today; posted, so lock dates apply;
* a payment is in its document's currency, which must be one the organisation has (a document
  seeded in another: ``Organisation is not subscribed to currency EUR``); ``Amount`` is rounded
  to that currency's decimals (whole units for JPY); ``CurrencyRate`` (units of it per one unit
  of the base currency, as on documents) defaults to the document's, is 1 for a base-currency
  document, must be > 0:
  ``The CurrencyRate must be a number greater than 0.``; ``BankAmount`` = Amount / rate in
  the base currency;
* payments cannot be edited: ``POST /Payments/{id}`` takes only ``{"Status":"DELETED"}``,
  which returns the document to AUTHORISED.
"""

import copy
import uuid
from decimal import Decimal

from .. import wire
from .accounts import accepts_payments, find_account
from .base import Collection, parse_body, parse_bool
from .currencies import money_dp, subscribed
from .documents import dec, lock_errors, num, parse_date, reconcile, rnd, today

PAYMENT_FIELDS = (
    "Invoice", "CreditNote", "Prepayment", "Overpayment", "InvoiceNumber", "CreditNoteNumber", "BatchPayment",
    "Account", "Code", "Date", "CurrencyRate", "Amount", "BankAmount", "Reference", "IsReconciled", "Status",
    "PaymentType", "UpdatedDateUTC", "UpdatedDateUTCString", "PaymentID", "BatchPaymentID",
    "BankAccountNumber", "Particulars", "Details", "HasAccount", "HasValidationErrors",
    "StatusAttributeString", "ValidationErrors", "Warnings")
PAYMENT_TYPES = {"ACCREC": "ACCRECPAYMENT", "ACCPAY": "ACCPAYPAYMENT",
                 "ACCRECCREDIT": "ARCREDITPAYMENT", "ACCPAYCREDIT": "APCREDITPAYMENT"}


def _find(store, id_field, number_field, ref):
    if not isinstance(ref, dict):
        return None
    if ref.get(id_field):
        wanted = str(ref[id_field]).lower()
        return next((d for i, d in store.items() if i.lower() == wanted), None)
    number = str(ref.get(number_field) or "").strip().casefold()
    if number:
        return next((d for d in store.values() if d.get("Status") not in ("DELETED", "VOIDED")
                     and str(d.get(number_field) or "").strip().casefold() == number), None)
    return None


def document_ref(doc, id_field, number_field):
    ref = {k: doc.get(k) for k in (id_field, number_field, "Type", "CurrencyCode") if doc.get(k)}
    contact = doc.get("Contact") or {}
    if contact.get("ContactID"):
        ref["Contact"] = {k: contact[k] for k in ("ContactID", "Name") if contact.get(k)}
    return ref


class Payments(Collection):
    plural = "Payments"
    id_field = "PaymentID"
    singular = "payment"
    read_scopes = ("accounting.transactions.read", "accounting.payments.read")
    write_scopes = ("accounting.transactions", "accounting.payments")
    fields = frozenset(PAYMENT_FIELDS)
    default_order = ((("UpdatedDateUTC",), False), (("PaymentID",), False))
    render_defaults = {"HasAccount": True, "HasValidationErrors": False}
    _single = False

    def handle(self, ctx, req, parts):
        ctx.query = req.query
        if req.method == "POST" and not parts:
            self._single = True
            try:
                return self.write(ctx, req, "create")
            finally:
                self._single = False
        if req.method == "POST" and len(parts) == 1:
            return self.delete(ctx, req, parts[0])
        return super().handle(ctx, req, parts)

    def elements(self, body):
        if isinstance(body, dict) and isinstance(body.get("Payments"), list):
            return body["Payments"]
        return [body] if self._single and isinstance(body, dict) and body else []

    def render(self, record, summary=False, ctx=None):
        out = super().render(record, summary, ctx)
        if ctx is not None:
            for name, id_field, number_field, plural in (
                    ("Invoice", "InvoiceID", "InvoiceNumber", "Invoices"),
                    ("CreditNote", "CreditNoteID", "CreditNoteNumber", "CreditNotes")):
                doc_id = (out.get(name) or {}).get(id_field)
                doc = ctx.store(plural).get(doc_id) if doc_id else None
                if doc:
                    out[name] = document_ref(doc, id_field, number_field)
        return out

    # -------------------------------------------------------- create
    def _write_one(self, ctx, element, mode, target):
        if not isinstance(element, dict):
            return {"ValidationErrors": [{"Message": "A payment must be an object."}],
                    "HasValidationErrors": True}, False
        errors = []
        payment = {k: v for k, v in wire.strip_nulls(element).items()
                   if k in ("Invoice", "CreditNote", "Account", "Date", "Amount", "CurrencyRate", "Reference",
                            "IsReconciled", "InvoiceNumber", "CreditNoteNumber", "Code", "Details",
                            "Particulars", "BankAccountNumber")}
        invoice_ref = payment.get("Invoice") or ({"InvoiceNumber": payment["InvoiceNumber"]}
                                                 if payment.get("InvoiceNumber") else None)
        note_ref = payment.get("CreditNote") or ({"CreditNoteNumber": payment["CreditNoteNumber"]}
                                                 if payment.get("CreditNoteNumber") else None)
        doc, id_field, number_field = None, None, None
        if invoice_ref:
            id_field, number_field = "InvoiceID", "InvoiceNumber"
            doc = _find(ctx.store("Invoices"), id_field, number_field, invoice_ref)
            if doc is None:
                errors.append("The Invoice specified for this payment could not be found.")
        elif note_ref:
            id_field, number_field = "CreditNoteID", "CreditNoteNumber"
            doc = _find(ctx.store("CreditNotes"), id_field, number_field, note_ref)
            if doc is None:
                errors.append("The Credit Note specified for this payment could not be found.")
        else:
            errors.append("An Invoice or Credit Note must be specified for this payment.")
        account_ref = payment.get("Account") or ({"Code": payment["Code"]} if payment.get("Code") else {})
        account = find_account(ctx, code=account_ref.get("Code"), account_id=account_ref.get("AccountID")) \
            if isinstance(account_ref, dict) else None
        if not account_ref:
            errors.append("An Account must be specified for this payment.")
        elif account is None:
            errors.append("The Account specified for this payment could not be found.")
        elif not accepts_payments(account) or account.get("Status") != "ACTIVE":
            errors.append("Account type is invalid for making a payment to/from")
        amount = None
        currency = (doc or {}).get("CurrencyCode") or ctx.org.base_currency
        try:
            amount = rnd(dec(payment.get("Amount")), money_dp(currency))
            if amount <= 0:
                raise ValueError(amount)
        except ValueError:
            errors.append("The Amount must be a number greater than 0.")
            amount = None
        stamp = parse_date(payment["Date"]) if payment.get("Date") is not None else today(ctx)
        if stamp is None:
            errors.append(f"'{payment.get('Date')}' is not a valid Date.")
        else:
            payment["Date"] = wire.ms_date(stamp)
        if doc is not None:
            if currency not in subscribed(ctx):
                errors.append(f"Organisation is not subscribed to currency {currency}")
            if doc.get("Status") != "AUTHORISED":
                errors.append("Payments can only be made against Authorised documents")
            elif amount is not None:
                outstanding = Decimal(str(doc.get("AmountDue" if id_field == "InvoiceID" else "RemainingCredit") or 0))
                if amount > outstanding:
                    errors.append("Payment amount exceeds the amount outstanding on this document")
        if stamp is not None:
            errors += lock_errors(ctx, payment["Date"])
        rate = 1 if currency == ctx.org.base_currency else (doc or {}).get("CurrencyRate") or 1
        if payment.get("CurrencyRate") is not None and currency != ctx.org.base_currency:
            try:
                rate = num(rnd(dec(payment["CurrencyRate"]), 6))
                if rate <= 0:
                    raise ValueError(rate)
            except ValueError:
                errors.append("The CurrencyRate must be a number greater than 0.")
        if errors:
            echo = dict(payment, PaymentID=str(uuid.uuid4()))
            echo.update(ValidationErrors=[{"Message": m} for m in errors], HasValidationErrors=True)
            return echo, False
        record = {
            "PaymentID": str(uuid.uuid4()), "Date": payment["Date"], "Amount": num(amount),
            "BankAmount": num(rnd(amount / Decimal(str(rate)), money_dp(ctx.org.base_currency))), "CurrencyRate": rate,
            "Reference": payment.get("Reference"), "IsReconciled": bool(payment.get("IsReconciled", False)),
            "Status": "AUTHORISED", "PaymentType": PAYMENT_TYPES.get(doc.get("Type"), "ACCRECPAYMENT"),
            "Account": {"AccountID": account["AccountID"], "Code": account.get("Code")},
            ("Invoice" if id_field == "InvoiceID" else "CreditNote"): document_ref(doc, id_field, number_field),
            "UpdatedDateUTC": wire.ms_date(ctx.now)}
        record = wire.strip_nulls(record)
        ctx.store(self.plural)[record["PaymentID"]] = record
        reconcile(ctx)
        return self.render(record, ctx=ctx), True

    # -------------------------------------------------------- delete
    def delete(self, ctx, req, key):
        record = self.find(ctx, key)
        if record is None:
            return wire.not_found()
        body, invalid = parse_body(req, empty={})
        if invalid:
            return invalid
        if isinstance(body, dict) and isinstance(body.get("Payments"), list) and body["Payments"]:
            body = body["Payments"][0]
        errors = []
        if not isinstance(body, dict) or body.get("Status") != "DELETED":
            errors.append('Payments cannot be edited: a payment can only be deleted with {"Status":"DELETED"}.')
        elif record.get("Status") == "DELETED":
            errors.append("This payment has already been deleted.")
        else:
            errors += lock_errors(ctx, record.get("Date"))
        if errors:
            echo = dict(self.render(record, ctx=ctx), ValidationErrors=[{"Message": m} for m in errors],
                        HasValidationErrors=True)
            if not parse_bool(req.query.get("summarizeerrors"), True):
                return ctx.ok(self.plural, [dict(echo, StatusAttributeString="ERROR")])
            return wire.Response.json(400, wire.validation_exception(elements=[echo]))
        record["Status"] = "DELETED"
        record["UpdatedDateUTC"] = wire.ms_date(ctx.now)
        reconcile(ctx)
        return ctx.ok(self.plural, [self.render(record, ctx=ctx)])

    # -------------------------------------------------------- control API
    def seed(self, ctx, record):
        record = super().seed(ctx, copy.deepcopy(record))
        record.setdefault("Status", "AUTHORISED")
        reconcile(ctx)
        return record

    def wipe(self, ctx):
        count = super().wipe(ctx)
        reconcile(ctx)
        return count
