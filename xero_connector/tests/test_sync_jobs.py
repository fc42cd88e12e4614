"""Running syncs: the wizard (directions, windows, preview), background jobs, schedules and their
crons, the per-entity lock, retry, reset, notifications, automatic push, log clean-up."""

from datetime import timedelta

from odoo import fields, sql_db
from odoo.tests import tagged

from ..models.xero_sync_job import _lock_key
from .common import ConnectedXeroCase


@tagged("post_install", "-at_install")
class TestSyncJobs(ConnectedXeroCase):

    def setUp(self):
        super().setUp()
        self.contacts = self.env["xero.mapping"]._for(self.connection, "contact")
        self.products = self.env["xero.mapping"]._for(self.connection, "product")
        self.Partner = self.env["res.partner"].with_context(active_test=False)

    def wizard(self, **values):
        wizard = self.env["xero.sync.wizard"].create(dict({
            "connection_id": self.connection.id, "mapping_ids": [(6, 0, self.contacts.ids)]}, **values))
        wizard.action_run()
        return self.env["xero.sync.job"].search([], limit=1)

    def run_jobs(self):
        return self.env["xero.sync.job"]._cron_run_queued()

    def writes_since(self, seq):
        return [r for r in self.api_requests(seq) if r["method"] in ("PUT", "POST")]

    # ------------------------------------------------------------------ wizard
    def test_preview_both_ways_writes_nothing(self):
        self.make_partner("Preview Odoo Co", is_company=True)
        self.sandbox.seed(self.tenant_id, "Contacts", [{"Name": "Preview Xero Co"}])
        partners = self.Partner.search_count([])
        seq = self.sandbox.last_seq()
        job = self.wizard(direction="both", preview=True)
        self.assertEqual(job.state, "queued")
        self.run_jobs()
        self.assertEqual(job.state, "done", job.message)
        self.assertFalse(self.writes_since(seq))
        self.assertEqual(self.Partner.search_count([]), partners)
        self.assertFalse(self.contacts.last_import_date)
        self.assertFalse(self.env["xero.binding"].search([("xero_id", "!=", False)]))
        export, imported = job.log_ids.sorted("id")
        self.assertTrue(export.preview and imported.preview)
        self.assertIn("Preview Odoo Co", export.line_ids.filtered(lambda l: l.action == "would_create")
                      .mapped("record_name"))
        self.assertEqual(imported.count_would_create_odoo, 1)
        self.assertEqual(imported.line_ids.filtered(lambda l: l.action == "would_create").record_name,
                         "Preview Xero Co")

    def test_real_run_both_ways_and_windows(self):
        old = self.make_partner("Old Change Co", is_company=True)
        new = self.make_partner("New Change Co", is_company=True)
        self.env.flush_all()
        self.env.cr.execute("UPDATE res_partner SET write_date = %s WHERE id = %s",
                            (fields.Datetime.now() - timedelta(days=30), old.id))
        old.invalidate_recordset()
        self.sandbox.seed(self.tenant_id, "Contacts", [{"Name": "From Xero Co"}])
        job = self.wizard(direction="export", window="days", days=7)
        self.run_jobs()
        self.assertEqual([c["Name"] for c in self.xero_contacts()], ["From Xero Co", "New Change Co"])
        self.assertTrue(new.xero_id)
        self.assertFalse(old.xero_id)  # changed before the window
        job = self.wizard(direction="import")
        self.run_jobs()
        self.assertTrue(self.Partner.search([("name", "=", "From Xero Co")]))
        self.assertEqual(job.state, "done")
        # since the last sync: what never went goes now
        self.wizard(direction="export", window="last")
        self.run_jobs()
        self.assertTrue(old.xero_id)

    # ------------------------------------------------------------------ background / auto
    def test_many_records_go_in_the_background(self):
        partners = self.env["res.partner"].create([{"name": f"Bulk Bg {i}", "is_company": True} for i in range(25)])
        partners.xero_allow_sync = True
        seq = self.sandbox.last_seq()
        action = partners.action_xero_sync()
        self.assertIn("in the background", action["params"]["message"])
        self.assertFalse(self.writes_since(seq))  # nothing inside the user's transaction
        job = self.env["xero.sync.job"].search([("trigger", "=", "button")], limit=1)
        self.assertEqual(sorted(job.res_ids), sorted(partners.ids))
        self.run_jobs()
        self.assertEqual(set(partners.mapped("xero_sync_state")), {"synced"})
        self.assertEqual(job.state, "done")

    def test_automatic_push_after_the_change(self):
        self.contacts.auto_push = True
        partner = self.make_partner("Auto Push Co", is_company=True)
        seq = self.sandbox.last_seq()
        partner.email = "auto@push.example"
        self.assertFalse(self.writes_since(seq))
        queued = self.env["xero.sync.job"].search([("trigger", "=", "auto"), ("state", "=", "queued")])
        self.assertEqual(len(queued), 1)  # one job collects the changes
        self.assertIn(partner.id, queued.res_ids)
        self.run_jobs()
        self.assertEqual(self.xero_contacts()[0]["EmailAddress"], "auto@push.example")
        # what an import brings is not pushed back
        self.sandbox.seed(self.tenant_id, "Contacts", [{"Name": "Imported Not Pushed"}])
        self.wizard(direction="import")
        self.run_jobs()
        self.assertFalse(self.env["xero.sync.job"].search([("trigger", "=", "auto"), ("state", "=", "queued")]))

    # ------------------------------------------------------------------ schedules
    def test_schedule_manages_its_crons(self):
        schedule = self.env["xero.sync.schedule"].create({
            "connection_id": self.connection.id, "mapping_ids": [(6, 0, (self.contacts | self.products).ids)],
            "times": "08:00, 00:00, 16:00, 12:00"})
        crons = schedule.cron_ids
        self.assertEqual(len(crons), 4)
        self.assertEqual(set(crons.mapped("interval_type")), {"days"})
        self.assertTrue(all(c.nextcall > fields.Datetime.now() for c in crons))
        self.assertEqual(set(crons.mapped("code")), {f"model._run_schedule({schedule.id})"})
        schedule.times = "06:30"
        self.assertEqual(len(schedule.cron_ids), 1)
        schedule.write({"mode": "interval", "interval_minutes": 30})
        self.assertEqual((schedule.cron_ids.interval_number, schedule.cron_ids.interval_type), (30, "minutes"))
        schedule.active = False
        self.assertFalse(schedule.cron_ids.active)
        with self.assertRaisesRegex(Exception, "between 1 and 24"):
            schedule.write({"mode": "times", "times": ", ".join(f"{h:02d}:00" for h in range(24)) + ", 23:30"})
        cron_ids = schedule.cron_ids.ids
        schedule.unlink()
        self.assertFalse(self.env["ir.cron"].with_context(active_test=False).browse(cron_ids).exists())

    def test_two_runners_never_sync_the_same_entity_at_once(self):
        self.make_partner("Locked Co", is_company=True)
        schedule = self.env["xero.sync.schedule"].create({
            "connection_id": self.connection.id, "mapping_ids": [(6, 0, self.contacts.ids)],
            "direction": "export", "mode": "interval", "interval_minutes": 60})
        seq = self.sandbox.last_seq()
        # another Odoo worker (its own database connection) holds the contacts of this connection
        with sql_db.db_connect(self.env.cr.dbname).cursor() as other:
            other.execute("SELECT pg_advisory_lock(%s)", (_lock_key(self.connection.id, "contact"),))
            try:
                self.env["xero.sync.schedule"]._run_schedule(schedule.id)
            finally:
                other.execute("SELECT pg_advisory_unlock(%s)", (_lock_key(self.connection.id, "contact"),))
        job = schedule.job_ids
        self.assertIn("another Odoo worker is syncing it", job.message)
        self.assertFalse(self.writes_since(seq))
        self.env["xero.sync.schedule"]._run_schedule(schedule.id)
        self.assertEqual([c["Name"] for c in self.xero_contacts()], ["Locked Co"])

    def test_failures_notify_the_responsible_user(self):
        product = self.env["product.product"].create({"name": "No Code Product"})
        product.xero_allow_sync = True
        schedule = self.env["xero.sync.schedule"].create({
            "connection_id": self.connection.id, "mapping_ids": [(6, 0, self.products.ids)],
            "direction": "export", "notify": "failures", "notify_email": "books@example.com"})
        self.env["xero.sync.schedule"]._run_schedule(schedule.id)
        job = schedule.job_ids
        self.assertEqual(job.state, "partial")
        activity = self.env["mail.activity"].search([("res_model", "=", "xero.connection"),
                                                     ("res_id", "=", self.connection.id),
                                                     ("summary", "=", "Xero sync problems")])
        self.assertEqual(activity.user_id, self.admin)
        mail = self.env["mail.mail"].search([("email_to", "ilike", "books@example.com")])
        self.assertTrue(mail)
        self.assertIn("partial", mail.subject.lower() + " " + job.state)

        # retry after the fix
        product.default_code = "FIXED-1"
        log = job.log_ids.filtered(lambda l: l.count_failed)
        log.action_retry()
        self.assertEqual(product.xero_sync_state, "synced")

    # ------------------------------------------------------------------ reset / clean-up
    def test_reset_clears_only_this_connection(self):
        partner = self.make_partner("Reset Me Co", is_company=True)
        partner.action_xero_sync()
        other_company = self.env["res.company"].create({"name": "Other Co (reset test)"})
        other = self.env["xero.connection"].create(dict(self._connection_values(self.app),
                                                        company_id=other_company.id))
        kept = self.env["xero.binding"].create({"connection_id": other.id, "res_model": "res.partner",
                                                "res_id": partner.id, "xero_id": "kept-id"})
        self.connection.action_reset_sync()
        self.assertFalse(self.env["xero.binding"].search([("connection_id", "=", self.connection.id)]))
        self.assertFalse(self.env["xero.sync.log"].search([("connection_id", "=", self.connection.id)]))
        self.assertTrue(kept.exists())
        self.assertTrue(partner.exists())
        self.assertTrue(self.connection.xero_account_ids)  # the chart came back

    def test_old_logs_are_cleaned_up(self):
        self.make_partner("Log Age Co", is_company=True).action_xero_sync()
        log = self.env["xero.sync.log"].search([], limit=1)
        log.date_start = fields.Datetime.now() - timedelta(days=100)
        self.env["ir.config_parameter"].set_param("xero_connector.log_retention_days", 90)
        self.env["xero.sync.log"]._gc_old_logs()
        self.assertFalse(log.exists())


