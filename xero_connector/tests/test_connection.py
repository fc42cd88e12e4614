from odoo.exceptions import AccessDenied, AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import ConnectedXeroCase, XeroCase


@tagged("post_install", "-at_install")
class TestOAuthFlow(XeroCase):

    def test_connect_flow_pkce_and_state(self):
        url = self.start_connect()
        query = self.query_of(url)
        self.assertEqual(query["response_type"], "code")
        self.assertEqual(query["code_challenge_method"], "S256")
        self.assertEqual(query["redirect_uri"], self.redirect_uri)
        self.assertGreaterEqual(len(query["state"]), 32)
        self.assertNotEqual(query["code_challenge"], self.connection.sudo().oauth_code_verifier)

        location = self.sandbox.consent(url)
        self.authenticate("admin", "admin")
        resp = self.url_open(location, allow_redirects=False)
        self.assertIn(resp.status_code, (302, 303))
        self.assertIn("/odoo/settings", resp.headers["Location"])

        conn = self.connection
        conn.invalidate_recordset()
        self.assertEqual(conn.state, "connected")
        self.assertEqual(conn.tenant_name, "Sandbox Demo Company (Global)")
        self.assertEqual(conn.sudo().tenant_id, self.tenant_id)
        self.assertTrue(conn.short_code)
        self.assertEqual(conn.base_currency, "USD")
        self.assertTrue(conn.sudo().access_token and conn.sudo().refresh_token)
        self.assertTrue(conn.token_expires_at)
        # state and verifier are single use
        self.assertFalse(conn.sudo().oauth_state_hash)
        self.assertFalse(conn.sudo().oauth_code_verifier)
        resp = self.url_open(location, allow_redirects=False)
        self.assertEqual(resp.status_code, 200)
        self.assertIn("refused", resp.text)

        # the code exchange sent the PKCE verifier and no secret reached the log
        token_calls = [r for r in self.sandbox.requests_log() if r["path"] == "/connect/token"]
        self.assertTrue(token_calls)
        self.assertNotIn(self.app["client_secret"], str(self.sandbox.requests_log()))

    def test_state_mismatch_is_rejected(self):
        url = self.start_connect()
        location = self.sandbox.consent(url)
        forged = location.replace(self.query_of(location)["state"], "forged-state-value")
        self.authenticate("admin", "admin")
        resp = self.url_open(forged, allow_redirects=False)
        self.assertEqual(resp.status_code, 200)
        self.assertIn("refused", resp.text)
        self.connection.invalidate_recordset()
        self.assertEqual(self.connection.state, "disconnected")
        self.assertFalse(self.connection.sudo().access_token)

    def test_state_bound_to_the_user_who_started(self):
        other_admin = new_test_user(self.env, "other_admin", groups="base.group_system",
                                    password="other_admin_pw")
        location = self.sandbox.consent(self.start_connect(user=other_admin))
        with self.assertRaises(AccessDenied):
            self.env["xero.connection"].with_user(self.admin)._oauth_connection_for_state(
                self.query_of(location)["state"])
        self.authenticate("admin", "admin")
        resp = self.url_open(location, allow_redirects=False)
        self.assertIn("refused", resp.text)
        self.connection.invalidate_recordset()
        self.assertEqual(self.connection.state, "disconnected")

    def test_consent_denied(self):
        url = self.start_connect()
        state = self.query_of(url)["state"]
        self.authenticate("admin", "admin")
        resp = self.url_open(f"/xero/oauth/callback?error=access_denied&state={state}",
                             allow_redirects=False)
        self.assertIn("cancelled", resp.text)
        self.connection.invalidate_recordset()
        self.assertEqual(self.connection.state, "disconnected")

    def test_tenant_picker_when_several_organisations(self):
        second = self.sandbox.create_org("Second Org Ltd", base_currency="NZD")
        app = self.sandbox.create_app([self.redirect_uri], organisations=[self.tenant_id, second["tenant_id"]])
        self.connection.sudo().write({"client_id": app["client_id"], "client_secret": app["client_secret"]})
        resp = self.oauth_connect()
        self.assertIn(resp.status_code, (302, 303))
        self.assertIn("xero_connector.action_xero_tenant_picker", resp.headers["Location"])
        picker = self.env["xero.tenant.picker"].search([("connection_id", "=", self.connection.id)])
        self.assertEqual(sorted(picker.line_ids.mapped("name")), ["Sandbox Demo Company (Global)", "Second Org Ltd"])
        picker.line_id = picker.line_ids.filtered(lambda l: l.name == "Second Org Ltd")
        picker.with_user(self.admin).action_confirm()
        self.assertEqual(self.connection.state, "connected")
        self.assertEqual(self.connection.sudo().tenant_id, second["tenant_id"])
        self.assertEqual(self.connection.base_currency, "NZD")
        # the organisation we did not choose was released
        tenants = self.connection._client(tenant_id="").list_connections()
        self.assertEqual([t["tenantId"] for t in tenants], [second["tenant_id"]])


