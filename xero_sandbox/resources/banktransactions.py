"""BankTransactions (``/api.xro/2.0/BankTransactions``): receive and spend money.

Lines and totals as for invoices (``documents.py``; RECEIVE is the sales side, SPEND the
purchase side; no discounts).  ``Type`` RECEIVE, SPEND, RECEIVE-/SPEND-OVERPAYMENT or
RECEIVE-/SPEND-PREPAYMENT (transfers are not supported: ``'<x>' is not a valid Bank
Transaction type.``).  An overpayment or prepayment needs a contact and creates the
Overpayment/Prepayment of the same id (``overpayments.py``), named in the echo's
``OverpaymentID``/``PrepaymentID``; an overpayment has exactly one line, coded by Xero to
Accounts Receivable/Payable (its AccountCode is ignored) and without tax (NoTax).  Neither can
be edited afterwards; deleting one voids its credit, refused while it is allocated.
``BankAccount`` ``{AccountID}`` or ``{Code}`` must be an active BANK account.  ``Status`` is
AUTHORISED (created so) and may become DELETED; ``IsReconciled`` defaults to false and a
reconciled transaction cannot be edited.  Always posted: lock dates apply, lines need an
account.  ``Contact`` optional (resolved like invoices' when given).
"""

from .accounts import find_account
from .documents import Document, reconcile
from .overpayments import CREDIT_TYPES

OVERPAYMENT_TYPES = ("RECEIVE-OVERPAYMENT", "SPEND-OVERPAYMENT")

BANK_FIELDS = (
    "Type", "Contact", "LineItems", "BankAccount", "IsReconciled", "Date", "Reference", "CurrencyCode",
    "CurrencyRate", "Url", "Status", "LineAmountTypes", "SubTotal", "TotalTax", "Total", "BankTransactionID",
    "PrepaymentID", "OverpaymentID", "UpdatedDateUTC", "HasAttachments", "StatusAttributeString",
    "ValidationErrors")


class BankTransactions(Document):
    plural = "BankTransactions"
    id_field = "BankTransactionID"
    singular = "bank transaction"
    label = "Bank Transaction"
    read_scopes = ("accounting.transactions.read", "accounting.banktransactions.read")
    write_scopes = ("accounting.transactions", "accounting.banktransactions")
    writable = {
        **{name: None for name in ("Type", "Date", "LineAmountTypes", "Reference", "CurrencyCode", "CurrencyRate",
                                   "Status", "IsReconciled", "Url")},
        "Contact": "object",
        "BankAccount": "object",
        "LineItems": tuple(Document.line_writable),
    }
    fields = frozenset(BANK_FIELDS)
    default_order = ((("UpdatedDateUTC",), False), (("BankTransactionID",), False))
    defaults = {"Status": "AUTHORISED", "IsReconciled": False}
    render_defaults = {"HasAttachments": False}
    error_flag = None
    needs_contact = False
    types = ("RECEIVE", "SPEND", *CREDIT_TYPES)
    sales_types = ("RECEIVE", "RECEIVE-OVERPAYMENT", "RECEIVE-PREPAYMENT")
    statuses = ("AUTHORISED", "DELETED")
    create_statuses = ("AUTHORISED",)
    editable_statuses = ("AUTHORISED",)
    posted_statuses = ("AUTHORISED",)
    transitions = {"AUTHORISED": ("DELETED",)}

    def settled_amount(self, doc):
        return 0

    def line_account_statuses(self, doc):
        # an overpayment's one line is coded by Xero to Accounts Receivable/Payable
        return () if doc.get("Type") in OVERPAYMENT_TYPES else self.posted_statuses

    def _credit_of(self, ctx, doc):
        from . import RESOURCES
        plural = CREDIT_TYPES.get(doc.get("Type"), (None,))[0]
        return RESOURCES[plural.lower()] if plural else None

    def status_errors(self, ctx, candidate, existing):
        if existing is not None and existing.get("IsReconciled") and existing.get("Status") == "AUTHORISED":
            return ["This Bank Transaction cannot be edited as it has been reconciled with a Bank Statement."]
        credits = self._credit_of(ctx, existing) if existing is not None else None
        if credits is not None:
            credit = ctx.store(credits.plural).get(existing["BankTransactionID"]) or {}
            words = credits.credit_words
            if candidate.get("Status") != "DELETED" or candidate.get("Type") != existing.get("Type"):
                article = "An" if words[0] in "aeiou" else "A"
                return [f"{article} {words} cannot be edited once created; delete it and create it again."]
            if credit.get("Allocations"):
                return [f"This {words} has been allocated to invoices; remove the allocations before deleting it."]
        return super().status_errors(ctx, candidate, existing)

    def validate(self, ctx, candidate, existing):
        kind = candidate.get("Type")
        if kind and kind not in self.types:
            return [f"'{kind}' is not a valid Bank Transaction type."]
        if kind in CREDIT_TYPES and not candidate.get("Contact"):
            return ["A Contact must be specified for this type of transaction"]
        if kind in OVERPAYMENT_TYPES:
            lines = candidate.get("LineItems") or []
            if len(lines) != 1:
                return ["An overpayment must have exactly one line item."]
            candidate["LineAmountTypes"] = "NoTax"
            for name in ("AccountCode", "AccountID", "ItemCode", "TaxType", "DiscountRate", "DiscountAmount"):
                lines[0].pop(name, None)
        return super().validate(ctx, candidate, existing)

    def _write_one(self, ctx, element, mode, target):
        echo, ok = super()._write_one(ctx, element, mode, target)
        credits = self._credit_of(ctx, echo) if ok else None
        if credits is not None:
            transaction = ctx.store(self.plural)[echo["BankTransactionID"]]
            credits.from_bank_transaction(ctx, transaction)
            transaction[credits.id_field] = transaction["BankTransactionID"]
            reconcile(ctx)
            echo = self.render(transaction, ctx=ctx)
        return echo, ok

    def extra_errors(self, ctx, candidate, existing):
        ref = candidate.get("BankAccount") or {}
        if not isinstance(ref, dict) or not (ref.get("AccountID") or ref.get("Code")):
            return ["A Bank Account must be specified for this transaction."]
        account = find_account(ctx, code=ref.get("Code"), account_id=ref.get("AccountID"))
        if account is None or account.get("Type") != "BANK" or account.get("Status") != "ACTIVE":
            return [f"The Bank Account '{ref.get('Code') or ref.get('AccountID')}' is not a valid bank account."]
        candidate["BankAccount"] = {k: account[k] for k in ("AccountID", "Code", "Name") if account.get(k)}
        if not isinstance(candidate.get("IsReconciled"), bool):
            return ["The Is Reconciled must be true or false."]
        return []
