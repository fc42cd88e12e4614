"""Accounts (``/api.xro/2.0/Accounts``): the chart of accounts.

Rules ([OAS] Account, AccountType; the reference's §6 "Accounts"):

* ``Code`` at most 10 characters, unique (case-insensitive): ``Please enter a unique Code.``;
  required except for BANK accounts;
* ``Name`` required, at most 150 characters, unique: ``Please enter a unique Name.``;
* ``Type`` one of the OpenAPI's AccountType; ``Class`` is read-only, derived from the type;
* BANK accounts need a ``BankAccountNumber``, get ``BankAccountType`` BANK and the base
  currency unless given;
* ``Status`` ACTIVE or ARCHIVED (``DELETE /Accounts/{id}`` deletes); system accounts
  (``SystemAccount`` set) cannot change type, be archived or deleted;
* ``TaxType`` must be an active tax rate of the organisation;
* ``PUT /Accounts`` takes one Account object (or ``{"Accounts":[one]}``); ``POST
  /Accounts/{AccountID}`` updates; the list is not paged, includes archived accounts.
"""

import copy

from .. import wire
from .base import Collection, field_label

ACCOUNT_TYPES = ("BANK", "CURRENT", "CURRLIAB", "DEPRECIATN", "DIRECTCOSTS", "EQUITY", "EXPENSE",
                 "FIXED", "INVENTORY", "LIABILITY", "NONCURRENT", "OTHERINCOME", "OVERHEADS",
                 "PREPAYMENT", "REVENUE", "SALES", "TERMLIAB", "PAYG")
CLASS_OF_TYPE = {
    "BANK": "ASSET", "CURRENT": "ASSET", "FIXED": "ASSET", "INVENTORY": "ASSET",
    "NONCURRENT": "ASSET", "PREPAYMENT": "ASSET",
    "EQUITY": "EQUITY",
    "DEPRECIATN": "EXPENSE", "DIRECTCOSTS": "EXPENSE", "EXPENSE": "EXPENSE", "OVERHEADS": "EXPENSE",
    "CURRLIAB": "LIABILITY", "LIABILITY": "LIABILITY", "TERMLIAB": "LIABILITY", "PAYG": "LIABILITY",
    "OTHERINCOME": "REVENUE", "REVENUE": "REVENUE", "SALES": "REVENUE",
}
BANK_ACCOUNT_TYPES = ("BANK", "CREDITCARD", "PAYPAL", "NONE", "")
# Accounts no document line may use: Xero posts to them itself.
NOT_FOR_LINES = ("DEBTORS", "CREDITORS", "GST", "RETAINEDEARNINGS", "UNPAIDEXPCLM", "TRACKINGTRANSFERS",
                 "HISTORICAL")


def find_account(ctx, code=None, account_id=None):
    """The account with this AccountID (any case) or Code (case-insensitive), or None."""
    store = ctx.store("Accounts")
    if account_id:
        wanted = str(account_id).lower()
        return next((a for i, a in store.items() if i.lower() == wanted), None)
    if code is not None and str(code).strip():
        wanted = str(code).strip().casefold()
        return next((a for a in store.values() if str(a.get("Code", "")).casefold() == wanted), None)
    return None


def accepts_payments(account):
    return account.get("Type") == "BANK" or bool(account.get("EnablePaymentsToAccount"))


