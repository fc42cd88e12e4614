"""Xero › Overview (figures per connection and entity, failures by cause, next run, Sync now) and the
per-record history and preview on the records' Xero tab."""

import logging
import time

from odoo.tests import tagged

from .accounting_common import AccountingXeroCase
from .common import ConnectedXeroCase

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestSyncOverview(ConnectedXeroCase):

    def setUp(self):
        super().setUp()
        self.Overview = self.env["xero.sync.overview"]
        self.env["xero.mapping"]._ensure_all(self.connection)

    def row(self, entity):
        self.env.flush_all()
        self.Overview.invalidate_model()
        return self.Overview.search([("connection_id", "=", self.connection.id), ("entity", "=", entity)])

    def product(self, name, code=None, tick=True):
        product = self.env["product.product"].create({"name": name, "default_code": code})
        product.xero_allow_sync = tick
        return product

    def figures(self, row):
        return {name: row[name] for name in ("count_synced", "count_waiting", "count_failed", "count_locked",
                                             "count_never", "count_total")}

    def open_ids(self, action):
        return self.env[action["res_model"]].with_context(active_test=False).search(action["domain"]).ids

    # ------------------------------------------------------------------ figures
    def test_figures_count_bindings_by_state(self):
        synced = [self.product(f"Synced {i}", f"SYN-{i}") for i in range(3)]
        failing = [self.product(f"No Code {i}") for i in range(4)]
        self.product("Long Code", "X" * 31)
        never = self.product("Never Sent", "NEVER-1")
        self.env["product.product"].browse([p.id for p in synced + failing]).action_xero_sync()
        (self.env["product.product"].browse([p.id for p in synced]) | self.env["product.product"].search(
            [("default_code", "=", "X" * 31)])).action_xero_sync()
        changed, locked = synced[0], synced[1]
        changed.lst_price = 99.0  # waiting: changed since its push
        locked_binding = locked.xero_binding_ids
        locked_binding.xero_locked = "Paid in Xero."

        row = self.row("product")
        self.assertEqual(self.figures(row), {
            "count_synced": 1, "count_waiting": 1, "count_failed": 5, "count_locked": 1,
            # ticked (the default sync rule) and not in Xero: the 5 failures and the one never sent
            "count_never": 6, "count_total": 9})
        self.assertEqual(self.open_ids(row.action_open_synced()), synced[2].xero_binding_ids.ids)
        self.assertEqual(self.open_ids(row.action_open_waiting()), changed.xero_binding_ids.ids)
        self.assertEqual(self.open_ids(row.action_open_locked()), locked_binding.ids)
        self.assertEqual(len(self.open_ids(row.action_open_failed())), 5)
        never_ids = self.open_ids(row.action_open_never())
        self.assertIn(never.id, never_ids)
        self.assertNotIn(synced[2].id, never_ids)
        self.assertEqual(len(never_ids), 6)
        # other entities are not counted with products
        self.assertEqual(self.row("contact").count_total, 0)

    def test_failures_grouped_by_cause(self):
        failing = self.env["product.product"]
        for i in range(3):
            failing |= self.product(f"Nameless code {i}")
        too_long = self.product("Too long", "Y" * 31)
        (failing | too_long).action_xero_sync()
        row = self.row("product")
        causes = {f.cause: f.count for f in row.failure_ids}
        self.assertEqual(causes, {
            "Product '…' has no Internal Reference; Xero needs an item code.": 3,
            next(c for c in causes if "longer than Xero's 30 characters" in c): 1})
        top = row.failure_ids.sorted(lambda f: -f.count)[0]
        self.assertEqual(top.display_name,
                         "3 products: Product '…' has no Internal Reference; Xero needs an item code.")
        self.assertTrue(row.top_failures.startswith("3 products: Product '…' has no Internal Reference"))
        # the fix, one click away: the failing products themselves
        action = row.action_open_top_failure()
        self.assertEqual(action["res_model"], "product.product")
        self.assertEqual(sorted(self.open_ids(action)), sorted(failing.ids))
        fixed = failing[0]
        fixed.default_code = "FIXED-0"
        fixed.action_xero_sync()
        self.assertEqual(self.row("product").failure_ids.filtered(lambda f: "has no Internal" in f.cause).count, 2)

    def test_last_and_next_run(self):
        self.assertFalse(self.row("contact").last_log_id)
        partner = self.make_partner("Overview Run Co", is_company=True)
        partner.action_xero_sync()
        log = self.env["xero.sync.log"].search([("entity", "=", "contact")], limit=1)
        # a preview is not the last run
        partner.action_xero_preview()
        row = self.row("contact")
        self.assertEqual((row.last_log_id, row.last_state), (log, "done"))
        self.assertFalse(row.next_run)
        contacts = self.env["xero.mapping"]._for(self.connection, "contact")
        schedule = self.env["xero.sync.schedule"].create({
            "connection_id": self.connection.id, "mapping_ids": [(6, 0, contacts.ids)],
            "mode": "times", "times": "03:00, 15:00"})
        expected = min(schedule.cron_ids.mapped("nextcall"))
        self.assertEqual(self.row("contact").next_run, expected)
        self.assertFalse(self.row("product").next_run)
        schedule.active = False
        self.assertFalse(self.row("contact").next_run)
        # the connection's state and budget come along
        self.assertEqual(row.connection_state, "connected")
        self.assertEqual(row.token_expires_at, self.connection.token_expires_at)
        self.assertEqual(row.api_day_left, self.connection.api_day_left)

    def test_sync_now_queues_a_job_for_the_entity(self):
        row = self.row("product")
        row.action_sync_now()
        job = self.env["xero.sync.job"].search([], limit=1)
        self.assertEqual((job.mapping_ids, job.direction, job.state), (row.mapping_id, "both", "queued"))
        row.action_push_now()
        self.assertEqual(self.env["xero.sync.job"].search([], limit=1).direction, "export")

    def test_overview_is_the_apps_first_screen(self):
        root = self.env.ref("xero_connector.menu_xero_root")
        self.assertEqual(root.action, self.env.ref("xero_connector.action_xero_sync_overview_open"))
        self.env["xero.mapping"].search([("connection_id", "=", self.connection.id)]).unlink()
        action = self.Overview.action_open_overview()
        self.assertEqual(action["res_model"], "xero.sync.overview")
        self.connection.invalidate_recordset()
        self.assertEqual(len(self.Overview.search([("connection_id", "=", self.connection.id)])),
                         len(self.connection.mapping_ids))
        self.assertEqual(len(self.connection.mapping_ids), 11)

    def test_many_bindings_in_few_queries(self):
        """100,000 links: the figures are SQL aggregates, read in a handful of queries."""
        self.env.flush_all()
        self.env.cr.execute("""
            INSERT INTO xero_binding (connection_id, company_id, res_model, res_id, state, xero_id, last_error,
                                      need_sync, allow_sync, push_count, create_uid, write_uid, create_date,
                                      write_date)
            SELECT %s, %s, 'res.partner', 1000000 + i, (ARRAY['synced', 'error', 'pending'])[i %% 3 + 1],
                   'bulk-' || i, CASE WHEN i %% 3 = 1 THEN format('Contact %%L refused.', 'Bulk ' || i) END,
                   FALSE, TRUE, 0, 1, 1, now(), now()
              FROM generate_series(0, 99999) AS i
        """, [self.connection.id, self.connection.company_id.id])
        self.env.invalidate_all()
        started = time.monotonic()
        # a few queries per entity (11 of them: what the sync rules send, per model), none per link
        with self.assertQueryCount(__system__=40):
            rows = self.Overview.search([("connection_id", "=", self.connection.id)])
            rows.read(["count_synced", "count_waiting", "count_failed", "count_locked", "count_never",
                       "last_state", "next_run", "top_failures", "api_day_left", "token_expires_at"])
        _logger.info("Overview of 100,000 links read in %.2f s", time.monotonic() - started)
        contact = rows.filtered(lambda r: r.entity == "contact")
        self.assertEqual((contact.count_synced, contact.count_failed, contact.count_waiting),
                         (33334, 33333, 33333))
        self.assertEqual(contact.failure_ids.mapped("count"), [33333])
        self.assertEqual(contact.failure_ids.cause, "Contact '…' refused.")
        self.assertEqual(self.env["xero.binding"].search_count(contact.action_open_failed()["domain"]), 33333)


