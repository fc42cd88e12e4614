"""Cost proportional to the change, and exactly-once creates when Xero's answer is lost.

The slow, process-killing cases are in ``scripts/chaos.sh``; these are the fast ones, through the
real stack (Odoo, PostgreSQL, the sandbox over HTTP via xero-python).
"""

import json
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from ..services.engine import SyncEngine
from .accounting_common import AccountingXeroCase
from .common import ConnectedXeroCase


def _seed_contacts(sandbox, tenant_id, count, prefix="Seeded Contact"):
    for start in range(0, count, 500):
        sandbox.seed(tenant_id, "Contacts", [
            {"Name": f"{prefix} {n:05d}", "EmailAddress": f"seed{n}@org.example", "ContactStatus": "ACTIVE"}
            for n in range(start, min(count, start + 500))])


@tagged("post_install", "-at_install")
class TestMatchingCost(ConnectedXeroCase):
    """Matching never-pushed records never reads the whole organisation."""

    def gets(self, seq):
        return self.api_requests(seq, method="GET", path="/Contacts")

    def test_index_complete_push_reads_only_changes(self):
        _seed_contacts(self.sandbox, self.tenant_id, 1500)
        seq = self.sandbox.last_seq()
        log = SyncEngine(self.connection).fetch_and_match("contact")
        self.assertEqual(log.count_total, 1500)
        self.assertEqual(len(self.gets(seq)), 2, "Fetch & Match reads the organisation once, page by page")
        index = self.env["xero.remote.index"].search([("connection_id", "=", self.connection.id),
                                                      ("entity", "=", "Contacts")])
        self.assertTrue(index.complete)
        self.assertEqual(index.count, 1500)

        # later, someone adds a contact in Xero
        self.sandbox.advance(5)
        self.sandbox.seed(self.tenant_id, "Contacts", [
            {"Name": "Added In Xero Ltd", "EmailAddress": "added@xero.example", "ContactStatus": "ACTIVE"}])
        new = self.make_partner("Brand New Customer")
        by_email = self.make_partner("Seeded Renamed In Odoo", email="SEED7@org.example")
        by_name = self.make_partner("Added in Xero Ltd")
        seq = self.sandbox.last_seq()
        (new | by_email | by_name).with_context(xero_sync_now=True).action_xero_sync()

        gets = self.gets(seq)
        self.assertEqual(len(gets), 1, "one incremental read brings the index up to date")
        self.assertIn("If-Modified-Since", {k.title(): v for k, v in gets[0]["headers"].items()})
        self.assertNotIn("where", gets[0]["query"])
        writes = [r for r in self.api_requests(seq) if r["method"] in ("PUT", "POST")]
        self.assertEqual(len(writes), 2)  # one create batch, one update batch of the two linked
        contacts = self.xero_contacts()
        self.assertEqual(len(contacts), 1502, "the two existing contacts were linked, not created again")
        seeded7 = next(c for c in contacts if c["EmailAddress"] == "seed7@org.example")
        self.assertEqual(by_email.xero_id, seeded7["ContactID"])
        self.assertEqual(by_name.xero_id, next(c["ContactID"] for c in contacts if c["Name"] == "Added in Xero Ltd"))
        self.assertEqual(len({p.xero_id for p in new | by_email | by_name}), 3)

        # the next push of a new partner reads only what changed since (our own writes)
        self.sandbox.advance(5)
        seq = self.sandbox.last_seq()
        self.make_partner("Another New One").action_xero_sync()
        [get] = self.gets(seq)
        self.assertEqual(len(self.xero_contacts()), 1503)

    def test_incomplete_index_uses_targeted_lookups(self):
        _seed_contacts(self.sandbox, self.tenant_id, 1200)
        twin = self.make_partner("Seeded Contact 01111")  # same name as a Xero contact
        fresh = self.make_partner("Nobody Has Me", email="nobody@new.example", vat="NZ 12-345")
        seq = self.sandbox.last_seq()
        (twin | fresh).with_context(xero_sync_now=True).action_xero_sync()
        gets = self.gets(seq)
        self.assertEqual(len(gets), 1)
        where = gets[0]["query"]["where"]
        self.assertIn('Name.ToLower()=="seeded contact 01111"', where)
        self.assertIn('EmailAddress.ToLower()=="nobody@new.example"', where)
        self.assertIn('TaxNumber.ToUpper()=="NZ12345"', where)
        self.assertEqual(len(self.xero_contacts()), 1201)
        self.assertEqual(twin.xero_id, next(c["ContactID"] for c in self.xero_contacts()
                                            if c["Name"] == "Seeded Contact 01111"))

    def test_large_push_goes_a_chunk_at_a_time(self):
        SyncEngine(self.connection).fetch_and_match("contact")  # an empty organisation: the index is whole
        partners = self.env["res.partner"].create([{"name": f"Chunked Customer {n:04d}"} for n in range(1100)])
        partners.xero_allow_sync = True
        seq = self.sandbox.last_seq()
        log = SyncEngine(self.connection).push("contact", partners)
        calls = self.api_requests(seq)
        self.assertEqual([len(c["body"]["Contacts"]) for c in calls if c["method"] == "PUT"], [50] * 22)
        self.assertEqual(len([c for c in calls if c["method"] == "GET"]), 1, "the index is read once a run")
        self.assertEqual(log.count_created, 1100)
        self.assertEqual(len(self.xero_contacts()), 1100)
        self.assertEqual(set(partners.mapped("xero_sync_state")), {"synced"})

    def test_many_keys_are_split_within_url_limits(self):
        partners = self.env["res.partner"].create([
            {"name": f"Looked Up Customer Number {n:03d}", "email": f"looked.up.{n}@customers.example"}
            for n in range(60)])
        partners.xero_allow_sync = True
        seq = self.sandbox.last_seq()
        partners.with_context(xero_sync_now=True).action_xero_sync()
        gets = self.gets(seq)
        self.assertGreater(len(gets), 1)
        self.assertTrue(all(len(g["query"]["where"]) <= 1500 for g in gets))
        self.assertEqual(len(self.xero_contacts()), 60)
        self.assertEqual(set(partners.mapped("xero_sync_state")), {"synced"})


