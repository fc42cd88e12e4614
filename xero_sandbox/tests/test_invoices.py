"""Invoices through xero-python: maths, numbering, contacts, statuses, lock dates, listing."""

from datetime import date
from decimal import Decimal

import pytest
from xero_python.accounting import Contact, Invoice, Invoices, Item, Items, LineAmountTypes, LineItem, Purchase
from xero_python.exceptions import AccountingBadRequestException, NotFoundException

from .openapi import OPENAPI_DIR, assert_valid


def messages(err):
    return [m["Message"] for e in err.value.error_data["Elements"] for m in e["ValidationErrors"]]


def create(api, tenant_id, *invoices, **kw):
    return api.create_invoices(tenant_id, Invoices(invoices=list(invoices)), **kw).invoices


def sale(*lines, contact="Acme Ltd", **kw):
    kw.setdefault("type", "ACCREC")
    kw.setdefault("date", date(2026, 3, 1))
    return Invoice(contact=Contact(name=contact), line_items=list(lines), **kw)


def line(qty, unit, account="200", **kw):
    return LineItem(description="Work", quantity=Decimal(str(qty)), unit_amount=Decimal(str(unit)),
                    account_code=account, **kw)


def test_inclusive_tax_is_extracted_per_line(api, tenant_id):
    [inv] = create(api, tenant_id, sale(line(1, "89.00", tax_type="OUTPUT"), line_amount_types=LineAmountTypes.INCLUSIVE))
    assert inv.total_tax == Decimal("11.61") and inv.sub_total == Decimal("77.39") and inv.total == Decimal("89")
    assert inv.line_items[0].tax_amount == Decimal("11.61") and inv.line_items[0].line_amount == Decimal("89")
    assert inv.status == "DRAFT" and inv.amount_due == Decimal("89") and inv.invoice_number == "INV-0001"


def test_discounts_and_mixed_rates_are_summed_per_line(api, tenant_id, raw):
    raw("PUT", "TaxRates", json={"TaxRates": [{"Name": "Reduced", "TaxComponents": [{"Name": "R", "Rate": 7.5}]}]})
    [inv] = create(api, tenant_id, sale(
        line(3, "19.99", discount_rate=Decimal("10")),            # 53.97, tax 8.0955 -> 8.10
        line(1, 100, tax_type="EXEMPTOUTPUT"),                    # 100.00, tax 0
        line("2.5", "13.33", discount_rate=Decimal("5"), tax_type="TAX001"),  # 31.65875 -> 31.66, 2.3745 -> 2.37
        line(1, "0.10"), line(1, "0.10"),                         # 0.015 -> 0.02 each
        LineItem(description="Thank you for your business")))    # description only
    amounts = [(li.line_amount, li.tax_amount) for li in inv.line_items]
    assert amounts == [(Decimal("53.97"), Decimal("8.1")), (Decimal("100"), Decimal("0")),
                       (Decimal("31.66"), Decimal("2.37")), (Decimal("0.1"), Decimal("0.02")),
                       (Decimal("0.1"), Decimal("0.02")), (Decimal("0"), Decimal("0"))]
    assert inv.sub_total == Decimal("185.83") and inv.total_tax == Decimal("10.51")
    assert inv.total == Decimal("196.34") and inv.is_discounted is True
    assert inv.line_items[5].quantity is None and inv.line_items[5].account_code is None


def test_description_only_line_survives_approval(api, tenant_id):
    # a draft with a note line is approved by a status-only update: the note stays description-only
    [draft] = create(api, tenant_id, sale(line(1, 10), LineItem(description="Note"), status="DRAFT"))
    [approved] = api.update_or_create_invoices(tenant_id, Invoices(invoices=[
        Invoice(invoice_id=draft.invoice_id, status="AUTHORISED")]), summarize_errors=False).invoices
    assert not approved.validation_errors
    assert approved.status == "AUTHORISED"
    assert approved.line_items[1].quantity is None and approved.line_items[1].account_code is None


def test_supplied_totals_are_ignored_and_no_tax(raw):
    body = raw("PUT", "Invoices", json={"Invoices": [{
        "Type": "ACCPAY", "Contact": {"Name": "Supplier"}, "LineAmountTypes": "NoTax", "Total": 5,
        "SubTotal": 1, "LineItems": [{"Description": "x", "Quantity": 2, "UnitAmount": 10.005,
                                      "AccountCode": "300", "TaxType": "INPUT", "LineAmount": 99}]}]}).json()
    [inv] = body["Invoices"]
    assert (inv["SubTotal"], inv["TotalTax"], inv["Total"]) == (20.02, 0, 20.02)
    assert inv["LineItems"][0]["TaxType"] == "NONE" and inv["LineItems"][0]["UnitAmount"] == 10.01
    assert "InvoiceNumber" not in inv  # bills are not numbered