@tagged("post_install", "-at_install")
class TestOverviewDocuments(AccountingXeroCase):

    def overview(self, entity):
        self.env["xero.mapping"]._ensure_all(self.connection)
        self.env.flush_all()
        self.env["xero.sync.overview"].invalidate_model()
        return self.env["xero.sync.overview"].search([("connection_id", "=", self.connection.id),
                                                      ("entity", "=", entity)])

    def test_entities_of_shared_models(self):
        """Invoices and credit notes are both account.move; each counts under its own entity."""
        Binding = self.env["xero.binding"]
        moves = self.invoice([{"price_unit": 10.0}], post=False) | self.invoice([{"price_unit": 20.0}], post=False) \
            | self.invoice([{"price_unit": 5.0}], move_type="out_refund", post=False)
        Binding.search([("res_model", "=", "account.move")]).unlink()
        Binding.create([{"connection_id": self.connection.id, "res_model": "account.move", "res_id": m.id,
                         "state": "error", "last_error": f"Refused by Xero: '{m.id}'"} for m in moves])
        self.assertEqual(self.overview("invoice").count_failed, 2)
        self.assertEqual(self.overview("credit_note").count_failed, 1)
        self.assertEqual(self.overview("invoice").failure_ids.count, 2)
        self.assertEqual(Binding.search([("xero_entity", "=", "credit_note")]).res_id, moves[2].id)


