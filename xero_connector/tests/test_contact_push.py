from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import ConnectedXeroCase


@tagged("post_install", "-at_install")
class TestContactPush(ConnectedXeroCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.country_us = cls.env.ref("base.us")

    def _contact(self, xero_id):
        return next(c for c in self.xero_contacts() if c["ContactID"] == xero_id)

    def test_create_update_noop(self):
        company = self.make_partner(
            "Acme Widgets Inc", is_company=True, email="Billing@Acme.example", ref="ACME-001",
            vat="US123456", phone="+1 555 0100", street="1 Main St", city="Springfield",
            zip="12345", country_id=self.country_us.id)
        self.env["res.partner"].create({
            "name": "Jane Doe", "parent_id": company.id, "type": "contact", "email": "jane@acme.example"})
        seq = self.sandbox.last_seq()
        action = company.action_xero_sync()
        self.assertEqual(action["params"]["type"], "success")

        company.invalidate_recordset()
        self.assertEqual(company.xero_sync_state, "synced")
        self.assertRegex(company.xero_id, r"^[0-9a-f-]{36}$")
        self.assertEqual(company.xero_number, "ACME-001")
        self.assertIn(f"/Contacts/View/{company.xero_id}", company.xero_url)
        self.assertIn(f"shortcode={self.connection.short_code}".replace("!", "%21"), company.xero_url)

        contact = self._contact(company.xero_id)
        self.assertEqual(contact["Name"], "Acme Widgets Inc")
        self.assertEqual(contact["EmailAddress"], "billing@acme.example")
        self.assertEqual(contact["ContactNumber"], "ACME-001")
        self.assertEqual(contact["TaxNumber"], "US123456")
        self.assertEqual(contact["Phones"][0]["PhoneNumber"], "+1 555 0100")
        street = next(a for a in contact["Addresses"] if a["AddressType"] == "STREET")
        self.assertEqual((street["AddressLine1"], street["City"], street["PostalCode"]),
                         ("1 Main St", "Springfield", "12345"))
        self.assertEqual(street["Country"], "United States")
        # its one person is Xero's primary person
        self.assertEqual((contact.get("FirstName"), contact.get("LastName")), ("Jane", "Doe"))
        self.assertFalse(contact.get("ContactPersons"))
        calls = self.api_requests(seq, path="/Contacts")
        # one read to match against what Xero has, then one write
        self.assertEqual([(r["method"], r["status"]) for r in calls], [("GET", 200), ("PUT", 200)])
        self.assertEqual(calls[0]["query"].get("includeArchived"), "True")
        writes = calls[1:]
        self.assertTrue(writes[0]["idempotency_key"])
        self.assertEqual(writes[0]["query"].get("summarizeErrors"), "False")

        # nothing changed: nothing is sent
        seq = self.sandbox.last_seq()
        company.action_xero_sync()
        self.assertFalse(self.api_requests(seq))
        log = self.env["xero.sync.log"].search([], limit=1)
        self.assertEqual((log.count_total, log.count_skipped, log.state), (1, 1, "done"))

        # a mapped change marks the record and is pushed as an update
        company.write({"email": "accounts@acme.example", "phone": False})
        self.assertTrue(company.xero_binding_ids.need_sync)
        seq = self.sandbox.last_seq()
        company.action_xero_sync()
        writes = self.api_requests(seq, path="/Contacts")
        self.assertEqual([r["method"] for r in writes], ["POST"])
        contact = self._contact(company.xero_id)
        self.assertEqual(contact["EmailAddress"], "accounts@acme.example")
        self.assertEqual(len(self.xero_contacts()), 1)
        self.assertFalse(company.xero_binding_ids.need_sync)

        # an unmapped change does not
        company.write({"comment": "<p>VIP</p>"})
        self.assertFalse(company.xero_binding_ids.need_sync)

        # archiving in Odoo archives in Xero
        company.action_archive()
        company.with_context(active_test=False).action_xero_sync()
        self.assertEqual(self._contact(company.xero_id)["ContactStatus"], "ARCHIVED")

    def test_child_contact_pushes_its_company(self):
        company = self.make_partner("Parent Co", is_company=True)
        person = self.make_partner("Bob Smith", parent_id=company.id, type="contact")
        person.action_xero_sync()
        contacts = self.xero_contacts()
        self.assertEqual([c["Name"] for c in contacts], ["Parent Co"])
        self.assertEqual(contacts[0]["FirstName"], "Bob")
        company.invalidate_recordset()
        self.assertTrue(company.xero_id)
        # the next people are its contact persons; the oldest stays primary
        self.make_partner("Carla Diaz", parent_id=company.id, type="contact", email="carla@parent.example")
        self.make_partner("Dan Evans", parent_id=company.id, type="contact")
        company.action_xero_sync()
        [contact] = self.xero_contacts()
        self.assertEqual((contact["FirstName"], contact["LastName"]), ("Bob", "Smith"))
        self.assertEqual([(p["FirstName"], p.get("EmailAddress")) for p in contact["ContactPersons"]],
                         [("Carla", "carla@parent.example"), ("Dan", None)])
        # the primary person leaving clears it in Xero; the next one takes over
        person.action_archive()
        company.action_xero_sync()
        [contact] = self.xero_contacts()
        self.assertEqual((contact["FirstName"], contact["LastName"]), ("Carla", "Diaz"))
        self.assertEqual([p["FirstName"] for p in contact["ContactPersons"]], ["Dan"])

    def test_unticked_records_are_left_out(self):
        ticked = self.make_partner("Ticked Ltd")
        unticked = self.env["res.partner"].create({"name": "Unticked Ltd"})
        action = (ticked | unticked).action_xero_sync()
        self.assertIn("1 records without 'Allow Xero Sync' were left out", action["params"]["message"])
        self.assertEqual([c["Name"] for c in self.xero_contacts()], ["Ticked Ltd"])
        with self.assertRaisesRegex(UserError, "Allow Xero Sync"):
            unticked.action_xero_sync()

    def test_batch_with_invalid_records(self):
        self.sandbox.seed(self.tenant_id, "Contacts", [
            {"Name": "Taken Name Ltd", "EmailAddress": "someone@else.example", "ContactStatus": "ACTIVE"}])
        good = [self.make_partner(f"Good Customer {i}", email=f"good{i}@example.com") for i in range(5)]
        too_long = self.make_partner("Long Reference Ltd", ref="R" * 60)
        taken = self.make_partner("Taken Name Ltd", email="us@ours.example")
        dup_number_a = self.make_partner("Number One Ltd", ref="DUP-1")
        dup_number_b = self.make_partner("Number Two Ltd", ref="DUP-1")
        partners = self.env["res.partner"].browse(
            [p.id for p in good] + [too_long.id, taken.id, dup_number_a.id, dup_number_b.id])
        seq = self.sandbox.last_seq()
        action = partners.action_xero_sync()
        self.assertEqual(action["params"]["type"], "danger")

        partners.invalidate_recordset()
        for partner in good + [dup_number_a]:
            self.assertEqual(partner.xero_sync_state, "synced", partner.name)
        self.assertEqual(too_long.xero_sync_state, "error")
        self.assertIn("contact number", too_long.xero_last_error.lower())
        self.assertEqual(taken.xero_sync_state, "error")
        self.assertIn("Taken Name Ltd", taken.xero_last_error)
        self.assertFalse(taken.xero_id)
        self.assertEqual(dup_number_b.xero_sync_state, "error")
        self.assertIn("Another contact has this contact number", dup_number_b.xero_last_error)

        # one batch went out; the too-long reference never left Odoo
        writes = self.api_requests(seq, method="PUT", path="/Contacts$")
        self.assertEqual(len(writes), 1)
        self.assertEqual(len(writes[0]["body"]["Contacts"]), 8)
        names = sorted(c["Name"] for c in self.xero_contacts())
        self.assertEqual(names, sorted([p.name for p in good] + ["Number One Ltd", "Taken Name Ltd"]))

        log = self.env["xero.sync.log"].search([], limit=1)
        self.assertEqual((log.count_total, log.count_created, log.count_failed, log.state), (9, 6, 3, "partial"))
        self.assertEqual(set(log.failed_line_ids.mapped("res_id")), {too_long.id, taken.id, dup_number_b.id})
        self.assertTrue(all(line.message for line in log.failed_line_ids))
        # the failure is on the record's chatter too
        self.assertIn("Xero sync failed", taken.message_ids[0].body)

        # fixing the bad record and syncing again sends only it
        dup_number_b.ref = "DUP-2"
        seq = self.sandbox.last_seq()
        partners.action_xero_sync()
        writes = self.api_requests(seq, method="PUT", path="/Contacts$")
        self.assertEqual(len(writes), 1)
        self.assertEqual([c["Name"] for c in writes[0]["body"]["Contacts"]],
                         ["Taken Name Ltd", "Number Two Ltd"])
        partners.invalidate_recordset()
        self.assertEqual(dup_number_b.xero_sync_state, "synced")

    def test_duplicate_name_links_to_matching_contact(self):
        seeded = self.sandbox.seed(self.tenant_id, "Contacts", [
            {"Name": "Existing Customer", "EmailAddress": "hello@existing.example", "ContactStatus": "ACTIVE"}])
        existing_id = seeded["Contacts"][0]["ContactID"]
        partner = self.make_partner("Existing Customer", email="HELLO@existing.example", phone="123")
        partner.action_xero_sync()
        partner.invalidate_recordset()
        self.assertEqual(partner.xero_id, existing_id)
        self.assertEqual(partner.xero_sync_state, "synced")
        self.assertEqual(len(self.xero_contacts()), 1)
        self.assertEqual(self._contact(existing_id)["Phones"][0]["PhoneNumber"], "123")
        line = self.env["xero.sync.log"].search([], limit=1).line_ids
        self.assertEqual(line.action, "link")

    def test_batches_of_fifty(self):
        partners = self.env["res.partner"].create([{"name": f"Bulk Contact {i:03d}"} for i in range(120)])
        partners.xero_allow_sync = True
        seq = self.sandbox.last_seq()
        partners.with_context(xero_sync_now=True).action_xero_sync()  # right away, not queued
        writes = self.api_requests(seq, method="PUT", path="/Contacts$")
        self.assertEqual([len(w["body"]["Contacts"]) for w in writes], [50, 50, 20])
        self.assertEqual(len({w["idempotency_key"] for w in writes}), 3)
        self.assertEqual(len(self.xero_contacts()), 120)
        self.assertEqual(set(partners.mapped("xero_sync_state")), {"synced"})

    def test_rate_limit_429_then_success(self):
        partner = self.make_partner("Patient Customer")
        self.sandbox.fault(method="PUT", path="/api.xro/2.0/Contacts", count=1, status=429,
                           headers={"Retry-After": "1", "X-Rate-Limit-Problem": "minute"})
        seq = self.sandbox.last_seq()
        partner.action_xero_sync()
        statuses = [r["status"] for r in self.api_requests(seq, method="PUT")]
        self.assertEqual(statuses, [429, 200])
        self.assertEqual(partner.xero_sync_state, "synced")
        self.assertEqual(len(self.xero_contacts()), 1)

    def test_rate_limit_beyond_budget_is_reported(self):
        partner = self.make_partner("Very Patient Customer")
        self.sandbox.fault(method="PUT", path="/api.xro/2.0/Contacts", count=1, status=429,
                           headers={"Retry-After": "3600", "X-Rate-Limit-Problem": "day"})
        action = partner.action_xero_sync()
        # not a failure of the record: it waits for Xero's budget in a background job
        self.assertEqual(action["params"]["type"], "warning")
        self.assertEqual(partner.xero_sync_state, "pending")
        self.assertIn("day rate limit", partner.xero_last_error)
        self.assertFalse(self.xero_contacts())
        job = self.env["xero.sync.job"].search([("res_model", "=", "res.partner")], limit=1)
        self.assertEqual((job.state, job.wait_problem, job.res_ids), ("waiting", "day", partner.ids))
        self.assertFalse(self.env["xero.push.intent"].search([]), "a refused request leaves nothing in flight")

    def test_dropped_connection_on_put_does_not_duplicate(self):
        partner = self.make_partner("Flaky Network Ltd")
        self.sandbox.fault(method="PUT", path="/api.xro/2.0/Contacts", count=1, drop="after")
        seq = self.sandbox.last_seq()
        partner.action_xero_sync()
        puts = self.api_requests(seq, method="PUT")
        self.assertEqual(len(puts), 2)
        self.assertEqual(puts[0]["idempotency_key"], puts[1]["idempotency_key"])
        self.assertTrue(puts[1]["replayed"])
        contacts = self.xero_contacts()
        self.assertEqual(len(contacts), 1)
        self.assertEqual(partner.xero_id, contacts[0]["ContactID"])

    def test_server_error_is_retried(self):
        partner = self.make_partner("Server Hiccup Ltd")
        self.sandbox.fault(method="PUT", path="/api.xro/2.0/Contacts", count=1, status=503)
        partner.action_xero_sync()
        self.assertEqual(partner.xero_sync_state, "synced")
        self.assertEqual(len(self.xero_contacts()), 1)

    def test_fields_follow_the_current_company(self):
        partner = self.make_partner("Shared Partner")
        partner.action_xero_sync()
        other_company = self.env["res.company"].create({"name": "Other Company"})
        user = new_test_user(self.env, "multi_co", groups="base.group_user,xero_connector.group_xero_user",
                             company_ids=[(6, 0, (self.company | other_company).ids)])
        mine = partner.with_user(user).with_company(self.company)
        other = partner.with_user(user).with_company(other_company)
        self.assertTrue(mine.xero_id)
        self.assertEqual(mine.xero_sync_state, "synced")
        self.assertFalse(other.xero_id)
        self.assertEqual(other.xero_sync_state, "not_synced")
        self.assertFalse(other.xero_allow_sync)
        self.assertIn(partner, self.env["res.partner"].with_company(self.company).search(
            [("xero_sync_state", "=", "synced")]))
        self.assertNotIn(partner, self.env["res.partner"].with_company(other_company).search(
            [("xero_sync_state", "=", "synced")]))
        self.assertIn(partner, self.env["res.partner"].search([("xero_allow_sync", "=", True)]))
        self.assertIn(partner, self.env["res.partner"].search([("xero_id", "=", mine.xero_id)]))

    def test_deleting_a_partner_removes_its_binding(self):
        partner = self.make_partner("Short Lived")
        binding = partner.xero_binding_ids
        self.assertTrue(binding)
        partner.unlink()
        self.assertFalse(binding.exists())


@tagged("post_install", "-at_install")
class TestPartnerTour(ConnectedXeroCase):

    def test_partner_sync_tour(self):
        partner = self.env["res.partner"].create({"name": "Tour Customer Ltd", "is_company": True,
                                                  "email": "tour@customer.example"})
        self.start_tour(f"/odoo/contacts/{partner.id}", "xero_connector_partner_sync", login="admin")
        partner.invalidate_recordset()
        self.assertEqual(partner.xero_sync_state, "synced")
        contacts = self.xero_contacts()
        self.assertEqual([(c["ContactID"], c["Name"]) for c in contacts], [(partner.xero_id, "Tour Customer Ltd")])