def test_unitdp4(api, tenant_id):
    [inv] = create(api, tenant_id, sale(line(3, "1.23456")), unitdp=4)
    assert inv.line_items[0].unit_amount == Decimal("1.2346") and inv.line_items[0].line_amount == Decimal("3.7")
    assert api.get_invoice(tenant_id, inv.invoice_id).invoices[0].line_items[0].unit_amount == Decimal("1.23")


def test_numbers(api, tenant_id):
    a, b = create(api, tenant_id, sale(line(1, 1)), sale(line(1, 2), invoice_number="CUSTOM-7"))
    assert (a.invoice_number, b.invoice_number) == ("INV-0001", "CUSTOM-7")
    with pytest.raises(AccountingBadRequestException) as err:
        create(api, tenant_id, sale(line(1, 1), invoice_number="inv-0001"))
    assert messages(err) == ["Invoice # must be unique."]
    [c] = create(api, tenant_id, sale(line(1, 3)))
    assert c.invoice_number == "INV-0002"
    bills = create(api, tenant_id, *[sale(line(1, 1, account="300"), type="ACCPAY", invoice_number="B1")] * 2)
    assert [x.invoice_number for x in bills] == ["B1", "B1"]
    assert api.get_invoice(tenant_id, "CUSTOM-7").invoices[0].invoice_id == b.invoice_id


def test_contacts_by_name_id_number_and_archived(api, tenant_id, raw, sandbox):
    [inv] = create(api, tenant_id, sale(line(1, 1), contact="Brand New Co"))
    [contact] = sandbox.records(tenant_id, "Contacts")
    assert contact["Name"] == "Brand New Co" and inv.contact.contact_id == contact["ContactID"]
    create(api, tenant_id, sale(line(1, 1), contact="brand new co"))
    assert len(sandbox.records(tenant_id, "Contacts")) == 1  # matched by name
    raw("POST", f"Contacts/{contact['ContactID']}", json={"Contacts": [{"ContactStatus": "ARCHIVED"}]})
    with pytest.raises(AccountingBadRequestException) as err:
        create(api, tenant_id, Invoice(type="ACCREC", contact=Contact(contact_id=contact["ContactID"]),
                                       line_items=[line(1, 1)]))
    assert messages(err) == ["The contact with the specified contact details has been archived. The contact "
                             "must be un-archived before creating new invoices or credit notes."]
    body = raw("PUT", "Invoices", params={"summarizeErrors": "false"},
               json={"Invoices": [{"Type": "ACCREC", "LineItems": []}]}).json()
    assert body["Invoices"][0]["ValidationErrors"] == [
        {"Message": "A Contact must be specified for this type of transaction"}]
    assert body["Invoices"][0]["HasErrors"] is True and body["Invoices"][0]["StatusAttributeString"] == "ERROR"


def test_refused_element_creates_no_contact(api, tenant_id, sandbox):
    with pytest.raises(AccountingBadRequestException):
        create(api, tenant_id, sale(line(1, 1, account="999"), contact="Ghost"))
    assert sandbox.records(tenant_id, "Contacts") == []


def test_line_validation_messages(api, tenant_id, raw):
    body = raw("PUT", "Invoices", params={"summarizeErrors": "false"}, json={"Invoices": [
        {"Type": "ACCREC", "Contact": {"Name": "A"}, "LineItems": [
            {"Description": "a", "Quantity": 1, "UnitAmount": 1, "AccountCode": "999"}]},
        {"Type": "ACCREC", "Contact": {"Name": "A"}, "LineItems": [
            {"Description": "a", "Quantity": 1, "UnitAmount": 1, "AccountCode": "090"}]},
        {"Type": "ACCREC", "Contact": {"Name": "A"}, "LineItems": [
            {"Description": "a", "Quantity": 1, "UnitAmount": 1, "AccountCode": "200", "TaxType": "INPUT"}]},
        {"Type": "ACCREC", "Contact": {"Name": "A"}, "LineItems": [
            {"Description": "a", "Quantity": 1, "UnitAmount": 1, "AccountCode": "200", "TaxType": "BOGUS"}]},
        {"Type": "ACCREC", "Contact": {"Name": "A"}, "LineItems": [{"ItemCode": "NOPE", "Quantity": 1}]},
        {"Type": "ACCREC", "Contact": {"Name": "A"}, "Status": "AUTHORISED", "LineItems": [
            {"Description": "a", "Quantity": 1, "UnitAmount": 1}]},
        {"Type": "ACCPAY", "Contact": {"Name": "A"}, "LineItems": [
            {"Description": "a", "Quantity": 1, "UnitAmount": 1, "AccountCode": "300", "DiscountRate": 10}]},
        {"Type": "ACCREC", "Contact": {"Name": "A"}, "BrandingThemeID": "00000000-0000-0000-0000-000000000001",
         "LineItems": []},
        {"Type": "ACCREC", "Contact": {"Name": "A"}, "Status": "PAID", "LineItems": []},
    ]}).json()
    assert [[m["Message"] for m in i.get("ValidationErrors", [])] for i in body["Invoices"]] == [
        ["Account code '999' is not a valid code for this document"],
        ["Account code '090' is not a valid code for this document"],
        ["The TaxType code 'INPUT' cannot be used with account code '200'."],
        ["The TaxType code BOGUS does not exist or cannot be used for this type of transaction."],
        ["Item code 'NOPE' is not valid."],
        ["Account code must be specified"],
        ["Discounts cannot be applied to this type of document."],
        ["The BrandingThemeID '00000000-0000-0000-0000-000000000001' does not exist."],
        ["Invoice not of valid status for creation"],
    ]


