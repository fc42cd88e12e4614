"""The control API, the request log, persistence and the command line."""

import json
import subprocess
import sys
from pathlib import Path

import requests

from xero_sandbox import SandboxServer
from xero_sandbox.control_client import SandboxControl
from xero_sandbox.wire import Request

from .conftest import REDIRECT_URI, Sandbox, contacts_body

REPO = Path(__file__).resolve().parents[2]


def test_health_and_reset(sandbox, tokens, raw, tenant_id):
    assert sandbox.call("GET", "health") == {"ok": True}
    raw("PUT", "Contacts", json=contacts_body("Gone"))
    sandbox.limits(per_minute=7)
    sandbox.fault(status=500)
    sandbox.advance(100)
    sandbox.call("POST", "reset")
    assert sandbox.call("GET", "organisations") == {"organisations": []}
    assert sandbox.call("GET", "apps") == {"apps": []}
    assert sandbox.call("GET", "faults") == {"faults": []}
    assert sandbox.call("GET", "limits")["per_minute"] == 60
    assert sandbox.call("GET", "clock")["offset"] == 0
    assert sandbox.call("GET", "requests")["requests"] == []
    assert raw("GET", "Contacts").status_code == 401


def test_organisations(sandbox):
    org = sandbox.create_org("Demo Company (NZ)", tenant_id="fe79f7dd-b6d4-4a92-ba7b-538af6289c58",
                             short_code="!aB1cD", base_currency="NZD", country_code="NZ")
    assert org["tenant_id"] == "fe79f7dd-b6d4-4a92-ba7b-538af6289c58" and org["short_code"] == "!aB1cD"
    assert org["timezone"] == "NEWZEALANDSTANDARDTIME" and org["period_lock_date"] is None
    default = sandbox.create_org("Plain")
    assert default["base_currency"] == "USD" and default["short_code"].startswith("!")
    assert [o["name"] for o in sandbox.call("GET", "organisations")["organisations"]] == ["Demo Company (NZ)", "Plain"]
    again = requests.post(f"{sandbox.url}/_sandbox/organisations", timeout=10,
                          json={"name": "X", "tenant_id": org["tenant_id"]})
    assert again.status_code == 409
    for bad in ({}, {"name": "X", "base_currency": "usd"}, {"name": "X", "period_lock_date": "31/01/2024"}):
        assert requests.post(f"{sandbox.url}/_sandbox/organisations", json=bad, timeout=10).status_code == 400
    updated = sandbox.call("POST", f"organisations/{org['tenant_id']}", json={"period_lock_date": "2024-01-31"})
    assert updated["period_lock_date"] == "2024-01-31"


def test_apps(sandbox, org):
    app = sandbox.create_app(client_id="MYCLIENT", client_secret="s3cret", name="Mine")
    assert (app["client_id"], app["client_secret"], app["name"]) == ("MYCLIENT", "s3cret", "Mine")
    generated = sandbox.create_app()
    assert len(generated["client_id"]) == 32 and generated["client_secret"]
    for bad in ({"redirect_uris": []}, {"redirect_uris": ["http://example.com/cb"]},
                {"redirect_uris": ["ftp://localhost/cb"]},
                {"redirect_uris": [REDIRECT_URI], "organisations": ["nope"]},
                {"redirect_uris": [REDIRECT_URI], "client_id": "MYCLIENT"}):
        resp = requests.post(f"{sandbox.url}/_sandbox/apps", json=bad, timeout=10)
        assert resp.status_code in (400, 409), bad
    assert sandbox.create_app(redirect_uris=["https://odoo.example.com/xero/oauth/callback"])
    sandbox.create_org("Second")
    resp = requests.post(f"{sandbox.url}/_sandbox/apps", json={"custom_connection": True}, timeout=10)
    assert resp.status_code == 400 and "exactly one" in resp.json()["error"]


