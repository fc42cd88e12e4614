"""Items through xero-python (and raw HTTP where the SDK would refuse to send)."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from xero_python.accounting import Item, Items, Purchase
from xero_python.exceptions import AccountingBadRequestException, NotFoundException

from .openapi import OPENAPI_DIR, assert_valid


def create(api, tenant_id, *items, **kw):
    return api.create_items(tenant_id, Items(items=list(items)), **kw).items


def test_create_read_and_defaults(api, tenant_id, sandbox):
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    [item] = create(api, tenant_id, Item(
        code="DESK-1", name="Desk", description="Oak desk", purchase_description="Oak desk (supplier)",
        sales_details=Purchase(unit_price=Decimal("299.00"), account_code="200", tax_type="OUTPUT"),
        purchase_details=Purchase(unit_price=Decimal("120.5"), account_code="300")))
    assert item.item_id and item.code == "DESK-1" and item.is_sold and item.is_purchased
    assert item.is_tracked_as_inventory is False and item.updated_date_utc >= before
    assert item.sales_details.unit_price == Decimal("299") and item.sales_details.tax_type == "OUTPUT"
    assert item.purchase_details.unit_price == Decimal("120.5")
    got = api.get_item(tenant_id, item.item_id).items[0]
    assert got.name == "Desk" and got.purchase_description == "Oak desk (supplier)"
    # /Items/<Code> answers like /Items/<ItemID>, whatever the case.
    assert api.get_item(tenant_id, "desk-1").items[0].item_id == item.item_id
    [bare] = create(api, tenant_id, Item(code="BARE"))
    assert bare.sales_details.unit_price is None and bare.is_sold is True
    [stored_bare] = [r for r in sandbox.records(tenant_id, "Items") if r["Code"] == "BARE"]
    assert "SalesDetails" not in stored_bare  # an empty object is shown, never stored


def test_list_is_not_paged_and_has_no_pagination(api, tenant_id, raw):
    create(api, tenant_id, *[Item(code=f"C{i:02}", name=f"Item {i}") for i in range(3)])
    body = raw("GET", "Items", params={"page": 1}).json()
    assert [i["Code"] for i in body["Items"]] == ["C00", "C01", "C02"]
    assert "pagination" not in body and "Warnings" not in body
    assert "null" not in raw("GET", "Items").text


def test_duplicate_code_uses_xeros_message(api, tenant_id):
    create(api, tenant_id, Item(code="abc"))
    with pytest.raises(AccountingBadRequestException) as err:
        create(api, tenant_id, Item(code="ABC", name="Again"))
    assert err.value.error_data["Elements"][0]["ValidationErrors"] == [
        {"Message": "Price List Item with Code 'ABC' already exists"}]


def test_lengths_and_required_code(raw):
    body = raw("PUT", "Items", params={"summarizeErrors": "false"}, json={"Items": [
        {"Code": "X" * 31}, {"Code": "OK", "Name": "N" * 51}, {"Name": "no code"},
        {"Code": "D", "Description": "d" * 4001}, {"Code": "FINE", "Name": "N" * 50}]}).json()
    messages = [[e["Message"] for e in i.get("ValidationErrors", [])] for i in body["Items"]]
    assert messages == [
        ["The Code must not be more than 30 characters long."],
        ["The Name must not be more than 50 characters long."],
        ["Item Code must be specified."],
        ["The Description must not be more than 4000 characters long."],
        []]
    assert [i["StatusAttributeString"] for i in body["Items"]] == ["ERROR"] * 4 + ["OK"]
    assert [i["Code"] for i in raw("GET", "Items").json()["Items"]] == ["FINE"]


def test_post_upserts_by_code_and_put_never_does(api, tenant_id, sandbox):
    [a] = create(api, tenant_id, Item(code="UP-1", name="First", description="keep me"))
    result = api.update_or_create_items(tenant_id, Items(items=[
        Item(code="up-1", name="Renamed"), Item(code="UP-2", name="New")])).items
    assert result[0].item_id == a.item_id and result[0].name == "Renamed"
    assert result[0].description == "keep me"  # absent fields are kept
    assert len(sandbox.records(tenant_id, "Items")) == 2
    updated = api.update_item(tenant_id, a.item_id, Items(items=[Item(code="UP-1B")])).items[0]
    assert updated.code == "UP-1B" and updated.name == "Renamed"
    with pytest.raises(AccountingBadRequestException):
        api.update_item(tenant_id, a.item_id, Items(items=[Item(code="UP-2")]))


def test_unitdp_on_write_and_read(api, tenant_id, raw):
    [two] = create(api, tenant_id, Item(code="P2", sales_details=Purchase(unit_price=Decimal("10.12345"))))
    assert two.sales_details.unit_price == Decimal("10.12")
    [four] = create(api, tenant_id, Item(code="P4", sales_details=Purchase(unit_price=Decimal("10.12345")),
                                         purchase_details=Purchase(unit_price=Decimal("0.00005"))), unitdp=4)
    assert four.sales_details.unit_price == Decimal("10.1235")  # half away from zero
    assert four.purchase_details.unit_price == Decimal("0.0001")
    assert api.get_item(tenant_id, four.item_id).items[0].sales_details.unit_price == Decimal("10.12")
    assert api.get_item(tenant_id, four.item_id, unitdp=4).items[0].sales_details.unit_price == Decimal("10.1235")
    listed = raw("GET", "Items", params={"unitdp": "4"}).json()["Items"]
    assert {i["Code"]: i["SalesDetails"]["UnitPrice"] for i in listed} == {"P2": 10.12, "P4": 10.1235}
    bad = raw("PUT", "Items", params={"summarizeErrors": "false"},
              json={"Items": [{"Code": "B", "SalesDetails": {"UnitPrice": "ten"}}]}).json()
    assert bad["Items"][0]["ValidationErrors"] == [{"Message": "The Sales Details Unit Price must be a number."}]


def test_not_sold_nulls_sales_side(api, tenant_id):
    [item] = create(api, tenant_id, Item(code="S", description="sales text", purchase_description="buy text",
                                         sales_details=Purchase(unit_price=5), purchase_details=Purchase(unit_price=3)))
    updated = api.update_item(tenant_id, item.item_id, Items(items=[Item(code="S", is_sold=False)])).items[0]
    assert updated.is_sold is False and updated.description is None and updated.sales_details.unit_price is None
    assert updated.purchase_description == "buy text" and updated.purchase_details.unit_price == Decimal("3")


def test_tracked_items_need_cogs(raw):
    body = raw("PUT", "Items", params={"summarizeErrors": "false"}, json={"Items": [
        {"Code": "T1", "InventoryAssetAccountCode": "630"},
        {"Code": "T2", "InventoryAssetAccountCode": "630", "PurchaseDetails": {"COGSAccountCode": "310"}}]}).json()
    first, second = body["Items"]
    assert first["StatusAttributeString"] == "ERROR"
    assert second["IsTrackedAsInventory"] is True and second["QuantityOnHand"] == 0


def test_where_order_and_if_modified_since(api, tenant_id, sandbox):
    create(api, tenant_id, Item(code="A", name="Apple", is_purchased=False),
           Item(code="B", name="Banana"), Item(code="C", name="Cherry"))
    names = [i.name for i in api.get_items(tenant_id, where='IsPurchased==true', order="Name DESC").items]
    assert names == ["Cherry", "Banana"]
    assert [i.code for i in api.get_items(tenant_id, where='Name.StartsWith("Ap")').items] == ["A"]
    sandbox.advance(60)
    mark = datetime.now(timezone.utc) + timedelta(seconds=30)
    api.update_or_create_items(tenant_id, Items(items=[Item(code="B", name="Blueberry")]))
    changed = api.get_items(tenant_id, if_modified_since=mark).items
    assert [i.code for i in changed] == ["B"]


def test_delete(api, tenant_id, raw):
    [item] = create(api, tenant_id, Item(code="GONE"))
    assert api.delete_item(tenant_id, item.item_id) is None
    with pytest.raises(NotFoundException):
        api.get_item(tenant_id, item.item_id)
    assert raw("DELETE", f"Items/{item.item_id}").status_code == 404
    create(api, tenant_id, Item(code="GONE"))  # the code is free again


def test_scopes(sandbox, app, raw):
    """Items need accounting.settings (read: accounting.settings.read)."""
    tokens = sandbox.connect(app, scope="offline_access accounting.contacts")
    resp = raw("GET", "Items", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert resp.status_code == 401


@pytest.mark.skipif(not (OPENAPI_DIR / "xero_accounting.yaml").exists(), reason="no OpenAPI documents")
def test_schema(raw):
    raw("PUT", "Items", json={"Items": [
        {"Code": "S1", "Name": "Schema", "Description": "d", "PurchaseDescription": "p",
         "SalesDetails": {"UnitPrice": 1.5, "AccountCode": "200", "TaxType": "OUTPUT"},
         "PurchaseDetails": {"UnitPrice": 1, "AccountCode": "300"}},
        {"Code": "S2", "InventoryAssetAccountCode": "630", "PurchaseDetails": {"COGSAccountCode": "310"}}]})
    body = raw("GET", "Items").json()
    assert_valid(body, "xero_accounting.yaml", "Items", envelope=True)
    mixed = raw("PUT", "Items", params={"summarizeErrors": "false"},
                json={"Items": [{"Code": "S3"}, {"Code": "S1"}]}).json()
    assert [i["StatusAttributeString"] for i in mixed["Items"]] == ["OK", "ERROR"]
    assert_valid(mixed, "xero_accounting.yaml", "Items", envelope=True)
