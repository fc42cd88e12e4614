"""Responses checked against Xero's OpenAPI documents, and against the SDK's deserializer."""

from datetime import datetime

import pytest
import requests
import yaml
from xero_python.accounting import Contact, Contacts

from .conftest import contacts_body
from .openapi import OPENAPI_DIR, assert_valid

pytestmark = pytest.mark.skipif(
    not (OPENAPI_DIR / "xero_accounting.yaml").exists(),
    reason=f"Xero's OpenAPI documents not found in {OPENAPI_DIR} (set XERO_OPENAPI_DIR)")

ACCOUNTING, IDENTITY = "xero_accounting.yaml", "xero-identity.yaml"
FULL_CONTACT = {
    "Name": "Schema Co", "FirstName": "Ann", "LastName": "Lee", "EmailAddress": "ann@example.com",
    "ContactNumber": "S-1", "AccountNumber": "A-1", "TaxNumber": "T-1", "TaxNumberType": "EIN",
    "CompanyNumber": "C-1", "DefaultCurrency": "USD", "BankAccountDetails": "01-0123-0123456-00",
    "Phones": [{"PhoneType": "MOBILE", "PhoneNumber": "555", "PhoneAreaCode": "415", "PhoneCountryCode": "1"}],
    "Addresses": [{"AddressType": "POBOX", "AddressLine1": "PO Box 1", "City": "Town", "Country": "US"}],
    "ContactPersons": [{"FirstName": "Bo", "LastName": "Lee", "EmailAddress": "bo@example.com",
                        "IncludeInEmails": True}],
    "PaymentTerms": {"Sales": {"Day": 10, "Type": "DAYSAFTERBILLDATE"}},
}


def test_contacts_envelope_with_paging(raw):
    raw("PUT", "Contacts", json={"Contacts": [FULL_CONTACT, {"Name": "Minimal"}]})
    body = raw("GET", "Contacts", params={"page": 1, "includeArchived": "True"}).json()
    assert body["pagination"]["itemCount"] == 2
    assert_valid(body, ACCOUNTING, "Contacts", envelope=True)


def test_write_responses(raw):
    ok = raw("PUT", "Contacts", json={"Contacts": [FULL_CONTACT]}).json()
    assert_valid(ok, ACCOUNTING, "Contacts", envelope=True)
    mixed = raw("POST", "Contacts", params={"summarizeErrors": "false"},
                json=contacts_body("New", "Schema Co")).json()
    assert [c["StatusAttributeString"] for c in mixed["Contacts"]] == ["OK", "ERROR"]
    assert_valid(mixed, ACCOUNTING, "Contacts", envelope=True)


def test_error_bodies(raw):
    raw("PUT", "Contacts", json=contacts_body("Dup"))
    error = raw("PUT", "Contacts", json={"Contacts": [{"Name": "Dup", "Phones": [{"PhoneType": "FAX"}]}]}).json()
    assert error["Elements"][0]["ValidationErrors"]
    # An Element is a record echoed with its errors: only the envelope shape is strict.
    assert_valid(error, ACCOUNTING, "Error", strict=False)
    assert_valid(error["Elements"][0], ACCOUNTING, "Contact")
    for body in (raw("PUT", "Contacts", data=b"[", headers={"Content-Type": "application/json"}).json(),
                 raw("GET", "Contacts", params={"where": "Nope==1"}).json()):
        assert_valid(body, ACCOUNTING, "Error")


def test_organisations(raw, sandbox, tenant_id):
    sandbox.call("POST", f"organisations/{tenant_id}", json={"period_lock_date": "2024-06-30"})
    body = raw("GET", "Organisation").json()
    assert_valid(body, ACCOUNTING, "Organisations", envelope=True)


def test_connections(sandbox, tokens):
    body = requests.get(f"{sandbox.url}/connections", timeout=10,
                        headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
    assert_valid(body, IDENTITY, "Connection", array=True)


def test_token_response(tokens):
    # The OpenAPI's AccessToken lacks "scope", which Xero (and the SDK) use.
    assert_valid(tokens, IDENTITY, "AccessToken", strict=False)
    declared = yaml.safe_load((OPENAPI_DIR / IDENTITY).read_text())["components"]["schemas"]["AccessToken"]
    assert set(tokens) == set(declared["properties"]) | {"scope"}


def test_sdk_deserializes_every_contact_field(api, tenant_id, raw):
    raw("PUT", "Contacts", json={"Contacts": [FULL_CONTACT]})
    [contact] = api.get_contacts(tenant_id, page=1).contacts
    assert isinstance(contact.updated_date_utc, datetime)
    assert contact.default_currency.value == "USD" and contact.tax_number_type == "EIN"
    assert contact.payment_terms.sales.day == 10
    assert contact.has_validation_errors is False and contact.has_attachments is False
    results = api.update_or_create_contacts(
        tenant_id, Contacts(contacts=[Contact(name="Schema Co"), Contact(name="Other")]), summarize_errors=False)
    assert [c.status_attribute_string for c in results.contacts] == ["ERROR", "OK"]
