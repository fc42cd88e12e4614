"""Manual journals (Odoo journal entries <-> Xero ManualJournals) and contact groups (partner tags <->
Xero ContactGroups), both ways, through Odoo, PostgreSQL and the sandbox over HTTP."""

from odoo.tests import tagged

from ..services import xero_client as xc
from ..services.engine import SyncEngine
from .accounting_common import AccountingXeroCase


class _XeroWrites:
    def xero_write(self, resource, records, create=True):
        self._keys = getattr(self, "_keys", 0) + 1
        results = self.connection._client().write(resource, records, create=create,
                                                  idempotency_key=f"{self._testMethodName}-{self._keys}")
        for result in results:  # what the test sets up in Xero must be accepted
            self.assertFalse(result.get("ValidationErrors"), result.get("ValidationErrors"))
        return results

    def linked(self, model, xero_id):
        binding = self.env["xero.binding"].search([("connection_id", "=", self.connection.id),
                                                   ("res_model", "=", model), ("xero_id", "=", xero_id)])
        return self.env[model].browse(binding.res_id)


@tagged("post_install", "-at_install")
class TestManualJournals(_XeroWrites, AccountingXeroCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        Journal = cls.env["account.journal"]
        cls.misc = Journal.search([*Journal._check_company_domain(company), ("type", "=", "general"),
                                   ("id", "!=", company.currency_exchange_journal_id.id)], limit=1)
        Account = cls.env["account.account"].with_company(company)
        cls.unmapped_account = Account.search([*Account._check_company_domain(company),
                                               ("account_type", "=", "asset_current")], limit=1)
        cls.rule = cls.env["xero.mapping"]._for(cls.connection, "manual_journal")

    def setUp(self):
        super().setUp()
        self.sandbox.wipe(self.tenant_id, "ManualJournals")

    def entry(self, ref, lines, post=True, **context):
        """``lines``: (account, debit, credit, label)."""
        move = self.env["account.move"].with_context(**context).create({
            "move_type": "entry", "journal_id": self.misc.id, "date": "2026-11-10", "ref": ref,
            "line_ids": [(0, 0, {"account_id": account.id, "debit": debit, "credit": credit, "name": label})
                         for account, debit, credit, label in lines]})
        if post:
            move.action_post()
        move.xero_allow_sync = True
        return move

    def accrual(self, ref="Accrual Nov", amount=120.0, **kw):
        return self.entry(ref, [(self.expense_account, amount, 0.0, "Consulting accrued"),
                                (self.income_account, 0.0, amount, "Recharge")], **kw)

    def journals(self):
        return self.sandbox.records(self.tenant_id, "ManualJournals")

    def test_posted_entry_goes_as_a_manual_journal_then_is_voided(self):
        move = self.accrual()
        self.assertTrue(move.xero_syncable)
        self.assertIn(move, self.rule._selected_records())  # a miscellaneous journal's posted entry
        move.action_xero_sync()
        [journal] = self.journals()
        self.assertEqual((journal["Narration"], journal["Status"], journal["LineAmountTypes"]),
                         ("Accrual Nov", "POSTED", "NoTax"))
        self.assertEqual([(ln["AccountCode"], ln["LineAmount"], ln["Description"]) for ln in journal["JournalLines"]],
                         [("300", 120, "Consulting accrued"), ("200", -120, "Recharge")])
        self.assertEqual(xc.from_xero_date(journal["Date"]).isoformat(), "2026-11-10")
        self.assertEqual((move.xero_id, move.xero_sync_state), (journal["ManualJournalID"], "synced"))
        self.assertIn("/Journal/View.aspx", move.xero_url)
        # unchanged: nothing is sent; cancelled: voided in Xero
        since = self.sandbox.last_seq()
        move.action_xero_sync()
        self.assertFalse(self.api_requests(since, path="ManualJournals"))
        move.button_draft()
        move.button_cancel()
        move.action_xero_sync()
        self.assertEqual(self.journals()[0]["Status"], "VOIDED")
        self.assertEqual(move.xero_status, "VOIDED")

    def test_draft_goes_as_draft_and_an_edit_after_posting_updates_it(self):
        move = self.accrual(post=False)
        move.action_xero_sync()
        self.assertEqual(self.journals()[0]["Status"], "DRAFT")
        move.line_ids.filtered("debit").with_context(check_move_validity=False).debit = 150.0
        move.line_ids.filtered("credit").credit = 150.0
        move.action_post()
        move.action_xero_sync()
        [journal] = self.journals()
        self.assertEqual(journal["Status"], "POSTED")
        self.assertEqual([ln["LineAmount"] for ln in journal["JournalLines"]], [150, -150])

    def test_generated_entries_are_not_manual_journals(self):
        self.map_bank_journal()
        invoice = self.invoice([{"price_unit": 100.0}])
        payment = self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids).create({"journal_id": self.bank.id})._create_payments()
        move = self.accrual()
        self.rule.select_mode = "all"
        entries = self.rule._selected_records()
        self.assertIn(move, entries)
        self.assertNotIn(payment.move_id, entries)
        self.assertNotIn(invoice, entries)
        self.assertFalse(payment.move_id.xero_syncable)
        # another journal chosen on the sync rule: only its entries, still none generated by a payment
        self.rule.journal_ids = self.bank
        entries = self.rule._selected_records()
        self.assertNotIn(move, entries)
        self.assertNotIn(payment.move_id, entries)
        # "Tick 'Allow Xero Sync' on new records" of this rule ticks new entries, not invoices
        self.rule.default_allow_sync = True
        new = self.env["account.move"].create({"move_type": "entry", "journal_id": self.misc.id, "ref": "New"})
        self.assertTrue(new.xero_allow_sync)
        bill = self.env["account.move"].create({"move_type": "in_invoice", "partner_id": self.vendor.id})
        self.assertFalse(bill.xero_allow_sync)  # the invoices' rule says nothing

    def test_bad_entries_fail_alone(self):
        good = self.accrual("Good one")
        unmapped = self.entry("Unmapped", [(self.unmapped_account, 80.0, 0.0, "Prepaid"),
                                           (self.income_account, 0.0, 80.0, "Recharge")])
        # Odoo keeps a draft out of balance only when told not to check; Xero refuses it in its words
        unbalanced = self.entry("Out of balance", [(self.expense_account, 100.0, 0.0, "a"),
                                                   (self.income_account, 0.0, 90.0, "b")],
                                post=False, check_move_validity=False)
        log = SyncEngine(self.connection).push("manual_journal", good | unmapped | unbalanced)
        self.assertEqual((log.count_created, log.count_failed), (1, 2), log.line_ids.mapped("message"))
        self.assertEqual([j["Narration"] for j in self.journals()], ["Good one"])
        self.assertIn("is not mapped to a Xero account", unmapped.xero_last_error)
        self.assertIn(self.unmapped_account.display_name, unmapped.xero_last_error)
        self.assertEqual(unbalanced.xero_last_error, "The total debits (100.00) must equal total credits (-90.00)")
        self.assertEqual((good.xero_sync_state, unbalanced.xero_sync_state), ("synced", "error"))

    def test_taxed_entry_lets_xero_compute_the_tax(self):
        move = self.env["account.move"].create({
            "move_type": "entry", "journal_id": self.misc.id, "date": "2026-11-10", "ref": "Taxed",
            "line_ids": [(0, 0, {"account_id": self.income_account.id, "credit": 100.0, "name": "Sale",
                                 "tax_ids": [(6, 0, self.sale_tax.ids)]}),
                         (0, 0, {"account_id": self.expense_account.id, "debit": 115.0, "name": "Counterpart"})]})
        move.action_post()
        self.assertEqual(len(move.line_ids), 3)  # Odoo's own tax line
        log = SyncEngine(self.connection).push("manual_journal", move)
        self.assertEqual(log.count_failed, 0, log.line_ids.mapped("message"))
        [journal] = self.journals()
        self.assertEqual(journal["LineAmountTypes"], "Exclusive")
        self.assertEqual(sorted((ln["LineAmount"], ln["TaxType"], ln["TaxAmount"]) for ln in journal["JournalLines"]),
                         [(-100, "OUTPUT", -15), (115, "NONE", 0)])

    def test_manual_journals_from_xero(self):
        [posted, draft, unmapped] = self.xero_write("ManualJournals", [
            {"Narration": "Depreciation Nov", "Date": xc.xero_date("2026-11-30"), "Status": "POSTED",
             "JournalLines": [{"LineAmount": 75.5, "AccountCode": "300", "Description": "Dep"},
                              {"LineAmount": -75.5, "AccountCode": "200", "Description": "Acc dep"}]},
            {"Narration": "Draft reclass", "Date": xc.xero_date("2026-11-29"),
             "JournalLines": [{"LineAmount": 10, "AccountCode": "300"}, {"LineAmount": -10, "AccountCode": "200"}]},
            {"Narration": "Unmapped", "Status": "POSTED", "Date": xc.xero_date("2026-11-28"),
             "JournalLines": [{"LineAmount": 10, "AccountCode": "429"}, {"LineAmount": -10, "AccountCode": "200"}]},
        ])
        log = SyncEngine(self.connection).pull("manual_journal")
        self.assertEqual((log.count_created, log.count_failed), (2, 1), log.line_ids.mapped("message"))
        move = self.linked("account.move", posted["ManualJournalID"])
        self.assertEqual((move.move_type, move.state, move.ref, move.journal_id), ("entry", "posted",
                                                                                  "Depreciation Nov", self.misc))
        self.assertEqual(move.date.isoformat(), "2026-11-30")
        self.assertEqual(sorted((l.account_id, l.debit, l.credit) for l in move.line_ids),
                         sorted([(self.expense_account, 75.5, 0.0), (self.income_account, 0.0, 75.5)]))
        self.assertEqual(self.linked("account.move", draft["ManualJournalID"]).state, "draft")
        self.assertIn("429", log.failed_line_ids.message)
        self.assertIn("not mapped to an Odoo account", log.failed_line_ids.message)
        # nothing echoes back
        since = self.sandbox.last_seq()
        SyncEngine(self.connection).push("manual_journal", move)
        self.assertFalse(self.api_requests(since, path="ManualJournals"))
        # edited, then voided in Xero: Odoo follows
        self.sandbox.advance(2)
        self.xero_write("ManualJournals", [{
            "ManualJournalID": posted["ManualJournalID"], "Narration": "Depreciation Nov (fixed)",
            "JournalLines": [{"LineAmount": 80, "AccountCode": "300"}, {"LineAmount": -80, "AccountCode": "200"}]}],
            create=False)
        log = SyncEngine(self.connection).pull("manual_journal")
        self.assertEqual(log.count_updated, 1, log.line_ids.mapped("message"))
        self.assertEqual((move.ref, move.state), ("Depreciation Nov (fixed)", "posted"))
        self.assertEqual(sorted(move.line_ids.mapped("debit")), [0.0, 80.0])
        self.sandbox.advance(2)
        self.xero_write("ManualJournals", [{"ManualJournalID": posted["ManualJournalID"], "Narration": "x",
                                            "Status": "VOIDED"}], create=False)
        SyncEngine(self.connection).pull("manual_journal")
        self.assertEqual(move.state, "cancel")

    def test_taxed_journal_from_xero(self):
        [taxed, inclusive] = self.xero_write("ManualJournals", [
            {"Narration": "Taxed sale", "Date": xc.xero_date("2026-11-20"), "Status": "POSTED",
             "LineAmountTypes": "Exclusive",
             "JournalLines": [{"LineAmount": -100, "AccountCode": "200", "TaxType": "OUTPUT", "Description": "Sale"},
                              {"LineAmount": 115, "AccountCode": "300", "TaxType": "NONE", "Description": "Other"}]},
            {"Narration": "Inclusive", "Date": xc.xero_date("2026-11-20"), "LineAmountTypes": "Inclusive",
             "JournalLines": [{"LineAmount": -115, "AccountCode": "200", "TaxType": "OUTPUT"},
                              {"LineAmount": 115, "AccountCode": "300", "TaxType": "NONE"}]},
        ])
        log = SyncEngine(self.connection).pull("manual_journal")
        self.assertEqual((log.count_created, log.count_failed), (1, 1), log.line_ids.mapped("message"))
        move = self.linked("account.move", taxed["ManualJournalID"])
        self.assertEqual(move.state, "posted")
        sale = move.line_ids.filtered(lambda l: l.name == "Sale")
        self.assertEqual((sale.tax_ids, sale.balance), (self.sale_tax, -100.0))
        self.assertEqual(sum(move.line_ids.filtered("tax_line_id").mapped("balance")), -15.0)
        self.assertIn("tax-inclusive", log.failed_line_ids.message)