@tagged("post_install", "-at_install")
class TestExactlyOnceCreates(ConnectedXeroCase):
    """A create whose answer is lost is found again, never sent twice."""

    def intents(self):
        self.env.invalidate_all()  # the engine settles intents through SQL cursors of their own
        return self.env["xero.push.intent"].search([("connection_id", "=", self.connection.id)])

    def lose_answer(self, path="/api.xro/2.0/Contacts"):
        # Xero applies the request, then every answer (and the client's replays) is lost
        self.sandbox.fault(method="PUT", path=path, count=4, drop="after")

    def crash_after_create(self, partner):
        """What a process killed after Xero applied its create leaves: a committed intent and the
        Xero record, but no link (the transaction that would have stored it never committed)."""
        engine = SyncEngine(self.connection)
        engine._start("contact", "export")
        payload = engine.mapper.to_xero(partner, engine.mapping._lines("to_xero"))
        key = "crashed-" + str(partner.id)
        intent = self.env["xero.push.intent"].create({
            "connection_id": self.connection.id, "entity": "Contacts", "idempotency_key": key,
            "res_model": "res.partner", "res_ids": json.dumps([partner.id]),
            "payloads": json.dumps([payload], sort_keys=True)})
        [result] = engine.client.write("Contacts", [payload], create=True, idempotency_key=key)
        return intent, result["ContactID"]

    def test_lost_answer_then_retry_links(self):
        partner = self.make_partner("Lost Answer Ltd")
        self.lose_answer()
        partner.action_xero_sync()
        self.assertEqual(partner.xero_sync_state, "error")
        self.assertIn("answer was lost", partner.xero_last_error)
        self.assertEqual(len(self.xero_contacts()), 1, "Xero applied it once")
        self.assertEqual(len(self.intents()), 1)

        seq = self.sandbox.last_seq()
        partner.action_xero_sync()
        [contact] = self.xero_contacts()
        self.assertEqual(partner.xero_id, contact["ContactID"])
        self.assertEqual(partner.xero_sync_state, "synced")
        self.assertFalse(self.intents())
        # what Xero changed since the intent was read (once), and nothing was written again
        calls = self.api_requests(seq)
        self.assertEqual([c["method"] for c in calls], ["GET"])
        self.assertIn("If-Modified-Since", {k.title(): v for k, v in calls[0]["headers"].items()})

    def test_young_intent_not_yet_in_xero_is_replayed(self):
        # the lost request is still on its way (or never arrived): the look-up finds nothing, and the
        # stored request is sent again with its key, so Xero applies it once
        partner = self.make_partner("Still On Its Way")
        engine = SyncEngine(self.connection)
        engine._start("contact", "export")
        payload = engine.mapper.to_xero(partner, engine.mapping._lines("to_xero"))
        self.env["xero.push.intent"].create({
            "connection_id": self.connection.id, "entity": "Contacts", "idempotency_key": "on-its-way",
            "res_model": "res.partner", "res_ids": json.dumps([partner.id]),
            "payloads": json.dumps([payload], sort_keys=True)})
        seq = self.sandbox.last_seq()
        partner.action_xero_sync()
        [contact] = self.xero_contacts()
        self.assertEqual(partner.xero_id, contact["ContactID"])
        puts = self.api_requests(seq, method="PUT")
        self.assertEqual([p["idempotency_key"] for p in puts], ["on-its-way"])
        self.assertFalse(self.intents())

    def test_crash_then_edit_then_retry_updates(self):
        partner = self.make_partner("Crashed Customer", phone="111")
        _intent, xero_id = self.crash_after_create(partner)
        partner.phone = "222"
        partner.action_xero_sync()
        [contact] = self.xero_contacts()
        self.assertEqual(partner.xero_id, xero_id)
        self.assertEqual(contact["Phones"][0]["PhoneNumber"], "222", "the edit made after the crash is in Xero")
        self.assertFalse(self.intents())
        actions = self.env["xero.sync.log"].search([], limit=1).line_ids.mapped("action")
        self.assertEqual(sorted(actions), ["link", "update"])

    def test_old_intent_is_found_by_lookup(self):
        partner = self.make_partner("Long Gone Answer", email="gone@answer.example")
        intent, xero_id = self.crash_after_create(partner)
        # long after: Xero forgot the key, the intent is past the replay window
        intent.sent_at = fields.Datetime.now() - timedelta(hours=3)
        self.sandbox.clear_idempotency()
        seq = self.sandbox.last_seq()
        partner.action_xero_sync()
        self.assertEqual(partner.xero_id, xero_id)
        self.assertEqual(len(self.xero_contacts()), 1)
        self.assertFalse([r for r in self.api_requests(seq) if r["method"] == "PUT"], "nothing was created again")
        [lookup] = [r for r in self.api_requests(seq, method="GET")][:1]
        self.assertIn("If-Modified-Since", {k.title(): v for k, v in lookup["headers"].items()})
        self.assertFalse(self.intents())

    def test_old_intent_not_in_xero_creates_once(self):
        partner = self.make_partner("Never Arrived Ltd")
        self.env["xero.push.intent"].create({
            "connection_id": self.connection.id, "entity": "Contacts", "idempotency_key": "never-arrived",
            "sent_at": fields.Datetime.now() - timedelta(hours=1), "res_model": "res.partner",
            "res_ids": json.dumps([partner.id]), "payloads": json.dumps([{"Name": "Never Arrived Ltd"}])})
        partner.action_xero_sync()
        self.assertEqual(len(self.xero_contacts()), 1)
        self.assertEqual(partner.xero_sync_state, "synced")
        self.assertFalse(self.intents())

    def test_indistinguishable_records_need_a_person(self):
        partner = self.make_partner("Twice Named Co")
        self.env["xero.push.intent"].create({
            "connection_id": self.connection.id, "entity": "Contacts", "idempotency_key": "twice",
            "sent_at": fields.Datetime.now() - timedelta(hours=1), "res_model": "res.partner",
            "res_ids": json.dumps([partner.id]), "payloads": json.dumps([{"Name": "Twice Named Co"}])})
        self.sandbox.seed(self.tenant_id, "Contacts", [
            {"Name": "Twice Named Co", "ContactStatus": "ARCHIVED"},
            {"Name": "Twice Named Co", "ContactStatus": "ACTIVE"}])
        partner.action_xero_sync()
        self.assertEqual(len(self.xero_contacts()), 2, "nothing was created: it might be a duplicate")
        self.assertEqual(partner.xero_sync_state, "error")
        self.assertIn("several records", partner.xero_last_error)
        [intent] = self.intents()
        self.assertEqual(intent.state, "conflict")
        intent.action_dismiss()
        self.assertFalse(self.intents())

    def test_refused_request_leaves_no_intent(self):
        partner = self.make_partner("Refused Outright")
        self.sandbox.fault(method="PUT", path="/api.xro/2.0/Contacts", count=1, status=400,
                           body={"ErrorNumber": 10, "Type": "ValidationException", "Message": "Refused"})
        partner.action_xero_sync()
        self.assertEqual(partner.xero_sync_state, "error")
        self.assertFalse(self.intents())
        self.assertFalse(self.xero_contacts())


    def test_job_left_running_by_a_dead_process_is_resumed(self):
        partners = self.env["res.partner"].create([{"name": f"Orphaned Job Customer {n}"} for n in range(3)])
        partners.xero_allow_sync = True
        mapping = self.env["xero.mapping"]._for(self.connection, "contact")
        job = self.env["xero.sync.job"]._queue({
            "connection_id": self.connection.id, "mapping_ids": [(6, 0, mapping.ids)], "direction": "export",
            "res_model": "res.partner", "res_ids": partners.ids})
        # what a killed runner leaves: the job says 'running', and nobody holds its lock
        job.state = "running"
        self.env["xero.sync.job"]._cron_run_queued()
        self.assertEqual(job.state, "done", job.message)
        self.assertTrue(job.message.startswith("Resumed"), job.message)
        self.assertEqual(sorted(c["Name"] for c in self.xero_contacts()), sorted(partners.mapped("name")))


@tagged("post_install", "-at_install")
class TestExactlyOncePayments(AccountingXeroCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.map_bank_journal()

    def test_lost_payment_answer_is_not_paid_twice(self):
        move = self.invoice([{"price_unit": 100.0}])
        move.action_xero_sync()
        wizard = self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=move.ids).create({
                "amount": 40.0, "payment_date": "2026-11-10", "journal_id": self.bank.id})
        wizard._create_payments()
        self.sandbox.fault(path="/api.xro/2.0/Payments", count=4, drop="after")
        move.action_xero_sync()
        self.assertEqual(len(self.xero_documents("Payments")), 1)
        partial = move.line_ids.matched_debit_ids | move.line_ids.matched_credit_ids
        self.assertFalse(partial.xero_id)
        self.assertTrue(self.env["xero.push.intent"].search([("entity", "=", "Payments")]))

        move.action_xero_sync()
        [payment] = self.xero_documents("Payments")
        self.assertEqual(partial.xero_id, payment["PaymentID"])
        self.assertEqual(payment["Amount"], 40.0)
        self.assertFalse(self.env["xero.push.intent"].search([("entity", "=", "Payments")]))
