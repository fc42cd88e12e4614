"""ManualJournals (``/api.xro/2.0/ManualJournals``): journals posted straight to accounts.

[OAS] ManualJournal / ManualJournalLine; behaviour from Xero's documentation and the OAS examples:

* ``Narration`` is required; ``JournalLines`` must hold at least two lines;
* ``LineAmount``: debits positive, credits negative; the journal must balance, in Xero's words
  ``The total debits (100.00) must equal total credits (-10.00)`` (an OAS example); with
  ``LineAmountTypes`` Exclusive the computed tax is part of each line's side;
* a line's ``AccountCode`` (or ``AccountID``) that matches no active account is removed with the
  warning ``Account code '476' has been removed as it does not match a recognised account.`` (an
  OAS example); a POSTED journal needs an account on every line;
* ``LineAmountTypes`` defaults to NoTax (TaxType NONE); otherwise ``TaxType`` defaults to the
  account's and ``TaxAmount`` is computed per line as on invoices;
* ``Status`` DRAFT (the default) or POSTED on create; DRAFT -> POSTED or DELETED, POSTED -> VOIDED
  (a posted journal stays editable); DELETED and VOIDED are final; ARCHIVED is Xero's own;
* posted journals dated on or before a lock date are refused (as documents);
* without ``page`` the list carries no journal lines (as Xero's).

Bank accounts may be used (Xero allows manual journals to them; they are not reconciled).
Messages Xero does not document are marked ``(wording not documented)``.
"""

from decimal import Decimal

from .. import wire
from .accounts import find_account
from .base import Collection
from .documents import dec, lock_errors, num, parse_date, rnd, today
from .taxrates import find_tax_rate

JOURNAL_FIELDS = ("Narration", "JournalLines", "Date", "LineAmountTypes", "Status", "Url",
                  "ShowOnCashBasisReports", "HasAttachments", "UpdatedDateUTC", "ManualJournalID",
                  "StatusAttributeString", "Warnings", "ValidationErrors", "Attachments")
LINE_FIELDS = ("LineAmount", "AccountCode", "AccountID", "Description", "TaxType", "Tracking", "TaxAmount",
               "IsBlank")
STATUSES = ("DRAFT", "POSTED", "DELETED", "VOIDED", "ARCHIVED")
LINE_AMOUNT_TYPES = ("Exclusive", "Inclusive", "NoTax")
TRANSITIONS = {"DRAFT": ("DRAFT", "POSTED", "DELETED"), "POSTED": ("POSTED", "VOIDED")}


