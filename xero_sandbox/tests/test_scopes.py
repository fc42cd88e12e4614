"""Xero's granular scopes of 2026: apps created since 2 March 2026 are refused the broad
``accounting.transactions``; every Accounting API call is checked against the granted scopes."""

import datetime
import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from xero_sandbox.oauth import granular_only
from xero_sandbox.state import App, State

from .conftest import BROAD_SCOPES, REDIRECT_URI, SCOPES, pkce_pair

OLD_APP = "2025-06-30"  # created before the cut-off: may still ask for the broad scopes


def _authorize(sandbox, app, scope, state="s-1"):
    return requests.get(sandbox.authorize_url(app, scope=scope, state=state, challenge=pkce_pair()[1]),
                        allow_redirects=False, timeout=10)


def _query(resp):
    assert resp.status_code == 302, resp.text
    location = resp.headers["Location"]
    assert location.startswith(REDIRECT_URI)
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def test_new_app_is_refused_the_broad_scope_with_a_redirect(sandbox, app):
    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    assert app["created"] == today  # the default: an app registered today
    query = _query(_authorize(sandbox, app, BROAD_SCOPES))
    assert query["error"] == "invalid_scope" and query["state"] == "s-1"
    assert "accounting.transactions" in query["error_description"] and "2026-03-02" in query["error_description"]
    assert "code" not in query
    # The read-only variant and the retired reports scope are refused as well.
    for scope in ("offline_access accounting.transactions.read", "offline_access accounting.reports.read"):
        assert _query(_authorize(sandbox, app, scope))["error"] == "invalid_scope"
    # A consent form posted by hand is refused the same way (no code is issued).
    resp = requests.post(f"{sandbox.url}/identity/connect/authorize", allow_redirects=False, timeout=10, data={
        "response_type": "code", "client_id": app["client_id"], "redirect_uri": REDIRECT_URI,
        "scope": BROAD_SCOPES, "action": "allow"})
    assert _query(resp)["error"] == "invalid_scope"
    assert sandbox.call("GET", "apps")["apps"][0]["connections"] == []


def test_refusal_never_goes_to_an_unregistered_redirect_uri(sandbox, app):
    resp = requests.get(sandbox.authorize_url(app, scope=BROAD_SCOPES, redirect_uri="http://localhost:1/evil"),
                        allow_redirects=False, timeout=10)
    assert resp.status_code == 400 and "redirect_uri" in resp.text


def test_new_app_gets_the_granular_scopes(sandbox, app, tenant_id):
    tokens = sandbox.connect(app, scope=SCOPES)
    assert tokens["scope"].split() == SCOPES.split()
    auth = {"Authorization": f"Bearer {tokens['access_token']}", "xero-tenant-id": tenant_id,
            "Accept": "application/json"}
    for path in ("Invoices", "CreditNotes", "PurchaseOrders", "Payments", "BankTransactions", "Items",
                 "Contacts", "Accounts", "Organisation"):
        resp = requests.get(f"{sandbox.url}/api.xro/2.0/{path}", headers=auth, timeout=10)
        assert resp.status_code == 200, (path, resp.text)


def test_old_app_may_still_ask_for_the_broad_scope(sandbox, org, tenant_id):
    app = sandbox.create_app(created=OLD_APP)
    assert app["created"] == OLD_APP
    page = _authorize(sandbox, app, BROAD_SCOPES)
    assert page.status_code == 200 and "accounting.transactions" in page.text
    tokens = sandbox.connect(app, scope=BROAD_SCOPES)
    auth = {"Authorization": f"Bearer {tokens['access_token']}", "xero-tenant-id": tenant_id}
    for path in ("Invoices", "Payments", "BankTransactions", "CreditNotes"):
        assert requests.get(f"{sandbox.url}/api.xro/2.0/{path}", headers=auth, timeout=10).status_code == 200
    # ... and may move to the granular ones (a re-consent)
    granular = sandbox.connect(app, scope=SCOPES)
    assert "accounting.transactions" not in granular["scope"]


