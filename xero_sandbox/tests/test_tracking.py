"""Tracking categories and options through xero-python: Xero's limits, statuses, deletion, and
documents' line Tracking (validated, stored by id, rendered with the current names)."""

from datetime import date
from decimal import Decimal

import pytest
from xero_python.accounting import (Contact, Invoice, Invoices, LineItem, LineItemTracking, TrackingCategory,
                                    TrackingOption)
from xero_python.exceptions import AccountingBadRequestException, NotFoundException

from .openapi import OPENAPI_DIR, assert_valid

ACCOUNTING = "xero_accounting.yaml"


def messages(err):
    return [m["Message"] for e in err.value.error_data["Elements"] for m in e["ValidationErrors"]]


def category(api, tenant_id, name, *options):
    [created] = api.create_tracking_category(tenant_id, TrackingCategory(name=name)).tracking_categories
    made = [api.create_tracking_options(tenant_id, created.tracking_category_id,
                                        TrackingOption(name=o)).options[0] for o in options]
    return created, made


def invoice(api, tenant_id, *tracking, existing=None, **kw):
    line = LineItem(description="Work", quantity=Decimal(1), unit_amount=Decimal(100), account_code="200",
                    tracking=list(tracking))
    inv = Invoice(type="ACCREC", contact=Contact(name="Acme Ltd"), date=date(2026, 3, 1), line_items=[line], **kw)
    if existing:
        inv.invoice_id = existing
        return api.update_or_create_invoices(tenant_id, Invoices(invoices=[inv])).invoices[0]
    return api.create_invoices(tenant_id, Invoices(invoices=[inv])).invoices[0]


def test_categories_and_options_are_created_listed_and_renamed(api, tenant_id):
    region, (north, south) = category(api, tenant_id, "Region", "North", "South")
    assert region.status == "ACTIVE" and region.options == []
    assert (north.name, north.status) == ("North", "ACTIVE")
    [listed] = api.get_tracking_categories(tenant_id).tracking_categories
    assert [o.name for o in listed.options] == ["North", "South"]
    [renamed] = api.update_tracking_category(tenant_id, region.tracking_category_id,
                                             TrackingCategory(name="Area")).tracking_categories
    assert renamed.name == "Area" and renamed.tracking_category_id == region.tracking_category_id
    [option] = api.update_tracking_options(tenant_id, region.tracking_category_id, north.tracking_option_id,
                                           TrackingOption(name="Northern")).options
    assert option.name == "Northern"
    [again] = api.get_tracking_category(tenant_id, region.tracking_category_id).tracking_categories
    assert (again.name, [o.name for o in again.options]) == ("Area", ["Northern", "South"])


def test_only_two_active_categories_in_plain_words(api, tenant_id):
    category(api, tenant_id, "Region")
    dept, _ = category(api, tenant_id, "Department")
    with pytest.raises(AccountingBadRequestException) as err:
        category(api, tenant_id, "Project")
    assert messages(err) == ["You can only have 2 active tracking categories."]
    # archiving one makes room; bringing it back when two are active again is refused the same way
    api.update_tracking_category(tenant_id, dept.tracking_category_id, TrackingCategory(status="ARCHIVED"))
    category(api, tenant_id, "Project")
    with pytest.raises(AccountingBadRequestException) as err:
        api.update_tracking_category(tenant_id, dept.tracking_category_id, TrackingCategory(status="ACTIVE"))
    assert messages(err) == ["You can only have 2 active tracking categories."]
    assert [c.name for c in api.get_tracking_categories(tenant_id).tracking_categories] == ["Project", "Region"]
    everything = api.get_tracking_categories(tenant_id, include_archived=True).tracking_categories
    assert [(c.name, c.status) for c in everything] == [
        ("Department", "ARCHIVED"), ("Project", "ACTIVE"), ("Region", "ACTIVE")]
    active = api.get_tracking_categories(tenant_id, where='Status=="ACTIVE"', order="Name DESC").tracking_categories
    assert [c.name for c in active] == ["Region", "Project"]


