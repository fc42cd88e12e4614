"""Accounting set-up per connection: Xero's chart of accounts, tax rates and
branding themes, and how Odoo's accounts, taxes and payment journals map to them.

The rows are Xero's (read-only copies, refreshed by *Import Accounting Set-up*);
the mapping fields on them are Odoo's.  Odoo → Xero: an Odoo account or tax is
sent as the code/TaxType of the row it is mapped to; Xero → Odoo: a row gives
back its first mapped Odoo account or tax.  A tax whose rate differs from its
Xero tax rate is an error on the row, and documents using it are refused with
that error, never sent with a silently different tax.
"""

import logging
import uuid

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare

from ..services import xero_client as xc

_logger = logging.getLogger(__name__)

XERO_ACCOUNT_TYPES = [
    ("BANK", "Bank"), ("CURRENT", "Current Asset"), ("CURRLIAB", "Current Liability"),
    ("DEPRECIATN", "Depreciation"), ("DIRECTCOSTS", "Direct Costs"), ("EQUITY", "Equity"),
    ("EXPENSE", "Expense"), ("FIXED", "Fixed Asset"), ("INVENTORY", "Inventory"),
    ("LIABILITY", "Liability"), ("NONCURRENT", "Non-current Asset"), ("OTHERINCOME", "Other Income"),
    ("OVERHEADS", "Overhead"), ("PREPAYMENT", "Prepayment"), ("REVENUE", "Revenue"), ("SALES", "Sales"),
    ("TERMLIAB", "Non-current Liability"), ("PAYG", "PAYG Liability"),
]
# Xero account type (or system account) -> Odoo account type, for accounts created from Xero.
ODOO_ACCOUNT_TYPE = {
    "BANK": "asset_cash", "CURRENT": "asset_current", "CURRLIAB": "liability_current",
    "DEPRECIATN": "expense_depreciation", "DIRECTCOSTS": "expense_direct_cost", "EQUITY": "equity",
    "EXPENSE": "expense", "FIXED": "asset_fixed", "INVENTORY": "asset_current",
    "LIABILITY": "liability_non_current", "NONCURRENT": "asset_non_current", "OTHERINCOME": "income_other",
    "OVERHEADS": "expense", "PREPAYMENT": "asset_prepayments", "REVENUE": "income", "SALES": "income",
    "TERMLIAB": "liability_non_current", "PAYG": "liability_current",
    "DEBTORS": "asset_receivable", "CREDITORS": "liability_payable",
}


def _money_rate(value):
    return round(float(value or 0.0), 4)


