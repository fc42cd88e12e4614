"""Contacts through xero-python (and raw HTTP where the SDK would refuse to send)."""

from datetime import datetime, timedelta, timezone

import pytest
from xero_python.accounting import Address, Contact, ContactPerson, Contacts, Phone
from xero_python.exceptions import AccountingBadRequestException, NotFoundException


DUPLICATE_NAME = ("The contact name {} is already assigned to another contact. "
                  "The contact name must be unique across all active contacts.")
DUPLICATE_NUMBER = "Another contact has this contact number. Please enter a different contact number."


def create(api, tenant_id, *contacts, **kw):
    return api.create_contacts(tenant_id, Contacts(contacts=list(contacts)), **kw).contacts


def names(result):
    return [c.name for c in result.contacts]


# ---------------------------------------------------------------- create / read
def test_create_and_read_back(api, tenant_id, sandbox):
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    contact = Contact(
        name="Buzz Lightyear", first_name="Buzz", last_name="Lightyear", email_address="buzz@example.com",
        contact_number="C-1", account_number="A-1", tax_number="12-345", website="https://ignored.example",
        is_customer=True,
        phones=[Phone(phone_type="DEFAULT", phone_number="555-1212", phone_area_code="415")],
        addresses=[Address(address_type="STREET", address_line1="101 Green St", city="San Francisco",
                           region="CA", postal_code="94041", country="US", attention_to="Rod")],
        contact_persons=[ContactPerson(first_name="Woody", last_name="Pride", email_address="woody@example.com",
                                       include_in_emails=True)])
    [created] = create(api, tenant_id, contact)
    assert created.contact_id and created.contact_status == "ACTIVE"
    assert created.updated_date_utc >= before and created.updated_date_utc.tzinfo is not None
    assert created.is_customer is False and created.is_supplier is False  # read-only
    assert created.website is None  # read-only in the OpenAPI: ignored on write
    [stored] = sandbox.records(tenant_id)
    assert "HasValidationErrors" not in stored and "Website" not in stored
    got = api.get_contact(tenant_id, created.contact_id).contacts[0]
    assert got.phones[0].phone_number == "555-1212" and got.addresses[0].city == "San Francisco"
    assert got.contact_persons[0].include_in_emails is True
    assert api.get_contact_by_contact_number(tenant_id, "C-1").contacts[0].contact_id == created.contact_id
    [spaced] = create(api, tenant_id, Contact(name="Spaced", contact_number="C 2/3"))
    assert api.get_contact_by_contact_number(tenant_id, "c 2/3").contacts[0].contact_id == spaced.contact_id


def test_unknown_contact_is_404_html(api, tenant_id, raw):
    with pytest.raises(NotFoundException):
        api.get_contact(tenant_id, "00000000-0000-0000-0000-000000000000")
    resp = raw("GET", "Contacts/NO-SUCH-NUMBER")
    assert resp.status_code == 404 and resp.headers["Content-Type"].startswith("text/html")
    assert resp.text == "The resource you're looking for cannot be found"
    assert raw("GET", "NoSuchThing").status_code == 404


def test_response_never_contains_null(raw):
    raw("PUT", "Contacts", json={"Contacts": [{"Name": "A", "EmailAddress": None, "Phones": [None]}]})
    text = raw("GET", "Contacts").text
    assert "null" not in text and '"Id"' in text and '"ProviderName":"Odoo Connector"' in text


# ---------------------------------------------------------------- update / upsert
def test_post_by_id_is_a_partial_update(api, tenant_id):
    [c] = create(api, tenant_id, Contact(
        name="Partial", email_address="p@example.com",
        phones=[Phone(phone_type="DEFAULT", phone_number="1"), Phone(phone_type="MOBILE", phone_number="2")]))
    updated = api.update_contact(tenant_id, c.contact_id, Contacts(contacts=[Contact(
        first_name="Pat", phones=[Phone(phone_type="MOBILE", phone_number="3")])])).contacts[0]
    assert updated.name == "Partial" and updated.email_address == "p@example.com" and updated.first_name == "Pat"
    assert {p.phone_type: p.phone_number for p in updated.phones} == {"DEFAULT": "1", "MOBILE": "3"}
    assert updated.updated_date_utc >= c.updated_date_utc