@tagged("post_install", "-at_install")
class TestContactGroups(_XeroWrites, AccountingXeroCase):

    def setUp(self):
        super().setUp()
        self.sandbox.wipe(self.tenant_id, "ContactGroups")
        self.Tag = self.env["res.partner.category"]

    def groups(self):
        return {g["Name"]: g for g in self.sandbox.records(self.tenant_id, "ContactGroups")
                if g.get("Status") == "ACTIVE"}

    def members(self, name):
        return sorted(c["Name"] for c in self.sandbox.records(self.tenant_id, "Contacts")
                      if c["ContactID"] in self.groups()[name].get("ContactIDs", []))

    def test_groups_from_xero_become_tags(self):
        vip = self.Tag.create({"name": "vip"})
        self.sandbox.seed(self.tenant_id, "ContactGroups", [{"Name": "VIP"}, {"Name": "Wholesale"}])
        log = SyncEngine(self.connection).pull("contact_group")
        self.assertEqual((log.count_created, log.count_linked, log.count_failed), (1, 1, 0),
                         log.line_ids.mapped("message"))
        self.assertEqual(vip.xero_id, self.groups()["VIP"]["ContactGroupID"])
        wholesale = self.linked("res.partner.category", self.groups()["Wholesale"]["ContactGroupID"])
        self.assertEqual(wholesale.name, "Wholesale")
        # deleted in Xero: the tag is archived
        self.xero_write_group_status(self.groups()["Wholesale"]["ContactGroupID"], "Wholesale", "DELETED")
        SyncEngine(self.connection).pull("contact_group")
        self.assertFalse(wholesale.active)

    def xero_write_group_status(self, group_id, name, status):
        self.connection._client().write_contact_group({"ContactGroupID": group_id, "Name": name, "Status": status},
                                                      idempotency_key=f"{self._testMethodName}-{group_id}")

    def test_tags_of_pushed_partners_are_their_groups(self):
        self.sandbox.seed(self.tenant_id, "ContactGroups", [{"Name": "VIP"}])
        SyncEngine(self.connection).pull("contact_group")
        vip = self.Tag.search([("name", "=", "VIP")])
        gold = self.Tag.create({"name": "Gold"})
        gold.xero_allow_sync = True  # a new tag flagged for sync: created as a group
        plain = self.Tag.create({"name": "Not for Xero"})
        ann = self.make_partner("Ann Member", category_id=[(6, 0, (vip | gold | plain).ids)])
        bob = self.make_partner("Bob Member", category_id=[(6, 0, vip.ids)])
        (ann | bob).action_xero_sync()
        self.assertEqual(set(self.groups()), {"VIP", "Gold"})
        self.assertEqual(self.members("VIP"), ["Ann Member", "Bob Member"])
        self.assertEqual(self.members("Gold"), ["Ann Member"])
        self.assertEqual(gold.xero_sync_state, "synced")
        # a tag removed from one partner: one call, for that partner and group only
        since = self.sandbox.last_seq()
        ann.category_id = [(3, vip.id)]
        ann.action_xero_sync()
        calls = self.api_requests(since)
        self.assertEqual([(r["method"], r["path"].split("/api.xro/2.0/")[1].split("/")[0]) for r in calls],
                         [("DELETE", "ContactGroups")], calls)
        self.assertEqual(self.members("VIP"), ["Bob Member"])
        # nothing changed: nothing sent
        since = self.sandbox.last_seq()
        (ann | bob).action_xero_sync()
        self.assertFalse(self.api_requests(since))
        # an archived tag deletes its group
        gold.active = False
        SyncEngine(self.connection).push("contact_group", gold)
        self.assertNotIn("Gold", self.groups())

    def test_a_group_gone_in_xero_is_a_warning_on_the_contact(self):
        self.sandbox.seed(self.tenant_id, "ContactGroups", [{"Name": "Gone Soon"}])
        SyncEngine(self.connection).pull("contact_group")
        tag = self.Tag.search([("name", "=", "Gone Soon")])
        self.xero_write_group_status(tag.xero_id, "Gone Soon", "DELETED")  # behind Odoo's back
        partner = self.make_partner("Carl Member", category_id=[(6, 0, tag.ids)])
        log = SyncEngine(self.connection).push("contact", partner)
        self.assertEqual((log.count_created, log.count_failed), (1, 0))
        warning = log.line_ids.filtered(lambda l: l.action == "warning")
        self.assertIn("Contact group 'Gone Soon' not updated in Xero", warning.message)
        self.assertEqual(partner.xero_sync_state, "synced")  # the contact itself is in Xero

    # -- membership back from Xero ------------------------------------------------------
    def xero_membership(self, group_id, add=(), remove=()):
        """Change a group's members in Xero, as its user would."""
        client = self.connection._client()
        if add:
            self._keys = getattr(self, "_keys", 0) + 1
            client.add_group_contacts(group_id, list(add), idempotency_key=f"{self._testMethodName}-m{self._keys}")
        for contact_id in remove:
            client.remove_group_contact(group_id, contact_id)

    def pushed_members(self, **tags_by_name):
        """Partners with these tags, pushed (their groups' members in Xero)."""
        partners = self.env["res.partner"]
        for name, tags in tags_by_name.items():
            partners |= self.make_partner(name, category_id=[(6, 0, tags.ids)])
        partners.action_xero_sync()
        return partners

    def test_members_changed_in_xero_come_back_as_tags(self):
        self.sandbox.seed(self.tenant_id, "ContactGroups", [{"Name": "VIP"}, {"Name": "Wholesale"}])
        SyncEngine(self.connection).pull("contact_group")
        vip = self.Tag.search([("name", "=", "VIP")])
        ann, bob, carl = self.pushed_members(Ann=vip, Bob=self.Tag, Carl=vip)
        self.assertEqual(self.members("VIP"), ["Ann", "Carl"])
        [dora] = self.xero_write("Contacts", [{"Name": "Dora Only In Xero"}])
        # in Xero: Bob and Dora join VIP, Carl leaves it
        self.xero_membership(vip.xero_id, add=[bob.xero_id, dora["ContactID"]], remove=[carl.xero_id])
        since = self.sandbox.last_seq()
        log = SyncEngine(self.connection).pull("contact_group")
        calls = self.api_requests(since)
        # the list, then one read per linked group (2), never one per contact
        self.assertEqual([(r["method"], r["path"].split("/api.xro/2.0/")[1].count("/")) for r in calls],
                         [("GET", 0), ("GET", 1), ("GET", 1)], calls)
        self.assertEqual(log.api_calls, 3)
        self.assertEqual((ann.category_id, bob.category_id, carl.category_id), (vip, vip, self.Tag))
        messages = {line.record_name: line.message for line in log.line_ids}
        self.assertEqual(messages["Bob"], "Added to tag 'VIP' (joined the Xero contact group in Xero).")
        self.assertEqual(messages["Carl"], "Removed from tag 'VIP' (left the Xero contact group in Xero).")
        self.assertIn("1 member(s) of the Xero contact group are not linked", messages["VIP"])
        self.assertNotIn("Ann", messages)
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Dora Only In Xero")]))
        self.assertEqual((bob | carl).mapped("xero_sync_state"), ["synced", "synced"])
        # no echo: the next push sends nothing
        since = self.sandbox.last_seq()
        (ann | bob | carl).action_xero_sync()
        self.assertFalse([r for r in self.api_requests(since) if r["method"] != "GET"])
        self.assertEqual(self.members("VIP"), ["Ann", "Bob", "Dora Only In Xero"])
        # read again with nothing changed: nothing changes
        log = SyncEngine(self.connection).pull("contact_group")
        self.assertFalse(log.line_ids.filtered(lambda l: l.action == "update"), log.line_ids.mapped("message"))

    def test_an_odoo_side_change_wins_and_plain_import_reads_no_members(self):
        self.sandbox.seed(self.tenant_id, "ContactGroups", [{"Name": "VIP"}])
        SyncEngine(self.connection).pull("contact_group")
        vip = self.Tag.search([("name", "=", "VIP")])
        other = self.Tag.create({"name": "Local only"})
        ann, bob = self.pushed_members(Ann=vip, Bob=self.Tag)
        # both sides change: Bob joins VIP in Xero while his tags change in Odoo (not pushed yet)
        self.xero_membership(vip.xero_id, add=[bob.xero_id])
        bob.category_id = [(4, other.id)]
        log = SyncEngine(self.connection).pull("contact_group")
        self.assertEqual(bob.category_id, other)
        line = log.line_ids.filtered(lambda l: l.record_name == "Bob")
        self.assertEqual(line.state, "warning")
        self.assertIn("Tag 'VIP' kept as in Odoo: the contact joined the Xero contact group in Xero, but its tags "
                      "were changed in Odoo", line.message)
        bob.action_xero_sync()  # Odoo's side goes to Xero
        self.assertEqual(self.members("VIP"), ["Ann"])
        # plain Import: tags are created, members are not read
        self.env["xero.mapping"]._for(self.connection, "contact_group").import_mode = "import"
        self.xero_membership(vip.xero_id, remove=[ann.xero_id])
        since = self.sandbox.last_seq()
        SyncEngine(self.connection).pull("contact_group")
        self.assertEqual(len(self.api_requests(since)), 1)
        self.assertEqual(ann.category_id, vip)

    def test_a_whole_import_tags_contacts_new_from_xero(self):
        self.sandbox.seed(self.tenant_id, "ContactGroups", [{"Name": "VIP"}])
        [eve] = self.xero_write("Contacts", [{"Name": "Eve From Xero"}])
        group_id = self.groups()["VIP"]["ContactGroupID"]
        self.xero_membership(group_id, add=[eve["ContactID"]])
        Mapping = self.env["xero.mapping"]
        job = self.env["xero.sync.job"]._queue({
            "connection_id": self.connection.id, "direction": "import", "trigger": "manual",
            "mapping_ids": [(6, 0, (Mapping._for(self.connection, "contact_group")
                                    | Mapping._for(self.connection, "contact")).ids)]})
        self.assertEqual(job._steps(), [("contact", "import"), ("contact_group", "import")])
        self.env["xero.sync.job"]._cron_run_queued()
        self.assertEqual(job.state, "done", job.message)
        partner = self.linked("res.partner", eve["ContactID"])
        self.assertEqual(partner.category_id.name, "VIP")  # groups are read after contacts: Eve is linked by then
        # Fetch & Match reads the members too
        self.xero_membership(group_id, remove=[eve["ContactID"]])
        log = SyncEngine(self.connection).fetch_and_match("contact_group")
        self.assertFalse(partner.category_id)
        self.assertIn("Removed from tag 'VIP'", log.line_ids.filtered(lambda l: l.res_model == "res.partner").message)