@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_a_call_without_its_scope_is_refused(sandbox, app, raw, tenant_id, method):
    """Without accounting.payments: /Payments is refused as Xero refuses a missing scope
    (401 AuthorizationUnsuccessful: authorisation, not authentication), the rest works."""
    tokens = sandbox.connect(app, scope="offline_access accounting.invoices accounting.contacts accounting.settings")
    body = {"Payments": []} if method == "PUT" else None
    resp = raw(method, "Payments", token=tokens["access_token"], json=body)
    assert resp.status_code == 401
    problem = resp.json()
    assert (problem["Title"], problem["Status"], problem["Detail"]) == ("Unauthorized", 401, "AuthorizationUnsuccessful")
    assert raw("GET", "Invoices", token=tokens["access_token"]).status_code == 200
    assert raw("GET", "BankTransactions", token=tokens["access_token"]).status_code == 401


def test_read_variant_reads_but_does_not_write(sandbox, app, raw):
    tokens = sandbox.connect(app, scope="offline_access accounting.payments.read accounting.banktransactions.read")
    assert raw("GET", "Payments", token=tokens["access_token"]).status_code == 200
    assert raw("PUT", "Payments", token=tokens["access_token"], json={"Payments": []}).status_code == 401
    assert raw("GET", "BankTransactions", token=tokens["access_token"]).status_code == 200
    assert raw("PUT", "BankTransactions", token=tokens["access_token"],
               json={"BankTransactions": []}).status_code == 401


def test_items_answer_to_invoices_or_settings(sandbox, app, raw):
    tokens = sandbox.connect(app, scope="offline_access accounting.invoices")
    resp = raw("PUT", "Items", token=tokens["access_token"], json={"Items": [{"Code": "GRAN-1", "Name": "G"}]})
    assert resp.status_code == 200, resp.text
    assert raw("GET", "Accounts", token=tokens["access_token"]).status_code == 401  # settings scope


def test_invented_scopes_are_unknown(sandbox, app):
    """Xero has no per-document scopes such as accounting.creditnotes: an unknown scope."""
    resp = _authorize(sandbox, app, "offline_access accounting.creditnotes")
    assert resp.status_code == 400 and "invalid_scope" in resp.text


def test_app_creation_date(sandbox, org):
    for bad in ("2026-13-01", "01/03/2026", 20260301):
        resp = requests.post(f"{sandbox.url}/_sandbox/apps", timeout=10,
                             json={"redirect_uris": [REDIRECT_URI], "created": bad})
        assert resp.status_code == 400 and "created" in resp.json()["error"], bad
    # The sandbox clock decides what "today" is.
    sandbox.advance(86400 * 2)
    moved = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=2)
    assert sandbox.create_app()["created"] in (moved.date().isoformat(),
                                                (moved - datetime.timedelta(minutes=1)).date().isoformat())
    assert sandbox.create_app(created="2026-03-01")["created"] == "2026-03-01"


def test_custom_connection_scopes_follow_the_creation_date(sandbox, tenant_id):
    new = sandbox.create_app(redirect_uris=[], custom_connection=True, organisations=[tenant_id])
    assert "accounting.transactions" not in new["scopes"] and "accounting.payments" in new["scopes"]
    old = sandbox.create_app(redirect_uris=[], custom_connection=True, organisations=[tenant_id], created=OLD_APP)
    assert "accounting.transactions" in old["scopes"]
    resp = requests.post(f"{sandbox.url}/_sandbox/apps", timeout=10, json={
        "redirect_uris": [], "custom_connection": True, "organisations": [tenant_id],
        "scopes": ["accounting.transactions"]})
    assert resp.status_code == 400 and "accounting.transactions" in resp.json()["error"]
    token = sandbox.token(new, {"grant_type": "client_credentials"}).json()
    assert "accounting.invoices" in token["scope"].split()


def test_creation_date_is_kept_in_the_state_file(tmp_path):
    path = tmp_path / "state.json"
    state = State(str(path))
    state.apps["A"] = App(client_id="A", client_secret="s", name="n", redirect_uris=[REDIRECT_URI],
                          created="2026-04-01")
    state.save()
    assert State(str(path)).apps["A"].created == "2026-04-01"
    # An app saved before apps had a creation date counts as an old app.
    data = json.loads(path.read_text())
    del data["apps"]["A"]["created"]
    path.write_text(json.dumps(data))
    legacy = State(str(path)).apps["A"]
    assert legacy.created is None and not granular_only(legacy)
