"""What every new organisation starts with: a chart of accounts, tax rates and branding
themes modelled on Xero's demo company (a "Global" organisation).

Seeded straight into the state (never through the API: no request log, no rate limit).
Ids are derived from the tenant id and the code/name (``uuid5``), so they are stable for
an organisation across runs.
"""

import uuid

from .. import wire
from .accounts import CLASS_OF_TYPE
from .currencies import currency_record
from .taxrates import complete

NAMESPACE = uuid.UUID("6f1d0c2e-3b7a-4c55-9d0e-58a7c1e2b9aa")

# (Code, Name, Type, TaxType, extra)
ACCOUNTS = (
    ("090", "Business Bank Account", "BANK", "NONE",
     {"BankAccountNumber": "121-3456-7890123-00", "BankAccountType": "BANK", "EnablePaymentsToAccount": True}),
    ("091", "Business Savings Account", "BANK", "NONE",
     {"BankAccountNumber": "121-3456-7890123-01", "BankAccountType": "BANK"}),
    ("200", "Sales", "REVENUE", "OUTPUT", {"Description": "Income from any normal business activity"}),
    ("260", "Other Revenue", "REVENUE", "OUTPUT", {}),
    ("270", "Interest Income", "REVENUE", "NONE", {}),
    ("300", "Purchases", "DIRECTCOSTS", "INPUT", {}),
    ("310", "Cost of Goods Sold", "DIRECTCOSTS", "INPUT", {}),
    ("400", "Advertising", "OVERHEADS", "INPUT", {}),
    ("404", "Bank Fees", "OVERHEADS", "NONE", {}),
    ("408", "Cleaning", "OVERHEADS", "INPUT", {}),
    ("412", "Consulting & Accounting", "OVERHEADS", "INPUT", {}),
    ("416", "Depreciation", "DEPRECIATN", "NONE", {}),
    ("420", "Entertainment", "OVERHEADS", "NONE", {}),
    ("425", "Freight & Courier", "OVERHEADS", "INPUT", {}),
    ("429", "General Expenses", "OVERHEADS", "INPUT", {}),
    ("433", "Insurance", "OVERHEADS", "INPUT", {}),
    ("437", "Interest Expense", "OVERHEADS", "NONE", {}),
    ("441", "Legal expenses", "OVERHEADS", "INPUT", {}),
    ("445", "Light, Power, Heating", "OVERHEADS", "INPUT", {}),
    ("449", "Motor Vehicle Expenses", "OVERHEADS", "INPUT", {}),
    ("453", "Office Expenses", "OVERHEADS", "INPUT", {}),
    ("461", "Printing & Stationery", "OVERHEADS", "INPUT", {}),
    ("469", "Rent", "OVERHEADS", "INPUT", {}),
    ("473", "Repairs and Maintenance", "OVERHEADS", "INPUT", {}),
    ("477", "Wages and Salaries", "OVERHEADS", "NONE", {}),
    ("485", "Subscriptions", "OVERHEADS", "INPUT", {}),
    ("489", "Telephone & Internet", "OVERHEADS", "INPUT", {}),
    ("493", "Travel - National", "OVERHEADS", "INPUT", {}),
    ("494", "Travel - International", "OVERHEADS", "NONE", {}),
    ("497", "Bank Revaluations", "OVERHEADS", "NONE", {"SystemAccount": "BANKCURRENCYGAIN"}),
    ("498", "Unrealised Currency Gains", "OVERHEADS", "NONE", {"SystemAccount": "UNREALISEDCURRENCYGAIN"}),
    ("499", "Realised Currency Gains", "OVERHEADS", "NONE", {"SystemAccount": "REALISEDCURRENCYGAIN"}),
    ("505", "Income Tax Expense", "OVERHEADS", "NONE", {}),
    ("610", "Accounts Receivable", "CURRENT", "NONE", {"SystemAccount": "DEBTORS"}),
    ("620", "Prepayments", "CURRENT", "NONE", {}),
    ("630", "Inventory", "INVENTORY", "NONE", {}),
    ("710", "Office Equipment", "FIXED", "INPUT", {}),
    ("711", "Less Accumulated Depreciation on Office Equipment", "FIXED", "NONE", {}),
    ("720", "Computer Equipment", "FIXED", "INPUT", {}),
    ("721", "Less Accumulated Depreciation on Computer Equipment", "FIXED", "NONE", {}),
    ("800", "Accounts Payable", "CURRLIAB", "NONE", {"SystemAccount": "CREDITORS"}),
    ("801", "Unpaid Expense Claims", "CURRLIAB", "NONE", {"SystemAccount": "UNPAIDEXPCLM"}),
    ("820", "Sales Tax", "CURRLIAB", "NONE", {"SystemAccount": "GST"}),
    ("825", "Employee Tax Payable", "CURRLIAB", "NONE", {}),
    ("830", "Income Tax Payable", "CURRLIAB", "NONE", {}),
    ("840", "Historical Adjustment", "CURRLIAB", "NONE", {"SystemAccount": "HISTORICAL"}),
    ("850", "Suspense", "CURRLIAB", "NONE", {}),
    ("860", "Rounding", "CURRLIAB", "NONE", {"SystemAccount": "ROUNDING"}),
    ("877", "Tracking Transfers", "CURRLIAB", "NONE", {"SystemAccount": "TRACKINGTRANSFERS"}),
    ("880", "Owner A Drawings", "CURRLIAB", "NONE", {}),
    ("900", "Loan", "TERMLIAB", "NONE", {}),
    ("960", "Retained Earnings", "EQUITY", "NONE", {"SystemAccount": "RETAINEDEARNINGS"}),
    ("970", "Owner A Funds Introduced", "EQUITY", "NONE", {}),
    ("980", "Owner A Share Capital", "EQUITY", "NONE", {}),
)

