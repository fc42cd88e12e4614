"""Webhooks: thin events for contacts, invoices and credit notes, signed as Xero signs them."""

import base64
import hashlib
import hmac
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from datetime import date

from xero_python.accounting import Contact, Contacts, CreditNote, CreditNotes, LineAmountTypes

from .openapi import OPENAPI_DIR, assert_valid
from .test_invoices import create, line, sale
from .test_transactions import invoice as authorised_invoice
from .test_transactions import line as tx_line
from .test_transactions import pay

KEY = "webhook-key-of-the-app"


class Receiver:
    """A tiny endpoint that checks signatures like a well-behaved app."""

    def __init__(self):
        self.received = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                expected = base64.b64encode(hmac.new(KEY.encode(), body, hashlib.sha256).digest()).decode()
                valid = hmac.compare_digest(expected, self.headers.get("x-xero-signature", ""))
                receiver.received.append((json.loads(body), valid))
                self.send_response(200 if valid else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/xero/webhooks"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def receiver(sandbox):
    receiver = Receiver()
    yield receiver
    receiver.httpd.shutdown()
    sandbox.call("DELETE", "webhooks")


def test_intent_to_receive(sandbox, receiver):
    result = sandbox.call("POST", "webhooks/intent", json={"url": receiver.url, "key": KEY})
    assert result == {"valid": 200, "invalid": 401, "passed": True}
    assert [r[0]["events"] for r in receiver.received] == [[], []]
    # an endpoint that accepts anything fails the check
    assert sandbox.call("POST", "webhooks/intent", json={"url": receiver.url, "key": "another key"})["passed"] is False


def test_changes_are_queued_signed_and_batched(sandbox, receiver, api, tenant_id):
    sandbox.call("POST", "webhooks", json={"url": receiver.url, "key": KEY, "tenant_id": tenant_id})
    contact = api.create_contacts(tenant_id, Contacts(contacts=[Contact(name="Hooked Ltd")])).contacts[0]
    api.update_contact(tenant_id, contact.contact_id, Contacts(contacts=[Contact(name="Hooked Plc")]))
    [invoice] = create(api, tenant_id, sale(line(1, 10)))
    assert sandbox.call("GET", "webhooks")["queued"] == 4  # the invoice created its contact too
    [delivery] = sandbox.call("POST", "webhooks/deliver", json={})["deliveries"]
    assert (delivery["status"], delivery["events"]) == (200, 4)
    payload, valid = receiver.received[-1]
    assert valid
    events = payload["events"]
    assert [(e["eventCategory"], e["eventType"]) for e in events] == [
        ("CONTACT", "CREATE"), ("CONTACT", "UPDATE"), ("CONTACT", "CREATE"), ("INVOICE", "CREATE")]
    assert events[0]["resourceId"] == contact.contact_id
    assert events[-1]["resourceUrl"].endswith(f"/Invoices/{invoice.invoice_id}")
    assert {e["tenantId"] for e in events} == {tenant_id}
    assert payload["lastEventSequence"] - payload["firstEventSequence"] == 3
    assert sandbox.call("GET", "webhooks")["queued"] == 0
    assert sandbox.call("POST", "webhooks/deliver", json={})["deliveries"] == []


def test_bad_signature_on_request(sandbox, receiver, api, tenant_id):
    sandbox.call("POST", "webhooks", json={"url": receiver.url, "key": KEY})
    api.create_contacts(tenant_id, Contacts(contacts=[Contact(name="Badly Signed")]))
    [delivery] = sandbox.call("POST", "webhooks/deliver", json={"bad_signature": True})["deliveries"]
    assert delivery["status"] == 401
    assert receiver.received[-1][1] is False


def test_nothing_is_queued_without_a_subscription(sandbox, api, tenant_id):
    api.create_contacts(tenant_id, Contacts(contacts=[Contact(name="Unheard Ltd")]))
    assert sandbox.call("GET", "webhooks")["queued"] == 0


def events_of(sandbox):
    return [(e["eventCategory"], e["eventType"], e["resourceId"]) for e in sandbox.call("GET", "webhooks")["events"]]


def test_each_category_is_queued_and_settling_updates_the_document(sandbox, receiver, api, tenant_id):
    sandbox.call("POST", "webhooks", json={"url": receiver.url, "key": KEY, "tenant_id": tenant_id})
    inv = authorised_invoice(api, tenant_id, amount=100, contact="Settled Ltd")
    [note] = api.create_credit_notes(tenant_id, CreditNotes(credit_notes=[CreditNote(
        type="ACCRECCREDIT", contact=Contact(name="Settled Ltd"), date=date(2026, 3, 2), status="AUTHORISED",
        line_items=[tx_line(1, "10.00", tax_type="NONE")], line_amount_types=LineAmountTypes.EXCLUSIVE)])).credit_notes
    contact_id = inv.contact.contact_id
    assert events_of(sandbox) == [("CONTACT", "CREATE", contact_id), ("INVOICE", "CREATE", inv.invoice_id),
                                  ("CREDITNOTE", "CREATE", note.credit_note_id)]
    event = sandbox.call("GET", "webhooks")["events"][2]
    assert event["resourceUrl"] == f"https://api.xero.com/api.xro/2.0/CreditNotes/{note.credit_note_id}"
    assert event["tenantType"] == "ORGANISATION" and event["tenantId"] == tenant_id
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?", event["eventDateUtc"]), event["eventDateUtc"]
    sandbox.call("POST", "webhooks/deliver", json={})
    # a payment is no webhook, but the invoice it settles is updated (once while queued)
    pay(api, tenant_id, inv, "40.00")
    pay(api, tenant_id, inv, "60.00")
    assert events_of(sandbox) == [("INVOICE", "UPDATE", inv.invoice_id)]
    [delivery] = sandbox.call("POST", "webhooks/deliver", json={})["deliveries"]
    assert (delivery["status"], delivery["events"]) == (200, 1)
    assert receiver.received[-1][0]["events"][0]["eventType"] == "UPDATE"


def test_subscriptions_per_tenant_and_control_seeding(sandbox, receiver, api, tenant_id):
    other = sandbox.create_org("Other Company")["tenant_id"]
    sandbox.call("POST", "webhooks", json={"url": receiver.url, "key": KEY, "tenant_id": other})
    api.create_contacts(tenant_id, Contacts(contacts=[Contact(name="Not For Them")]))
    assert sandbox.call("GET", "webhooks")["queued"] == 0
    # seeding through the control API is no Xero change
    sandbox.call("POST", f"tenants/{other}/Contacts", json={"Contacts": [{"Name": "Seeded"}]})
    assert sandbox.call("GET", "webhooks")["queued"] == 0
    # subscribing again replaces the key; the listing hides it
    sandbox.call("POST", "webhooks", json={"url": receiver.url, "key": "old key", "tenant_id": tenant_id})
    sandbox.call("POST", "webhooks", json={"url": receiver.url, "key": KEY, "tenant_id": tenant_id})
    listing = sandbox.call("GET", "webhooks")
    assert sorted(s["tenant_id"] for s in listing["subscriptions"]) == sorted([other, tenant_id])
    assert {s["key"] for s in listing["subscriptions"]} == {"***"}
    api.create_contacts(tenant_id, Contacts(contacts=[Contact(name="For Us")]))
    [delivery] = sandbox.call("POST", "webhooks/deliver", json={})["deliveries"]
    assert (delivery["status"], delivery["events"]) == (200, 1)
    assert receiver.received[-1][1] is True


def test_control_api_validation_and_removal(sandbox, receiver, api, tenant_id):
    def status(method, body):
        return requests.request(method, f"{sandbox.url}/_sandbox/webhooks", json=body, timeout=10).status_code

    assert status("POST", {"key": KEY}) == 400
    assert status("POST", {"url": receiver.url}) == 400
    assert status("POST", {"url": receiver.url, "key": KEY, "tenant_id": "no-such-tenant"}) == 404
    assert status("POST", {"url": receiver.url, "key": KEY, "format": "cloudevents"}) == 400
    sandbox.call("POST", "webhooks", json={"url": receiver.url, "key": KEY})
    sandbox.call("POST", "webhooks", json={"url": "http://127.0.0.1:9/elsewhere", "key": KEY})
    api.create_contacts(tenant_id, Contacts(contacts=[Contact(name="Queued Ltd")]))
    assert sandbox.call("DELETE", "webhooks", json={"url": "http://127.0.0.1:9/elsewhere"}) == {"ok": True, "removed": 1}
    assert status("DELETE", {"url": "http://127.0.0.1:9/elsewhere"}) == 404
    assert [s["url"] for s in sandbox.call("GET", "webhooks")["subscriptions"]] == [receiver.url]
    assert sandbox.call("GET", "webhooks")["queued"] == 1  # still wanted by the remaining subscription
    assert sandbox.call("DELETE", "webhooks") == {"ok": True, "removed": 1}
    assert sandbox.call("GET", "webhooks") == {"subscriptions": [], "queued": 0, "events": []}


@pytest.mark.skipif(not (OPENAPI_DIR / "xero-webhooks.yaml").exists(), reason="no OpenAPI documents")
def test_credit_note_events_current_and_classic(sandbox, receiver, api, tenant_id):
    """Xero's credit-note events carry ``data`` {Type, Status} (xero-webhooks.yaml, December 2025); a
    ``classic`` subscription gets the thin events; both are signed with the key."""
    classic = Receiver()
    try:
        sandbox.call("POST", "webhooks", json={"url": receiver.url, "key": KEY, "tenant_id": tenant_id})
        sandbox.call("POST", "webhooks", json={"url": classic.url, "key": KEY, "tenant_id": tenant_id,
                                               "format": "classic"})
        formats = {s["url"]: s["format"] for s in sandbox.call("GET", "webhooks")["subscriptions"]}
        assert formats == {receiver.url: "current", classic.url: "classic"}
        contact = api.create_contacts(tenant_id, Contacts(contacts=[Contact(name="Refunded Ltd")])).contacts[0]
        sandbox.call("POST", "webhooks/deliver", json={})
        [note] = api.create_credit_notes(tenant_id, CreditNotes(credit_notes=[CreditNote(
            type="ACCPAYCREDIT", contact=Contact(contact_id=contact.contact_id), date=date(2026, 3, 2), status="DRAFT",
            line_items=[tx_line(1, "10.00", account="300", tax_type="NONE")],
            line_amount_types=LineAmountTypes.EXCLUSIVE)])).credit_notes
        api.update_credit_note(tenant_id, note.credit_note_id, CreditNotes(credit_notes=[CreditNote(
            status="AUTHORISED")]))
        assert [e.get("data") for e in sandbox.call("GET", "webhooks")["events"]] == [
            {"Type": "ACCPAYCREDIT", "Status": "DRAFT"}, {"Type": "ACCPAYCREDIT", "Status": "AUTHORISED"}]
        deliveries = sandbox.call("POST", "webhooks/deliver", json={})["deliveries"]
        assert sorted((d["url"], d["status"], d["events"]) for d in deliveries) == sorted(
            [(receiver.url, 200, 2), (classic.url, 200, 2)])
        (current, valid), (thin, thin_valid) = receiver.received[-1], classic.received[-1]
        assert valid and thin_valid
        assert [(e["eventType"], e["data"]) for e in current["events"]] == [
            ("CREATE", {"Type": "ACCPAYCREDIT", "Status": "DRAFT"}),
            ("UPDATE", {"Type": "ACCPAYCREDIT", "Status": "AUTHORISED"})]
        assert_valid(current, "xero-webhooks.yaml", "CreditNoteWebhookEvent", strict=False)
        assert_valid(thin, "xero-webhooks.yaml", "WebhookEvent", strict=False)
        assert [{k: v for k, v in e.items() if k != "data"} for e in current["events"]] == thin["events"]
        assert not any("data" in e for e in thin["events"])
        assert receiver.received[0][0]["events"][0]["eventCategory"] == "CONTACT"
        assert "data" not in receiver.received[0][0]["events"][0]  # contacts and invoices stay thin
    finally:
        classic.httpd.shutdown()


def test_unreachable_endpoint(sandbox, api, tenant_id):
    sandbox.call("POST", "webhooks", json={"url": "http://127.0.0.1:9/xero/webhooks", "key": KEY})
    api.create_contacts(tenant_id, Contacts(contacts=[Contact(name="Lost Ltd")]))
    [delivery] = sandbox.call("POST", "webhooks/deliver", json={})["deliveries"]
    assert (delivery["status"], delivery["events"]) == (None, 1)
    assert sandbox.call("POST", "webhooks/intent", json={"url": "http://127.0.0.1:9/x", "key": KEY})["passed"] is False
    sandbox.call("DELETE", "webhooks")
