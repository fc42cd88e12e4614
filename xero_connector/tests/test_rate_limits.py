"""Xero's rate limits held across workers: the 5 concurrency slots (PostgreSQL advisory locks seen by
every connection to the database), minute pacing from X-MinLimit-Remaining, a day limit reached in the
middle of a job (pause, reset time on the job and the connection, cron trigger, resume without
duplicates), and the interactive 'Sync to Xero' handing over to the background."""

import threading
import time
import zlib
from datetime import timedelta
from unittest.mock import patch

from odoo import fields, sql_db
from odoo.tests import tagged

from ..models import xero_connection
from ..models.xero_connection import API_SLOT_NAMESPACE
from ..services import xero_client as xc
from ..services.engine import SyncEngine
from .common import ConnectedXeroCase

XERO_LIMITS = {"concurrent": 5, "per_minute": 60, "per_day": 5000, "time_scale": 1.0}


@tagged("post_install", "-at_install")
class TestRateLimits(ConnectedXeroCase):

    def setUp(self):
        super().setUp()
        xc._WINDOWS.pop(self.tenant_id, None)
        self.addCleanup(xc._WINDOWS.pop, self.tenant_id, None)
        self.addCleanup(self.sandbox.limits, **XERO_LIMITS)
        self.cron = self.env.ref("xero_connector.ir_cron_xero_sync_jobs")
        self.contacts = self.env["xero.mapping"]._for(self.connection, "contact")

    def set_minute(self, per_minute, seconds):
        """A sandbox 'minute' of ``seconds`` real seconds, and Odoo told so."""
        self.sandbox.limits(per_minute=per_minute, time_scale=60.0 / seconds)
        self.env["ir.config_parameter"].sudo().set_param("xero_connector.rate_limit_minute_seconds", seconds)

    def refused(self, seq):
        return [r for r in self.api_requests(seq) if r["status"] == 429]

    def slot_keys(self):
        base = (zlib.crc32(self.tenant_id.encode()) & 0x0FFFFFFF) * 8
        return [(API_SLOT_NAMESPACE, base + n) for n in range(xc.CONCURRENT_SLOTS)]

    def partners(self, count, prefix):
        partners = self.env["res.partner"].create([
            {"name": f"{prefix} {n:03d}", "is_company": True,
             "email": f"{prefix.lower().replace(' ', '.')}.{n}@example.com"} for n in range(count)])
        partners.xero_allow_sync = True
        return partners

    def xero_names(self, prefix):
        return sorted(c["Name"] for c in self.xero_contacts() if c["Name"].startswith(prefix))

    def come_to_pass(self, job):
        """Odoo's clock reaches the job's resume time (the sandbox's is moved through its control API)."""
        past = fields.Datetime.now() - timedelta(seconds=1)
        job.not_before = past
        if self.connection.day_limit_reset_at:
            self.connection.day_limit_reset_at = past

    # ------------------------------------------------------------------ 5 concurrent, across workers
    def test_a_call_waits_while_other_workers_hold_the_five_slots(self):
        client = self.connection._client()
        seq = self.sandbox.last_seq()
        seen_while_held = []
        # another Odoo worker (its own database connection) has 5 calls to this tenant under way
        with sql_db.db_connect(self.env.cr.dbname).cursor() as other:
            for key in self.slot_keys():
                other.execute("SELECT pg_advisory_lock(%s, %s)", key)

            def finish_one_call():
                time.sleep(1.5)
                seen_while_held.append(len(self.api_requests(seq)))
                other.execute("SELECT pg_advisory_unlock(%s, %s)", self.slot_keys()[2])

            releaser = threading.Thread(target=finish_one_call)
            started = time.monotonic()
            releaser.start()
            try:
                org = client.get_organisation()
            finally:
                releaser.join()
            waited = time.monotonic() - started
            self.assertTrue(org.get("Name"))
            self.assertGreaterEqual(waited, 1.4, "the call did not wait for a free slot")
            self.assertEqual(seen_while_held, [0], "the call reached Xero while 5 others were under way")
            self.assertEqual(len(self.api_requests(seq)), 1)
            # the slot is released right after the call: the other worker can take it again
            other.execute("SELECT pg_try_advisory_lock(%s, %s)", self.slot_keys()[2])
            self.assertTrue(other.fetchone()[0])
            other.execute("SELECT pg_advisory_unlock_all()")

    def test_four_slots_taken_the_fifth_is_used_and_freed(self):
        with sql_db.db_connect(self.env.cr.dbname).cursor() as other:
            for key in self.slot_keys()[:4]:
                other.execute("SELECT pg_advisory_lock(%s, %s)", key)
            started = time.monotonic()
            self.connection._client().get_organisation()
            self.assertLess(time.monotonic() - started, 1.0)
            other.execute("SELECT pg_try_advisory_lock(%s, %s)", self.slot_keys()[4])
            self.assertTrue(other.fetchone()[0], "the fifth slot was not released after the call")
            # all five held now: a call gives up after the slot wait, without reaching Xero
            seq = self.sandbox.last_seq()
            with patch.object(xero_connection, "API_SLOT_WAIT", 0.3):
                with self.assertRaises(xc.XeroRateLimitError) as caught:
                    self.connection._client().get_organisation()
            self.assertEqual(caught.exception.problem, "concurrent")
            self.assertFalse(self.api_requests(seq))
            other.execute("SELECT pg_advisory_unlock_all()")

    # ------------------------------------------------------------------ minute pacing
    def test_minute_pacing_keeps_to_the_ceiling_without_429(self):
        # 10 calls a 'minute' of 3 s: 30 calls need 3 windows
        self.set_minute(10, 3.0)
        client = self.connection._client(wait_budget=120.0)
        seq = self.sandbox.last_seq()
        started = time.monotonic()
        for _n in range(30):
            client.get_organisation()
        elapsed = time.monotonic() - started
        self.assertFalse(self.refused(seq), "pacing let Xero refuse calls")
        self.assertEqual(client.calls, 30)
        self.assertGreaterEqual(elapsed, 6.0, "30 calls at 10 a window cannot fit in less than 2 windows")
        achieved = 30 / (elapsed / 3.0)
        self.assertGreaterEqual(achieved, 0.9 * 10, f"{achieved:.1f} calls per window of 10 allowed")

    def test_minute_429_is_waited_out_after_commit_hook(self):
        # another worker spent the minute: Xero answers 429 'minute'; the client waits Retry-After
        self.set_minute(3, 2.0)
        waits = []
        client = self.connection._client(wait_budget=30.0, before_wait=waits.append)
        other = self.connection._client()
        xc._WINDOWS.pop(self.tenant_id, None)
        for _n in range(3):
            other.get_organisation()
        xc._WINDOWS.pop(self.tenant_id, None)  # this process does not know: as if another server
        seq = self.sandbox.last_seq()
        self.assertTrue(client.get_organisation().get("Name"))
        self.assertEqual([r["status"] for r in self.api_requests(seq)], [429, 200])
        self.assertTrue(waits and waits[0] >= 1, waits)

    def test_background_job_over_several_minutes_has_no_429_failure(self):
        partners = self.partners(120, "Paced Co")
        self.set_minute(2, 2.0)
        seq = self.sandbox.last_seq()
        job = self.env["xero.sync.job"]._queue({
            "connection_id": self.connection.id, "mapping_ids": [(6, 0, self.contacts.ids)],
            "direction": "export", "trigger": "manual", "res_model": "res.partner", "res_ids": partners.ids})
        self.env["xero.sync.job"]._cron_run_queued()
        self.assertEqual(job.state, "done", job.message)
        self.assertEqual(len(self.xero_names("Paced Co")), 120)
        calls = self.api_requests(seq)
        self.assertGreater(len(calls), 2, "the run should need more than one minute window")
        self.assertFalse(self.refused(seq))

    # ------------------------------------------------------------------ day limit mid-job
    def test_day_limit_pauses_the_job_and_it_resumes_after_the_reset(self):
        partners = self.partners(120, "Daily Co")
        # Xero's contacts are indexed (Fetch & Match): the push costs 1 read + 3 writes of 50; the
        # day budget runs out after the second write
        SyncEngine(self.connection, trigger="manual").fetch_and_match("contact")
        self.sandbox.limits(per_day=3)
        job = self.env["xero.sync.job"]._queue({
            "connection_id": self.connection.id, "mapping_ids": [(6, 0, self.contacts.ids)],
            "direction": "export", "trigger": "manual", "res_model": "res.partner", "res_ids": partners.ids})
        before = fields.Datetime.now()
        self.env["xero.sync.job"]._cron_run_queued()

        # stopped cleanly: what was done is in Xero and linked, the rest untouched
        self.assertEqual(job.state, "waiting", job.message)
        self.assertEqual(job.wait_problem, "day")
        done = self.xero_names("Daily Co")
        self.assertTrue(0 < len(done) < 120, f"{len(done)} contacts in Xero")
        bindings = self.env["xero.binding"].search([("res_model", "=", "res.partner"),
                                                    ("res_id", "in", partners.ids)])
        linked = bindings.filtered("xero_id")
        self.assertEqual(sorted(linked.mapped("record_name")), done)
        self.assertTrue(all(b.state == "synced" for b in linked))
        # when Xero's day budget comes back, in plain words, on the job and the connection
        self.assertAlmostEqual((job.not_before - before).total_seconds(), 86400, delta=120)
        self.assertIn("daily API limit", job.message)
        self.assertIn("runs automatically at", job.message)
        self.assertEqual(self.connection.day_limit_reset_at, job.not_before)
        self.assertIn("comes back at", self.connection.day_limit_message)
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id),
                                                            ("call_at", "=", job.not_before)]))
        # before then, the cron leaves it waiting and does not ask Xero again
        seq = self.sandbox.last_seq()
        self.env["xero.sync.job"]._cron_run_queued()
        self.assertEqual(job.state, "waiting")
        self.assertFalse(self.api_requests(seq))

        # a day later (Xero's window resets; Odoo's clock reaches not_before) the job finishes
        self.sandbox.advance(86400 + 5)
        self.come_to_pass(job)
        self.env["xero.sync.job"]._cron_run_queued()
        self.assertEqual(job.state, "done", job.message)
        names = self.xero_names("Daily Co")
        self.assertEqual(names, sorted(partners.mapped("name")), "every record in Xero exactly once")
        self.assertEqual(len(set(names)), 120)
        self.assertTrue(all(b.state == "synced" and b.xero_id for b in bindings))
        self.assertFalse(job.not_before)
        self.assertFalse(self.connection.day_limit_message)

    # ------------------------------------------------------------------ interactive hand-over
    def test_interactive_push_over_minute_limit_hands_over_to_a_job(self):
        partners = self.partners(5, "Hurry Co")
        self.sandbox.limits(per_minute=1)
        started = time.monotonic()
        action = partners.action_xero_sync()
        self.assertLess(time.monotonic() - started, 25, "the user waited on the rate limit")
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn("in the background", action["params"]["message"])
        self.assertIn("60 calls a minute", action["params"]["message"])
        job = self.env["xero.sync.job"].search([("res_model", "=", "res.partner")], limit=1)
        self.assertEqual(job.state, "waiting")
        self.assertEqual(job.wait_problem, "minute")
        self.assertEqual(sorted(job.res_ids), sorted(partners.ids))
        self.assertLess((job.not_before - fields.Datetime.now()).total_seconds(), 62)
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id),
                                                            ("call_at", "=", job.not_before)]))
        # the job runs when Xero's minute has passed
        self.sandbox.limits(per_minute=60)
        xc._WINDOWS.pop(self.tenant_id, None)
        self.come_to_pass(job)
        self.env["xero.sync.job"]._cron_run_queued()
        self.assertEqual(job.state, "done", job.message)
        self.assertEqual(self.xero_names("Hurry Co"), sorted(partners.mapped("name")))

    def test_interactive_push_over_day_limit_hands_over_until_the_reset(self):
        partners = self.partners(3, "Late Co")
        self.sandbox.limits(per_day=1)
        action = partners.action_xero_sync()
        self.assertIn("daily API limit", action["params"]["message"])
        job = self.env["xero.sync.job"].search([("res_model", "=", "res.partner")], limit=1)
        self.assertEqual((job.state, job.wait_problem), ("waiting", "day"))
        self.assertEqual(self.connection.day_limit_reset_at, job.not_before)
        self.assertIn("daily API limit", self.connection.message_ids[:1].body)
        # a new day at Xero, with the whole budget (the lookup and the write take 2 calls)
        self.sandbox.limits(per_day=5000)
        self.come_to_pass(job)
        self.env["xero.sync.job"]._cron_run_queued()
        self.assertEqual(job.state, "done", job.message)
        self.assertEqual(self.xero_names("Late Co"), sorted(partners.mapped("name")))