def test_names_are_required_short_and_unique(api, tenant_id, raw):
    region, _ = category(api, tenant_id, "Region", "North")
    with pytest.raises(AccountingBadRequestException) as err:
        category(api, tenant_id, "region")
    assert messages(err) == ["For each specified tracking category the name must be unique."]
    long = raw("PUT", "TrackingCategories", json={"Name": "x" * 101})  # the SDK refuses it before sending
    assert long.status_code == 400 and long.json()["Elements"][0]["ValidationErrors"] == [
        {"Message": "The tracking category Name must not be more than 100 characters long."}]
    with pytest.raises(AccountingBadRequestException) as err:
        api.create_tracking_options(tenant_id, region.tracking_category_id, TrackingOption(name=" NORTH"))
    assert messages(err) == ["For each specified tracking option the name must be unique."]
    with pytest.raises(AccountingBadRequestException) as err:
        api.create_tracking_options(tenant_id, region.tracking_category_id, TrackingOption(name=" "))
    assert messages(err) == ["The tracking option Name must be specified."]


def test_at_most_100_options(api, tenant_id, sandbox):
    [seeded] = sandbox.call("POST", f"tenants/{tenant_id}/TrackingCategories", json={"TrackingCategories": [
        {"Name": "Shop", "Options": [{"Name": f"Shop {i}"} for i in range(100)]}]})["TrackingCategories"]
    with pytest.raises(AccountingBadRequestException) as err:
        api.create_tracking_options(tenant_id, seeded["TrackingCategoryID"], TrackingOption(name="Shop 100"))
    assert messages(err) == ["A tracking category can have at most 100 options."]


def test_archived_options_are_hidden_unless_asked_for(api, tenant_id):
    region, (north, _south) = category(api, tenant_id, "Region", "North", "South")
    api.update_tracking_options(tenant_id, region.tracking_category_id, north.tracking_option_id,
                                TrackingOption(status="ARCHIVED"))
    [listed] = api.get_tracking_categories(tenant_id).tracking_categories
    assert [o.name for o in listed.options] == ["South"]
    [listed] = api.get_tracking_categories(tenant_id, include_archived=True).tracking_categories
    assert [(o.name, o.status) for o in listed.options] == [("North", "ARCHIVED"), ("South", "ACTIVE")]


def test_line_tracking_is_validated_stored_by_id_and_renamed(api, tenant_id):
    region, (north, south) = category(api, tenant_id, "Region", "North", "South")
    by_id = LineItemTracking(tracking_category_id=region.tracking_category_id,
                             tracking_option_id=north.tracking_option_id)
    inv = invoice(api, tenant_id, by_id)
    [tracking] = inv.line_items[0].tracking
    assert (tracking.name, tracking.option, tracking.tracking_option_id) == ("Region", "North", north.tracking_option_id)
    by_name = invoice(api, tenant_id, LineItemTracking(name="region", option="south"))
    assert by_name.line_items[0].tracking[0].tracking_option_id == south.tracking_option_id
    # renamed in Xero: documents show the new names
    api.update_tracking_category(tenant_id, region.tracking_category_id, TrackingCategory(name="Area"))
    api.update_tracking_options(tenant_id, region.tracking_category_id, north.tracking_option_id,
                                TrackingOption(name="Northern"))
    [again] = api.get_invoice(tenant_id, inv.invoice_id).invoices
    assert (again.line_items[0].tracking[0].name, again.line_items[0].tracking[0].option) == ("Area", "Northern")


def test_line_tracking_errors(api, tenant_id):
    region, (north, _south) = category(api, tenant_id, "Region", "North", "South")
    cases = [
        ([LineItemTracking(name="Colour", option="Red")], "There is no ACTIVE tracking category with the name 'Colour'"),
        ([LineItemTracking(name="Region", option="East")],
         "There is no ACTIVE tracking option 'East' in the tracking category 'Region'"),
        ([LineItemTracking(name="Region")], "A tracking option must be given for the tracking category 'Region'"),
        ([LineItemTracking(name="Region", option="North"), LineItemTracking(name="Region", option="South")],
         "Only one option of the tracking category 'Region' can be given on a line item."),
    ]
    for tracking, expected in cases:
        with pytest.raises(AccountingBadRequestException) as err:
            invoice(api, tenant_id, *tracking)
        assert messages(err) == [expected]
    # an archived option: refused on new documents, kept on the one that has it
    kept = invoice(api, tenant_id, LineItemTracking(name="Region", option="North"), status="DRAFT")
    api.update_tracking_options(tenant_id, region.tracking_category_id, north.tracking_option_id,
                                TrackingOption(status="ARCHIVED"))
    with pytest.raises(AccountingBadRequestException) as err:
        invoice(api, tenant_id, LineItemTracking(name="Region", option="North"))
    assert messages(err) == ["There is no ACTIVE tracking option 'North' in the tracking category 'Region'"]
    approved = invoice(api, tenant_id, LineItemTracking(tracking_category_id=region.tracking_category_id,
                                                        tracking_option_id=north.tracking_option_id),
                       existing=kept.invoice_id, status="AUTHORISED")
    assert approved.status == "AUTHORISED" and approved.line_items[0].tracking[0].option == "North"