@tagged("post_install", "-at_install")
class TestSyncTours(ConnectedXeroCase):

    def test_sync_wizard_tour(self):
        partner = self.make_partner("Wizard Tour Co", is_company=True)
        self.env["xero.mapping"]._ensure_all(self.connection)
        self.start_tour(f"/odoo/action-xero_connector.action_xero_connection/{self.connection.id}",
                        "xero_connector_sync_wizard", login="admin")
        job = self.env["xero.sync.job"].search([], limit=1)
        self.assertEqual((job.direction, job.preview, job.mapping_ids.mapped("entity")), ("export", True, ["contact"]))
        seq = self.sandbox.last_seq()
        self.env["xero.sync.job"]._cron_run_queued()
        self.assertEqual(job.state, "done")
        self.assertFalse([r for r in self.api_requests(seq) if r["method"] in ("PUT", "POST")])
        self.assertIn(partner.display_name, job.log_ids.line_ids.mapped("record_name"))

    def test_settings_tour(self):
        self.start_tour("/odoo/settings#xero_connector", "xero_connector_settings", login="admin")
        self.assertEqual(self.env["ir.config_parameter"].get_param("xero_connector.log_retention_days"), "30")


@tagged("post_install", "-at_install")
class TestSyncWindows(ConnectedXeroCase):

    def test_import_of_a_date_range(self):
        now = fields.Datetime.now()
        iso = lambda d: d.strftime("%Y-%m-%dT%H:%M:%S")  # noqa: E731
        self.sandbox.seed(self.tenant_id, "Contacts", [
            {"Name": "Range Too Old", "UpdatedDateUTC": iso(now - timedelta(days=20))},
            {"Name": "Range Inside", "UpdatedDateUTC": iso(now - timedelta(days=7))},
            {"Name": "Range Too New", "UpdatedDateUTC": iso(now)},
        ])
        contacts = self.env["xero.mapping"]._for(self.connection, "contact")
        self.env["xero.sync.wizard"].create({
            "connection_id": self.connection.id, "mapping_ids": [(6, 0, contacts.ids)], "direction": "import",
            "window": "range", "date_from": now - timedelta(days=10), "date_to": now - timedelta(days=5),
        }).action_run()
        self.env["xero.sync.job"]._cron_run_queued()
        names = self.env["res.partner"].search([("name", "=like", "Range %")]).mapped("name")
        self.assertEqual(names, ["Range Inside"])
        self.assertFalse(contacts.last_import_date)  # a window does not move the import cursor