@tagged("post_install", "-at_install")
class TestConnectedLifecycle(ConnectedXeroCase):

    def test_secrets_only_for_system_administrators(self):
        manager = new_test_user(self.env, "xero_mgr", groups="base.group_user,xero_connector.group_xero_manager")
        conn = self.connection.with_user(manager)
        self.assertEqual(conn.state, "connected")
        self.assertEqual(conn.tenant_name, "Sandbox Demo Company (Global)")
        for field in ("access_token", "refresh_token", "client_secret", "client_id", "tenant_id",
                      "oauth_code_verifier"):
            with self.assertRaises(AccessError, msg=field):
                conn.read([field])
        with self.assertRaises(AccessError):
            conn.write({"client_secret": "stolen"})
        fields_seen = conn.fields_get()
        self.assertNotIn("access_token", fields_seen)
        self.assertNotIn("client_secret", fields_seen)
        with self.assertRaises(AccessDenied):
            conn.action_connect()

    def test_token_refresh_rotates_and_is_stored(self):
        before = self.connection.sudo().read(["access_token", "refresh_token"])[0]
        self.sandbox.advance(31 * 60)  # the access token is now expired
        seq = self.sandbox.last_seq()
        org = self.connection._client().get_organisation()
        self.assertEqual(org["Name"], "Sandbox Demo Company (Global)")
        after = self.connection.sudo().read(["access_token", "refresh_token"])[0]
        self.assertNotEqual(after["access_token"], before["access_token"])
        self.assertNotEqual(after["refresh_token"], before["refresh_token"])
        refreshes = [r for r in self.sandbox.requests_log(since=seq) if r["path"] == "/connect/token"]
        self.assertEqual(len(refreshes), 1)
        # a second client finds the fresh token and does not refresh again
        seq = self.sandbox.last_seq()
        self.connection._client().get_organisation()
        # a worker that still holds the old token and asks for a refresh after
        # the first one got the row lock finds the new token and spends nothing
        token = self.connection._refresh_token_locked(before["access_token"])
        self.assertEqual(token["access_token"], after["access_token"])
        self.assertFalse([r for r in self.sandbox.requests_log(since=seq) if r["path"] == "/connect/token"])

    def test_access_token_rejected_triggers_one_refresh(self):
        self.sandbox.call("POST", "tokens/expire")
        seq = self.sandbox.last_seq()
        self.connection._client().get_organisation()
        log = self.sandbox.requests_log(since=seq)
        self.assertEqual([r["status"] for r in log if r["path"].startswith("/api.xro")], [401, 200])
        self.assertEqual(len([r for r in log if r["path"] == "/connect/token"]), 1)

    def test_invalid_grant_needs_reauthorisation(self):
        self.sandbox.call("POST", "tokens/revoke")
        self.sandbox.advance(31 * 60)
        partner = self.make_partner("Needs Reauth Ltd")
        # no assertRaises: it would roll back to a savepoint, and what is under
        # test is precisely that the re-authorisation state survives the error
        try:
            partner.action_xero_sync()
        except UserError as exc:
            self.assertRegex(str(exc), "re-authoris|invalid_grant")
        else:
            self.fail("a sync with a revoked grant must fail")
        self.connection.invalidate_recordset()
        self.assertEqual(self.connection.state, "reauth")
        self.assertFalse(self.connection.sudo().refresh_token)
        activity = self.connection.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.admin)
        self.assertIn("Reconnect", activity.summary)

    def test_disconnect_revokes_and_removes_connection(self):
        refresh = self.connection.sudo().refresh_token
        self.connection.with_user(self.admin).action_disconnect()
        self.assertEqual(self.connection.state, "disconnected")
        self.assertFalse(self.connection.sudo().access_token)
        log = self.sandbox.requests_log()
        self.assertTrue([r for r in log if r["method"] == "DELETE" and "onnections/" in r["path"]])
        self.assertTrue([r for r in log if r["path"] == "/connect/revocation"])
        # the revoked refresh token is dead
        import requests
        resp = requests.post(f"{self.sandbox.url}/connect/token", data={
            "grant_type": "refresh_token", "refresh_token": refresh,
            "client_id": self.app["client_id"], "client_secret": self.app["client_secret"]}, timeout=10)
        self.assertEqual(resp.status_code, 400)
        self.assertEqual(resp.json()["error"], "invalid_grant")
