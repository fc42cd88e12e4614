"""Manual journals and contact groups through xero-python (and raw HTTP for Xero's shapes)."""

from datetime import date
from decimal import Decimal

import pytest
import requests
from xero_python.accounting import (
    LineAmountTypes,
    Contact, ContactGroup, ContactGroups, Contacts, ManualJournal, ManualJournalLine, ManualJournals)
from xero_python.exceptions import AccountingBadRequestException, NotFoundException

from .openapi import OPENAPI_DIR, assert_valid

needs_openapi = pytest.mark.skipif(not (OPENAPI_DIR / "xero_accounting.yaml").exists(),
                                   reason="no OpenAPI documents")


def jline(amount, code, **kw):
    return ManualJournalLine(line_amount=Decimal(str(amount)), account_code=code, description="Line", **kw)


def journal(narration="Accrual", lines=None, **kw):
    return ManualJournal(narration=narration, date=kw.pop("date", date(2026, 3, 1)),
                         journal_lines=lines if lines is not None else [jline(100, "429"), jline(-100, "800")], **kw)


def create(api, tenant_id, *journals, **kw):
    return api.create_manual_journals(tenant_id, ManualJournals(manual_journals=list(journals)), **kw).manual_journals


def messages(err):
    return [m["Message"] for e in err.value.error_data["Elements"] for m in e["ValidationErrors"]]


# ---------------------------------------------------------------- manual journals
def test_journal_created_read_listed_posted_voided(api, tenant_id):
    [created] = create(api, tenant_id, journal())
    assert created.status == "DRAFT" and created.line_amount_types == LineAmountTypes.NOTAX and created.manual_journal_id
    assert [(ln.line_amount, ln.account_code, ln.tax_type) for ln in created.journal_lines] == [
        (Decimal("100"), "429", "NONE"), (Decimal("-100"), "800", "NONE")]
    assert created.journal_lines[0].account_id
    got = api.get_manual_journal(tenant_id, created.manual_journal_id).manual_journals[0]
    assert got.narration == "Accrual" and got.date == date(2026, 3, 1)
    # without page the list carries no lines (as Xero's); with it, it does
    assert not api.get_manual_journals(tenant_id).manual_journals[0].journal_lines
    paged = api.get_manual_journals(tenant_id, page=1, where='Status=="DRAFT"')
    assert len(paged.manual_journals[0].journal_lines) == 2 and paged.pagination.item_count == 1
    posted = api.update_manual_journal(tenant_id, created.manual_journal_id, ManualJournals(manual_journals=[
        ManualJournal(narration="Accrual", status="POSTED")])).manual_journals[0]
    assert posted.status == "POSTED" and len(posted.journal_lines) == 2
    voided = api.update_or_create_manual_journals(tenant_id, ManualJournals(manual_journals=[ManualJournal(
        manual_journal_id=created.manual_journal_id, narration="Accrual", status="VOIDED")])).manual_journals[0]
    assert voided.status == "VOIDED"
    with pytest.raises(AccountingBadRequestException) as err:
        api.update_manual_journal(tenant_id, created.manual_journal_id, ManualJournals(manual_journals=[
            ManualJournal(narration="Again", status="POSTED")]))
    assert messages(err) == ["Manual Journal not of valid status for modification"]
    assert api.get_manual_journals(tenant_id, where='Status=="POSTED"').manual_journals == []


def test_journal_rules(api, tenant_id):
    bad = [
        journal(lines=[jline(100, "429"), jline(-90, "800")]),
        journal(lines=[jline(100, "429")]),
        journal(narration="", lines=[jline(1, "429"), jline(-1, "800")]),
        journal(lines=[jline(5, "429"), jline(-5, "999")], status="POSTED"),
    ]
    result = create(api, tenant_id, *bad, journal(narration="Fine"), summarize_errors=False)
    assert [j.status_attribute_string for j in result] == ["ERROR", "ERROR", "ERROR", "ERROR", "OK"]
    assert [m.message for m in result[0].validation_errors] == [
        "The total debits (100.00) must equal total credits (-90.00)"]
    assert "at least two individual journal lines" in result[1].validation_errors[0].message
    assert result[2].validation_errors[0].message == "Narration cannot be empty."
    assert [m.message for m in result[3].warnings] == [
        "Account code '999' has been removed as it does not match a recognised account."]
    assert [m.message for m in result[3].validation_errors] == ["Account code must be specified"]
    # summarized: a 400 with the refused element
    with pytest.raises(AccountingBadRequestException) as err:
        create(api, tenant_id, bad[0])
    assert messages(err) == ["The total debits (100.00) must equal total credits (-90.00)"]
    # a draft may lose an unknown account (warning only)
    [draft] = create(api, tenant_id, journal(lines=[jline(5, "429"), jline(-5, "999")]))
    assert draft.status == "DRAFT" and draft.journal_lines[1].account_code is None
    assert draft.warnings[0].message.startswith("Account code '999' has been removed")


