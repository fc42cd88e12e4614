"""Rate limits: headers on every answer, 429s, recovery, and urllib3's hidden retry."""

import threading
import time

import pytest
import requests
from xero_python.exceptions import RateLimitException

LIMIT_HEADERS = ("X-DayLimit-Remaining", "X-MinLimit-Remaining", "X-AppMinLimit-Remaining",
                 "Xero-Correlation-Id")


def test_every_api_answer_carries_the_limit_headers(sandbox, raw, tenant_id):
    answers = [
        raw("GET", "Contacts"),  # 200
        raw("PUT", "Contacts", json={"Contacts": [{}]}),  # 400
        raw("GET", "Nothing"),  # 404
        raw("GET", "Contacts", tenant="00000000-0000-0000-0000-000000000000"),  # 403
        requests.get(f"{sandbox.url}/api.xro/2.0/Contacts", timeout=10),  # 401
    ]
    assert [r.status_code for r in answers] == [200, 400, 404, 403, 401]
    for resp in answers:
        assert all(h in resp.headers for h in LIMIT_HEADERS), resp.headers
    assert int(answers[0].headers["X-MinLimit-Remaining"]) == 59
    assert int(answers[2].headers["X-DayLimit-Remaining"]) == 4997
    assert answers[0].headers["Xero-Correlation-Id"] != answers[1].headers["Xero-Correlation-Id"]


def test_minute_limit_and_recovery(sandbox, raw):
    sandbox.limits(per_minute=3, time_scale=60)  # a "minute" lasts one second
    assert [raw("GET", "Contacts").status_code for _ in range(3)] == [200, 200, 200]
    resp = raw("GET", "Contacts")
    assert resp.status_code == 429
    assert resp.headers["X-Rate-Limit-Problem"] == "minute"
    assert resp.headers["Retry-After"] == "1" and resp.headers["X-MinLimit-Remaining"] == "0"
    assert resp.json()["Status"] == 429
    time.sleep(1.05)
    resp = raw("GET", "Contacts")
    assert resp.status_code == 200 and resp.headers["X-MinLimit-Remaining"] == "2"


def test_sdk_sees_rate_limit_exception(sandbox, sdk_no_retry, tenant_id):
    sandbox.limits(per_minute=1, time_scale=60)
    sdk_no_retry.accounting.get_contacts(tenant_id)
    with pytest.raises(RateLimitException) as err:
        sdk_no_retry.accounting.get_contacts(tenant_id)
    assert err.value.rate_limit == "minute" and err.value.headers["Retry-After"] == "1"


def test_urllib3_retries_a_429_get_after_retry_after(sandbox, sdk, tenant_id):
    sandbox.limits(per_minute=1, time_scale=60)
    sdk.accounting.get_contacts(tenant_id)
    start = time.monotonic()
    assert sdk.accounting.get_contacts(tenant_id).contacts == []  # 429, sleep, retry: hidden from the caller
    assert time.monotonic() - start >= 0.9
    statuses = [r["status"] for r in sandbox.log()]
    assert statuses == [200, 429, 200]


def test_day_limit(sandbox, raw):
    sandbox.limits(per_day=2, time_scale=60)
    raw("GET", "Contacts"), raw("GET", "Contacts")
    resp = raw("GET", "Contacts")
    assert resp.status_code == 429 and resp.headers["X-Rate-Limit-Problem"] == "day"
    assert 1400 <= int(resp.headers["Retry-After"]) <= 1440  # a scaled day is 1440 s
    assert resp.headers["X-DayLimit-Remaining"] == "0"


def test_limits_are_per_tenant_but_the_app_limit_is_shared(sandbox, app, raw):
    second = sandbox.create_org("Second")["tenant_id"]
    tokens = sandbox.connect(app)
    sandbox.limits(per_minute=2, app_per_minute=3)
    first = raw("GET", "Contacts", token=tokens["access_token"]).headers["X-AppMinLimit-Remaining"]
    assert first == "2"
    raw("GET", "Contacts", token=tokens["access_token"])
    assert raw("GET", "Contacts", token=tokens["access_token"]).headers["X-Rate-Limit-Problem"] == "minute"
    assert raw("GET", "Contacts", token=tokens["access_token"], tenant=second).status_code == 200
    resp = raw("GET", "Contacts", token=tokens["access_token"], tenant=second)
    assert resp.status_code == 429 and resp.headers["X-Rate-Limit-Problem"] == "appminute"


def test_concurrent_limit(sandbox, raw):
    sandbox.limits(concurrent=2)
    sandbox.fault(method="GET", path="/api.xro/2.0/Contacts", delay=1.0, count=2)
    slow = [threading.Thread(target=raw, args=("GET", "Contacts")) for _ in range(2)]
    for thread in slow:
        thread.start()
    time.sleep(0.4)
    resp = raw("GET", "Contacts")
    assert resp.status_code == 429 and resp.headers["X-Rate-Limit-Problem"] == "concurrent"
    assert resp.headers["Retry-After"] == "1"
    for thread in slow:
        thread.join()
    assert raw("GET", "Contacts").status_code == 200


def test_identity_and_control_are_not_rate_limited(sandbox, app):
    sandbox.limits(per_minute=1, app_per_minute=1)
    for _ in range(3):
        assert sandbox.connect(app)["access_token"]
        assert sandbox.call("GET", "health") == {"ok": True}