class XeroAccount(models.Model):
    _name = "xero.account"
    _description = "Xero Account"
    _order = "connection_id, code, name"
    _rec_names_search = ["code", "name"]

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True)
    xero_id = fields.Char("Xero ID", required=True, readonly=True)
    code = fields.Char(readonly=True, index=True)
    name = fields.Char(required=True, readonly=True)
    type = fields.Selection(XERO_ACCOUNT_TYPES, readonly=True)
    account_class = fields.Char("Class", readonly=True)
    system_account = fields.Char(readonly=True)
    status = fields.Selection([("ACTIVE", "Active"), ("ARCHIVED", "Archived"), ("DELETED", "Deleted")],
                              readonly=True, default="ACTIVE")
    tax_type = fields.Char("Default Tax Type", readonly=True)
    enable_payments = fields.Boolean("Payments Enabled", readonly=True)
    bank_account_number = fields.Char(readonly=True)
    currency_code = fields.Char(readonly=True)
    active = fields.Boolean(compute="_compute_active", store=True)
    # -- mapping (Odoo side) ---------------------------------------------------
    account_ids = fields.Many2many(
        "account.account", string="Odoo Accounts",
        help="Odoo accounts sent to Xero as this account. The first one is used for documents "
             "coming from Xero.")
    journal_id = fields.Many2one(
        "account.journal", string="Payment Journal", domain="[('type', 'in', ('bank', 'cash'))]",
        help="Odoo payments in this journal are recorded in Xero against this account, and Xero "
             "payments to this account are registered in this journal.")
    can_pay = fields.Boolean(compute="_compute_can_pay", store=True)

    _sql_constraints = [("xero_id_uniq", "unique(connection_id, xero_id)", "A Xero account is imported once.")]

    @api.depends("status")
    def _compute_active(self):
        for account in self:
            account.active = account.status == "ACTIVE"

    @api.depends("type", "enable_payments")
    def _compute_can_pay(self):
        for account in self:
            account.can_pay = account.type == "BANK" or account.enable_payments

    def _compute_display_name(self):
        for account in self:
            account.display_name = f"{account.code} {account.name}" if account.code else account.name

    @api.constrains("account_ids", "connection_id")
    def _check_one_xero_account_per_odoo_account(self):
        for account in self:
            clash = self.search([("connection_id", "=", account.connection_id.id), ("id", "!=", account.id),
                                 ("account_ids", "in", account.account_ids.ids)], limit=1)
            if clash:
                shared = account.account_ids & clash.account_ids
                raise ValidationError(_(
                    "The Odoo account %(account)s is already mapped to the Xero account %(xero)s.",
                    account=shared[:1].display_name, xero=clash.display_name))

    @api.constrains("journal_id", "type", "enable_payments")
    def _check_journal(self):
        for account in self.filtered("journal_id"):
            if not account.can_pay:
                raise ValidationError(_(
                    "Xero takes payments only on bank accounts or accounts with payments enabled; "
                    "%(account)s is neither.", account=account.display_name))
            if self.search_count([("connection_id", "=", account.connection_id.id),
                                  ("journal_id", "=", account.journal_id.id), ("id", "!=", account.id)]):
                raise ValidationError(_("The journal %(journal)s is already mapped to another Xero account.",
                                        journal=account.journal_id.display_name))

    def action_create_odoo_accounts(self):
        """Create the Odoo accounts that these Xero accounts lack, and map them."""
        created = self.env["account.account"]
        for account in self.filtered(lambda a: not a.account_ids and a.code):
            company = account.company_id
            Account = self.env["account.account"].with_company(company)
            existing = Account.search([*Account._check_company_domain(company), ("code", "=", account.code)],
                                      limit=1)
            if not existing:
                kind = ODOO_ACCOUNT_TYPE.get(account.system_account) or ODOO_ACCOUNT_TYPE.get(account.type, "expense")
                existing = Account.create({
                    "code": account.code, "name": account.name, "account_type": kind,
                    "reconcile": kind in ("asset_receivable", "liability_payable"),
                    "company_ids": [fields.Command.link(company.id)],
                })
                created |= existing
            account.account_ids = [fields.Command.link(existing.id)]
        return created


