"""Idempotency-Key replays and injected faults (status, delay, dropped connections)."""

import threading
import time

import pytest
import requests
from xero_python.accounting import Contact, Contacts
from xero_python.exceptions import AccountingBadRequestException, HTTPStatusException

from xero_sandbox.idempotency import IdempotencyStore
from xero_sandbox.state import State
from xero_sandbox.wire import Request

from .conftest import contacts_body


def put(raw, key, *names, **kw):
    return raw("PUT", "Contacts", headers={"Idempotency-Key": key}, json=contacts_body(*names), **kw)


# ---------------------------------------------------------------- idempotency
def test_replay_returns_the_same_bytes_without_a_second_effect(sandbox, raw, tenant_id):
    first, second = put(raw, "k-1", "Once"), put(raw, "k-1", "Once")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert second.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert [c["Name"] for c in sandbox.records(tenant_id)] == ["Once"]
    log = sandbox.log()
    assert [(e["idempotency_key"], e["replayed"]) for e in log] == [("k-1", False), ("k-1", True)]


def test_sdk_idempotency_key(api, tenant_id, sandbox):
    body = Contacts(contacts=[Contact(name="Via SDK")])
    a = api.create_contacts(tenant_id, body, idempotency_key="sdk-1").contacts[0]
    b = api.create_contacts(tenant_id, body, idempotency_key="sdk-1").contacts[0]
    assert a.contact_id == b.contact_id and len(sandbox.records(tenant_id)) == 1


def test_a_kept_validation_error_is_replayed_too(raw):
    put(raw, "seed", "Taken")
    first = put(raw, "k-2", "Taken")
    assert first.status_code == 400 and put(raw, "k-2", "Taken").content == first.content


def test_same_key_different_request_is_refused(raw, sandbox, tenant_id):
    put(raw, "k-3", "First")
    resp = put(raw, "k-3", "Second")
    assert resp.status_code == 400
    assert resp.json() == {"ErrorNumber": 10, "Type": "ValidationException",
                           "Message": "Idempotency key has already been used with a different request body."}
    assert raw("POST", "Contacts", headers={"Idempotency-Key": "k-3"},
               json=contacts_body("First")).status_code == 400  # the method is part of the request
    assert [c["Name"] for c in sandbox.records(tenant_id)] == ["First"]


def test_key_length_and_scope(raw, sandbox, app):
    assert put(raw, "x" * 129, "Long").status_code == 400
    assert put(raw, "x" * 128, "Long").status_code == 200
    other = sandbox.create_org("Other")["tenant_id"]
    token = sandbox.connect(app)["access_token"]
    resp = put(raw, "x" * 128, "Long", token=token, tenant=other)  # keys are per tenant
    assert resp.status_code == 200 and "Idempotent-Replayed" not in resp.headers


def test_keys_expire_after_the_retention_window(raw, sandbox):
    put(raw, "k-4", "Kept")
    sandbox.advance(361)
    token = sandbox.connect(sandbox.call("GET", "apps")["apps"][0])["access_token"]
    resp = put(raw, "k-4", "Kept", token=token)
    assert resp.status_code == 400 and "already assigned" in resp.text  # processed anew


def test_a_concurrent_replay_waits_for_the_original():
    state = State()
    store = IdempotencyStore(state)
    req = Request("PUT", "/api.xro/2.0/Contacts", "", {}, b"{}")
    outcome, entry = store.begin("t", "k", req)
    assert outcome == "new"
    seen = []
    waiter = threading.Thread(target=lambda: seen.append(store.begin("t", "k", req)))
    waiter.start()
    time.sleep(0.2)
    assert seen == []  # still waiting for the original
    store.finish("t", "k", entry, "the response")
    waiter.join(5)
    assert seen == [("replay", "the response")]


