"""Xero -> Odoo for contacts: import modes, matching, archiving, persons, Fetch & Match."""

from odoo.tests import tagged

from ..services.engine import SyncEngine
from .common import ConnectedXeroCase


@tagged("post_install", "-at_install")
class TestContactPull(ConnectedXeroCase):

    def setUp(self):
        super().setUp()
        self.mapping = self.env["xero.mapping"]._for(self.connection, "contact")
        self.Partner = self.env["res.partner"].with_context(active_test=False)

    def seed(self, *contacts):
        return self.sandbox.seed(self.tenant_id, "Contacts", list(contacts))["Contacts"]

    def pull(self, mode=None, **kw):
        if mode:
            self.mapping.import_mode = mode
        return SyncEngine(self.connection, trigger="manual").pull("contact", **kw)

    def partner_of(self, xero_id):
        binding = self.env["xero.binding"].search([("connection_id", "=", self.connection.id),
                                                   ("res_model", "=", "res.partner"), ("xero_id", "=", xero_id)])
        return self.Partner.browse(binding.res_id)

    # ------------------------------------------------------------------ creating
    def test_import_creates_companies_with_persons_and_people(self):
        company, person = self.seed(
            {"Name": "Globex Corporation", "EmailAddress": "ap@globex.example", "ContactNumber": "GLX-1",
             "FirstName": "Nina", "LastName": "Primary",
             "TaxNumber": "GB 123 456 789", "IsSupplier": True,
             "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": "555 0101", "PhoneAreaCode": "020",
                         "PhoneCountryCode": "44"}],
             "Addresses": [{"AddressType": "STREET", "AddressLine1": "1 Globe Rd", "City": "London",
                            "PostalCode": "N1 1AA", "Country": "United Kingdom"}],
             "ContactPersons": [{"FirstName": "Hank", "LastName": "Scorpio", "EmailAddress": "hank@globex.example"}]},
            {"Name": "Marge Simpson", "FirstName": "Marge", "LastName": "Simpson", "IsCustomer": True,
             "EmailAddress": "marge@example.com"})
        log = self.pull("import_update")
        self.assertEqual((log.count_total, log.count_created, log.count_failed), (2, 2, 0))
        globex = self.partner_of(company["ContactID"])
        self.assertTrue(globex.is_company)
        self.assertEqual((globex.email, globex.ref, globex.vat), ("ap@globex.example", "GLX-1", "GB 123 456 789"))
        self.assertEqual(globex.phone, "+44 020 555 0101")
        self.assertEqual((globex.street, globex.city, globex.zip, globex.country_id.code),
                         ("1 Globe Rd", "London", "N1 1AA", "GB"))
        children = globex.child_ids.sorted("id")
        self.assertEqual(children.mapped("name"), ["Nina Primary", "Hank Scorpio"])
        self.assertEqual(children[1].email, "hank@globex.example")
        self.assertTrue(globex.xero_is_supplier)
        self.assertFalse(globex.xero_is_customer)
        self.assertGreater(globex.supplier_rank, 0)
        marge = self.partner_of(person["ContactID"])
        self.assertFalse(marge.is_company)
        self.assertTrue(marge.xero_is_customer and marge.customer_rank)
        self.assertEqual(marge.xero_sync_state, "synced")
        # What came from Xero is not pushed back: its payload is already Xero's.
        seq = self.sandbox.last_seq()
        (globex | marge).action_xero_sync()
        self.assertFalse(self.api_requests(seq, method="POST") + self.api_requests(seq, method="PUT"))

    def test_incremental_second_import_asks_only_for_changes(self):
        [c] = self.seed({"Name": "Incremental Ltd"})
        self.pull()
        self.assertTrue(self.mapping.last_import_date)
        seq = self.sandbox.last_seq()
        log = self.pull()
        [get] = self.api_requests(seq, method="GET", path="/Contacts$")
        self.assertTrue(get["headers"].get("If-Modified-Since"))
        self.assertEqual(log.count_created, 0)
        self.sandbox.advance(5)
        self.connection._client().write("Contacts", [{"ContactID": c["ContactID"], "Name": "Incremental Plc"}],
                                        create=False, idempotency_key="rename-inc")
        log = self.pull()
        self.assertEqual((log.count_total, log.count_updated), (1, 1))
        self.assertEqual(self.partner_of(c["ContactID"]).name, "Incremental Plc")

    # ------------------------------------------------------------------ modes
    def test_import_mode_creates_missing_only(self):
        [linked, new] = self.seed({"Name": "Linked Co", "EmailAddress": "x@linked.example"}, {"Name": "New Co"})
        self.pull("import")
        partner = self.partner_of(linked["ContactID"])
        self.sandbox.advance(5)
        self.connection._client().write("Contacts", [{"ContactID": linked["ContactID"], "Name": "Linked Co 2"}],
                                        create=False, idempotency_key="rename-linked")
        self.connection._client().write("Contacts", [{"Name": "Third Co"}], create=True,
                                        idempotency_key="third-co")
        log = self.pull("import")
        self.assertEqual(partner.name, "Linked Co")  # not updated
        self.assertEqual(log.count_created, 1)
        self.assertTrue(self.Partner.search([("name", "=", "Third Co")]))

    def test_update_mode_touches_linked_records_only(self):
        [a] = self.seed({"Name": "Only Linked", "EmailAddress": "only@linked.example"})
        self.pull("import_update")
        self.sandbox.advance(5)
        self.connection._client().write("Contacts", [{"ContactID": a["ContactID"], "EmailAddress": "new@linked.example"}],
                                        create=False, idempotency_key="mail-linked")
        self.seed({"Name": "Never Imported"})
        self.env["res.partner"].create({"name": "Never Imported"})  # a name match must not link in Update
        log = self.pull("update")
        self.assertEqual(self.partner_of(a["ContactID"]).email, "new@linked.example")
        self.assertEqual(log.count_created, 0)
        self.assertEqual(log.count_linked, 0)
        self.assertEqual(self.Partner.search_count([("name", "=", "Never Imported")]), 1)

    def test_import_update_links_matches_by_each_key(self):
        by_email = self.env["res.partner"].create({"name": "Email Odoo Name", "email": "Match@Example.com"})
        by_number = self.env["res.partner"].create({"name": "Number Odoo Name", "ref": "NUM-7"})
        by_name = self.env["res.partner"].create({"name": "Exact Name Co", "is_company": True})
        by_vat = self.env["res.partner"].create({"name": "Vat Odoo Name", "vat": "BE0477472701"})
        seeded = self.seed({"Name": "Email Xero Name", "EmailAddress": "match@example.com"},
                           {"Name": "Number Xero Name", "ContactNumber": "num-7"},
                           {"Name": "exact name co"},
                           {"Name": "Vat Xero Name", "TaxNumber": "BE 0477.472.701"})
        before = self.Partner.search_count([])
        log = self.pull("import_update")
        self.assertEqual(self.Partner.search_count([]), before)  # nothing created
        self.assertEqual(log.count_linked, 4)
        for partner, data in zip((by_email, by_number, by_name, by_vat), seeded):
            self.assertEqual(partner.xero_id, data["ContactID"])
        self.assertEqual(by_email.name, "Email Xero Name")  # Import & Update: Xero's values came over

    def test_ambiguous_match_is_reported_not_guessed(self):
        self.env["res.partner"].create([{"name": "Twin A", "email": "twin@example.com"},
                                        {"name": "Twin B", "email": "twin@example.com"}])
        [c] = self.seed({"Name": "Twin", "EmailAddress": "twin@example.com"})
        before = self.Partner.search_count([])
        log = self.pull("import_update")
        self.assertEqual(self.Partner.search_count([]), before)
        self.assertEqual(log.count_ambiguous, 1)
        self.assertEqual(log.state, "partial")
        line = log.line_ids.filtered(lambda l: l.action == "ambiguous")
        self.assertIn("2 Odoo records have the same e-mail", line.message)
        self.assertIn("Twin A", line.message)
        self.assertFalse(self.partner_of(c["ContactID"]))

    def test_strong_key_disagreement_vetoes_a_name_match(self):
        odoo = self.env["res.partner"].create({"name": "Same Name", "email": "one@example.com"})
        self.seed({"Name": "Same Name", "EmailAddress": "two@example.com"})
        self.pull("import_update")
        self.assertFalse(odoo.xero_id)
        self.assertEqual(self.Partner.search_count([("name", "=", "Same Name")]), 2)

    # ------------------------------------------------------------------ archive
    def test_archived_in_xero_archives_or_flags(self):
        [c] = self.seed({"Name": "Soon Archived", "EmailAddress": "arch@example.com"})
        self.pull()
        partner = self.partner_of(c["ContactID"])
        self.sandbox.advance(5)
        self.connection._client().write("Contacts", [{"ContactID": c["ContactID"], "ContactStatus": "ARCHIVED"}],
                                        create=False, idempotency_key="archive-it")
        self.mapping.archived_action = "flag"
        self.pull()
        self.assertTrue(partner.active)
        self.assertTrue(partner.xero_archived)
        self.mapping.archived_action = "archive"
        self.pull(full=True)
        self.assertFalse(partner.active)
        self.sandbox.advance(5)
        self.connection._client().write("Contacts", [{"ContactID": c["ContactID"], "ContactStatus": "ACTIVE"}],
                                        create=False, idempotency_key="restore-it")
        self.pull()
        self.assertTrue(partner.active)
        self.assertFalse(partner.xero_archived)

    def test_archived_xero_contacts_are_not_imported(self):
        self.seed({"Name": "Old Archive", "ContactStatus": "ARCHIVED"})
        log = self.pull()
        self.assertFalse(self.Partner.search([("name", "=", "Old Archive")]))
        self.assertEqual(log.count_skipped, 1)

    def test_bad_record_fails_alone(self):
        self.seed({"Name": "Good One"}, {"Name": "Bad Country", "Addresses": [
            {"AddressType": "STREET", "AddressLine1": "x", "Country": "Atlantis"}]}, {"Name": "Good Two"})
        # 'Atlantis' is no country: the partner is still created, without a country
        log = self.pull()
        self.assertEqual(log.count_created, 3)
        bad = self.Partner.search([("name", "=", "Bad Country")])
        self.assertFalse(bad.country_id)

    # ------------------------------------------------------------------ Fetch & Match
    def test_fetch_and_match_links_and_creates_nothing(self):
        both = self.env["res.partner"].create({"name": "On Both Sides", "email": "both@example.com",
                                               "is_company": True})
        both.xero_allow_sync = True
        odoo_only = self.env["res.partner"].create({"name": "Only In Odoo", "is_company": True})
        odoo_only.xero_allow_sync = True
        self.env["res.partner"].create([{"name": "Dup", "ref": "D-1"}, {"name": "Dup 2", "ref": "D-1"}])
        seeded = self.seed({"Name": "On Both Sides Inc", "EmailAddress": "BOTH@example.com"},
                           {"Name": "Only In Xero"}, {"Name": "Dup X", "ContactNumber": "D-1"})
        partners_before = self.Partner.search_count([])
        xero_before = self.sandbox.records(self.tenant_id, "Contacts")
        seq = self.sandbox.last_seq()
        log = SyncEngine(self.connection, trigger="manual").fetch_and_match("contact")
        self.assertEqual(self.Partner.search_count([]), partners_before)
        self.assertEqual(self.sandbox.records(self.tenant_id, "Contacts"), xero_before)
        self.assertEqual({r["method"] for r in self.api_requests(seq)}, {"GET"})
        self.assertEqual((log.count_linked, log.count_ambiguous, log.count_would_create_odoo,
                          log.count_would_create_xero), (1, 1, 1, 1))
        self.assertEqual(both.xero_id, seeded[0]["ContactID"])
        self.assertEqual(both.name, "On Both Sides")  # nothing changed
        self.assertIn("Fetch & Match: 1 linked", log.message)
        would = log.line_ids.filtered(lambda l: l.action == "would_create")
        self.assertEqual(sorted(would.mapped("record_name")), ["Only In Odoo", "Only In Xero"])
        # the connection-level button runs it for every entity
        action = self.connection.action_fetch_match()
        self.assertEqual(sorted(self.env["xero.sync.log"].search(action["domain"]).mapped("entity")),
                         ["contact", "contact_group", "credit_note", "invoice", "product"])
