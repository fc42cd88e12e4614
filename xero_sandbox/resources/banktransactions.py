"""BankTransactions (``/api.xro/2.0/BankTransactions``): receive and spend money.

Lines and totals as for invoices (``documents.py``; RECEIVE is the sales side, SPEND the
purchase side; no discounts).  ``Type`` RECEIVE or SPEND (the overpayment, prepayment and
transfer types are not supported: ``'<x>' is not a valid Bank Transaction type.``).
``BankAccount`` ``{AccountID}`` or ``{Code}`` must be an active BANK account.  ``Status`` is
AUTHORISED (created so) and may become DELETED; ``IsReconciled`` defaults to false and a
reconciled transaction cannot be edited.  Always posted: lock dates apply, lines need an
account.  ``Contact`` optional (resolved like invoices' when given).
"""

from .accounts import find_account
from .documents import Document

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
    types = ("RECEIVE", "SPEND")
    sales_types = ("RECEIVE",)
    statuses = ("AUTHORISED", "DELETED")
    create_statuses = ("AUTHORISED",)
    editable_statuses = ("AUTHORISED",)
    posted_statuses = ("AUTHORISED",)
    transitions = {"AUTHORISED": ("DELETED",)}

    def settled_amount(self, doc):
        return 0

    def status_errors(self, ctx, candidate, existing):
        if existing is not None and existing.get("IsReconciled") and existing.get("Status") == "AUTHORISED":
            return ["This Bank Transaction cannot be edited as it has been reconciled with a Bank Statement."]
        return super().status_errors(ctx, candidate, existing)

    def validate(self, ctx, candidate, existing):
        kind = candidate.get("Type")
        if kind and kind not in self.types:
            return [f"'{kind}' is not a valid Bank Transaction type."]
        return super().validate(ctx, candidate, existing)

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