# (TaxType, Name, rate %, ReportTaxType)
TAX_RATES = (
    ("OUTPUT", "Tax on Sales", 15, "OUTPUT"),
    ("INPUT", "Tax on Purchases", 15, "INPUT"),
    ("NONE", "Tax Exempt", 0, "NONE"),
    ("EXEMPTOUTPUT", "Exempt Sales", 0, "EXEMPTOUTPUT"),
    ("EXEMPTEXPENSES", "Exempt Expenses", 0, "EXEMPTEXPENSES"),
    ("GSTONIMPORTS", "Sales Tax on Imports", 0, "GSTONIMPORTS"),
)

BRANDING_THEMES = (("Standard", 0), ("Special Projects", 1))


def stable_id(tenant_id, kind, key):
    return str(uuid.uuid5(NAMESPACE, f"{tenant_id}/{kind}/{key}"))


def seed_organisation(state, tenant_id):
    """Store the default accounts, tax rates and branding themes of a new organisation."""
    now = wire.ms_date(state.now())
    org = state.orgs[tenant_id]
    taxes = state.store(tenant_id, "TaxRates")
    for tax_type, name, rate, report in TAX_RATES:
        taxes[tax_type] = complete({
            "Name": name, "TaxType": tax_type, "ReportTaxType": report, "Status": "ACTIVE",
            "TaxComponents": [{"Name": "Sales Tax" if rate else name, "Rate": rate,
                               "IsCompound": False, "IsNonRecoverable": False}]})
    accounts = state.store(tenant_id, "Accounts")
    for code, name, kind, tax_type, extra in ACCOUNTS:
        account_id = stable_id(tenant_id, "account", code)
        account = {"AccountID": account_id, "Code": code, "Name": name, "Type": kind, "Status": "ACTIVE",
                   "TaxType": tax_type, "Class": CLASS_OF_TYPE[kind], "EnablePaymentsToAccount": False,
                   "ShowInExpenseClaims": kind in ("OVERHEADS", "DIRECTCOSTS"), "AddToWatchlist": False,
                   "UpdatedDateUTC": now, **extra}
        if kind == "BANK":
            account["CurrencyCode"] = org.base_currency
        accounts[account_id] = account
    state.store(tenant_id, "Currencies")[org.base_currency] = currency_record(org.base_currency)
    themes = state.store(tenant_id, "BrandingThemes")
    for name, order in BRANDING_THEMES:
        theme_id = stable_id(tenant_id, "theme", name)
        themes[theme_id] = {"BrandingThemeID": theme_id, "Name": name, "Type": "INVOICE", "SortOrder": order,
                            "CreatedDateUTC": now}