def test_post_upserts_by_id_or_contact_number(api, tenant_id, sandbox):
    [a] = create(api, tenant_id, Contact(name="Alpha", contact_number="N-1"))
    result = api.update_or_create_contacts(tenant_id, Contacts(contacts=[
        Contact(contact_id=a.contact_id, name="Alpha 2"),
        Contact(contact_number="N-1", email_address="n1@example.com"),
        Contact(name="Beta"),
    ]))
    assert [c.contact_id == a.contact_id for c in result.contacts] == [True, True, False]
    stored = {c["Name"]: c for c in sandbox.records(tenant_id)}
    assert set(stored) == {"Alpha 2", "Beta"} and stored["Alpha 2"]["EmailAddress"] == "n1@example.com"


def test_put_with_existing_id_updates_and_unknown_id_fails(raw, api, tenant_id):
    [a] = create(api, tenant_id, Contact(name="Gamma"))
    resp = raw("PUT", "Contacts", json={"Contacts": [{"ContactID": a.contact_id, "Name": "Gamma 2"}]})
    assert resp.status_code == 200 and resp.json()["Contacts"][0]["ContactID"] == a.contact_id
    resp = raw("PUT", "Contacts", json={"Contacts": [{"ContactID": "11111111-1111-1111-1111-111111111111",
                                                      "Name": "Ghost"}]})
    assert resp.status_code == 400 and "does not exist" in resp.text


def test_archive_and_unarchive(api, tenant_id):
    [c] = create(api, tenant_id, Contact(name="Old Friend"))
    api.update_contact(tenant_id, c.contact_id, Contacts(contacts=[Contact(contact_status="ARCHIVED")]))
    assert api.get_contacts(tenant_id).contacts == []
    assert names(api.get_contacts(tenant_id, include_archived=True)) == ["Old Friend"]
    assert api.get_contact(tenant_id, c.contact_id).contacts[0].contact_status == "ARCHIVED"
    # The name is free again while archived ...
    [twin] = create(api, tenant_id, Contact(name="Old Friend"))
    # ... so un-archiving the first now clashes.
    with pytest.raises(AccountingBadRequestException) as err:
        api.update_contact(tenant_id, c.contact_id, Contacts(contacts=[Contact(contact_status="ACTIVE")]))
    assert err.value.reason == DUPLICATE_NAME.format("Old Friend")
    api.update_contact(tenant_id, twin.contact_id, Contacts(contacts=[Contact(contact_status="ARCHIVED")]))
    api.update_contact(tenant_id, c.contact_id, Contacts(contacts=[Contact(contact_status="ACTIVE")]))
    assert names(api.get_contacts(tenant_id)) == ["Old Friend"]


# ---------------------------------------------------------------- validation
def test_duplicate_name_is_case_insensitive(api, tenant_id):
    create(api, tenant_id, Contact(name="Buzz Lightyear"))
    with pytest.raises(AccountingBadRequestException) as err:
        create(api, tenant_id, Contact(name="BUZZ LIGHTYEAR"))
    assert err.value.status == 400
    assert err.value.reason == DUPLICATE_NAME.format("BUZZ LIGHTYEAR")
    body = err.value.error_data
    assert (body["ErrorNumber"], body["Type"], body["Message"]) == (
        10, "ValidationException", "A validation exception occurred")


def test_duplicate_contact_number(api, tenant_id):
    create(api, tenant_id, Contact(name="One", contact_number="X-1"))
    with pytest.raises(AccountingBadRequestException) as err:
        create(api, tenant_id, Contact(name="Two", contact_number="x-1"))
    assert err.value.reason == DUPLICATE_NUMBER


@pytest.mark.parametrize("contact, message", [
    ({"FirstName": "No"}, "Contact Name cannot be empty."),
    ({"Name": "   "}, "Contact Name cannot be empty."),
    ({"Name": "x" * 256}, "The Contact Name must not be more than 255 characters long."),
    ({"Name": "N", "ContactNumber": "9" * 51}, "The Contact Number must not be more than 50 characters long."),
    ({"Name": "N", "EmailAddress": "not-an-email"}, "Email address must be valid."),
    ({"Name": "N", "ContactPersons": [{"EmailAddress": "bad@"}]}, "Email address must be valid."),
    ({"Name": "N", "ContactStatus": "DELETED"}, "'DELETED' is not a valid Contact Status."),
    ({"Name": "N", "Phones": [{"PhoneType": "PAGER"}]}, "'PAGER' is not a valid Phone Type."),
    ({"Name": "N", "Addresses": [{"AddressType": "STREET", "PostalCode": "1" * 51}]},
     "The Postal Code must not be more than 50 characters long."),
    ({"Name": 42}, "The Name must be text."),
    ({"Name": "N", "Phones": {"PhoneType": "MOBILE"}}, "The Phones must be a list."),
    ({"Name": "N", "PaymentTerms": "soon"}, "The Payment Terms must be an object."),
    ({"Name": ["N"]}, "The Name must be a single value."),
])
def test_validation_messages(raw, contact, message):
    resp = raw("PUT", "Contacts", json={"Contacts": [contact]})
    assert resp.status_code == 400, resp.text
    [element] = resp.json()["Elements"]
    assert element["ValidationErrors"] == [{"Message": message}] and element["HasValidationErrors"] is True