class Accounts(Collection):
    plural = "Accounts"
    id_field = "AccountID"
    singular = "account"
    paged = False
    read_scopes = ("accounting.settings.read",)
    write_scopes = ("accounting.settings",)
    writable = {name: None for name in (
        "Code", "Name", "Type", "BankAccountNumber", "Status", "Description", "BankAccountType",
        "CurrencyCode", "TaxType", "EnablePaymentsToAccount", "ShowInExpenseClaims", "ReportingCode",
        "AddToWatchlist")}
    fields = frozenset(writable) | {
        "AccountID", "Class", "SystemAccount", "ReportingCodeName", "HasAttachments", "UpdatedDateUTC",
        "ValidationErrors"}
    alt_key = "Code"
    default_order = ((("Code",), False), (("Name",), False), (("AccountID",), False))
    defaults = {"Status": "ACTIVE", "EnablePaymentsToAccount": False, "ShowInExpenseClaims": False,
                "AddToWatchlist": False}
    render_defaults = {"HasAttachments": False}
    error_flag = None

    def handle(self, ctx, req, parts):
        ctx.query = req.query
        if req.method == "POST" and not parts:
            return wire.not_found()  # no POST /Accounts in Xero's API
        if req.method == "DELETE" and len(parts) == 1:
            return self.delete(ctx, parts[0])
        return super().handle(ctx, req, parts)

    def elements(self, body):
        """PUT /Accounts takes one Account object; ``{"Accounts": [...]}`` is accepted too."""
        if isinstance(body, dict) and isinstance(body.get("Accounts"), list):
            return body["Accounts"]
        return [body] if isinstance(body, dict) and body else []

    def find(self, ctx, key):
        if wire.is_guid(key):
            return find_account(ctx, account_id=key)
        return None  # GET /Accounts/{AccountID} only

    def merge(self, record, changes):
        record = super().merge(record, changes)
        if record.get("Type") in CLASS_OF_TYPE:
            record["Class"] = CLASS_OF_TYPE[record["Type"]]
        return record

    def validate(self, ctx, candidate, existing):
        errors = []
        for name, value in candidate.items():
            if name in ("EnablePaymentsToAccount", "ShowInExpenseClaims", "AddToWatchlist"):
                if not isinstance(value, bool):
                    errors.append(f"The {field_label(name)} must be true or false.")
            elif name in self.writable and value is not None and not isinstance(value, str):
                errors.append(f"The {field_label(name)} must be text.")
        if errors:
            return errors
        code = (candidate.get("Code") or "").strip()
        name = (candidate.get("Name") or "").strip()
        kind = candidate.get("Type")
        if not kind:
            errors.append("Account Type must be specified.")
        elif kind not in ACCOUNT_TYPES:
            errors.append(f"'{kind}' is not a valid Account Type.")
        if not code and kind != "BANK":
            errors.append("Account Code must be specified.")
        if len(code) > 10:
            errors.append("The Code must not be more than 10 characters long.")
        if not name:
            errors.append("Account Name must be specified.")
        if len(name) > 150:
            errors.append("The Name must not be more than 150 characters long.")
        if candidate.get("Status") not in ("ACTIVE", "ARCHIVED"):
            errors.append(f"'{candidate.get('Status')}' is not a valid Status.")
        if kind == "BANK":
            if not (candidate.get("BankAccountNumber") or "").strip():
                errors.append("A Bank Account Number must be specified for a BANK account.")
            if candidate.get("BankAccountType", "BANK") not in BANK_ACCOUNT_TYPES:
                errors.append(f"'{candidate['BankAccountType']}' is not a valid Bank Account Type.")
        tax_type = candidate.get("TaxType")
        if tax_type:
            rate = ctx.store("TaxRates").get(tax_type)
            if rate is None or rate.get("Status") != "ACTIVE":
                errors.append(f"The TaxType code {tax_type} does not exist or cannot be used for this type "
                              "of transaction.")
        if existing and existing.get("SystemAccount"):
            if kind != existing.get("Type"):
                errors.append("The Type of a system account cannot be changed.")
            if candidate.get("Status") != "ACTIVE":
                errors.append("System accounts cannot be archived.")
        others = [a for a in ctx.store(self.plural).values() if a is not existing]
        if code and any(str(a.get("Code", "")).strip().casefold() == code.casefold() for a in others):
            errors.append("Please enter a unique Code.")
        if name and any(str(a.get("Name", "")).strip().casefold() == name.casefold() for a in others):
            errors.append("Please enter a unique Name.")
        if not errors and kind == "BANK":
            candidate.setdefault("BankAccountType", "BANK")
            candidate.setdefault("CurrencyCode", ctx.org.base_currency)
        return errors

    def delete(self, ctx, key):
        record = self.find(ctx, key)
        if record is None:
            return wire.not_found()
        if record.get("SystemAccount"):
            return wire.Response.json(400, wire.validation_exception(elements=[dict(
                self.render(record, ctx=ctx), ValidationErrors=[{"Message": "System accounts cannot be deleted."}])]))
        del ctx.store(self.plural)[record[self.id_field]]
        gone = copy.deepcopy(record)
        gone["Status"] = "DELETED"
        gone["UpdatedDateUTC"] = wire.ms_date(ctx.now)
        return ctx.ok(self.plural, [self.render(gone, ctx=ctx)])