class XeroTaxRate(models.Model):
    _name = "xero.tax.rate"
    _description = "Xero Tax Rate"
    _order = "connection_id, name"
    _rec_names_search = ["name", "tax_type"]

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True)
    tax_type = fields.Char("Tax Type", required=True, readonly=True)
    name = fields.Char(required=True, readonly=True)
    rate = fields.Float("Effective Rate (%)", digits=(16, 4), readonly=True)
    status = fields.Selection([("ACTIVE", "Active"), ("DELETED", "Deleted"), ("ARCHIVED", "Archived"),
                               ("PENDING", "Pending")], readonly=True, default="ACTIVE")
    report_tax_type = fields.Char(readonly=True)
    components = fields.Char(readonly=True)
    for_revenue = fields.Boolean("Sales", readonly=True)
    for_expenses = fields.Boolean("Purchases", readonly=True)
    active = fields.Boolean(compute="_compute_active", store=True)
    tax_ids = fields.Many2many("account.tax", string="Odoo Taxes",
                               help="Odoo taxes sent to Xero as this tax rate. Their rates must agree.")
    check_message = fields.Char("Check", compute="_compute_check_message", store=True)

    _sql_constraints = [("tax_type_uniq", "unique(connection_id, tax_type)", "A Xero tax rate is imported once.")]

    @api.depends("status")
    def _compute_active(self):
        for rate in self:
            rate.active = rate.status == "ACTIVE"

    def _compute_display_name(self):
        for rate in self:
            rate.display_name = f"{rate.name} ({rate.rate:g}%)"

    @api.depends("rate", "tax_ids.amount", "tax_ids.amount_type", "tax_ids.type_tax_use", "for_revenue",
                 "for_expenses")
    def _compute_check_message(self):
        for rate in self:
            problems = [rate._tax_problem(tax) for tax in rate.tax_ids]
            rate.check_message = "\n".join(p for p in problems if p) or False

    def _tax_problem(self, tax):
        """Why ``tax`` cannot be sent as this tax rate (None when it can)."""
        self.ensure_one()
        if tax.amount_type != "percent":
            return _("%(tax)s is not a percentage tax; only percentage taxes map to Xero tax rates.",
                     tax=tax.display_name)
        if float_compare(_money_rate(tax.amount), _money_rate(self.rate), precision_digits=4):
            return _("%(tax)s is %(odoo)s%% in Odoo but %(xero)s is %(rate)s%% in Xero.",
                     tax=tax.display_name, odoo="%g" % tax.amount, xero=self.name, rate="%g" % self.rate)
        if tax.type_tax_use == "sale" and not self.for_revenue:
            return _("%(xero)s cannot be used on sales in Xero, but %(tax)s is a sales tax.",
                     xero=self.name, tax=tax.display_name)
        if tax.type_tax_use == "purchase" and not self.for_expenses:
            return _("%(xero)s cannot be used on purchases in Xero, but %(tax)s is a purchase tax.",
                     xero=self.name, tax=tax.display_name)
        return None

    @api.constrains("tax_ids", "connection_id")
    def _check_one_rate_per_tax(self):
        for rate in self:
            clash = self.search([("connection_id", "=", rate.connection_id.id), ("id", "!=", rate.id),
                                 ("tax_ids", "in", rate.tax_ids.ids)], limit=1)
            if clash:
                raise ValidationError(_("The Odoo tax %(tax)s is already mapped to the Xero tax rate %(xero)s.",
                                        tax=(rate.tax_ids & clash.tax_ids)[:1].display_name,
                                        xero=clash.display_name))

    def action_create_odoo_taxes(self):
        """Create the Odoo taxes that these Xero tax rates lack (sales and/or purchases), and map them."""
        created = self.env["account.tax"]
        for rate in self.filtered(lambda r: r.active):
            for use, allowed in (("sale", rate.for_revenue), ("purchase", rate.for_expenses)):
                if not allowed or rate.tax_ids.filtered(lambda t, u=use: t.type_tax_use == u):
                    continue
                tax = self.env["account.tax"].create({
                    "name": _("%(rate)s (Sales)", rate=rate.name) if use == "sale"
                    else _("%(rate)s (Purchases)", rate=rate.name),
                    "amount_type": "percent", "amount": rate.rate, "type_tax_use": use,
                    "company_id": rate.company_id.id,
                })
                rate.tax_ids = [fields.Command.link(tax.id)]
                created |= tax
        return created


class XeroBrandingTheme(models.Model):
    _name = "xero.branding.theme"
    _description = "Xero Branding Theme"
    _order = "connection_id, sort_order, name"

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True)
    xero_id = fields.Char("Xero ID", required=True, readonly=True)
    name = fields.Char(required=True, readonly=True)
    sort_order = fields.Integer(readonly=True)
    active = fields.Boolean(default=True)

    _sql_constraints = [("xero_id_uniq", "unique(connection_id, xero_id)", "A branding theme is imported once.")]


class XeroCurrency(models.Model):
    """A currency the Xero organisation has added (``GET /Currencies``), read with the set-up."""

    _name = "xero.currency"
    _description = "Xero Currency"
    _order = "connection_id, code"
    _rec_name = "code"

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True)
    code = fields.Char(required=True, readonly=True)
    name = fields.Char("Description", readonly=True)
    currency_id = fields.Many2one("res.currency", string="Odoo Currency", compute="_compute_currency_id")
    active = fields.Boolean(default=True)

    _sql_constraints = [("code_uniq", "unique(connection_id, code)", "A currency is imported once.")]

    @api.depends("code")
    def _compute_currency_id(self):
        Currency = self.env["res.currency"].with_context(active_test=False)
        for row in self:
            row.currency_id = Currency.search([("name", "=", row.code)], limit=1)