@tagged("post_install", "-at_install")
class TestRecordHistory(ConnectedXeroCase):

    def test_history_lists_the_pushes_lines(self):
        partner = self.make_partner("History Co", is_company=True, email="history@example.com")
        self.assertFalse(partner.xero_history_ids)
        partner.action_xero_sync()
        partner.email = "history2@example.com"
        partner.action_xero_sync()
        partner.invalidate_recordset()
        lines = partner.xero_history_ids
        self.assertEqual(lines.mapped("action"), ["update", "create"])  # newest first
        self.assertEqual(lines.mapped("log_direction"), ["export", "export"])
        self.assertTrue(all(lines.mapped("message")))
        self.assertTrue(all(line.log_date for line in lines))
        action = lines[0].action_open_log()
        self.assertEqual((action["res_model"], action["res_id"]), ("xero.sync.log", lines[0].log_id.id))
        # another record's lines are not listed
        other = self.make_partner("Other History Co", is_company=True)
        other.action_xero_sync()
        partner.invalidate_recordset()
        self.assertEqual(len(partner.xero_history_ids), 2)

    def test_history_is_limited_to_fifty(self):
        partner = self.make_partner("Busy Co", is_company=True)
        log = self.env["xero.sync.log"].create({"connection_id": self.connection.id, "entity": "contact"})
        self.env["xero.sync.log.line"].create([{
            "log_id": log.id, "res_model": "res.partner", "res_id": partner.id, "action": "skip",
            "message": f"Run {i}"} for i in range(60)])
        partner.invalidate_recordset()
        self.assertEqual(len(partner.xero_history_ids), 50)
        self.assertEqual(partner.xero_history_ids[0].message, "Run 59")

    def test_preview_of_one_record_writes_nothing_to_xero(self):
        partner = self.make_partner("Preview One Co", is_company=True)
        other = self.make_partner("Preview Other Co", is_company=True)
        seq = self.sandbox.last_seq()
        action = partner.action_xero_preview()
        self.assertFalse([r for r in self.api_requests(seq) if r["method"] in ("PUT", "POST")])
        self.assertFalse(self.xero_contacts())
        log = self.env["xero.sync.log"].browse(action["res_id"])
        self.assertTrue(log.preview)
        self.assertEqual(log.line_ids.mapped("res_id"), [partner.id])
        self.assertEqual(log.line_ids.action, "would_create")
        self.assertIn("Would be created in Xero", log.line_ids.message)
        self.assertFalse(partner.xero_id)
        self.assertFalse(other.xero_history_ids)
        # the preview is not history
        self.assertFalse(partner.xero_history_ids)

        partner.action_xero_sync()
        partner.name = "Preview One Co (renamed)"
        seq = self.sandbox.last_seq()
        log = self.env["xero.sync.log"].browse(partner.action_xero_preview()["res_id"])
        self.assertEqual(log.line_ids.action, "update")
        self.assertFalse([r for r in self.api_requests(seq) if r["method"] in ("PUT", "POST")])
        self.assertEqual(self.xero_contacts()[0]["Name"], "Preview One Co")

    def test_product_template_shows_its_variant(self):
        template = self.env["product.template"].create({"name": "History Chair", "default_code": "HCHAIR"})
        template.xero_allow_sync = True
        template.action_xero_sync()
        template.invalidate_recordset()
        self.assertEqual(template.xero_history_ids, template.product_variant_id.xero_history_ids)
        self.assertEqual(template.xero_history_ids.action, "create")
        log = self.env["xero.sync.log"].browse(template.action_xero_preview()["res_id"])
        self.assertEqual(log.line_ids.action, "skip")


@tagged("post_install", "-at_install")
class TestOverviewTour(ConnectedXeroCase):

    def test_overview_tour(self):
        for i in range(2):
            product = self.env["product.product"].create({"name": f"Tour Nameless {i}"})
            product.xero_allow_sync = True
            product.action_xero_sync()
        self.env["xero.mapping"]._ensure_all(self.connection)
        self.start_tour("/odoo", "xero_connector_overview", login="admin")


@tagged("post_install", "-at_install")
class TestRecordHistoryTour(ConnectedXeroCase):

    def test_history_tour(self):
        partner = self.make_partner("History Tour Ltd", is_company=True, email="history@tour.example")
        partner.action_xero_sync()
        partner.phone = "+64 4 555 0100"  # the next push would send it
        seq = self.sandbox.last_seq()
        self.start_tour(f"/odoo/contacts/{partner.id}", "xero_connector_history", login="admin")
        # the preview wrote nothing to Xero, and is not history
        self.assertFalse([r for r in self.api_requests(seq) if r["method"] in ("PUT", "POST")])
        partner.invalidate_recordset()
        self.assertEqual(partner.xero_history_ids.mapped("action"), ["create"])