def test_journal_tax_and_lock_date(api, tenant_id, sandbox):
    # Exclusive: each line's tax is on its side; 100 + 15% tax balanced by -115
    [taxed] = create(api, tenant_id, journal(line_amount_types=LineAmountTypes.EXCLUSIVE, lines=[
        jline(100, "429", tax_type="INPUT"), jline(-115, "800", tax_type="NONE")]))
    assert [ln.tax_amount for ln in taxed.journal_lines] == [Decimal("15"), Decimal("0")]
    with pytest.raises(AccountingBadRequestException) as err:
        create(api, tenant_id, journal(line_amount_types=LineAmountTypes.EXCLUSIVE, lines=[
            jline(100, "429", tax_type="INPUT"), jline(-100, "800", tax_type="NONE")]))
    assert messages(err) == ["The total debits (115.00) must equal total credits (-100.00)"]
    sandbox.call("POST", f"organisations/{tenant_id}", json={"period_lock_date": "2026-03-31"})
    with pytest.raises(AccountingBadRequestException) as err:
        create(api, tenant_id, journal(status="POSTED"))
    assert messages(err) == ["The document date cannot be before the period lock date, currently set at 31-Mar-2026"]
    assert create(api, tenant_id, journal())[0].status == "DRAFT"  # drafts are not locked


def test_journal_incremental_and_scope(api, tenant_id, sandbox, app):
    [first] = create(api, tenant_id, journal())
    since = api.get_manual_journal(tenant_id, first.manual_journal_id).manual_journals[0].updated_date_utc
    sandbox.advance(5)
    create(api, tenant_id, journal(narration="Later"))
    later = api.get_manual_journals(tenant_id, if_modified_since=since.replace(microsecond=0), page=1)
    assert {j.narration for j in later.manual_journals} >= {"Later"}
    assert len(api.get_manual_journals(tenant_id, page=1, page_size=1).manual_journals) == 1
    # granular scope: without accounting.manualjournals Xero answers 401 AuthorizationUnsuccessful
    tokens = sandbox.connect(app, scope="offline_access accounting.contacts accounting.settings")
    resp = requests.get(f"{sandbox.url}/api.xro/2.0/ManualJournals", timeout=10, headers={
        "Authorization": f"Bearer {tokens['access_token']}", "xero-tenant-id": tenant_id})
    assert resp.status_code == 401 and "AuthorizationUnsuccessful" in resp.text


