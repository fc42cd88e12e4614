"""Connecting like a Xero app of 2026: granular scopes, refusals in plain words, re-consent,
and the daily API budget (Starter tier: 1,000 calls a day)."""

from datetime import timedelta

import requests

from odoo import fields
from odoo.exceptions import AccessDenied
from odoo.tests import new_test_user, tagged

from ..services import xero_client as xc
from .accounting_common import AccountingXeroCase
from .common import XeroCase

BROAD = "offline_access openid profile email accounting.transactions accounting.contacts accounting.settings"
OLD_APP = "2025-06-30"  # registered before 2 March 2026: may still ask for the broad scope


@tagged("post_install", "-at_install")
class TestScopes(XeroCase):

    def test_default_scopes_are_granular_and_connect_a_new_app(self):
        asked = xc.DEFAULT_SCOPES.split()
        self.assertNotIn("accounting.transactions", asked)
        for scope in ("offline_access", "openid", "profile", "email", "accounting.contacts", "accounting.settings",
                      "accounting.invoices", "accounting.payments", "accounting.banktransactions"):
            self.assertIn(scope, asked)
        self.assertEqual(self.connection.scopes, xc.DEFAULT_SCOPES)
        self.assertEqual(self.query_of(self.start_connect())["scope"], xc.DEFAULT_SCOPES)
        resp = self.oauth_connect()  # the sandbox's app was registered today
        self.assertIn("/odoo/settings", resp.headers["Location"])
        conn = self.connection
        self.assertEqual(conn.state, "connected")
        self.assertEqual(conn.granted_scopes.split(), asked)
        self.assertFalse(conn.missing_scopes)
        self.assertFalse(conn.scope_warning)
        # every entity the connection syncs is readable with them
        client = conn._client()
        for entity in ("Contacts", "Items", "Invoices", "CreditNotes", "PurchaseOrders", "Payments",
                       "BankTransactions", "ManualJournals", "ContactGroups", "Accounts", "TaxRates",
                       "BrandingThemes"):
            client.get_page(entity)

    def test_new_app_asking_for_the_broad_scope_is_refused_in_plain_words(self):
        self.connection.sudo().scopes = BROAD
        url = self.start_connect()
        answer = requests.get(url, allow_redirects=False, timeout=30)
        self.assertEqual(answer.status_code, 302)
        location = answer.headers["Location"]
        self.assertTrue(location.startswith(self.redirect_uri))
        self.assertEqual(self.query_of(location)["error"], "invalid_scope")
        self.authenticate("admin", "admin")
        page = self.url_open(location, allow_redirects=False)
        self.assertEqual(page.status_code, 200)
        self.assertIn("Xero connection refused", page.text)
        self.assertIn("2 March 2026", page.text)
        self.assertIn("accounting.invoices", page.text)
        self.assertIn("press Connect again", page.text)
        conn = self.connection
        conn.invalidate_recordset()
        self.assertEqual(conn.state, "disconnected")
        self.assertFalse(conn.sudo().oauth_state_hash)
        self.assertIn("2 March 2026", conn.last_error)
        # the same words for Xero's other way of saying it
        message = conn._oauth_error_message("unauthorized_client", "Invalid scope for client")
        self.assertIn("Invalid scope for client", message)
        self.assertIn("accounting.transactions", message)
        # with Odoo's default scopes the same app connects
        conn.sudo().scopes = xc.DEFAULT_SCOPES
        self.oauth_connect()
        self.assertEqual(conn.state, "connected")

    def test_old_app_upgrades_by_reconsent_keeping_its_organisation(self):
        second = self.sandbox.create_org("Second Org Ltd")
        app = self.sandbox.create_app([self.redirect_uri], organisations=[self.tenant_id, second["tenant_id"]],
                                      created=OLD_APP)
        conn = self.connection
        conn.sudo().write({"client_id": app["client_id"], "client_secret": app["client_secret"], "scopes": BROAD})
        self.oauth_connect(tenant_ids=[self.tenant_id])
        self.assertEqual(conn.state, "connected")
        self.assertIn("accounting.transactions", conn.granted_scopes.split())
        self.assertEqual(conn.missing_scopes.split(),
                         ["accounting.attachments", "accounting.banktransactions", "accounting.invoices",
                          "accounting.manualjournals", "accounting.payments"])
        self.assertIn("accounting.transactions", conn.scope_warning)
        self.assertIn("Re-consent", conn.scope_warning)
        self.assertEqual(conn._client().get_organisation()["Name"], "Sandbox Demo Company (Global)")

        manager = new_test_user(self.env, "xero_scope_mgr", groups="base.group_user,xero_connector.group_xero_manager")
        with self.assertRaises(AccessDenied):
            conn.with_user(manager).action_reconsent()

        url = conn.with_user(self.admin).action_reconsent()["url"]
        asked = self.query_of(url)["scope"].split()
        self.assertNotIn("accounting.transactions", asked)
        for scope in ("offline_access", "accounting.invoices", "accounting.payments", "accounting.banktransactions",
                      "accounting.contacts", "accounting.settings", "accounting.attachments"):
            self.assertIn(scope, asked)
        # the user ticks both organisations on Xero's page: the connection keeps its own, no picker
        location = self.sandbox.consent(url)
        self.authenticate("admin", "admin")
        resp = self.url_open(location, allow_redirects=False)
        self.assertIn("/odoo/settings", resp.headers["Location"])
        conn.invalidate_recordset()
        self.assertEqual(conn.state, "connected")
        self.assertEqual(conn.sudo().tenant_id, self.tenant_id)
        self.assertNotIn("accounting.transactions", conn.granted_scopes.split())
        self.assertIn("accounting.payments", conn.granted_scopes.split())
        self.assertFalse(conn.missing_scopes)
        self.assertFalse(conn.scope_warning)
        self.assertFalse(conn.sudo().oauth_reconsent)
        # the new token works on what used to need accounting.transactions
        self.assertEqual(conn._client().get_page("Payments"), [])

    def test_reconsent_never_moves_the_connection_to_another_organisation(self):
        second = self.sandbox.create_org("Other Org Ltd")
        app = self.sandbox.create_app([self.redirect_uri], organisations=[self.tenant_id, second["tenant_id"]],
                                      created=OLD_APP)
        conn = self.connection
        conn.sudo().write({"client_id": app["client_id"], "client_secret": app["client_secret"], "scopes": BROAD})
        self.oauth_connect(tenant_ids=[self.tenant_id])
        # the organisation was disconnected from the app at Xero in the meantime, and the user
        # ticks only the other one on Xero's page
        conn._client().delete_connection(conn.sudo().xero_connection_ref)
        url = conn.with_user(self.admin).action_reconsent()["url"]
        location = self.sandbox.consent(url, tenant_ids=[second["tenant_id"]])
        self.authenticate("admin", "admin")
        page = self.url_open(location, allow_redirects=False)
        self.assertIn("did not give access to Sandbox Demo Company (Global) again", page.text)
        conn.invalidate_recordset()
        self.assertEqual(conn.sudo().tenant_id, self.tenant_id)
        self.assertEqual(conn.tenant_name, "Sandbox Demo Company (Global)")

    def test_missing_payments_scope_is_explained_on_a_read(self):
        conn = self.connection
        conn.sudo().scopes = " ".join(s for s in xc.DEFAULT_SCOPES.split() if s != "accounting.payments")
        self.oauth_connect()
        self.assertEqual(conn.state, "connected")
        self.assertEqual(conn.missing_scopes, "accounting.payments")
        self.assertIn("accounting.payments", conn.scope_warning)
        self.assertNotIn("accounting.transactions", conn.scope_warning)
        seq = self.sandbox.last_seq()
        with self.assertRaises(xc.XeroScopeError) as caught:
            conn._client().get_page("Payments")
        error = caught.exception
        self.assertEqual(error.scope, "accounting.payments")
        self.assertIn("Xero refused access to payments", error.message)
        self.assertIn("accounting.payments", error.message)
        self.assertIn("Re-consent", error.message)
        # one refused call, no token refresh (a new token would be refused the same), still connected
        log = self.sandbox.requests_log(since=seq)
        self.assertEqual([r["status"] for r in log if r["path"].startswith("/api.xro")], [401])
        self.assertFalse([r for r in log if r["path"] == "/connect/token"])
        conn.invalidate_recordset()
        self.assertEqual(conn.state, "connected")
        self.assertEqual(conn._client().get_page("Invoices"), [])
        # Re-consent asks for what is missing
        self.assertIn("accounting.payments", self.query_of(conn.with_user(self.admin).action_reconsent()["url"])["scope"])


