"""What invoices, credit notes, purchase orders and bank transactions share: the contact,
dates, currency, branding theme, lock dates, and the line and total maths.

Line maths ([OAS] LineItem; the reference's §6 "Invoices"/"Totals"):

* ``LineAmount = round2(Quantity × UnitAmount × (100 − DiscountRate) / 100)``, or
  ``round2(Quantity × UnitAmount − DiscountAmount)``; ``UnitAmount`` is kept to 2 decimals
  (4 with ``unitdp=4``), ``Quantity`` to 4; a supplied ``LineAmount`` is recomputed (it only
  stands in for the unit amount when that is missing: ``UnitAmount = LineAmount / Quantity``);
* tax per line, rounded to 2 decimals, then summed: Exclusive ``round2(LineAmount × r)``,
  Inclusive ``round2(LineAmount × r / (1 + r))``, NoTax 0 (TaxType NONE);
* Exclusive: ``SubTotal = ΣLineAmount``, ``Total = SubTotal + TotalTax``; Inclusive:
  ``Total = ΣLineAmount``, ``SubTotal = Total − TotalTax``; supplied totals are ignored;
* rounding is half away from zero; money in a zero-decimal currency (JPY) is rounded to whole
  units instead of cents (:mod:`.currencies`).

Currency: ``CurrencyCode`` defaults to the base currency and must be one the organisation is
subscribed to (``Organisation is not subscribed to currency EUR``; ``GET/PUT /Currencies``);
``CurrencyRate`` is units of the document's currency per one unit of the base currency
([OAS] examples: a USD organisation's NZD invoice at 1.547150), kept to 6 decimals, 1 for the
base currency; missing, it is 1 (Xero takes XE.com's day rate: the sandbox has none).

Money paid or credited is derived, never stored by hand: :func:`reconcile` recomputes
every invoice's and credit note's ``AmountPaid``/``AmountCredited``/``AmountDue``/
``RemainingCredit``, ``Payments``/``CreditNotes``/``Overpayments``/``Prepayments``/
``Allocations`` and PAID status from the Payments store and the allocations of credit notes,
overpayments and prepayments (these count as paid on the invoice, credit notes as credited).
"""

import copy
import re
import uuid
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .. import webhooks, wire
from . import attachments
from .accounts import NOT_FOR_LINES, find_account
from .base import Collection
from .branding import default_theme, find_theme
from .contacts import Contacts
from .currencies import money_dp, subscribed
from .items import unit_dp
from .taxrates import find_tax_rate
from .tracking import line_tracking_ref, resolve_line_tracking

CURRENCIES = frozenset((
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BYR BZD "
    "CAD CDF CHF CLF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EEK EGP ERN ETB EUR FJD FKP GBP GEL GHS "
    "GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD "
    "KYD KZT LAK LBP LKR LRD LSL LTL LVL LYD MAD MDL MGA MKD MMK MNT MOP MRO MRU MUR MVR MWK MXN MXV MYR MZN "
    "NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP "
    "SKK SLE SLL SOS SRD STD STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VEF VES "
    "VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZMK ZWD").split())
LINE_AMOUNT_TYPES = ("Exclusive", "Inclusive", "NoTax")
LINE_FIELDS = ("LineItemID", "Description", "Quantity", "UnitAmount", "ItemCode", "AccountCode", "AccountID",
               "TaxType", "TaxAmount", "LineAmount", "Tracking", "DiscountRate", "DiscountAmount")
CONTACT_KEYS = ("ContactID", "ContactNumber", "Name")
ARCHIVED_CONTACT = ("The contact with the specified contact details has been archived. The contact must be "
                    "un-archived before creating new invoices or credit notes.")
TWO = Decimal("0.01")
#: the credits allocated to invoices besides credit notes: plural -> id field
CREDIT_PLURALS = {"Overpayments": "OverpaymentID", "Prepayments": "PrepaymentID"}


