"""Xero webhooks: signature, intent to receive, deduplication, failures, and Xero changes landing in Odoo."""

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

    # ------------------------------------------------------------------
    def event(self, resource_id, category="CONTACT", tenant_id=None, event_type="UPDATE"):
        return {"resourceUrl": f"https://api.xero.com/api.xro/2.0/Contacts/{resource_id}",
                "resourceId": resource_id, "eventDateUtc": "2026-11-23T08:00:00.000", "eventType": event_type,
                "eventCategory": category, "tenantId": tenant_id or self.tenant_id,
                "tenantType": "ORGANISATION"}

    def payload(self, *events):
        return {"events": list(events), "firstEventSequence": 1, "lastEventSequence": len(events),
                "entropy": "XYZ"}

    def xero_write(self, resource, records, key, create=True):
        results = self.connection._client().write(resource, records, create=create, idempotency_key=key)
        for result in results:
            self.assertFalse(result.get("ValidationErrors"), result.get("ValidationErrors"))
        return results

    def test_refusals_and_what_is_kept(self):
        # no signature, an empty one, the right signature of another body: 401, nothing kept
        body = json.dumps(self.payload(self.event("a1"))).encode()
        for headers in ({}, {"x-xero-signature": ""},
                        {"x-xero-signature": signature_of(b"{}", KEY)}):
            response = self.url_open("/xero/webhooks", data=body, headers=headers)
            self.assertEqual((response.status_code, response.text), (401, ""), headers)
        self.assertFalse(self.events())
        # without a key on the connection every delivery is refused
        self.connection.sudo().webhook_key = False
        self.assertEqual(self.post(self.payload(self.event("a1"))).status_code, 401)
        self.connection.sudo().webhook_key = KEY
        # another tenant's events and subscription events are not imported
        response = self.post(self.payload(self.event("a1", tenant_id="another-tenant"),
                                          self.event("a2", category="SUBSCRIPTION"),
                                          self.event("a3", category="INVOICE")))
        self.assertEqual((response.status_code, response.text), (200, ""))
        self.assertEqual(sorted(self.events().mapped(lambda e: (e.category, e.state))),
                         [("INVOICE", "pending"), ("SUBSCRIPTION", "ignored")])
        # the processing cron is triggered, not run inline
        cron = self.env.ref("xero_connector.ir_cron_xero_webhook_events")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))
        self.assertEqual((cron.model_id.model, cron.code.strip(), cron.active),
                         ("xero.webhook.event", "model._process_pending()", True))

    def test_key_is_for_system_administrators(self):
        connection = self.connection.with_user(self.admin)
        self.assertEqual(connection.webhook_url, f"{self.base_url()}/xero/webhooks")
        manager = self.env["res.users"].create({
            "name": "Xero Manager", "login": "xero-webhook-manager",
            "groups_id": [(6, 0, [self.env.ref("xero_connector.group_xero_manager").id,
                                  self.env.ref("base.group_user").id])]})
        self.assertNotIn("webhook_key", self.connection.with_user(manager).fields_get())
        self.assertIn("webhook_key", connection.fields_get())
        arch = self.env["xero.connection"].with_user(self.admin).get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="webhook_url"', arch)
        self.assertIn('name="webhook_key"', arch)
        events = self.env["xero.webhook.event"].with_user(manager)
        self.assertTrue(events.check_access_rights("unlink", raise_exception=False))

    def test_each_record_is_imported_once(self):
        [contact] = self.xero_write("Contacts", [{"Name": "Twice Told Ltd"}], "webhook-twice")
        ident = contact["ContactID"]
        # the same record in one payload and again while pending: one event
        self.assertEqual(self.post(self.payload(self.event(ident, event_type="CREATE"), self.event(ident))).status_code, 200)
        self.assertEqual(self.post(self.payload(self.event(ident))).status_code, 200)
        self.assertEqual(len(self.events()), 1)
        # duplicates that got in anyway (e.g. two deliveries at the same moment) are fetched once
        self.env["xero.webhook.event"].create({
            "connection_id": self.connection.id, "tenant_id": self.tenant_id, "category": "CONTACT",
            "event_type": "UPDATE", "resource_id": ident})
        seq = self.sandbox.last_seq()
        self.assertEqual(self.env["xero.webhook.event"]._process_pending(), 2)
        gets = self.api_requests(seq, "GET", r"/Contacts")
        self.assertEqual(len(gets), 1, [g["path"] for g in gets])
        self.assertEqual(self.events().mapped("state"), ["done", "done"])
        self.assertTrue(all(self.events().mapped("processed_date")))
        partner = self.env["res.partner"].search([("name", "=", "Twice Told Ltd")])
        self.assertEqual(partner.xero_id, ident)
        # nothing left to do
        self.assertEqual(self.env["xero.webhook.event"]._process_pending(), 0)
        # handled events go with the old sync logs; pending ones stay
        self.post(self.payload(self.event(ident)))
        self.env.cr.execute("UPDATE xero_webhook_event SET create_date = now() - interval '400 days' WHERE id IN %s",
                            (tuple(self.events().ids),))
        self.env["xero.webhook.event"]._gc_old_events()
        self.assertEqual(self.events().mapped("state"), ["pending"])

    def test_failures_are_reported_per_record(self):
        [good, bad] = self.xero_write("Invoices", [{
            "Type": "ACCREC", "Contact": {"Name": "Hook Failure Ltd"}, "Date": xc.xero_date("2026-11-03"),
            "DueDate": xc.xero_date("2026-12-03"), "Status": "AUTHORISED",
            "LineItems": [{"Description": line, "Quantity": 1, "UnitAmount": 5.0, "AccountCode": code,
                           "TaxType": "NONE"}]} for line, code in (("Work", "200"), ("Interest", "270"))],
            "webhook-failures")
        self.post(self.payload(self.event(good["InvoiceID"], "INVOICE"), self.event(bad["InvoiceID"], "INVOICE")))
        self.env["xero.webhook.event"]._process_pending()
        by_id = {e.resource_id: e for e in self.events()}
        self.assertEqual((by_id[good["InvoiceID"]].state, by_id[good["InvoiceID"]].error), ("done", False))
        self.assertEqual(by_id[bad["InvoiceID"]].state, "failed")
        self.assertIn("The Xero account 270 Interest Income is not mapped to an Odoo account",
                      by_id[bad["InvoiceID"]].error)
        # a connection that is not active: the events fail with the reason, the cron does not break
        self.post(self.payload(self.event(good["Contact"]["ContactID"])))
        self.connection.sudo().state = "reauth"
        self.env["xero.webhook.event"]._process_pending()
        failed = self.events().filtered(lambda e: e.category == "CONTACT")
        self.assertEqual(failed.state, "failed")
        self.assertIn("not active", failed.error)

    def test_credit_note_from_xero(self):
        self.sandbox.webhook_subscribe(self.url, KEY, tenant_id=self.tenant_id)
        [note] = self.xero_write("CreditNotes", [{
            "Type": "ACCRECCREDIT", "Contact": {"Name": "Hooked Returns Ltd"}, "Date": xc.xero_date("2026-11-06"),
            "Status": "AUTHORISED", "Reference": "RMA-HOOK",
            "LineItems": [{"Description": "Returned lamp", "Quantity": 1, "UnitAmount": 40.0, "AccountCode": "200",
                           "TaxType": "OUTPUT"}]}], "webhook-credit-note")
        [delivery] = self.sandbox.webhook_deliver()
        self.assertEqual((delivery["status"], delivery["events"]), (200, 2))  # its new contact too
        self.assertEqual(sorted(self.events().mapped("category")), ["CONTACT", "CREDITNOTE"])
        self.env["xero.webhook.event"]._process_pending()
        self.assertEqual(set(self.events().mapped("state")), {"done"})
        binding = self.env["xero.binding"].search([("connection_id", "=", self.connection.id),
                                                   ("res_model", "=", "account.move"),
                                                   ("xero_id", "=", note["CreditNoteID"])])
        move = self.env["account.move"].browse(binding.res_id)
        self.assertEqual((move.move_type, move.state, move.ref), ("out_refund", "posted", "RMA-HOOK"))
        self.assertAlmostEqual(move.amount_total, note["Total"], places=2)

    def test_credit_note_events_with_data_and_thin(self):
        """Xero's credit-note events since December 2025 carry data {Type, Status}; a classic subscription's
        are thin: both are verified the same way and land in Odoo."""
        self.sandbox.webhook_subscribe(self.url, KEY, tenant_id=self.tenant_id)  # a subscription of today
        [note] = self.xero_write("CreditNotes", [{
            "Type": "ACCRECCREDIT", "Contact": {"Name": "Shaped Returns Ltd"}, "Date": xc.xero_date("2026-11-06"),
            "Status": "DRAFT", "Reference": "RMA-DATA",
            "LineItems": [{"Description": "Returned lamp", "Quantity": 1, "UnitAmount": 40.0, "AccountCode": "200",
                           "TaxType": "OUTPUT"}]}], "webhook-credit-note-data")
        self.xero_write("CreditNotes", [{"CreditNoteID": note["CreditNoteID"], "Status": "AUTHORISED"}],
                        "webhook-credit-note-approve", create=False)
        [delivery] = self.sandbox.webhook_deliver()
        self.assertEqual((delivery["status"], delivery["signature_valid"]), (200, True))
        event = self.events().filtered(lambda e: e.category == "CREDITNOTE")
        self.assertEqual((event.payload_format, event.document_type, event.xero_status),
                         ("data", "ACCRECCREDIT", "AUTHORISED"))  # one event: its latest data
        self.env["xero.webhook.event"]._process_pending()
        self.assertEqual(set(self.events().mapped("state")), {"done"})
        move = self.env["account.move"].browse(self.env["xero.binding"].search([
            ("connection_id", "=", self.connection.id), ("xero_id", "=", note["CreditNoteID"])]).res_id)
        self.assertEqual((move.move_type, move.state, move.ref), ("out_refund", "posted", "RMA-DATA"))
        # the same endpoint subscribed before December 2025: thin events
        self.sandbox.webhook_subscribe(self.url, KEY, tenant_id=self.tenant_id, fmt="classic")
        self.sandbox.advance(5)
        self.xero_write("CreditNotes", [{"CreditNoteID": note["CreditNoteID"], "Reference": "RMA-THIN"}],
                        "webhook-credit-note-thin", create=False)
        [delivery] = self.sandbox.webhook_deliver()
        self.assertEqual(delivery["status"], 200)
        thin = self.events().filtered(lambda e: e.state == "pending")
        self.assertEqual((thin.category, thin.payload_format, thin.document_type, thin.xero_status),
                         ("CREDITNOTE", "classic", False, False))
        self.env["xero.webhook.event"]._process_pending()
        self.assertEqual(thin.state, "done", thin.error)
        self.assertEqual(move.ref, "RMA-THIN")
        # data of an unknown shape is no reason to refuse a signed delivery
        response = self.post({"events": [{"resourceUrl": "x", "resourceId": note["CreditNoteID"],
                                          "eventDateUtc": "2026-11-23T08:00:00.000", "eventType": "UPDATE",
                                          "eventCategory": "CREDITNOTE", "tenantId": self.tenant_id,
                                          "tenantType": "ORGANISATION", "data": ["unexpected"]}],
                              "firstEventSequence": 9, "lastEventSequence": 9, "entropy": "XYZ"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.events().filtered(lambda e: e.state == "pending").payload_format, "classic")
