"""Currencies and multi-currency documents and payments through xero-python: subscribing to a
currency, refusing documents in others, CurrencyRate, zero-decimal JPY, USD and NZD organisations."""

from datetime import date
from decimal import Decimal

import pytest
from xero_python.accounting import (
    Account, Contact, CreditNote, CreditNotes, Currency, CurrencyCode, Invoice, Invoices, LineItem, Payment)
from xero_python.exceptions import AccountingBadRequestException

from .conftest import Sdk
from .openapi import OPENAPI_DIR, assert_valid

needs_openapi = pytest.mark.skipif(not (OPENAPI_DIR / "xero_accounting.yaml").exists(),
                                   reason="no OpenAPI documents")


def messages(err):
    return [m["Message"] for e in err.value.error_data["Elements"] for m in e["ValidationErrors"]]


def add(api, tenant_id, code):
    return api.create_currency(tenant_id, Currency(code=CurrencyCode[code])).currencies[0]


def codes(api, tenant_id, **kw):
    return [c.code.value for c in api.get_currencies(tenant_id, **kw).currencies]


def foreign_invoice(api, tenant_id, currency, unit, rate=None, qty=1, tax_type="OUTPUT", kind="ACCREC"):
    return api.create_invoices(tenant_id, Invoices(invoices=[Invoice(
        type=kind, contact=Contact(name="Overseas Ltd"), date=date(2026, 3, 1), status="AUTHORISED",
        currency_code=CurrencyCode[currency], currency_rate=None if rate is None else Decimal(str(rate)),
        line_items=[LineItem(description="Work", quantity=Decimal(str(qty)), unit_amount=Decimal(str(unit)),
                             account_code="200" if kind == "ACCREC" else "300", tax_type=tax_type)])])).invoices[0]


def test_a_new_organisation_has_its_base_currency_and_adds_others(api, tenant_id, raw):
    assert codes(api, tenant_id) == ["USD"]
    added = add(api, tenant_id, "EUR")
    assert (added.code.value, added.description) == ("EUR", "Euro")
    add(api, tenant_id, "JPY")
    assert codes(api, tenant_id) == ["EUR", "JPY", "USD"]
    assert codes(api, tenant_id, where='Code=="JPY"') == ["JPY"]
    assert codes(api, tenant_id, order="Code DESC") == ["USD", "JPY", "EUR"]
    with pytest.raises(AccountingBadRequestException) as err:
        add(api, tenant_id, "EUR")
    assert messages(err) == ["The currency EUR has already been added."]
    bad = raw("PUT", "Currencies", json={"Code": "XYZ"})
    assert bad.status_code == 400
    assert bad.json()["Elements"][0]["ValidationErrors"][0]["Message"] == "'XYZ' is not a valid currency code."


def test_an_organisation_without_multi_currency_cannot_add_one(sandbox, api, tenant_id):
    sandbox.call("POST", f"tenants/{tenant_id}/organisation", json={"multi_currency": False})
    with pytest.raises(AccountingBadRequestException) as err:
        add(api, tenant_id, "GBP")
    assert messages(err) == ["This organisation's plan does not include multi-currency."]


def test_documents_in_a_currency_not_subscribed_are_refused_by_name(api, tenant_id):
    with pytest.raises(AccountingBadRequestException) as err:
        foreign_invoice(api, tenant_id, "GBP", 100, rate=0.79)
    assert messages(err) == ["Organisation is not subscribed to currency GBP"]
    with pytest.raises(AccountingBadRequestException) as err:
        api.create_credit_notes(tenant_id, CreditNotes(credit_notes=[CreditNote(
            type="ACCRECCREDIT", contact=Contact(name="Overseas Ltd"), currency_code=CurrencyCode.AUD,
            line_items=[LineItem(description="x", quantity=1, unit_amount=5, account_code="200")])]))
    assert messages(err) == ["Organisation is not subscribed to currency AUD"]
    add(api, tenant_id, "GBP")
    inv = foreign_invoice(api, tenant_id, "GBP", 100, rate=0.79)
    assert (inv.currency_code.value, inv.currency_rate, inv.total) == ("GBP", Decimal("0.79"), Decimal("115"))