def test_summarized_errors_still_create_the_valid_elements(api, tenant_id, sandbox):
    create(api, tenant_id, Contact(name="Taken"))
    with pytest.raises(AccountingBadRequestException) as err:
        create(api, tenant_id, Contact(name="Fresh 1"), Contact(name="Taken"), Contact(name="Fresh 2"))
    elements = err.value.error_data["Elements"]
    assert [e["Name"] for e in elements] == ["Taken"]
    # A refused element is echoed with an id that was never stored.
    assert elements[0]["ContactID"] not in {c["ContactID"] for c in sandbox.records(tenant_id)}
    assert sorted(c["Name"] for c in sandbox.records(tenant_id)) == ["Fresh 1", "Fresh 2", "Taken"]


def test_summarize_errors_false_reports_each_element_in_order(api, tenant_id, sandbox):
    create(api, tenant_id, Contact(name="Taken"))
    result = create(api, tenant_id, Contact(name="Fresh 1"), Contact(name="Taken"),
                    Contact(name="Fresh 2", email_address="nope"), Contact(name="Fresh 3"),
                    summarize_errors=False)
    assert [c.status_attribute_string for c in result] == ["OK", "ERROR", "ERROR", "OK"]
    assert [c.has_validation_errors for c in result] == [False, True, True, False]
    assert result[1].validation_errors[0].message == DUPLICATE_NAME.format("Taken")
    assert result[2].validation_errors[0].message == "Email address must be valid."
    stored = {c["Name"]: c["ContactID"] for c in sandbox.records(tenant_id)}
    assert set(stored) == {"Taken", "Fresh 1", "Fresh 3"}
    assert result[3].contact_id == stored["Fresh 3"]


def test_unique_names_and_numbers_follow_seeds_renames_and_archiving(api, tenant_id, sandbox, raw):
    """The name/number checks use an index of the organisation's contacts: it must see seeded
    contacts, renamed and archived ones, and contacts that invoices created."""
    sandbox.call("POST", f"tenants/{tenant_id}/Contacts/bulk",
                 json={"template": {"Name": "Seeded {i}", "ContactNumber": "S-{i}"}, "count": 3})
    refused = raw("PUT", "Contacts", params={"summarizeErrors": "false"}, json={"Contacts": [
        {"Name": "seeded 1"}, {"Name": "Free", "ContactNumber": "s-2"}, {"Name": "Fresh"}]}).json()["Contacts"]
    assert [c["StatusAttributeString"] for c in refused] == ["ERROR", "ERROR", "OK"]
    [fresh] = [c for c in sandbox.records(tenant_id) if c["Name"] == "Fresh"]
    # a rename frees the old name and takes the new one
    api.update_contact(tenant_id, fresh["ContactID"], Contacts(contacts=[Contact(name="Renamed")]))
    create(api, tenant_id, Contact(name="Fresh"))
    with pytest.raises(AccountingBadRequestException) as err:
        create(api, tenant_id, Contact(name="renamed"))
    assert err.value.reason == DUPLICATE_NAME.format("renamed")
    # a contact keeps its own name and number when updated
    seeded = next(c for c in sandbox.records(tenant_id) if c["Name"] == "Seeded 0")
    api.update_contact(tenant_id, seeded["ContactID"], Contacts(contacts=[Contact(email_address="s0@x.example")]))
    # an archived contact's name may be taken again
    api.update_contact(tenant_id, seeded["ContactID"], Contacts(contacts=[Contact(contact_status="ARCHIVED")]))
    create(api, tenant_id, Contact(name="Seeded 0"))
    # a seed replacing a contact (same id) is seen
    sandbox.call("POST", f"tenants/{tenant_id}/Contacts",
                 json={"Contacts": [{"ContactID": fresh["ContactID"], "Name": "Reseeded"}]})
    create(api, tenant_id, Contact(name="Renamed"))
    with pytest.raises(AccountingBadRequestException):
        create(api, tenant_id, Contact(name="Reseeded"))
    # a contact an invoice created by name
    raw("PUT", "Invoices", json={"Invoices": [{"Type": "ACCREC", "Contact": {"Name": "From Invoice"},
                                               "LineItems": [{"Description": "x", "Quantity": 1,
                                                              "UnitAmount": 1}]}]})
    assert "From Invoice" in {c["Name"] for c in sandbox.records(tenant_id)}
    with pytest.raises(AccountingBadRequestException):
        create(api, tenant_id, Contact(name="from invoice"))