def test_seed_and_records(sandbox, api, tenant_id):
    seeded = sandbox.call("POST", f"tenants/{tenant_id}/Contacts", json={"Contacts": [
        {"Name": "Old", "UpdatedDateUTC": "2020-01-02T03:04:05Z", "EmailAddress": "not validated"},
        {"Name": "Archived", "ContactStatus": "ARCHIVED"},
    ]})["Contacts"]
    assert seeded[0]["UpdatedDateUTC"] == "/Date(1577934245000+0000)/" and seeded[0]["ContactStatus"] == "ACTIVE"
    assert [c["Name"] for c in sandbox.records(tenant_id)] == ["Old", "Archived"]
    got = api.get_contacts(tenant_id)
    assert [c.name for c in got.contacts] == ["Old"] and got.contacts[0].updated_date_utc.year == 2020
    assert requests.get(f"{sandbox.url}/_sandbox/tenants/{tenant_id}/Nothing", timeout=10).status_code == 404
    assert sandbox.call("DELETE", f"tenants/{tenant_id}/Contacts") == {"deleted": 2}
    assert sandbox.records(tenant_id) == [] and api.get_contacts(tenant_id).contacts == []


def test_bulk_seed_numbers_a_template_and_answers_ids_only(sandbox, api, tenant_id):
    seeded = sandbox.call("POST", f"tenants/{tenant_id}/Contacts/bulk", json={
        "template": {"Name": "Bulk {i:05d}", "EmailAddress": "c{i}@bulk.example",
                     "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": "555 {i}"}], "IsCustomer": True},
        "count": 2500, "start": 10})
    assert seeded["count"] == 2500 and len(set(seeded["ids"])) == 2500 and "Contacts" not in seeded
    stored = sandbox.records(tenant_id)
    assert [c["ContactID"] for c in stored] == seeded["ids"]
    first, last = stored[0], stored[-1]
    assert (first["Name"], first["EmailAddress"], first["Phones"][0]["PhoneNumber"]) == (
        "Bulk 00010", "c10@bulk.example", "555 10")
    assert last["Name"] == "Bulk 02509" and last["ContactStatus"] == "ACTIVE" and last["IsCustomer"] is True
    assert first["UpdatedDateUTC"] == last["UpdatedDateUTC"]
    # what the Accounting API lists, paged like Xero
    page = api.get_contacts(tenant_id, page=3, page_size=1000)
    assert len(page.contacts) == 500 and page.pagination.item_count == 2500
    # a list of records, stored as given (ids kept)
    given = "0c5b3c1e-4f3a-4d7e-9a64-0e3c2b1a0f01"
    seeded = sandbox.call("POST", f"tenants/{tenant_id}/Contacts/bulk", json={"Contacts": [
        {"ContactID": given, "Name": "Given"}, {"Name": "Other"}]})
    assert seeded["count"] == 2 and seeded["ids"][0] == given
    assert api.get_contact(tenant_id, given).contacts[0].name == "Given"
    for bad in ({}, {"template": {"Name": "x"}, "count": -1}, {"template": {"Name": "x"}, "count": True},
                {"template": "x", "count": 1}, {"Contacts": [1]}, {"template": {"Name": "{i:q}"}, "count": 1}):
        resp = requests.post(f"{sandbox.url}/_sandbox/tenants/{tenant_id}/Contacts/bulk", json=bad, timeout=10)
        assert resp.status_code == 400, (bad, resp.text)
    resp = requests.post(f"{sandbox.url}/_sandbox/tenants/{tenant_id}/Nothing/bulk", json={}, timeout=10)
    assert resp.status_code == 404
    assert len(sandbox.records(tenant_id)) == 2502


def test_request_log_redacts_secrets(sandbox, app, tokens, raw):
    seq = max(e["seq"] for e in sandbox.log(path_prefix=None))
    raw("PUT", "Contacts", headers={"Idempotency-Key": "log-1"}, json=contacts_body("Logged"),
        params={"summarizeErrors": "false"})
    sandbox.token(app, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}, basic=False)
    entries = sandbox.log(since=seq, path_prefix=None)
    api_entry, token_entry = entries
    assert api_entry["method"] == "PUT" and api_entry["path"] == "/api.xro/2.0/Contacts"
    assert api_entry["query"] == {"summarizeErrors": "false"} and api_entry["status"] == 200
    assert api_entry["headers"]["Authorization"] == "***" and api_entry["idempotency_key"] == "log-1"
    assert api_entry["body"] == contacts_body("Logged") and api_entry["tenant_id"]
    assert token_entry["body"]["client_secret"] == "***" and token_entry["body"]["refresh_token"] == "***"
    assert token_entry["body"]["grant_type"] == "refresh_token"
    text = json.dumps(sandbox.call("GET", "requests"))
    assert app["client_secret"] not in text and tokens["access_token"] not in text
    assert sandbox.log(since=seq, path_prefix="/api.xro") == [api_entry]
    sandbox.call("DELETE", "requests")
    assert sandbox.call("GET", "requests")["requests"] == []