@tagged("post_install", "-at_install")
class TestScopePaymentPush(AccountingXeroCase):
    """A connection that was not granted accounting.payments: its payments fail in plain words,
    its invoices still go."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.map_bank_journal()

    def test_payment_push_without_the_payments_scope(self):
        self.connection.sudo().scopes = " ".join(
            s for s in xc.DEFAULT_SCOPES.split() if s != "accounting.payments")
        self._connect()
        self.assertEqual(self.connection.missing_scopes, "accounting.payments")
        move = self.invoice([{"price_unit": 100.0}])
        move.action_xero_sync()
        self.assertTrue(move.xero_id)
        wizard = self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=move.ids).create({
                "amount": 40.0, "payment_date": "2026-11-10", "journal_id": self.bank.id})
        wizard._create_payments()
        move.action_xero_sync()
        partial = move.line_ids.matched_debit_ids | move.line_ids.matched_credit_ids
        self.assertEqual(partial.xero_sync_state, "error")
        self.assertIn("accounting.payments", partial.xero_last_error)
        self.assertIn("Re-consent", partial.xero_last_error)
        self.assertFalse(self.xero_documents("Payments"))
        self.connection.invalidate_recordset()
        self.assertEqual(self.connection.state, "connected")


@tagged("post_install", "-at_install")
class TestDailyBudget(XeroCase):

    def test_projected_daily_use_against_the_budget(self):
        self.oauth_connect()
        conn = self.connection
        self.assertEqual(conn.api_day_limit, "starter")
        self.assertEqual(conn.api_day_budget, 1000)
        self.assertEqual((conn.api_calls_24h, conn.api_calls_scheduled, conn.api_day_projected), (0, 0, 0))

        # a real push: its calls count, and Xero's day figure is the last seen one
        seq = self.sandbox.last_seq()
        self.make_partner("Budget Partner Ltd").action_xero_sync()
        sent = len(self.api_requests(seq))
        self.assertGreater(sent, 0)
        conn.invalidate_recordset()
        self.assertEqual(conn.api_calls_24h, sent)
        self.assertEqual(conn.api_day_projected, sent)
        self.assertTrue(conn.api_day_seen_at)
        # Xero's X-DayLimit-Remaining as last seen on a run (the sandbox allows 5,000 a day)
        self.assertTrue(0 < conn.api_day_left <= 5000 - sent, conn.api_day_left)
        self.assertFalse(conn.api_budget_warning)

        Log = self.env["xero.sync.log"].sudo()
        now = fields.Datetime.now()
        Log.create({"connection_id": conn.id, "entity": "contact", "direction": "export", "trigger": "button",
                    "api_calls": 400, "date_start": now - timedelta(hours=3)})
        Log.create({"connection_id": conn.id, "entity": "contact", "direction": "import", "trigger": "cron",
                    "api_calls": 300, "date_start": now - timedelta(hours=2)})
        Log.create({"connection_id": conn.id, "entity": "contact", "direction": "import", "trigger": "button",
                    "api_calls": 9999, "date_start": now - timedelta(hours=30)})  # older than a day
        contacts = self.env["xero.mapping"]._for(conn, "contact")
        products = self.env["xero.mapping"]._for(conn, "product")
        schedule = self.env["xero.sync.schedule"].create({
            "connection_id": conn.id, "mode": "times", "times": "00:00, 12:00",
            "mapping_ids": [(6, 0, (contacts | products).ids)], "direction": "import"})
        conn.invalidate_recordset()
        self.assertEqual(conn.api_calls_24h, sent + 700)
        # never run: one page read per imported entity and run, 2 entities x 2 runs
        self.assertEqual(conn.api_calls_scheduled, 4)
        self.assertEqual(conn.api_day_projected, sent + 400 + 4)  # schedule runs counted once
        self.assertFalse(conn.api_budget_warning)

        # an every-10-minutes schedule whose runs cost 5 calls: 144 runs a day, 720 calls
        frequent = self.env["xero.sync.schedule"].create({
            "connection_id": conn.id, "mode": "interval", "interval_minutes": 10,
            "mapping_ids": [(6, 0, contacts.ids)], "direction": "both"})
        job = self.env["xero.sync.job"].sudo().create({
            "connection_id": conn.id, "schedule_id": frequent.id, "trigger": "cron", "state": "done",
            "mapping_ids": [(6, 0, contacts.ids)]})
        Log.create({"connection_id": conn.id, "entity": "contact", "direction": "import", "trigger": "cron",
                    "api_calls": 5, "job_id": job.id, "date_start": now - timedelta(days=2)})
        conn.invalidate_recordset()
        self.assertEqual(conn.api_calls_scheduled, 4 + 720)
        self.assertGreater(conn.api_day_projected, 1000)
        self.assertIn("over Xero's daily limit of 1000", conn.api_budget_warning)
        self.assertIn("custom connection", conn.api_budget_warning)

        conn.api_day_limit = "custom"  # custom connections are exempt from the Starter tier
        self.assertEqual(conn.api_day_budget, 5000)
        self.assertFalse(conn.api_budget_warning)
        frequent.active = False
        schedule.active = False
        conn.api_day_limit = "starter"
        conn.invalidate_recordset()
        self.assertEqual(conn.api_calls_scheduled, 0)
        self.assertFalse(conn.api_budget_warning)