def test_duplicates_within_one_batch(raw):
    resp = raw("PUT", "Contacts", params={"summarizeErrors": "false"},
               json={"Contacts": [{"Name": "Twin"}, {"Name": "twin"}]})
    assert [c["StatusAttributeString"] for c in resp.json()["Contacts"]] == ["OK", "ERROR"]


def test_malformed_and_empty_bodies(raw):
    resp = raw("PUT", "Contacts", data=b"{not json", headers={"Content-Type": "application/json"})
    assert resp.status_code == 400 and resp.json()["ErrorNumber"] == 14
    assert resp.json()["Type"] == "PostDataInvalidException"
    for body in ({}, {"Contacts": []}):
        resp = raw("PUT", "Contacts", json=body)
        assert resp.status_code == 400 and resp.json()["Type"] == "NoDataProcessedException"


# ---------------------------------------------------------------- listing
@pytest.fixture
def five(api, tenant_id):
    return create(api, tenant_id, *[Contact(name=n, contact_number=f"N{i}", email_address=e)
                                    for i, (n, e) in enumerate([("Echo", "e@x.com"), ("alpha", None),
                                                                ("Delta", "d@y.org"), ("Charlie", None),
                                                                ("Bravo", "b@x.com")])])


def test_paging(api, tenant_id, five, raw):
    page = api.get_contacts(tenant_id, page=2, page_size=2)
    assert names(page) == ["Charlie", "Delta"]
    p = page.pagination
    assert (p.page, p.page_size, p.page_count, p.item_count) == (2, 2, 3, 5)
    assert names(api.get_contacts(tenant_id, page=3, page_size=2)) == ["Echo"]
    assert api.get_contacts(tenant_id, page=4, page_size=2).contacts == []
    assert api.get_contacts(tenant_id, page=1).pagination.page_size == 100
    assert "pagination" not in raw("GET", "Contacts").json()
    assert raw("GET", "Contacts", params={"page": 1, "pageSize": 1001}).status_code == 400


def test_if_modified_since(api, tenant_id, sandbox, five):
    sandbox.advance(10)
    cutoff = datetime.now(timezone.utc) + timedelta(seconds=5)
    api.update_contact(tenant_id, five[2].contact_id, Contacts(contacts=[Contact(first_name="D")]))
    assert names(api.get_contacts(tenant_id, if_modified_since=cutoff)) == ["Delta"]
    later = cutoff + timedelta(hours=1)
    assert api.get_contacts(tenant_id, if_modified_since=later).contacts == []


@pytest.mark.parametrize("header", ["{iso}", "{naive}", "{rfc}"])
def test_if_modified_since_formats(raw, five, sandbox, header):
    sandbox.advance(600)
    raw("POST", "Contacts", json={"Contacts": [{"ContactNumber": "N0", "FirstName": "E"}]})
    when = datetime.now(timezone.utc) + timedelta(minutes=5)
    value = header.format(iso=when.isoformat(), naive=when.replace(tzinfo=None).isoformat(),
                          rfc=when.strftime("%a, %d %b %Y %H:%M:%S GMT"))
    got = raw("GET", "Contacts", headers={"If-Modified-Since": value}).json()["Contacts"]
    assert [c["Name"] for c in got] == ["Echo"]