# ---------------------------------------------------------------- contact groups
def test_contact_groups_and_members(api, tenant_id):
    ann, bob = api.create_contacts(tenant_id, Contacts(contacts=[Contact(name="Ann"), Contact(name="Bob")])).contacts
    [vip] = api.create_contact_group(tenant_id, ContactGroups(contact_groups=[ContactGroup(name="VIP")])).contact_groups
    assert vip.status == "ACTIVE" and vip.contact_group_id
    added = api.create_contact_group_contacts(tenant_id, vip.contact_group_id, Contacts(contacts=[
        Contact(contact_id=ann.contact_id), Contact(contact_id=bob.contact_id)])).contacts
    assert {c.contact_id for c in added} == {ann.contact_id, bob.contact_id}
    one = api.get_contact_group(tenant_id, vip.contact_group_id).contact_groups[0]
    assert sorted(c.name for c in one.contacts) == ["Ann", "Bob"]
    contact = api.get_contact(tenant_id, ann.contact_id).contacts[0]
    assert [g.name for g in contact.contact_groups] == ["VIP"]
    api.delete_contact_group_contact(tenant_id, vip.contact_group_id, ann.contact_id)
    assert [c.name for c in api.get_contact_group(tenant_id, vip.contact_group_id).contact_groups[0].contacts] == ["Bob"]
    with pytest.raises(AccountingBadRequestException):
        api.delete_contact_group_contact(tenant_id, vip.contact_group_id, ann.contact_id)
    api.delete_contact_group_contacts(tenant_id, vip.contact_group_id)
    assert api.get_contact_group(tenant_id, vip.contact_group_id).contact_groups[0].contacts == []
    renamed = api.update_contact_group(tenant_id, vip.contact_group_id, ContactGroups(contact_groups=[
        ContactGroup(name="Gold")])).contact_groups[0]
    assert renamed.name == "Gold"
    with pytest.raises(AccountingBadRequestException) as err:
        api.create_contact_group(tenant_id, ContactGroups(contact_groups=[ContactGroup(name="gold")]))
    assert "already exists" in messages(err)[0]
    api.update_contact_group(tenant_id, vip.contact_group_id, ContactGroups(contact_groups=[
        ContactGroup(name="Gold", status="DELETED")]))
    assert api.get_contact_groups(tenant_id).contact_groups == []
    with pytest.raises(NotFoundException):
        api.get_contact_group(tenant_id, vip.contact_group_id)


def test_contact_group_limit(api, tenant_id, sandbox):
    sandbox.call("POST", f"tenants/{tenant_id}/ContactGroups", json={"ContactGroups": [
        {"Name": f"G{i}"} for i in range(100)]})
    with pytest.raises(AccountingBadRequestException) as err:
        api.create_contact_group(tenant_id, ContactGroups(contact_groups=[ContactGroup(name="One more")]))
    assert messages(err) == ["You’ve reached the limit of 100 contact groups."]


@needs_openapi
def test_shapes_match_the_openapi(raw):
    raw("PUT", "ManualJournals", json={"ManualJournals": [{"Narration": "N", "Date": "2026-03-01", "JournalLines": [
        {"LineAmount": 10, "AccountCode": "429", "Description": "a"}, {"LineAmount": -10, "AccountCode": "800"}]}]})
    listed = raw("GET", "ManualJournals", params={"page": 1}).json()
    assert_valid(listed, "xero_accounting.yaml", "ManualJournals", envelope=True)
    mixed = raw("PUT", "ManualJournals", params={"summarizeErrors": "false"}, json={"ManualJournals": [
        {"Narration": "Bad", "JournalLines": [{"LineAmount": 10, "AccountCode": "429"}]}]}).json()
    assert mixed["ManualJournals"][0]["StatusAttributeString"] == "ERROR"
    assert_valid(mixed, "xero_accounting.yaml", "ManualJournals", envelope=True)
    error = raw("PUT", "ManualJournals", json={"ManualJournals": [{"Narration": "Bad", "JournalLines": []}]}).json()
    assert_valid(error, "xero_accounting.yaml", "Error", strict=False)
    group = raw("PUT", "ContactGroups", json={"ContactGroups": [{"Name": "VIP"}]}).json()
    assert_valid(group, "xero_accounting.yaml", "ContactGroups", envelope=True)
    contact = raw("PUT", "Contacts", json={"Contacts": [{"Name": "Member"}]}).json()["Contacts"][0]
    gid = group["ContactGroups"][0]["ContactGroupID"]
    added = raw("PUT", f"ContactGroups/{gid}/Contacts", json={"Contacts": [{"ContactID": contact["ContactID"]}]})
    assert_valid(added.json(), "xero_accounting.yaml", "Contacts", envelope=True)
    assert_valid(raw("GET", f"ContactGroups/{gid}").json(), "xero_accounting.yaml", "ContactGroups", envelope=True)
    assert_valid(raw("GET", f"Contacts/{contact['ContactID']}").json(), "xero_accounting.yaml", "Contacts",
                 envelope=True)
    assert raw("DELETE", f"ContactGroups/{gid}/Contacts/{contact['ContactID']}").status_code == 204