class ManualJournals(Collection):
    plural = "ManualJournals"
    id_field = "ManualJournalID"
    singular = "manual journal"
    read_scopes = ("accounting.transactions.read", "accounting.manualjournals.read")
    write_scopes = ("accounting.transactions", "accounting.manualjournals")
    writable = {
        **{name: None for name in ("Narration", "Date", "LineAmountTypes", "Status", "Url",
                                   "ShowOnCashBasisReports")},
        "JournalLines": LINE_FIELDS,
    }
    fields = frozenset(JOURNAL_FIELDS)
    status_field = "Status"
    default_order = ((("UpdatedDateUTC",), False), (("ManualJournalID",), False))
    defaults = {"Status": "DRAFT", "LineAmountTypes": "NoTax", "ShowOnCashBasisReports": True}
    render_defaults = {"HasAttachments": False}
    error_flag = None

    def list_omit(self, q, paged):
        return () if paged else ("JournalLines",)

    def clean(self, ctx, element):
        changes, errors = super().clean(ctx, element)
        if "Date" in changes:
            stamp = parse_date(changes["Date"])
            if stamp is None:
                errors.append(f"'{changes['Date']}' is not a valid Date.")
                changes.pop("Date")
            else:
                changes["Date"] = wire.ms_date(stamp)
        return changes, errors

    def merge(self, record, changes):
        record.pop("Warnings", None)
        return super().merge(record, changes)

    def validate(self, ctx, candidate, existing):
        status = candidate.get("Status")
        if status not in STATUSES or status == "ARCHIVED":
            return [f"'{status}' is not a valid Status."]
        if existing is None and status not in ("DRAFT", "POSTED"):
            return ["Manual Journal not of valid status for creation"]
        if existing is not None and status not in TRANSITIONS.get(existing.get("Status"), ()):
            return ["Manual Journal not of valid status for modification"]
        errors = []
        if not str(candidate.get("Narration") or "").strip():
            errors.append("Narration cannot be empty.")  # (wording not documented)
        lat = candidate.setdefault("LineAmountTypes", "NoTax")
        if lat not in LINE_AMOUNT_TYPES:
            return errors + [f"'{lat}' is not a valid Line Amount Types."]
        candidate.setdefault("Date", wire.ms_date(today(ctx)))
        if not isinstance(candidate.get("ShowOnCashBasisReports", True), bool):
            errors.append("The Show On Cash Basis Reports must be true or false.")
        lines = candidate.setdefault("JournalLines", [])
        if len(lines) < 2:
            errors.append("The manual journal must contain at least two individual journal lines.")
        posted = status == "POSTED" or (existing is not None and existing.get("Status") == "POSTED")
        warnings, line_errors = self._compute_lines(ctx, candidate, lines, lat, posted)
        errors += line_errors
        if posted:
            errors += lock_errors(ctx, candidate.get("Date"))
        if warnings:
            candidate["Warnings"] = [{"Message": m} for m in warnings]
        return errors

    @staticmethod
    def _compute_lines(ctx, candidate, lines, lat, posted):
        """Amounts, accounts and tax of ``lines`` (in place); returns ``(warnings, errors)``."""
        warnings, errors = [], []
        debits = credits = Decimal(0)
        for line in lines:
            try:
                amount = rnd(dec(line.get("LineAmount", 0)))
            except ValueError:
                errors.append("Journal line LineAmount must be a number.")  # (wording not documented)
                continue
            account = None
            given = line.get("AccountCode") or line.get("AccountID")
            if given:
                account = find_account(ctx, code=line.get("AccountCode")) if line.get("AccountCode") \
                    else find_account(ctx, account_id=line.get("AccountID"))
                if account is None or account.get("Status") != "ACTIVE":
                    warnings.append(f"Account code '{given}' has been removed as it does not match a recognised "
                                    "account.")
                    account = None
                    line.pop("AccountCode", None)
                    line.pop("AccountID", None)
            if account is not None:
                line["AccountCode"], line["AccountID"] = account.get("Code"), account["AccountID"]
            elif posted and not any(e.startswith("Account code must") for e in errors):
                errors.append("Account code must be specified")
            if lat == "NoTax":
                tax_type, rate = "NONE", None
            else:
                tax_type = line.get("TaxType") or (account or {}).get("TaxType") or "NONE"
                rate = find_tax_rate(ctx, tax_type)
                if rate is None or rate.get("Status") != "ACTIVE":
                    errors.append(f"The TaxType code {tax_type} does not exist or cannot be used for this type of "
                                  "transaction.")
                    rate = None
            r = Decimal(str(rate.get("EffectiveRate", 0))) / 100 if rate else Decimal(0)
            tax = rnd(amount * r) if lat == "Exclusive" else rnd(amount * r / (1 + r)) if lat == "Inclusive" \
                else Decimal(0)
            line.update(LineAmount=num(amount), TaxAmount=num(tax), TaxType=tax_type,
                        IsBlank=amount == 0 and account is None)
            side = amount + tax if lat == "Exclusive" else amount
            if side > 0:
                debits += side
            else:
                credits += side
        if not errors and debits + credits != 0:
            errors.append(f"The total debits ({debits:.2f}) must equal total credits ({credits:.2f})")
        return warnings, errors

    def render(self, record, summary=False, ctx=None):
        out = super().render(record, summary, ctx)
        out.setdefault("JournalLines", [])
        return out
