"""Accounts, TaxRates and BrandingThemes through xero-python: the seeded defaults and the rules."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from xero_python.accounting import Account, Accounts, AccountType, TaxComponent, TaxRate, TaxRates
from xero_python.exceptions import AccountingBadRequestException, NotFoundException

from .openapi import OPENAPI_DIR, assert_valid

needs_openapi = pytest.mark.skipif(not (OPENAPI_DIR / "xero_accounting.yaml").exists(),
                                   reason="no OpenAPI documents")


def messages(err):
    return [m["Message"] for e in err.value.error_data["Elements"] for m in e["ValidationErrors"]]


# ---------------------------------------------------------------- seeded organisation
def test_new_organisation_is_seeded_without_api_calls(api, tenant_id, sandbox):
    assert sandbox.log() == []  # seeding is not a request
    accounts = {a.code: a for a in api.get_accounts(tenant_id).accounts}
    for code in ("090", "091", "200", "260", "270", "300", "310", "400", "404", "408", "412", "420", "429",
                 "433", "445", "461", "469", "473", "485", "489", "493", "610", "620", "630", "710", "800",
                 "820", "840", "860", "877", "960", "970"):
        assert code in accounts, code
    bank = accounts["090"]
    assert bank.name == "Business Bank Account" and bank.type == AccountType.BANK
    assert bank.enable_payments_to_account is True and bank._class == "ASSET"
    assert bank.currency_code.value == "USD" and bank.bank_account_number
    assert accounts["200"].type == AccountType.REVENUE and accounts["200"].tax_type == "OUTPUT"
    assert accounts["300"].type == AccountType.DIRECTCOSTS and accounts["300"]._class == "EXPENSE"
    assert accounts["610"].system_account == "DEBTORS" and accounts["800"].system_account == "CREDITORS"
    assert accounts["960"].system_account == "RETAINEDEARNINGS" and accounts["960"]._class == "EQUITY"
    assert accounts["800"]._class == "LIABILITY"
    rates = {r.tax_type: r for r in api.get_tax_rates(tenant_id).tax_rates}
    assert rates["OUTPUT"].name == "Tax on Sales" and rates["OUTPUT"].effective_rate == Decimal("15")
    assert rates["OUTPUT"].can_apply_to_revenue is True and rates["OUTPUT"].can_apply_to_expenses is False
    assert rates["INPUT"].name == "Tax on Purchases" and rates["INPUT"].can_apply_to_revenue is False
    assert rates["NONE"].effective_rate == Decimal("0") and rates["NONE"].can_apply_to_revenue is True
    themes = api.get_branding_themes(tenant_id).branding_themes
    assert [t.name for t in themes] == ["Standard", "Special Projects"] and themes[0].sort_order == 0
    assert api.get_branding_theme(tenant_id, themes[1].branding_theme_id).branding_themes[0].name == "Special Projects"
    assert sandbox.log()[-1]["path"].endswith("/BrandingThemes/" + themes[1].branding_theme_id)


def test_each_organisation_has_its_own_chart(sandbox, tenant_id):
    other = sandbox.create_org("Other")["tenant_id"]
    mine = {a["Code"]: a["AccountID"] for a in sandbox.records(tenant_id, "Accounts")}
    theirs = {a["Code"]: a["AccountID"] for a in sandbox.records(other, "Accounts")}
    assert set(mine) == set(theirs) and not set(mine.values()) & set(theirs.values())


# ---------------------------------------------------------------- accounts
def test_account_create_update_and_rules(api, tenant_id):
    created = api.create_account(tenant_id, Account(code="201", name="Services", type=AccountType.SALES,
                                                    tax_type="OUTPUT")).accounts[0]
    assert created.account_id and created._class == "REVENUE" and created.status == "ACTIVE"
    assert api.get_account(tenant_id, created.account_id).accounts[0].code == "201"
    updated = api.update_account(tenant_id, created.account_id, Accounts(accounts=[
        Account(name="Services Income", type=AccountType.EXPENSE)])).accounts[0]
    assert updated.name == "Services Income" and updated.code == "201" and updated._class == "EXPENSE"
    with pytest.raises(AccountingBadRequestException) as err:
        api.create_account(tenant_id, Account(code="200", name="Sales", type=AccountType.SALES))
    assert messages(err) == ["Please enter a unique Code.", "Please enter a unique Name."]
    with pytest.raises(AccountingBadRequestException) as err:
        api.create_account(tenant_id, Account(code="ABCDEFGHIJK", name="Bank 2", type=AccountType.BANK,
                                              tax_type="NOPE"))
    assert messages(err) == ["The Code must not be more than 10 characters long.",
                             "A Bank Account Number must be specified for a BANK account.",
                             "The TaxType code NOPE does not exist or cannot be used for this type of transaction."]
    archived = api.update_account(tenant_id, created.account_id, Accounts(accounts=[Account(status="ARCHIVED")]))
    assert archived.accounts[0].status == "ARCHIVED"
    assert created.account_id in [a.account_id for a in api.get_accounts(tenant_id).accounts]


def test_account_bad_type_and_system_accounts(raw, api, tenant_id):
    body = raw("PUT", "Accounts", json={"Code": "X1", "Name": "Odd", "Type": "ODD"}).json()
    assert body["Elements"][0]["ValidationErrors"] == [{"Message": "'ODD' is not a valid Account Type."}]
    ar = [a for a in api.get_accounts(tenant_id, where='Code=="610"').accounts][0]
    with pytest.raises(AccountingBadRequestException) as err:
        api.update_account(tenant_id, ar.account_id, Accounts(accounts=[Account(status="ARCHIVED")]))
    assert messages(err) == ["System accounts cannot be archived."]
    assert raw("DELETE", f"Accounts/{ar.account_id}").status_code == 400
    bank = api.create_account(tenant_id, Account(name="Card", type=AccountType.BANK,
                                                 bank_account_number="4111")).accounts[0]
    assert bank.code is None and bank.bank_account_type == "BANK"
    deleted = raw("DELETE", f"Accounts/{bank.account_id}").json()["Accounts"][0]
    assert deleted["Status"] == "DELETED"
    with pytest.raises(NotFoundException):
        api.get_account(tenant_id, bank.account_id)


def test_account_where_order_and_if_modified_since(api, tenant_id, sandbox):
    banks = api.get_accounts(tenant_id, where='Status=="ACTIVE" AND Type=="BANK"', order="Name DESC").accounts
    assert [a.code for a in banks] == ["091", "090"]
    sandbox.advance(60)
    mark = datetime.now(timezone.utc) + timedelta(seconds=30)
    assert api.get_accounts(tenant_id, if_modified_since=mark).accounts == []
    api.create_account(tenant_id, Account(code="999", name="New One", type=AccountType.EXPENSE))
    assert [a.code for a in api.get_accounts(tenant_id, if_modified_since=mark).accounts] == ["999"]


# ---------------------------------------------------------------- tax rates
def test_tax_rate_create_compound_and_update(api, tenant_id, raw):
    created = api.create_tax_rates(tenant_id, TaxRates(tax_rates=[
        TaxRate(name="GST + PST", tax_components=[
            TaxComponent(name="GST", rate=Decimal("5"), is_compound=False),
            TaxComponent(name="PST", rate=Decimal("10"), is_compound=True)]),
        TaxRate(name="Reduced", tax_components=[TaxComponent(name="Reduced", rate=Decimal("7.5"))])])).tax_rates
    assert [r.tax_type for r in created] == ["TAX001", "TAX002"]
    assert created[0].display_tax_rate == Decimal("15") and created[0].effective_rate == Decimal("15.5")
    assert created[1].effective_rate == Decimal("7.5") and created[1].status == "ACTIVE"
    assert api.get_tax_rate_by_tax_type(tenant_id, "TAX002").tax_rates[0].name == "Reduced"
    updated = api.update_tax_rate(tenant_id, TaxRates(tax_rates=[TaxRate(
        tax_type="TAX002", name="Reduced", tax_components=[TaxComponent(name="Reduced", rate=Decimal("8"))])]))
    assert updated.tax_rates[0].effective_rate == Decimal("8")
    assert [r.tax_type for r in api.get_tax_rates(tenant_id, where='TaxType=="TAX002"').tax_rates] == ["TAX002"]
    assert [r["TaxType"] for r in raw("GET", "TaxRates", params={"TaxType": "OUTPUT"}).json()["TaxRates"]] == [
        "OUTPUT"]
    with pytest.raises(AccountingBadRequestException) as err:
        api.create_tax_rates(tenant_id, TaxRates(tax_rates=[TaxRate(name="Tax on Sales", tax_components=[])]))
    assert messages(err) == ["At least one tax component is required.",
                             "A tax rate with the name 'Tax on Sales' already exists."]
    deleted = api.update_tax_rate(tenant_id, TaxRates(tax_rates=[TaxRate(tax_type="TAX001", status="DELETED")]))
    assert deleted.tax_rates[0].status == "DELETED"


def test_scopes(sandbox, app, raw):
    tokens = sandbox.connect(app, scope="offline_access accounting.invoices accounting.settings.read")
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert raw("GET", "Accounts", headers=auth).status_code == 200
    assert raw("GET", "BrandingThemes", headers=auth).status_code == 200
    assert raw("PUT", "Accounts", headers=auth, json={"Code": "1", "Name": "n", "Type": "SALES"}).status_code == 401
    assert raw("PUT", "TaxRates", headers=auth, json={"TaxRates": []}).status_code == 401
    assert raw("PUT", "BrandingThemes", json={}).status_code == 404


@needs_openapi
def test_schemas(raw, sandbox, tenant_id):
    raw("PUT", "Accounts", json={"Code": "S1", "Name": "Schema", "Type": "EXPENSE", "TaxType": "INPUT"})
    assert_valid(raw("GET", "Accounts").json(), "xero_accounting.yaml", "Accounts", envelope=True)
    raw("PUT", "TaxRates", json={"TaxRates": [{"Name": "S", "TaxComponents": [{"Name": "S", "Rate": 2}]}]})
    assert_valid(raw("GET", "TaxRates").json(), "xero_accounting.yaml", "TaxRates", envelope=True)
    assert_valid(raw("GET", "BrandingThemes").json(), "xero_accounting.yaml", "BrandingThemes", envelope=True)
    sandbox.call("POST", f"tenants/{tenant_id}/organisation",
                 json={"PeriodLockDate": "2026-01-31", "end_of_year_lock_date": "2025-12-31"})
    org = raw("GET", "Organisation").json()
    assert org["Organisations"][0]["PeriodLockDate"] == "/Date(1769817600000+0000)/"
    assert org["Organisations"][0]["EndOfYearLockDate"] == "/Date(1767139200000+0000)/"
    assert_valid(org, "xero_accounting.yaml", "Organisations", envelope=True)