def test_item_defaults_fill_the_line(api, tenant_id):
    api.create_items(tenant_id, Items(items=[Item(
        code="WIDGET", name="Widget", description="A widget", purchase_description="Widget (bought)",
        sales_details=Purchase(unit_price=Decimal("25"), account_code="260", tax_type="OUTPUT"),
        purchase_details=Purchase(unit_price=Decimal("10"), account_code="310", tax_type="INPUT"))]))
    [inv] = create(api, tenant_id, sale(LineItem(item_code="widget", quantity=Decimal(2))))
    li = inv.line_items[0]
    assert (li.item_code, li.description, li.unit_amount, li.account_code, li.tax_type, li.line_amount) == (
        "WIDGET", "A widget", Decimal("25"), "260", "OUTPUT", Decimal("50"))
    assert li.item.code == "WIDGET" and inv.total == Decimal("57.5")
    [bill] = create(api, tenant_id, sale(LineItem(item_code="WIDGET", quantity=Decimal(1)), type="ACCPAY"))
    li = bill.line_items[0]
    assert (li.description, li.unit_amount, li.account_code, li.tax_type) == (
        "Widget (bought)", Decimal("10"), "310", "INPUT")


def test_status_flow_and_contact_flags(api, tenant_id, sandbox):
    [inv] = create(api, tenant_id, sale(line(1, 100)))
    assert inv.branding_theme_id == api.get_branding_themes(tenant_id).branding_themes[0].branding_theme_id
    edited = api.update_invoice(tenant_id, inv.invoice_id, Invoices(invoices=[Invoice(
        line_items=[line(2, 100)], status="AUTHORISED")])).invoices[0]
    assert edited.status == "AUTHORISED" and edited.total == Decimal("230") and edited.amount_due == Decimal("230")
    assert sandbox.records(tenant_id, "Contacts")[0]["IsCustomer"] is True
    assert sandbox.records(tenant_id, "Contacts")[0]["IsSupplier"] is False
    with pytest.raises(AccountingBadRequestException) as err:
        api.update_invoice(tenant_id, inv.invoice_id, Invoices(invoices=[Invoice(status="DRAFT")]))
    assert messages(err) == ["Invoice not of valid status for modification"]
    voided = api.update_invoice(tenant_id, inv.invoice_id, Invoices(invoices=[Invoice(status="VOIDED")]))
    assert voided.invoices[0].status == "VOIDED" and voided.invoices[0].amount_due == Decimal("0")
    with pytest.raises(AccountingBadRequestException) as err:
        api.update_invoice(tenant_id, inv.invoice_id, Invoices(invoices=[Invoice(reference="x")]))
    assert messages(err) == ["Invoice not of valid status for modification"]
    [draft] = create(api, tenant_id, sale(line(1, 1)))
    gone = api.update_invoice(tenant_id, draft.invoice_id, Invoices(invoices=[Invoice(status="DELETED")]))
    assert gone.invoices[0].status == "DELETED"


def test_period_lock_date(api, tenant_id, sandbox):
    sandbox.call("POST", f"tenants/{tenant_id}/organisation", json={"PeriodLockDate": "2026-03-01"})
    with pytest.raises(AccountingBadRequestException) as err:
        create(api, tenant_id, sale(line(1, 1), status="AUTHORISED"))
    assert messages(err) == ["The document date cannot be before the period lock date, currently set at 01-Mar-2026"]
    [draft] = create(api, tenant_id, sale(line(1, 1)))  # drafts are not posted
    [ok] = create(api, tenant_id, sale(line(1, 1), status="AUTHORISED", date=date(2026, 3, 2)))
    assert draft.status == "DRAFT" and ok.status == "AUTHORISED"