def test_request_log_last_seq(sandbox, tokens, raw):
    """The newest sequence number without the log (and its bodies); clearing keeps counting."""
    raw("PUT", "Contacts", json=contacts_body("Counted"))
    raw("GET", "Contacts")
    last = sandbox.call("GET", "requests/last")["seq"]
    assert last == max(e["seq"] for e in sandbox.log(path_prefix=None))
    assert SandboxControl(sandbox.url).last_seq() == last and sandbox.log(since=last, path_prefix=None) == []
    sandbox.call("DELETE", "requests")
    assert sandbox.call("GET", "requests/last")["seq"] == last
    raw("GET", "Contacts")
    assert [e["seq"] for e in sandbox.log(since=last, path_prefix=None)] == [last + 1]
    assert sandbox.call("GET", "requests/last")["seq"] == last + 1


def test_limits_settings(sandbox):
    settings = sandbox.limits(per_minute=10, time_scale=2.5)
    assert settings["per_minute"] == 10 and settings["time_scale"] == 2.5 and settings["concurrent"] == 5
    for bad in ({"per_minute": 0}, {"per_minute": 1.5}, {"bogus": 1}, {"time_scale": "fast"}):
        assert requests.post(f"{sandbox.url}/_sandbox/limits", json=bad, timeout=10).status_code == 400


def test_clock(sandbox):
    assert sandbox.advance(30)["offset"] == 30
    assert sandbox.advance(30)["offset"] == 60
    assert sandbox.call("POST", "clock", json={"offset": 5})["offset"] == 5
    assert requests.post(f"{sandbox.url}/_sandbox/clock", json={}, timeout=10).status_code == 400


def test_control_api_answers_loopback_only(server):
    resp = server.app.handle(Request("GET", "/_sandbox/health", "", {}, client_ip="192.0.2.7"))
    assert resp.status == 403


def test_state_file_survives_a_restart(tmp_path):
    path = tmp_path / "state.json"
    first = SandboxServer(port=0, state_file=str(path)).start()
    try:
        box = Sandbox(first.url, first)
        org = box.create_org("Persistent")
        app = box.create_app()
        tokens = box.connect(app)
        requests.put(f"{first.url}/api.xro/2.0/Contacts", json=contacts_body("Kept"), timeout=10,
                     headers={"Authorization": f"Bearer {tokens['access_token']}", "xero-tenant-id": org["tenant_id"]})
    finally:
        first.stop()
    assert json.loads(path.read_text())["orgs"] and not list(tmp_path.glob(".xero_sandbox.*"))
    second = SandboxServer(port=0, state_file=str(path)).start()
    try:
        box = Sandbox(second.url, second)
        assert [c["Name"] for c in box.records(org["tenant_id"])] == ["Kept"]
        resp = requests.get(f"{second.url}/api.xro/2.0/Contacts", timeout=10,
                            headers={"Authorization": f"Bearer {tokens['access_token']}",
                                     "xero-tenant-id": org["tenant_id"]})
        assert resp.status_code == 200 and resp.json()["Contacts"][0]["Name"] == "Kept"
    finally:
        second.stop()


def test_command_line(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "xero_sandbox", "--port", "0", "--state", str(tmp_path / "s.json")],
                            cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("xero_sandbox listening on http://127.0.0.1:")
        url = line.rsplit(" ", 1)[1]
        assert requests.get(f"{url}/_sandbox/health", timeout=10).json() == {"ok": True}
        requests.post(f"{url}/_sandbox/organisations", json={"name": "CLI"}, timeout=10)
        assert (tmp_path / "s.json").exists()
    finally:
        proc.terminate()
        assert proc.wait(10) == 0