@pytest.mark.parametrize("where, expected", [
    ('Name=="Delta"', ["Delta"]),
    ('Name=="delta"', []),
    ('Name!="Delta"', ["alpha", "Bravo", "Charlie", "Echo"]),
    ('EmailAddress=="b@x.com"', ["Bravo"]),
    ('ContactNumber=="N3"', ["Charlie"]),
    ('ContactStatus=="ACTIVE" AND Name.StartsWith("E")', ["Echo"]),
    ('Name.Contains("ar")', ["Charlie"]),
    ('Name.EndsWith("o")', ["Bravo", "Echo"]),
    ('Name.ToLower()=="alpha" OR Name.ToUpper()=="BRAVO"', ["alpha", "Bravo"]),
    ("EmailAddress!=null", ["Bravo", "Delta", "Echo"]),
    ("EmailAddress==null", ["alpha", "Charlie"]),
    ('EmailAddress!=null && EmailAddress.EndsWith("x.com")', ["Bravo", "Echo"]),
    ('(Name=="Echo" || Name=="Delta") && EmailAddress.Contains("@")', ["Delta", "Echo"]),
    ('NOT (Name=="Echo")', ["alpha", "Bravo", "Charlie", "Delta"]),
    ("IsCustomer==true", []),
    ("IsCustomer==false AND IsSupplier==false", ["alpha", "Bravo", "Charlie", "Delta", "Echo"]),
    ("UpdatedDateUTC >= DateTime(2015, 01, 01)", ["alpha", "Bravo", "Charlie", "Delta", "Echo"]),
    ("UpdatedDateUTC < DateTime(2015, 01, 01)", []),
])
def test_where(api, tenant_id, five, where, expected):
    assert names(api.get_contacts(tenant_id, where=where)) == expected


def test_where_on_guid(api, tenant_id, five):
    contact_id = five[0].contact_id
    assert names(api.get_contacts(tenant_id, where=f'ContactID==Guid("{contact_id.upper()}")')) == ["Echo"]


@pytest.mark.parametrize("where", ['Name=="unterminated', "Nope==1", 'EmailAddress.StartsWith("a")',
                                   'Name.Explode("x")', "Name== AND"])
def test_bad_where_is_a_query_parse_exception(raw, five, where):
    resp = raw("GET", "Contacts", params={"where": where})
    assert resp.status_code == 400
    assert resp.json()["Type"] == "QueryParseException" and resp.json()["ErrorNumber"] == 16


def test_order(api, tenant_id, five, sandbox):
    assert names(api.get_contacts(tenant_id)) == ["alpha", "Bravo", "Charlie", "Delta", "Echo"]
    assert names(api.get_contacts(tenant_id, order="Name DESC")) == ["Echo", "Delta", "Charlie", "Bravo", "alpha"]
    sandbox.advance(5)
    api.update_contact(tenant_id, five[3].contact_id, Contacts(contacts=[Contact(first_name="C")]))
    assert names(api.get_contacts(tenant_id, order="UpdatedDateUTC DESC"))[0] == "Charlie"
    by_email = names(api.get_contacts(tenant_id, order="EmailAddress ASC, Name DESC"))
    assert by_email == ["Charlie", "alpha", "Bravo", "Delta", "Echo"]


def test_ids_search_term_and_summary_only(api, tenant_id, five, raw):
    ids = [five[0].contact_id, five[4].contact_id]
    assert names(api.get_contacts(tenant_id, i_ds=ids)) == ["Bravo", "Echo"]
    assert names(api.get_contacts(tenant_id, search_term="X.COM")) == ["Bravo", "Echo"]
    assert names(api.get_contacts(tenant_id, search_term="n3")) == ["Charlie"]
    raw("POST", f"Contacts/{five[0].contact_id}",
        json={"Contacts": [{"Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": "1"}]}]})
    full = raw("GET", "Contacts", params={"IDs": five[0].contact_id}).json()["Contacts"][0]
    summary = raw("GET", "Contacts", params={"IDs": five[0].contact_id, "summaryOnly": "True"}).json()
    assert "Phones" in full and "Phones" not in summary["Contacts"][0]


def test_organisation(api, tenant_id, sandbox, org):
    sandbox.call("POST", f"organisations/{tenant_id}", json={"period_lock_date": "2024-01-31"})
    [o] = api.get_organisations(tenant_id).organisations
    assert (o.organisation_id, o.name, o.short_code) == (tenant_id, org["name"], org["short_code"])
    assert o.base_currency.value == "USD" and o.country_code.value == "US" and o.version == "US"
    assert str(o.period_lock_date) == "2024-01-31" and o.created_date_utc.tzinfo is not None