def test_upsert_by_number_listing_and_filters(api, tenant_id, raw):
    a, b = create(api, tenant_id, sale(line(1, 1), reference="first"), sale(line(1, 2), contact="Other"))
    [up] = api.update_or_create_invoices(tenant_id, Invoices(invoices=[Invoice(
        type="ACCREC", invoice_number="INV-0001", reference="changed")])).invoices
    assert up.invoice_id == a.invoice_id and up.reference == "changed" and up.total == Decimal("1.15")
    listed = api.get_invoices(tenant_id).invoices
    assert {i.invoice_number for i in listed} == {"INV-0001", "INV-0002"} and not listed[0].line_items
    paged = raw("GET", "Invoices", params={"page": 1, "pageSize": 1}).json()
    assert paged["pagination"] == {"page": 1, "pageSize": 1, "pageCount": 2, "itemCount": 2}
    assert paged["Invoices"][0]["LineItems"]
    by_number = api.get_invoices(tenant_id, invoice_numbers=["INV-0002"]).invoices
    assert [i.invoice_id for i in by_number] == [b.invoice_id]
    by_contact = api.get_invoices(tenant_id, contact_i_ds=[b.contact.contact_id]).invoices
    assert [i.invoice_id for i in by_contact] == [b.invoice_id]
    assert api.get_invoices(tenant_id, statuses=["AUTHORISED"]).invoices == []
    assert [i.invoice_id for i in api.get_invoices(tenant_id, where='Reference=="changed"').invoices] == [a.invoice_id]
    assert [i.invoice_number for i in api.get_invoices(tenant_id, order="InvoiceNumber DESC").invoices] == [
        "INV-0002", "INV-0001"]


def test_online_invoice(api, tenant_id, raw):
    [inv] = create(api, tenant_id, sale(line(1, 1)))
    assert raw("GET", f"Invoices/{inv.invoice_id}/OnlineInvoice").status_code == 400
    api.update_invoice(tenant_id, inv.invoice_id, Invoices(invoices=[Invoice(status="AUTHORISED")]))
    url = api.get_online_invoice(tenant_id, inv.invoice_id).online_invoices[0].online_invoice_url
    assert url.startswith("https://in.xero.com/")
    with pytest.raises(NotFoundException):
        api.get_online_invoice(tenant_id, "00000000-0000-0000-0000-000000000000")


def test_scopes(sandbox, app, raw):
    tokens = sandbox.connect(app, scope="offline_access accounting.settings accounting.contacts")
    assert raw("GET", "Invoices", headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code == 401
    granular = sandbox.connect(app, scope="offline_access accounting.invoices.read")
    assert raw("GET", "Invoices", headers={"Authorization": f"Bearer {granular['access_token']}"}).status_code == 200


@pytest.mark.skipif(not (OPENAPI_DIR / "xero_accounting.yaml").exists(), reason="no OpenAPI documents")
def test_schema(raw):
    created = raw("PUT", "Invoices", json={"Invoices": [
        {"Type": "ACCREC", "Contact": {"Name": "S"}, "Date": "2026-03-01", "DueDate": "2026-03-31",
         "Reference": "R", "Status": "AUTHORISED", "LineItems": [
             {"Description": "a", "Quantity": 2, "UnitAmount": 3.5, "AccountCode": "200", "DiscountRate": 10},
             {"Description": "note"}]},
        {"Type": "ACCPAY", "Contact": {"Name": "S"}, "LineItems": [
            {"Description": "a", "Quantity": 1, "UnitAmount": 3, "AccountCode": "300"}]}]}).json()
    assert_valid(created, "xero_accounting.yaml", "Invoices", envelope=True)
    assert created["Invoices"][0]["Date"] == "/Date(1772323200000+0000)/"
    assert_valid(raw("GET", "Invoices", params={"page": 1}).json(), "xero_accounting.yaml", "Invoices", envelope=True)
    mixed = raw("PUT", "Invoices", params={"summarizeErrors": "false"}, json={"Invoices": [
        {"Type": "ACCREC", "Contact": {"Name": "S"}, "InvoiceNumber": "INV-0001", "LineItems": []}]}).json()
    assert_valid(mixed, "xero_accounting.yaml", "Invoices", envelope=True)
    error = raw("PUT", "Invoices", json={"Invoices": [{"Type": "ACCREC", "LineItems": []}]}).json()
    assert_valid(error, "xero_accounting.yaml", "Error", strict=False)
    assert_valid(error["Elements"][0], "xero_accounting.yaml", "Invoice")
    online = raw("GET", f"Invoices/{created['Invoices'][0]['InvoiceID']}/OnlineInvoice").json()
    assert_valid(online, "xero_accounting.yaml", "OnlineInvoices", envelope=True)