# ---------------------------------------------------------------- faults
def test_status_fault_answers_without_effect(sandbox, sdk_no_retry, tenant_id):
    sandbox.fault(method="PUT", path="/api.xro/2.0/Contacts", status=500, body={"Detail": "boom"},
                  headers={"X-Custom": "1"})
    api = sdk_no_retry.accounting
    with pytest.raises(HTTPStatusException) as err:
        api.create_contacts(tenant_id, Contacts(contacts=[Contact(name="Lost")]))
    assert err.value.status == 500 and err.value.headers["X-Custom"] == "1"
    assert b"boom" in err.value.body and "X-MinLimit-Remaining" in err.value.headers
    assert sandbox.records(tenant_id) == [] and sandbox.call("GET", "faults")["faults"] == []
    api.create_contacts(tenant_id, Contacts(contacts=[Contact(name="Lost")]))
    assert len(sandbox.records(tenant_id)) == 1


def test_fault_matching_and_count(sandbox, raw):
    rule = sandbox.fault(method="GET", path="/api.xro/2.0/Cont", status=503, count=2)
    assert rule["id"] and rule["count"] == 2
    assert raw("PUT", "Contacts", json=contacts_body("A")).status_code == 200  # method differs
    assert raw("GET", "Organisation").status_code == 200  # path differs
    assert [raw("GET", "Contacts").status_code for _ in range(3)] == [503, 503, 200]
    sandbox.fault(status=418)
    assert sandbox.call("GET", "faults")["faults"][0]["status"] == 418
    sandbox.call("DELETE", "faults")
    assert raw("GET", "Contacts").status_code == 200


def test_429_fault_is_retried_by_urllib3_for_put(sandbox, api, tenant_id):
    sandbox.fault(method="PUT", status=429)
    result = api.create_contacts(tenant_id, Contacts(contacts=[Contact(name="Patient")]), idempotency_key="r-1")
    assert result.contacts[0].name == "Patient"
    assert [(e["status"], e["replayed"]) for e in sandbox.log()] == [(429, False), (200, False)]


def test_delay_fault(sandbox, raw):
    sandbox.fault(path="/api.xro/2.0/Contacts", delay=0.5)
    start = time.monotonic()
    assert raw("GET", "Contacts").status_code == 200
    assert time.monotonic() - start >= 0.5


def test_drop_before_processes_nothing(sandbox, api, tenant_id):
    sandbox.fault(method="POST", path="/api.xro/2.0/Contacts", drop="before")
    with pytest.raises(Exception) as err:  # urllib3 does not re-send a POST
        api.update_or_create_contacts(tenant_id, Contacts(contacts=[Contact(name="Never")]))
    assert not isinstance(err.value, HTTPStatusException)
    assert sandbox.records(tenant_id) == []
    [entry] = sandbox.log()
    assert entry["dropped"] == "before" and entry["status"] is None


def test_drop_after_put_is_resent_and_replayed_once(sandbox, api, tenant_id):
    sandbox.fault(method="PUT", path="/api.xro/2.0/Contacts", drop="after")
    result = api.create_contacts(tenant_id, Contacts(contacts=[Contact(name="Exactly Once")]),
                                 idempotency_key="drop-1")  # urllib3 silently re-sends the PUT
    [stored] = sandbox.records(tenant_id)
    assert result.contacts[0].contact_id == stored["ContactID"]
    log = sandbox.log()
    assert [(e["dropped"], e["replayed"]) for e in log] == [("after", False), (None, True)]


def test_drop_after_without_a_key_duplicates_a_put(sandbox, api, tenant_id):
    # What the Idempotency-Key prevents: the re-sent PUT creates a second contact
    # (here refused as a duplicate name, which the caller sees as an error).
    sandbox.fault(method="PUT", path="/api.xro/2.0/Contacts", drop="after")
    with pytest.raises(AccountingBadRequestException) as err:
        api.create_contacts(tenant_id, Contacts(contacts=[Contact(name="Twice")]))
    assert "already assigned" in err.value.reason
    assert len(sandbox.records(tenant_id)) == 1