def test_delete_refused_when_used_then_allowed(api, tenant_id):
    region, (north, south) = category(api, tenant_id, "Region", "North", "South")
    invoice(api, tenant_id, LineItemTracking(name="Region", option="North"))
    with pytest.raises(AccountingBadRequestException) as err:
        api.delete_tracking_options(tenant_id, region.tracking_category_id, north.tracking_option_id)
    assert messages(err) == ["The tracking option 'North' has been used on transactions and cannot be deleted; "
                             "archive it instead."]
    with pytest.raises(AccountingBadRequestException):
        api.delete_tracking_category(tenant_id, region.tracking_category_id)
    [gone] = api.delete_tracking_options(tenant_id, region.tracking_category_id, south.tracking_option_id).options
    assert gone.status == "DELETED"
    [listed] = api.get_tracking_categories(tenant_id, include_archived=True).tracking_categories
    assert [o.name for o in listed.options] == ["North"]
    with pytest.raises(NotFoundException):
        api.update_tracking_options(tenant_id, region.tracking_category_id, south.tracking_option_id,
                                    TrackingOption(name="Back"))
    other, _ = category(api, tenant_id, "Project", "Alpha")
    [deleted] = api.delete_tracking_category(tenant_id, other.tracking_category_id).tracking_categories
    assert deleted.status == "DELETED"
    assert [c.name for c in api.get_tracking_categories(tenant_id, include_archived=True).tracking_categories] \
        == ["Region"]
    [shown] = api.get_tracking_category(tenant_id, other.tracking_category_id).tracking_categories
    assert shown.status == "DELETED"


@pytest.mark.skipif(not (OPENAPI_DIR / ACCOUNTING).exists(), reason="Xero's OpenAPI documents not found")
def test_openapi_conformance(api, tenant_id, raw):
    region, (north, _south) = category(api, tenant_id, "Region", "North", "South")
    api.update_tracking_options(tenant_id, region.tracking_category_id, north.tracking_option_id,
                                TrackingOption(status="ARCHIVED"))
    body = raw("GET", "TrackingCategories", params={"includeArchived": "true"}).json()
    assert_valid(body, ACCOUNTING, "TrackingCategories", envelope=True)
    option = raw("PUT", f"TrackingCategories/{region.tracking_category_id}/Options", json={"Name": "East"}).json()
    assert_valid(option, ACCOUNTING, "TrackingOptions", envelope=True)
    created = raw("PUT", "TrackingCategories", json={"Name": "Department"}).json()
    assert_valid(created, ACCOUNTING, "TrackingCategories", envelope=True)
    refused = raw("PUT", "TrackingCategories", json={"Name": "Project"}).json()
    assert_valid(refused, ACCOUNTING, "Error", strict=False)
    assert_valid(refused["Elements"][0], ACCOUNTING, "TrackingCategory", strict=False)
    inv = invoice(api, tenant_id, LineItemTracking(name="Region", option="East"))
    line = raw("GET", f"Invoices/{inv.invoice_id}").json()["Invoices"][0]["LineItems"][0]
    for entry in line["Tracking"]:
        assert_valid(entry, ACCOUNTING, "LineItemTracking")


def test_four_categories_in_all_and_valid_statuses(api, tenant_id):
    made = [category(api, tenant_id, name)[0] for name in ("A", "B")]
    for one in made:
        api.update_tracking_category(tenant_id, one.tracking_category_id, TrackingCategory(status="ARCHIVED"))
    third, _ = category(api, tenant_id, "C")
    category(api, tenant_id, "D")
    api.update_tracking_category(tenant_id, third.tracking_category_id, TrackingCategory(status="ARCHIVED"))
    with pytest.raises(AccountingBadRequestException) as err:
        category(api, tenant_id, "E")
    assert messages(err) == ["You can only have 4 tracking categories, archived ones included."]
    with pytest.raises(AccountingBadRequestException) as err:  # deleting is DELETE's job
        api.update_tracking_category(tenant_id, third.tracking_category_id, TrackingCategory(status="DELETED"))
    assert messages(err) == ["'DELETED' is not a valid Status."]
    api.delete_tracking_category(tenant_id, third.tracking_category_id)
    category(api, tenant_id, "E")  # a deleted category makes room