# ---------------------------------------------------------------- numbers and dates
def dec(value):
    """A JSON number (or numeric string) as Decimal; ValueError when it is not one."""
    if isinstance(value, bool) or value is None:
        raise ValueError(value)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(value) from None


def rnd(value, dp=2):
    return Decimal(value).quantize(Decimal(1).scaleb(-dp), rounding=ROUND_HALF_UP)


def num(value):
    """Decimal -> a JSON number (int when whole)."""
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def parse_date(value):
    """``/Date(ms[+hhmm])/``, ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM:SS`` -> epoch seconds at
    UTC midnight of that day; None when unparsable."""
    stamp = wire.parse_ms_date(value)
    if stamp is None and isinstance(value, str):
        try:
            stamp = datetime.fromisoformat(value.strip().replace("Z", "+00:00")[:19]).replace(
                tzinfo=timezone.utc).timestamp()
        except ValueError:
            return None
    if stamp is None:
        return None
    day = datetime.fromtimestamp(stamp, timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return day.timestamp()


def day_of(ms_value):
    stamp = wire.parse_ms_date(ms_value)
    return None if stamp is None else datetime.fromtimestamp(stamp, timezone.utc).date()


def today(ctx):
    return parse_date(wire.ms_date(ctx.now))


def lock_errors(ctx, date_value):
    """Xero's lock-date messages for a posted document dated ``date_value`` (ms date)."""
    errors = []
    day = day_of(date_value)
    if day is None:
        return errors
    for lock, label in ((ctx.org.period_lock_date, "period lock date"),
                        (getattr(ctx.org, "end_of_year_lock_date", None), "end of year lock date")):
        if lock:
            lock_day = datetime.strptime(lock, "%Y-%m-%d").date()
            if day <= lock_day:
                errors.append(f"The document date cannot be before the {label}, currently set at "
                              f"{lock_day.strftime('%d-%b-%Y')}")
    return errors


# ---------------------------------------------------------------- contacts
def resolve_contact(ctx, given):
    """``(contact record or None, new contact dict or None, errors)`` for a document's Contact."""
    if not isinstance(given, dict) or not any(str(given.get(k) or "").strip() for k in CONTACT_KEYS):
        return None, None, ["A Contact must be specified for this type of transaction"]
    contacts = ctx.store("Contacts")
    contact = None
    if given.get("ContactID"):
        wanted = str(given["ContactID"]).lower()
        contact = next((c for i, c in contacts.items() if i.lower() == wanted), None)
        if contact is None:
            return None, None, [f"The contact with ContactID '{given['ContactID']}' does not exist."]
    elif str(given.get("ContactNumber") or "").strip():
        wanted = str(given["ContactNumber"]).strip().casefold()
        contact = next((c for c in contacts.values()
                        if str(c.get("ContactNumber") or "").strip().casefold() == wanted), None)
        if contact is None and not str(given.get("Name") or "").strip():
            return None, None, [f"The contact with ContactNumber '{given['ContactNumber']}' does not exist."]
    if contact is None:
        name = str(given.get("Name") or "").strip()
        same = [c for c in contacts.values() if str(c.get("Name") or "").strip().casefold() == name.casefold()]
        contact = next((c for c in same if c.get("ContactStatus") == "ACTIVE"), None) or (same[0] if same else None)
        if contact is None:
            new = {k: v for k, v in given.items() if k in Contacts.writable and v is not None}
            new["Name"] = name
            if len(name) > 255:
                return None, None, ["The Contact Name must not be more than 255 characters long."]
            return None, new, []
    if contact.get("ContactStatus") == "ARCHIVED":
        return contact, None, [ARCHIVED_CONTACT]
    return contact, None, []


def contact_ref(contact):
    return {k: contact[k] for k in ("ContactID", "ContactNumber", "Name", "ContactStatus") if contact.get(k)}


# ---------------------------------------------------------------- lines
def account_usable(account):
    return (account is not None and account.get("Status") == "ACTIVE" and account.get("Type") != "BANK"
            and account.get("SystemAccount") not in NOT_FOR_LINES)


def tax_compatible(rate, account):
    flag = {"ASSET": "CanApplyToAssets", "EQUITY": "CanApplyToEquity", "EXPENSE": "CanApplyToExpenses",
            "LIABILITY": "CanApplyToLiabilities", "REVENUE": "CanApplyToRevenue"}.get(account.get("Class"))
    return flag is None or rate.get(flag, True)


def compute_lines(ctx, doc, lines, *, sales, allow_discount, lenient=False,
                  account_statuses=("AUTHORISED", "PAID"), kept_options=frozenset()):
    """Compute ``lines`` in place (amounts, tax, defaults from items and accounts, tracking);
    returns ``(totals dict, errors)``.  ``lenient`` (control-API seeding) skips every check;
    ``kept_options``: tracking option ids the stored document already carries."""
    errors = []
    dp = unit_dp(ctx)
    mdp = money_dp(doc.get("CurrencyCode") or ctx.org.base_currency)
    lat = doc.get("LineAmountTypes") or "Exclusive"
    sub = tax_total = gross = Decimal(0)
    discount_total = Decimal(0)
    posted = doc.get("Status") in account_statuses
    for line in lines:
        line.pop("TaxAmount", None)
        if "Tracking" in line:
            line["Tracking"], tracking_errors = resolve_line_tracking(ctx, line["Tracking"], kept_options, lenient)
            errors += tracking_errors
        code = line.get("ItemCode")
        item = None
        if code not in (None, ""):
            wanted = str(code).strip().casefold()
            item = next((i for i in ctx.store("Items").values()
                         if str(i.get("Code", "")).strip().casefold() == wanted), None)
            if item is None and not lenient:
                errors.append(f"Item code '{code}' is not valid.")
            if item is not None:
                details = item.get("SalesDetails" if sales else "PurchaseDetails") or {}
                line["ItemCode"] = item["Code"]
                line["Item"] = {"ItemID": item["ItemID"], "Code": item["Code"],
                                **({"Name": item["Name"]} if item.get("Name") else {})}
                desc = item.get("Description") if sales else item.get("PurchaseDescription") or item.get("Description")
                if not line.get("Description") and desc:
                    line["Description"] = desc
                if line.get("UnitAmount") is None and details.get("UnitPrice") is not None:
                    line["UnitAmount"] = details["UnitPrice"]
                account_code = details.get("AccountCode")
                if not sales and item.get("InventoryAssetAccountCode"):
                    account_code = item["InventoryAssetAccountCode"]
                if not line.get("AccountCode") and not line.get("AccountID") and account_code:
                    line["AccountCode"] = account_code
                if not line.get("TaxType") and details.get("TaxType"):
                    line["TaxType"] = details["TaxType"]
        # a stored description-only line carries LineAmount 0: it stays description-only on re-validation
        has_amount = (any(line.get(k) is not None for k in ("Quantity", "UnitAmount"))
                      or line.get("LineAmount") not in (None, 0) or item)
        try:
            quantity = rnd(dec(line["Quantity"]), 4) if line.get("Quantity") is not None else Decimal(1)
            if line.get("UnitAmount") is not None:
                unit = rnd(dec(line["UnitAmount"]), dp)
            elif line.get("LineAmount") is not None:
                unit = rnd(dec(line["LineAmount"]) / (quantity or 1), dp)
            else:
                unit = Decimal(0)
            rate = dec(line["DiscountRate"]) if line.get("DiscountRate") is not None else None
            discount = dec(line["DiscountAmount"]) if line.get("DiscountAmount") is not None else None
        except (ValueError, ArithmeticError):
            errors.append("Line item Quantity, UnitAmount, LineAmount, DiscountRate and DiscountAmount must be "
                          "numbers.")
            continue
        if (rate or discount) and not allow_discount and not lenient:
            errors.append("Discounts cannot be applied to this type of document.")
        if rate is not None and discount is not None and not lenient:
            errors.append("A line item cannot have both a DiscountRate and a DiscountAmount.")
        if rate is not None and not (0 <= rate <= 100) and not lenient:
            errors.append("The DiscountRate must be between 0 and 100.")
        # Account
        account = None
        if line.get("AccountID") and not line.get("AccountCode"):
            account = find_account(ctx, account_id=line["AccountID"])
            if account is None and not lenient:
                errors.append(f"Account code '{line['AccountID']}' is not a valid code for this document")
        elif line.get("AccountCode"):
            account = find_account(ctx, code=line["AccountCode"])
            if not account_usable(account) and not lenient:
                errors.append(f"Account code '{line['AccountCode']}' is not a valid code for this document")
                account = None
        if account is not None:
            line["AccountCode"] = account.get("Code")
            line["AccountID"] = account["AccountID"]
        if not has_amount:  # a description-only line
            for name in ("Quantity", "UnitAmount", "DiscountRate", "DiscountAmount", "TaxType"):
                line.pop(name, None)
            line["LineAmount"] = 0
            line["TaxAmount"] = 0
            continue
        if posted and account is None and not lenient and not any("Account code" in e for e in errors):
            errors.append("Account code must be specified")
        amount = quantity * unit
        if rate is not None:
            amount = amount * (100 - rate) / 100
        elif discount is not None:
            amount = amount - discount
        amount = rnd(amount, mdp)
        if rate or discount:
            discount_total += rnd(quantity * unit, mdp) - amount
        # Tax
        if lat == "NoTax":
            tax_type, tax_rate = "NONE", None
        else:
            tax_type = line.get("TaxType") or (account or {}).get("TaxType") or ("OUTPUT" if sales else "INPUT")
            tax_rate = find_tax_rate(ctx, tax_type)
            if (tax_rate is None or tax_rate.get("Status") != "ACTIVE") and not lenient:
                errors.append(f"The TaxType code {tax_type} does not exist or cannot be used for this type of "
                              "transaction.")
                tax_rate = None
            elif tax_rate is not None and account is not None and not tax_compatible(tax_rate, account) \
                    and not lenient:
                errors.append(f"The TaxType code '{tax_type}' cannot be used with account code "
                              f"'{account.get('Code')}'.")
        r = Decimal(str(tax_rate.get("EffectiveRate", 0))) / 100 if tax_rate else Decimal(0)
        tax = (rnd(amount * r, mdp) if lat == "Exclusive" else rnd(amount * r / (1 + r), mdp) if lat == "Inclusive"
               else Decimal(0))
        line.update(Quantity=num(quantity), UnitAmount=num(unit), LineAmount=num(amount), TaxAmount=num(tax),
                    TaxType=tax_type if tax_rate or lat == "NoTax" else line.get("TaxType"))
        if rate is not None:
            line["DiscountRate"] = num(rate)
        if discount is not None:
            line["DiscountAmount"] = num(discount)
        gross += amount
        tax_total += tax
    for line in lines:
        line.setdefault("LineItemID", str(uuid.uuid4()))
    if lat == "Inclusive":
        total, sub = gross, gross - tax_total
    else:
        sub, total = gross, gross + tax_total
    totals = {"SubTotal": num(sub), "TotalTax": num(tax_total), "Total": num(total)}
    if discount_total:
        totals["TotalDiscount"] = num(discount_total)
    return totals, errors


# ---------------------------------------------------------------- reconciliation
def _sum(values):
    return sum((Decimal(str(v)) for v in values), Decimal(0))


def reconcile(ctx):
    """Recompute everything derived from payments and allocations (see the module docstring)."""
    invoices = ctx.store("Invoices")
    credit_notes = ctx.store("CreditNotes")
    payments = ctx.store("Payments")
    for pid in [p for p, pay in payments.items()
                if not ((pay.get("Invoice") or {}).get("InvoiceID") in invoices
                        or (pay.get("CreditNote") or {}).get("CreditNoteID") in credit_notes)]:
        del payments[pid]
    live = [p for p in payments.values() if p.get("Status") == "AUTHORISED"]
    for note in [*credit_notes.values(), *_credits(ctx)]:
        note["Allocations"] = [a for a in note.get("Allocations", [])
                               if (a.get("Invoice") or {}).get("InvoiceID") in invoices]
    for invoice in invoices.values():
        _reconcile_invoice(ctx, invoice, live)
    for credit in _credits(ctx):
        _settle(ctx, credit, [], credit.get("Allocations", []), credit=True, plural=None)
        if not credit["Allocations"]:
            del credit["Allocations"]
    for note in credit_notes.values():
        paid = [p for p in live if (p.get("CreditNote") or {}).get("CreditNoteID") == note["CreditNoteID"]]
        _settle(ctx, note, paid, note.get("Allocations", []), credit=True)
        note["Payments"] = [_payment_ref(p) for p in paid]
        if not note["Payments"]:
            del note["Payments"]
        if not note["Allocations"]:
            del note["Allocations"]


def _reconcile_invoice(ctx, invoice, live=None):
    """What payments and credit-note allocations make of one invoice (``reconcile`` for one)."""
    if live is None:
        live = [p for p in ctx.store("Payments").values() if p.get("Status") == "AUTHORISED"]
    paid = [p for p in live if (p.get("Invoice") or {}).get("InvoiceID") == invoice["InvoiceID"]]
    credits = [(n, a) for n in ctx.store("CreditNotes").values() for a in n.get("Allocations", [])
               if a["Invoice"]["InvoiceID"] == invoice["InvoiceID"]]
    ahead = {plural: [(c, a) for c in ctx.store(plural).values() for a in c.get("Allocations", [])
                      if a["Invoice"]["InvoiceID"] == invoice["InvoiceID"]] for plural in CREDIT_PLURALS}
    # money received ahead of or beyond invoices pays them (AmountPaid), as payments do
    _settle(ctx, invoice, paid + [a for pairs in ahead.values() for _, a in pairs], [a for _, a in credits])
    invoice["Payments"] = [_payment_ref(p) for p in paid]
    invoice["CreditNotes"] = [{"CreditNoteID": n["CreditNoteID"], "CreditNoteNumber": n.get("CreditNoteNumber"),
                               "Date": a.get("Date"), "Total": n.get("Total"), "AppliedAmount": a["Amount"]}
                              for n, a in credits]
    for plural, id_field in CREDIT_PLURALS.items():
        invoice[plural] = [{id_field: c[id_field], "Date": a.get("Date"), "Total": c.get("Total"),
                            "AppliedAmount": a["Amount"]} for c, a in ahead[plural]]
    for name in ("Payments", "CreditNotes", *CREDIT_PLURALS):
        if not invoice[name]:
            del invoice[name]


def _payment_ref(payment):
    return {k: payment[k] for k in ("PaymentID", "Date", "Amount", "Reference", "CurrencyRate")
            if payment.get(k) is not None}


def _credits(ctx):
    """Overpayments and prepayments (credits that only allocations use up)."""
    return [c for plural in CREDIT_PLURALS for c in ctx.store(plural).values()]


def _settle(ctx, doc, payments, allocations, credit=False, plural=""):
    """Set the paid/credited amounts of one document; PAID when nothing is left."""
    paid = _sum(p["Amount"] for p in payments)
    allocated = _sum(a["Amount"] for a in allocations)
    total = Decimal(str(doc.get("Total") or 0))
    before = (doc.get("Status"), doc.get("AmountPaid"), doc.get("AmountCredited"), doc.get("RemainingCredit"))
    if credit:
        doc["RemainingCredit"] = num(total - paid - allocated)
        doc["AppliedAmount"] = num(paid + allocated)
        left = total - paid - allocated
    else:
        doc["AmountPaid"] = num(paid)
        doc["AmountCredited"] = num(allocated)
        left = total - paid - allocated
        doc["AmountDue"] = num(left) if doc.get("Status") not in ("VOIDED", "DELETED") else 0
    dates = [d for d in (p.get("Date") for p in [*payments, *allocations]) if d]
    if doc.get("Status") in ("AUTHORISED", "PAID"):
        settled = left <= 0 and (paid + allocated) > 0
        doc["Status"] = "PAID" if settled else "AUTHORISED"
        if settled:
            doc["FullyPaidOnDate"] = max(dates, key=wire.parse_ms_date)
        else:
            doc.pop("FullyPaidOnDate", None)
    after = (doc.get("Status"), doc.get("AmountPaid"), doc.get("AmountCredited"), doc.get("RemainingCredit"))
    if before != after and before[0] is not None and ctx.now:
        doc["UpdatedDateUTC"] = wire.ms_date(ctx.now)
        if plural is None:
            return  # Xero has no webhooks for overpayments and prepayments
        webhooks.record(ctx, "CreditNotes" if credit else "Invoices",
                        doc["CreditNoteID"] if credit else doc["InvoiceID"], created=False, if_not_queued=True,
                        document=doc)


# ---------------------------------------------------------------- the collection
class Document(Collection):
    """A document with a contact and lines; subclasses set the names and the rules."""

    number_field = None  # "InvoiceNumber"
    number_prefix = None  # "INV-": auto-numbered when missing (for these types)
    numbered_types = ()  # types auto-numbered / unique
    statuses = ()
    create_statuses = ()
    editable_statuses = ("DRAFT", "SUBMITTED", "AUTHORISED")
    posted_statuses = ("AUTHORISED", "PAID")
    label = "Document"  # for messages: "<label> not of valid status for modification"
    type_field = "Type"
    types = ()
    sales_types = ()
    discount_types = ()
    branded_types = ()
    needs_contact = True
    line_writable = LINE_FIELDS
    error_flag = "HasErrors"

    def doc_type(self, doc):
        return doc.get(self.type_field)

    # -- attachments (``<id>/Attachments[/...]``, see attachments.py) -----------------
    def scopes_for(self, method, parts=()):
        if attachments.is_attachments_path(parts):
            return attachments.scopes_for(method)
        return super().scopes_for(method, parts)

    def handle(self, ctx, req, parts):
        if attachments.is_attachments_path(parts):
            ctx.query = req.query
            return attachments.handle(self, ctx, req, parts)
        return super().handle(ctx, req, parts)

    def is_sales(self, doc):
        return self.doc_type(doc) in self.sales_types

    def clean(self, ctx, element):
        changes, errors = super().clean(ctx, element)
        if "LineItems" in changes:
            changes["LineItems"] = [{k: v for k, v in line.items() if k in self.line_writable}
                                    for line in changes["LineItems"]]
        for name in ("Date", "DueDate", "DeliveryDate", "ExpectedArrivalDate", "ExpectedPaymentDate",
                     "PlannedPaymentDate"):
            if name in changes:
                stamp = parse_date(changes[name])
                if stamp is None:
                    errors.append(f"'{changes[name]}' is not a valid {name}.")
                    changes.pop(name)
                else:
                    changes[name] = wire.ms_date(stamp)
        return changes, errors

    def status_errors(self, ctx, candidate, existing):
        """Messages for the status change existing -> candidate."""
        status = candidate.get("Status")
        if status not in self.statuses:
            return [f"'{status}' is not a valid Status."]
        if existing is None:
            if status not in self.create_statuses:
                return [f"{self.label} not of valid status for creation"]
            return []
        old = existing.get("Status")
        if old not in self.editable_statuses:
            return [f"{self.label} not of valid status for modification"]
        if self.settled_amount(existing) > 0:
            return ["This document cannot be edited as it has a payment or credit note allocated to it."]
        allowed = self.transitions.get(old, ())
        if status != old and status not in allowed:
            return [f"{self.label} not of valid status for modification"]
        return []

    transitions = {}

    def line_account_statuses(self, doc):
        """The statuses in which ``doc``'s lines need an account."""
        return self.posted_statuses

    def settled_amount(self, doc):
        return Decimal(str(doc.get("AmountPaid") or 0)) + Decimal(str(doc.get("AmountCredited") or 0))

    def validate(self, ctx, candidate, existing):
        errors = []
        kind = self.doc_type(candidate)
        if self.types and kind not in self.types:
            errors.append(f"'{kind}' is not a valid {self.label} type." if kind
                          else f"The {self.label} Type must be specified.")
            return errors
        candidate.setdefault("Status", self.defaults.get("Status"))
        errors += self.status_errors(ctx, candidate, existing)
        if errors:
            return errors
        contact, new_contact = None, None
        if self.needs_contact or candidate.get("Contact"):
            contact, new_contact, contact_errors = resolve_contact(ctx, candidate.get("Contact"))
            if existing is not None and contact is not None and contact.get("ContactStatus") == "ARCHIVED" \
                    and contact["ContactID"] == (existing.get("Contact") or {}).get("ContactID"):
                contact_errors = []  # an existing document of an archived contact stays editable
            errors += contact_errors
        lat = candidate.setdefault("LineAmountTypes", "Exclusive")
        if lat not in LINE_AMOUNT_TYPES:
            errors.append(f"'{lat}' is not a valid Line Amount Types.")
            return errors
        candidate.setdefault("Date", wire.ms_date(today(ctx)))
        currency = candidate.setdefault("CurrencyCode", ctx.org.base_currency)
        if currency not in CURRENCIES:
            errors.append(f"'{currency}' is not a valid currency code.")
        elif currency not in subscribed(ctx):
            errors.append(f"Organisation is not subscribed to currency {currency}")
        if currency == ctx.org.base_currency:
            candidate["CurrencyRate"] = 1
        else:
            try:
                rate = dec(candidate.get("CurrencyRate", 1))
                if rate <= 0:
                    raise ValueError(rate)
                candidate["CurrencyRate"] = num(rnd(rate, 6))
            except ValueError:
                errors.append("The CurrencyRate must be a number greater than 0.")
        if kind in self.branded_types:
            theme_id = candidate.get("BrandingThemeID")
            if theme_id:
                if find_theme(ctx, theme_id) is None:
                    errors.append(f"The BrandingThemeID '{theme_id}' does not exist.")
            elif default_theme(ctx):
                candidate["BrandingThemeID"] = default_theme(ctx)["BrandingThemeID"]
        lines = candidate.setdefault("LineItems", [])
        kept = {str(t.get("TrackingOptionID")).lower() for line in (existing or {}).get("LineItems") or []
                for t in line.get("Tracking") or []}
        totals, line_errors = compute_lines(
            ctx, candidate, lines, sales=self.is_sales(candidate),
            allow_discount=kind in self.discount_types, account_statuses=self.line_account_statuses(candidate),
            kept_options=frozenset(kept))
        errors += line_errors
        candidate.update(totals)
        if candidate.get("Status") in self.posted_statuses + ("VOIDED",) or \
                (existing is not None and existing.get("Status") in self.posted_statuses):
            errors += lock_errors(ctx, candidate.get("Date"))
        errors += self.number_errors(ctx, candidate, existing)
        errors += self.extra_errors(ctx, candidate, existing)
        if errors:
            if contact is not None:
                candidate["Contact"] = contact_ref(contact)
            return errors
        # Accepted: side effects happen only now.
        if new_contact is not None:
            contact = Contacts().seed(ctx, new_contact)
            webhooks.record(ctx, "Contacts", contact["ContactID"], created=True)
        if contact is not None:
            candidate["Contact"] = contact_ref(contact)
        self.assign_number(ctx, candidate)
        self.after_accept(ctx, candidate, existing, contact)
        return []

    # -------------------------------------------------------- numbers
    def number_errors(self, ctx, candidate, existing):
        number = (candidate.get(self.number_field) or "").strip() if self.number_field else ""
        if not number or self.doc_type(candidate) not in self.numbered_types:
            return []
        if len(number) > 255:
            return [f"The {self.number_field} must not be more than 255 characters long."]
        for other in ctx.store(self.plural).values():
            if other is not existing and other.get(self.id_field) != (existing or {}).get(self.id_field) \
                    and self.doc_type(other) in self.numbered_types \
                    and str(other.get(self.number_field) or "").strip().casefold() == number.casefold():
                return [self.duplicate_number_message]
        return []

    duplicate_number_message = ""

    def assign_number(self, ctx, candidate):
        if not self.number_field or self.doc_type(candidate) not in self.numbered_types:
            return
        if (candidate.get(self.number_field) or "").strip():
            return
        pattern = re.compile(re.escape(self.number_prefix) + r"(\d+)$", re.IGNORECASE)
        numbers = [int(m.group(1)) for d in ctx.store(self.plural).values()
                   for m in [pattern.match(str(d.get(self.number_field) or ""))] if m]
        candidate[self.number_field] = f"{self.number_prefix}{max(numbers, default=0) + 1:04d}"

    def extra_errors(self, ctx, candidate, existing):
        return []

    def after_accept(self, ctx, candidate, existing, contact):
        pass

    # -------------------------------------------------------- lookups and listing
    def _write_one(self, ctx, element, mode, target):
        """As the base, then derived amounts are recomputed and shown in the echo."""
        echo, ok = super()._write_one(ctx, element, mode, target)
        if ok:
            if self.plural == "Invoices":
                # writing an invoice changes no other document: settle just it (a whole
                # reconcile per invoice made a write of 50 into 10,000 invoices cost seconds)
                _reconcile_invoice(ctx, ctx.store(self.plural)[echo[self.id_field]])
            else:
                reconcile(ctx)
            echo = self.render(ctx.store(self.plural)[echo[self.id_field]], ctx=ctx)
        return echo, ok

    def render(self, record, summary=False, ctx=None):
        out = copy.deepcopy(super().render(record, summary, ctx))
        if ctx is not None:
            contact_id = (out.get("Contact") or {}).get("ContactID")
            contact = ctx.store("Contacts").get(contact_id) if contact_id else None
            if contact:
                out["Contact"] = contact_ref(contact)
            dp = unit_dp(ctx)
            for line in out.get("LineItems", []):
                if line.get("UnitAmount") is not None:
                    line["UnitAmount"] = num(rnd(dec(line["UnitAmount"]), dp))
                if line.get("Tracking"):  # names as they are now (renamed in Xero since)
                    line["Tracking"] = [line_tracking_ref(ctx, t) for t in line["Tracking"]]
        return out

    def seed(self, ctx, record):
        record = wire.strip_nulls(dict(record))
        record = self.merge(copy.deepcopy(self.defaults), record)
        record.setdefault("LineAmountTypes", "Exclusive")
        if record.get("LineItems"):
            totals, _ = compute_lines(ctx, record, record["LineItems"], sales=self.is_sales(record),
                                      allow_discount=True, lenient=True)
            for key, value in totals.items():
                record.setdefault(key, value)
        for name in ("Date", "DueDate"):
            if name in record and wire.parse_ms_date(record[name]) is None and parse_date(record[name]):
                record[name] = wire.ms_date(parse_date(record[name]))
        record = super().seed(ctx, record)
        self.after_seed(ctx, record)
        reconcile(ctx)
        return record

    def after_seed(self, ctx, record):
        pass

    def wipe(self, ctx):
        count = super().wipe(ctx)
        reconcile(ctx)
        return count