def test_currency_rate_is_foreign_units_per_base_unit_and_payments_carry_theirs(api, tenant_id):
    add(api, tenant_id, "EUR")
    inv = foreign_invoice(api, tenant_id, "EUR", "200.00", rate="0.9234567", tax_type="NONE")
    assert inv.currency_rate == Decimal("0.923457")  # 6 decimals
    paid = api.create_payment(tenant_id, Payment(
        invoice=Invoice(invoice_id=inv.invoice_id), account=Account(code="090"), amount=Decimal("92.35"),
        date=date(2026, 3, 10), currency_rate=Decimal("0.95"))).payments[0]
    assert paid.currency_rate == Decimal("0.95") and paid.bank_amount == Decimal("97.21")  # 92.35 / 0.95 USD
    default = api.create_payment(tenant_id, Payment(
        invoice=Invoice(invoice_id=inv.invoice_id), account=Account(code="090"), amount=Decimal("7.65"),
        date=date(2026, 3, 11))).payments[0]
    assert default.currency_rate == Decimal("0.923457")  # the invoice's
    with pytest.raises(AccountingBadRequestException) as err:
        api.create_payment(tenant_id, Payment(invoice=Invoice(invoice_id=inv.invoice_id), account=Account(code="090"),
                                              amount=Decimal("1"), currency_rate=Decimal("0")))
    assert "The CurrencyRate must be a number greater than 0." in messages(err)


def test_jpy_amounts_are_whole_yen(api, tenant_id):
    add(api, tenant_id, "JPY")
    inv = foreign_invoice(api, tenant_id, "JPY", "1234.5", rate="151.25", qty=3)  # 15% tax
    line = inv.line_items[0]
    assert line.line_amount == Decimal("3704") and line.tax_amount == Decimal("556")  # 3703.5 -> 3704
    assert (inv.sub_total, inv.total_tax, inv.total) == (Decimal("3704"), Decimal("556"), Decimal("4260"))
    paid = api.create_payment(tenant_id, Payment(invoice=Invoice(invoice_id=inv.invoice_id),
                                                 account=Account(code="090"), amount=Decimal("1000.4"),
                                                 date=date(2026, 3, 5))).payments[0]
    assert paid.amount == Decimal("1000") and paid.bank_amount == Decimal("6.61")  # 1000 / 151.25 USD
    assert api.get_invoice(tenant_id, inv.invoice_id).invoices[0].amount_due == Decimal("3260")


def test_an_nzd_organisation_takes_usd_but_not_its_own_rate(sandbox):
    org = sandbox.create_org("Demo Company (NZ)", base_currency="NZD", country_code="NZ")
    app = sandbox.create_app(organisations=[org["tenant_id"]])
    api = Sdk(sandbox.url, app, sandbox.connect(app)).accounting
    tenant = org["tenant_id"]
    assert codes(api, tenant) == ["NZD"]
    nzd = foreign_invoice(api, tenant, "NZD", 100, rate=2.5)
    assert nzd.currency_rate == Decimal("1")  # the base currency's rate is always 1
    with pytest.raises(AccountingBadRequestException) as err:
        foreign_invoice(api, tenant, "USD", 100, rate=0.6)
    assert messages(err) == ["Organisation is not subscribed to currency USD"]
    add(api, tenant, "USD")
    usd = foreign_invoice(api, tenant, "USD", 100, rate=0.6, kind="ACCPAY", tax_type="INPUT")
    assert (usd.currency_code.value, usd.currency_rate) == ("USD", Decimal("0.6"))


@needs_openapi
def test_currencies_conform_to_the_openapi(api, tenant_id, raw):
    add(api, tenant_id, "AUD")
    assert_valid(raw("GET", "Currencies").json(), "xero_accounting.yaml", "Currencies", envelope=True)
    assert_valid(raw("PUT", "Currencies", json={"Code": "GBP"}).json(), "xero_accounting.yaml", "Currencies",
                 envelope=True)


def test_a_payment_of_a_document_in_a_currency_not_added_is_refused(sandbox, api, tenant_id):
    [doc] = sandbox.call("POST", f"tenants/{tenant_id}/Invoices", json={"Invoices": [{
        "Type": "ACCREC", "Contact": {"Name": "Seeded"}, "Status": "AUTHORISED", "CurrencyCode": "GBP",
        "CurrencyRate": 0.8, "LineItems": [{"Description": "x", "Quantity": 1, "UnitAmount": 10, "AccountCode": "200",
                                            "TaxType": "NONE"}]}]})["Invoices"]
    with pytest.raises(AccountingBadRequestException) as err:
        api.create_payment(tenant_id, Payment(invoice=Invoice(invoice_id=doc["InvoiceID"]), account=Account(code="090"),
                                              amount=Decimal("5"), date=date(2026, 3, 5)))
    assert messages(err) == ["Organisation is not subscribed to currency GBP"]