class XeroConnectionAccounting(models.Model):
    _inherit = "xero.connection"

    xero_account_ids = fields.One2many("xero.account", "connection_id", string="Chart of Accounts")
    xero_tax_rate_ids = fields.One2many("xero.tax.rate", "connection_id", string="Tax Rates")
    branding_theme_ids = fields.One2many("xero.branding.theme", "connection_id", string="Branding Themes")
    branding_theme_id = fields.Many2one(
        "xero.branding.theme", string="Default Branding Theme",
        domain="[('connection_id', '=', id)]",
        help="Sent with invoices that do not choose one; empty: Xero's own default.")
    setup_imported = fields.Datetime("Accounting Set-up Imported", readonly=True)
    xero_currency_ids = fields.One2many("xero.currency", "connection_id", string="Xero Currencies")
    xero_currency_codes = fields.Char(
        "Currencies in Xero", compute="_compute_xero_currency_codes",
        help="The currencies the Xero organisation has added (read with the accounting set-up). Documents in "
             "others are refused with a message; 'Add Currency in Xero' on the document adds its currency.")

    @api.depends("xero_currency_ids.code", "xero_currency_ids.active", "base_currency")
    def _compute_xero_currency_codes(self):
        for connection in self:
            codes = connection.xero_currency_ids.mapped("code")
            connection.xero_currency_codes = ", ".join(
                sorted(codes, key=lambda c: (c != connection.base_currency, c))) or False

    # ------------------------------------------------------------------
    def action_import_accounting_setup(self):
        """Read Xero's chart of accounts, tax rates, branding themes and currencies; map what matches."""
        self.ensure_one()
        self._ensure_connected()
        client = self._client()
        try:
            counts = {
                "accounts": self._import_accounts(client.iter_all("Accounts")),
                "taxes": self._import_tax_rates(client.iter_all("TaxRates")),
                "themes": self._import_branding_themes(client.iter_all("BrandingThemes")),
                "currencies": self._import_currencies(client.iter_all("Currencies")),
            }
        except xc.XeroError as exc:
            raise UserError(_("Importing Xero's accounting set-up failed: %(error)s", error=exc.message)) from exc
        mapped = self._auto_map_accounting()
        self.setup_imported = fields.Datetime.now()
        message = _("%(accounts)s accounts, %(taxes)s tax rates, %(themes)s branding themes and %(currencies)s "
                    "currencies read from Xero; "
                    "%(mapped_accounts)s accounts, %(mapped_taxes)s taxes and %(mapped_journals)s journals "
                    "mapped automatically.", **counts, **mapped)
        self.message_post(body=message, message_type="notification")
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"type": "success", "title": _("Xero accounting set-up"), "message": message,
                           "next": {"type": "ir.actions.client", "tag": "soft_reload"}}}

    def _upsert(self, model, key, rows):
        """Create or update ``model`` rows of this connection by ``key``; rows missing in Xero are kept
        but marked deleted by the caller's values."""
        Model = self.env[model].with_context(active_test=False)
        existing = {r[key]: r for r in Model.search([("connection_id", "=", self.id)])}
        seen = set()
        for values in rows:
            seen.add(values[key])
            record = existing.get(values[key])
            if record:
                changed = {k: v for k, v in values.items() if record[k] != v}
                if changed:
                    record.write(changed)
            else:
                Model.create(dict(values, connection_id=self.id))
        return existing, seen

    def _import_accounts(self, accounts):
        rows = [{
            "xero_id": a["AccountID"], "code": a.get("Code") or False, "name": a.get("Name") or a.get("Code"),
            "type": a.get("Type") if a.get("Type") in dict(XERO_ACCOUNT_TYPES) else False,
            "account_class": a.get("Class") or False, "system_account": a.get("SystemAccount") or False,
            "status": a.get("Status") or "ACTIVE", "tax_type": a.get("TaxType") or False,
            "enable_payments": bool(a.get("EnablePaymentsToAccount")),
            "bank_account_number": a.get("BankAccountNumber") or False,
            "currency_code": a.get("CurrencyCode") or False,
        } for a in accounts]
        existing, seen = self._upsert("xero.account", "xero_id", rows)
        for xero_id, record in existing.items():
            if xero_id not in seen and record.status != "DELETED":
                record.status = "DELETED"
        return len(rows)

    def _import_tax_rates(self, rates):
        rows = []
        for r in rates:
            components = r.get("TaxComponents") or []
            rows.append({
                "tax_type": r["TaxType"], "name": r.get("Name") or r["TaxType"],
                "rate": float(r.get("EffectiveRate") if r.get("EffectiveRate") is not None
                              else r.get("DisplayTaxRate") or 0.0),
                "status": r.get("Status") or "ACTIVE", "report_tax_type": r.get("ReportTaxType") or False,
                "components": ", ".join(f"{c.get('Name')} {c.get('Rate', 0):g}%" for c in components) or False,
                "for_revenue": bool(r.get("CanApplyToRevenue")),
                "for_expenses": bool(r.get("CanApplyToExpenses")),
            })
        existing, seen = self._upsert("xero.tax.rate", "tax_type", rows)
        for tax_type, record in existing.items():
            if tax_type not in seen and record.status != "DELETED":
                record.status = "DELETED"
        return len(rows)

    def _import_branding_themes(self, themes):
        rows = [{"xero_id": t["BrandingThemeID"], "name": t.get("Name") or "", "sort_order": t.get("SortOrder") or 0,
                 "active": True} for t in themes]
        existing, seen = self._upsert("xero.branding.theme", "xero_id", rows)
        for xero_id, record in existing.items():
            if xero_id not in seen:
                record.active = False
        return len(rows)

    def _import_currencies(self, currencies):
        rows = [{"code": c["Code"], "name": c.get("Description") or c["Code"], "active": True}
                for c in currencies if c.get("Code")]
        existing, seen = self._upsert("xero.currency", "code", rows)
        for code, record in existing.items():
            if code not in seen and record.active:
                record.active = False
        return len(rows)

    # ------------------------------------------------------------------ currencies
    def _xero_currency_problem(self, currency):
        """Why a document in ``currency`` cannot go to this organisation (None when it can): the
        company's currency must be the organisation's base currency, and a foreign one must be
        among the currencies the organisation has added (once they are imported)."""
        self.ensure_one()
        company_currency = self.company_id.currency_id
        if self.base_currency and company_currency.name != self.base_currency:
            return _("The company's currency %(company)s is not the base currency %(base)s of the Xero "
                     "organisation %(org)s: amounts and rates would be wrong in Xero.",
                     company=company_currency.name, base=self.base_currency, org=self.tenant_name or "")
        if currency == company_currency or not self.xero_currency_ids:
            return None
        if currency.name not in self.xero_currency_ids.mapped("code"):
            values = {"org": self.tenant_name or "", "code": currency.name, "name": currency.full_name or currency.name}
            if self._xero_can_add_currency():
                return _("The Xero organisation %(org)s has not added the currency %(code)s (%(name)s). Press 'Add "
                         "Currency in Xero' on its Xero tab (or add it in Xero › Settings › Currencies), then sync "
                         "again.", **values)
            return _("The Xero organisation %(org)s has not added the currency %(code)s (%(name)s). Add it in Xero "
                     "› Settings › Currencies, import the accounting set-up again, then sync again.", **values)
        return None

    def _xero_currency_missing(self, currency, error=None):
        """True when ``currency`` is foreign, not in the organisation (its imported list says so, or Xero's
        last refusal did) and this connection may add it."""
        self.ensure_one()
        if currency == self.company_id.currency_id or not self._xero_can_add_currency():
            return False
        if error and f"not subscribed to currency {currency.name}" in error:
            return True
        return bool(self.xero_currency_ids) and currency.name not in self.xero_currency_ids.mapped("code")

    def _xero_can_add_currency(self):
        """Xero lets an app add currencies with the (write) settings scope."""
        self.ensure_one()
        return self.state == "connected" and xc.scope_covers((self.granted_scopes or "").split(),
                                                             "accounting.settings")

    def _xero_add_currency(self, currency):
        """``PUT /Currencies`` for ``currency``, then the connection's list is read again.  Adding
        cannot duplicate anything: a currency Xero already has (added meanwhile, or a PUT the transport
        re-sent) is refused by Xero and taken as added."""
        self.ensure_one()
        self._ensure_connected()
        client = self._client()
        try:
            client.add_currency(currency.name, idempotency_key=f"xero-currency-{uuid.uuid4()}")
        except xc.XeroError as exc:
            if not (isinstance(exc, xc.XeroValidationError) and "already" in exc.message):
                raise UserError(_("Xero did not add the currency %(code)s: %(error)s", code=currency.name,
                                  error=exc.message)) from exc
        self._import_currencies(client.iter_all("Currencies"))
        self.message_post(body=_("Currency %(code)s added to the Xero organisation.", code=currency.name),
                          message_type="notification")

    def _auto_map_accounting(self):
        """Map unmapped Odoo accounts by equal code, taxes by rate and use (when unique), journals
        by the code of their default account."""
        self.ensure_one()
        company = self.company_id
        Account = self.env["account.account"].with_company(company)
        xero_accounts = self.xero_account_ids.filtered(lambda a: a.active and a.code)
        mapped_ids = set(xero_accounts.account_ids.ids)
        by_code = {a.code: a for a in xero_accounts}
        counts = {"mapped_accounts": 0, "mapped_taxes": 0, "mapped_journals": 0}
        for account in Account.search([*Account._check_company_domain(company),
                                       ("code", "in", list(by_code))]):
            if account.id not in mapped_ids and by_code.get(account.code):
                by_code[account.code].account_ids = [fields.Command.link(account.id)]
                counts["mapped_accounts"] += 1
        rates = self.xero_tax_rate_ids.filtered("active")
        mapped_taxes = set(rates.tax_ids.ids)
        taxes = self.env["account.tax"].search([
            ("company_id", "=", company.id), ("amount_type", "=", "percent"),
            ("type_tax_use", "in", ("sale", "purchase"))])
        for tax in taxes.filtered(lambda t: t.id not in mapped_taxes):
            use = "for_revenue" if tax.type_tax_use == "sale" else "for_expenses"
            candidates = rates.filtered(lambda r, u=use, t=tax: r[u] and not float_compare(
                _money_rate(r.rate), _money_rate(t.amount), precision_digits=4))
            if len(candidates) == 1:
                candidates.tax_ids = [fields.Command.link(tax.id)]
                counts["mapped_taxes"] += 1
        payable = xero_accounts.filtered(lambda a: a.can_pay and not a.journal_id)
        mapped_journals = set(self.xero_account_ids.journal_id.ids)
        for journal in self.env["account.journal"].search([("company_id", "=", company.id),
                                                           ("type", "in", ("bank", "cash"))]):
            if journal.id in mapped_journals:
                continue
            match = payable.filtered(lambda a, j=journal: j.default_account_id in a.account_ids)[:1]
            if match:
                match.journal_id = journal
                payable -= match
                counts["mapped_journals"] += 1
        return counts

    # ------------------------------------------------------------------ lookups for the mappers
    def _xero_account_code(self, account):
        """The Xero account code of an Odoo account (None when unmapped)."""
        self.ensure_one()
        found = self.xero_account_ids.filtered(lambda a: account in a.account_ids and a.active)[:1]
        return found.code if found else None

    def _xero_tax_rate(self, tax):
        self.ensure_one()
        return self.xero_tax_rate_ids.filtered(lambda r: tax in r.tax_ids and r.active)[:1]