def test_drop_after_post_applies_the_change(sandbox, api, tenant_id):
    sandbox.fault(method="POST", drop="after")
    with pytest.raises(Exception):
        api.update_or_create_contacts(tenant_id, Contacts(contacts=[Contact(name="Silent")]))
    assert [c["Name"] for c in sandbox.records(tenant_id)] == ["Silent"]


def test_hold_applies_logs_and_saves_before_answering(sandbox, raw, tenant_id):
    # The window a crash-safety test needs: Xero has applied the write (the record exists, the
    # request log shows it answered 200) while its client still waits for the answer.
    sandbox.fault(method="PUT", path="/api.xro/2.0/Contacts", hold=1.5)
    answer = {}
    thread = threading.Thread(target=lambda: answer.update(resp=put(raw, "hold-1", "Held")))
    start = time.monotonic()
    thread.start()
    deadline = start + 1.2
    while not sandbox.log() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "resp" not in answer, "the answer is held"
    [entry] = sandbox.log()
    assert (entry["method"], entry["status"], entry["idempotency_key"]) == ("PUT", 200, "hold-1")
    assert [c["Name"] for c in sandbox.records(tenant_id)] == ["Held"]
    thread.join(5)
    assert time.monotonic() - start >= 1.5
    assert answer["resp"].status_code == 200 and answer["resp"].json()["Contacts"][0]["Name"] == "Held"
    # the client that never heard the answer replays its key: no second contact
    assert put(raw, "hold-1", "Held").headers["Idempotent-Replayed"] == "true"
    assert len(sandbox.records(tenant_id)) == 1


def test_skip_lets_the_first_matches_through(sandbox, raw, tenant_id):
    rule = sandbox.fault(method="PUT", path="/api.xro/2.0/Contacts", status=503, skip=2)
    assert rule["skip"] == 2
    assert raw("GET", "Contacts").status_code == 200  # not matching: neither skipped nor faulted
    statuses = [put(raw, f"skip-{n}", f"Skip {n}").status_code for n in range(4)]
    assert statuses == [200, 200, 503, 200]  # the 3rd write, once
    assert sorted(c["Name"] for c in sandbox.records(tenant_id)) == ["Skip 0", "Skip 1", "Skip 3"]
    assert sandbox.call("GET", "faults")["faults"] == []


def test_match_narrows_a_rule_to_bodies_containing_the_text(sandbox, raw, tenant_id):
    sandbox.fault(method="PUT", path="/api.xro/2.0/Contacts", status=503, match="Mine ")
    assert put(raw, "m-1", "Other 1").status_code == 200  # not matching: neither faulted nor consumed
    assert put(raw, "m-2", "Mine 1").status_code == 503
    assert put(raw, "m-3", "Mine 2").status_code == 200
    assert sorted(c["Name"] for c in sandbox.records(tenant_id)) == ["Mine 2", "Other 1"]


def test_faults_apply_to_identity_endpoints(sandbox, app, tokens):
    sandbox.fault(path="/connect/token", status=503, body="try later")
    resp = sandbox.token(app, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert resp.status_code == 503 and resp.text == "try later"
    resp = sandbox.token(app, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert resp.status_code == 200  # the faulted call had no effect: the token was still unused


@pytest.mark.parametrize("rule", [{}, {"count": 0, "status": 500}, {"status": 99}, {"drop": "sideways"},
                                  {"delay": -1}, {"status": 500, "colour": "red"},
                                  {"hold": -1}, {"hold": 1, "status": 500}, {"hold": 1, "drop": "before"},
                                  {"status": 500, "skip": -1}, {"status": 500, "skip": 1.5},
                                  {"status": 500, "match": ""}, {"status": 500, "match": 3}])
def test_invalid_fault_rules(sandbox, rule):
    resp = requests.post(f"{sandbox.url}/_sandbox/faults", json=rule, timeout=10)
    assert resp.status_code == 400 and resp.json()["error"]
