"""Webhooks: thin events for contacts, invoices and credit notes, signed as Xero signs them."""

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from xero_python.accounting import Contact, Contacts

from .test_invoices import create, line, sale

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
