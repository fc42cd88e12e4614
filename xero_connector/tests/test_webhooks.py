"""Xero webhooks: signature, intent to receive, and a Xero change landing in Odoo."""

import json

from odoo.tests import tagged

from ..models.xero_webhook import signature_of
from ..services import xero_client as xc
from .accounting_common import AccountingXeroCase

KEY = "odoo-test-webhook-key"


@tagged("post_install", "-at_install")
class TestWebhooks(AccountingXeroCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connection.sudo().webhook_key = KEY

    def setUp(self):
        super().setUp()
        self.sandbox.webhooks_clear()
        self.addCleanup(self.sandbox.webhooks_clear)
        self.url = f"{self.base_url()}/xero/webhooks"

    def post(self, payload, key=KEY):
        body = json.dumps(payload).encode()
        return self.url_open("/xero/webhooks", data=body, headers={
            "x-xero-signature": signature_of(body, key), "Content-Type": "application/json"})

    def events(self):
        return self.env["xero.webhook.event"].search([("connection_id", "=", self.connection.id)])

    def test_signature_is_checked(self):
        payload = {"events": [{"resourceUrl": "x", "resourceId": "7f0b1c8e-0000-4000-8000-000000000001",
                               "eventDateUtc": "2026-11-23T08:00:00.000", "eventType": "UPDATE",
                               "eventCategory": "CONTACT", "tenantId": self.tenant_id,
                               "tenantType": "ORGANISATION"}],
                   "firstEventSequence": 1, "lastEventSequence": 1, "entropy": "ABC"}
        response = self.post(payload, key="not-the-key")
        self.assertEqual((response.status_code, response.text), (401, ""))
        self.assertFalse(self.events())
        response = self.post(payload)
        self.assertEqual((response.status_code, response.text), (200, ""))
        self.assertEqual(self.events().mapped("state"), ["pending"])
        self.assertEqual(self.events().resource_id, "7f0b1c8e-0000-4000-8000-000000000001")

    def test_intent_to_receive(self):
        self.assertEqual(self.sandbox.webhook_intent(self.url, KEY), {"valid": 200, "invalid": 401, "passed": True})
        self.assertFalse(self.events())

    def test_xero_changes_land_in_odoo(self):
        self.sandbox.webhook_subscribe(self.url, KEY, tenant_id=self.tenant_id)
        client = self.connection._client()
        [contact] = client.write("Contacts", [{"Name": "Webhook Contact Ltd", "EmailAddress": "hook@example.com"}],
                                 create=True, idempotency_key="webhook-contact")
        [invoice] = client.write("Invoices", [{
            "Type": "ACCREC", "Contact": {"ContactID": contact["ContactID"]}, "Date": xc.xero_date("2026-11-20"),
            "DueDate": xc.xero_date("2026-12-20"), "Status": "AUTHORISED",
            "LineItems": [{"Description": "Hooked work", "Quantity": 1, "UnitAmount": 80.0, "AccountCode": "200",
                           "TaxType": "OUTPUT"}]}], create=True, idempotency_key="webhook-invoice")
        [delivery] = self.sandbox.webhook_deliver()
        self.assertEqual((delivery["status"], delivery["events"]), (200, 2))
        self.assertEqual(sorted(self.events().mapped("category")), ["CONTACT", "INVOICE"])
        self.env["xero.webhook.event"]._process_pending()
        self.assertEqual(set(self.events().mapped("state")), {"done"})
        partner = self.env["res.partner"].search([("name", "=", "Webhook Contact Ltd")])
        self.assertEqual(partner.xero_id, contact["ContactID"])
        move = self.env["account.move"].search([("partner_id", "=", partner.id)])
        self.assertEqual((move.xero_id, move.state), (invoice["InvoiceID"], "posted"))
        self.assertAlmostEqual(move.amount_total, invoice["Total"], places=2)
        # a bad signature from the sandbox is refused
        client.write("Contacts", [{"ContactID": contact["ContactID"], "Name": "Webhook Contact Plc"}],
                     create=False, idempotency_key="webhook-rename")
        [bad] = self.sandbox.webhook_deliver(bad_signature=True)
        self.assertEqual(bad["status"], 401)
        self.assertEqual(len(self.events()), 2)
