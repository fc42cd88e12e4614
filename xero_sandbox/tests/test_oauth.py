"""Identity: consent page, code flow with PKCE, refresh rotation, revocation,
client credentials, connections, and the API's 401/403 answers."""

from urllib.parse import quote

import pytest
import requests
from xero_python.exceptions import HTTPStatusException

from .conftest import REDIRECT_URI, SCOPES, ConsentForm, Sdk, pkce_pair

TOKEN_KEYS = {"id_token", "access_token", "expires_in", "token_type", "refresh_token", "scope"}


def code_for(sandbox, app, **kw):
    verifier, challenge = pkce_pair()
    query = sandbox.consent(sandbox.authorize_url(app, challenge=challenge, **kw))
    return query, verifier


def exchange(sandbox, app, code, verifier, **kw):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier}
    return sandbox.token(app, data, **kw)


def refresh(sandbox, app, refresh_token):
    return sandbox.token(app, {"grant_type": "refresh_token", "refresh_token": refresh_token}, basic=False)


# ---------------------------------------------------------------- consent
def test_consent_page_offers_the_apps_organisations(sandbox, org):
    other = sandbox.create_org("Other Company")
    app = sandbox.create_app(organisations=[org["tenant_id"]])
    page = requests.get(sandbox.authorize_url(app, challenge=pkce_pair()[1]), timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    form = ConsentForm.parse(page.text)
    assert form.action == "/identity/connect/authorize"
    assert form.tenant_ids == [org["tenant_id"]] and other["tenant_id"] not in page.text
    assert dict(form.fields)["client_id"] == app["client_id"]
    assert {"allow", "deny"} <= set(form.buttons)


@pytest.mark.parametrize("change, message", [
    ({"client_id": "nope"}, "invalid client_id"),
    ({"redirect_uri": "http://localhost/evil"}, "redirect_uri"),
    ({"scope": "accounting.everything"}, "invalid_scope"),
    ({"scope": ""}, "invalid_scope"),
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"code_challenge_method": "plain"}, "PKCE"),
])
def test_authorize_errors_are_shown_not_redirected(sandbox, app, change, message):
    params = {"response_type": "code", "client_id": app["client_id"], "redirect_uri": REDIRECT_URI,
              "scope": SCOPES, "state": "s", "code_challenge": pkce_pair()[1], "code_challenge_method": "S256"}
    params.update(change)
    resp = requests.get(f"{sandbox.url}/identity/connect/authorize", params=params,
                        allow_redirects=False, timeout=10)
    assert resp.status_code == 400 and "Location" not in resp.headers
    assert message in resp.text


def test_deny_redirects_with_access_denied_and_state(sandbox, app):
    query = sandbox.consent(sandbox.authorize_url(app, state="st&te=1"), action="deny")
    assert query == {"error": "access_denied", "state": "st&te=1"}


def test_state_is_echoed_verbatim_and_omitted_when_absent(sandbox, app):
    assert sandbox.consent(sandbox.authorize_url(app, state="a b/c?d"))["state"] == "a b/c?d"
    assert "state" not in sandbox.consent(sandbox.authorize_url(app, state=None))


# ---------------------------------------------------------------- code exchange
def test_code_flow_with_pkce(sandbox, app, tenant_id):
    query, verifier = code_for(sandbox, app, state="abc")
    assert query["state"] == "abc"
    resp = exchange(sandbox, app, query["code"], verifier)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert set(body) == TOKEN_KEYS  # any other key makes the SDK raise TypeError
    assert body["token_type"] == "Bearer" and body["expires_in"] == 1800
    assert body["scope"].split() == SCOPES.split()
    conns = requests.get(f"{sandbox.url}/connections", timeout=10,
                         headers={"Authorization": f"Bearer {body['access_token']}"}).json()
    assert [c["tenantId"] for c in conns] == [tenant_id]


def test_code_exchange_with_client_secret_in_body(sandbox, app):
    query, verifier = code_for(sandbox, app)
    assert exchange(sandbox, app, query["code"], verifier, basic=False).status_code == 200


@pytest.mark.parametrize("verifier", ["wrong" * 10, "", None])
def test_bad_or_missing_pkce_verifier_is_invalid_grant(sandbox, app, verifier):
    query, _ = code_for(sandbox, app)
    data = {"grant_type": "authorization_code", "code": query["code"], "redirect_uri": REDIRECT_URI}
    if verifier is not None:
        data["code_verifier"] = verifier
    resp = sandbox.token(app, data)
    assert resp.status_code == 400 and resp.json() == {"error": "invalid_grant"}


def test_redirect_uri_must_match_the_authorize_request(sandbox, app):
    query, verifier = code_for(sandbox, app)
    resp = sandbox.token(app, {"grant_type": "authorization_code", "code": query["code"],
                               "redirect_uri": "http://localhost:8069/other", "code_verifier": verifier})
    assert resp.json() == {"error": "invalid_grant"}


def test_reused_code_is_refused_and_revokes_its_tokens(sandbox, app, raw):
    query, verifier = code_for(sandbox, app)
    first = exchange(sandbox, app, query["code"], verifier).json()
    again = exchange(sandbox, app, query["code"], verifier)
    assert again.status_code == 400 and again.json() == {"error": "invalid_grant"}
    assert raw("GET", "Contacts", token=first["access_token"]).status_code == 401
    assert refresh(sandbox, app, first["refresh_token"]).json() == {"error": "invalid_grant"}


def test_expired_code_is_invalid_grant(sandbox, app):
    query, verifier = code_for(sandbox, app)
    sandbox.advance(301)
    assert exchange(sandbox, app, query["code"], verifier).json() == {"error": "invalid_grant"}


def test_client_authentication_errors(sandbox, app):
    bad = dict(app, client_secret="wrong")
    resp = sandbox.token(bad, {"grant_type": "client_credentials"})
    assert resp.status_code == 401 and resp.json() == {"error": "invalid_client"}
    resp = sandbox.token(app, {"grant_type": "password"})
    assert resp.status_code == 400 and resp.json() == {"error": "unsupported_grant_type"}
    resp = sandbox.token(app, {"grant_type": "client_credentials"})  # not a custom connection
    assert resp.status_code == 400 and resp.json() == {"error": "unauthorized_client"}


def test_client_secret_with_special_characters(sandbox, org):
    app = sandbox.create_app(client_secret="p@ss:w%rd+é")
    assert sandbox.token(app, {"grant_type": "refresh_token", "refresh_token": "x"}, basic=False).status_code == 400
    encoded = {"client_id": app["client_id"], "client_secret": quote(app["client_secret"], safe="")}
    resp = requests.post(f"{sandbox.url}/connect/token", data={"grant_type": "refresh_token", "refresh_token": "x"},
                         auth=(encoded["client_id"], encoded["client_secret"]), timeout=10)
    assert resp.status_code == 400 and resp.json() == {"error": "invalid_grant"}  # authenticated


def test_without_offline_access_there_is_no_refresh_token(sandbox, app):
    body = sandbox.connect(app, scope="accounting.contacts")
    assert set(body) == {"access_token", "expires_in", "token_type", "scope"}


# ---------------------------------------------------------------- refresh
def test_refresh_rotates_tokens(sandbox, app, tokens, raw):
    first = refresh(sandbox, app, tokens["refresh_token"])
    assert first.status_code == 200 and set(first.json()) == TOKEN_KEYS
    new = first.json()
    assert new["refresh_token"] != tokens["refresh_token"] and new["access_token"] != tokens["access_token"]
    assert raw("GET", "Contacts", token=new["access_token"]).status_code == 200
    # The new refresh token is single-use too, and rotates again.
    assert refresh(sandbox, app, new["refresh_token"]).status_code == 200


def test_used_refresh_token_works_only_within_grace(sandbox, app, tokens):
    assert refresh(sandbox, app, tokens["refresh_token"]).status_code == 200
    sandbox.advance(29 * 60)
    retry = refresh(sandbox, app, tokens["refresh_token"])  # a lost response, retried
    assert retry.status_code == 200
    sandbox.advance(2 * 60)
    late = refresh(sandbox, app, tokens["refresh_token"])
    assert late.status_code == 400 and late.json() == {"error": "invalid_grant"}
    # Tokens issued during the grace period stay valid.
    assert refresh(sandbox, app, retry.json()["refresh_token"]).status_code == 200


def test_unused_refresh_token_expires_after_60_days(sandbox, app, tokens):
    sandbox.advance(60 * 86400 + 1)
    assert refresh(sandbox, app, tokens["refresh_token"]).json() == {"error": "invalid_grant"}


def test_refresh_token_of_another_client_is_invalid_grant(sandbox, app, tokens):
    other = sandbox.create_app()
    assert refresh(sandbox, other, tokens["refresh_token"]).json() == {"error": "invalid_grant"}


def test_sdk_refreshes_an_expiring_token_by_itself(sdk, tenant_id, sandbox):
    sdk.token["expires_at"] = 0  # due: the SDK refreshes before the call
    contacts = sdk.accounting.get_contacts(tenant_id)
    assert contacts.contacts == []
    assert len(sdk.saved) == 1 and isinstance(sdk.saved[0]["scope"], list)
    refreshes = sandbox.call("GET", "requests", params={"path_prefix": "/connect/token"})["requests"]
    assert refreshes[-1]["body"]["grant_type"] == "refresh_token"
    assert refreshes[-1]["body"]["refresh_token"] == "***"


def test_sdk_refresh_with_revoked_grant_fails_with_invalid_grant(sdk, tenant_id, sandbox):
    sandbox.call("POST", "tokens/revoke")
    sdk.token["expires_at"] = 0
    with pytest.raises(HTTPStatusException) as err:
        sdk.accounting.get_contacts(tenant_id)
    assert err.value.status == 400 and '"invalid_grant"' in err.value.body.decode()


# ---------------------------------------------------------------- revocation
def test_revocation_revokes_the_grant_and_its_connections(sdk, sandbox, app, tokens, raw):
    sdk.api_client.revoke_oauth2_token()
    assert raw("GET", "Contacts").status_code == 401
    assert refresh(sandbox, app, tokens["refresh_token"]).json() == {"error": "invalid_grant"}
    fresh = sandbox.connect(app)  # consenting again reconnects
    assert raw("GET", "Contacts", token=fresh["access_token"]).status_code == 200


def test_revocation_needs_client_authentication(sandbox, app, tokens):
    resp = requests.post(f"{sandbox.url}/connect/revocation", data={"token": tokens["refresh_token"]},
                         auth=(app["client_id"], "bad"), timeout=10)
    assert resp.status_code == 401 and resp.json() == {"error": "invalid_client"}


# ---------------------------------------------------------------- client credentials
def test_client_credentials_for_a_custom_connection(sandbox, org, tenant_id):
    sandbox.create_org("Not Mine")
    app = sandbox.create_app(redirect_uris=[], custom_connection=True, organisations=[tenant_id])
    resp = sandbox.token(app, {"grant_type": "client_credentials"}, basic=False)
    assert resp.status_code == 200
    body = resp.json()
    assert set(body) == {"access_token", "expires_in", "token_type", "scope"}
    sdk = Sdk(sandbox.url, app, body)
    assert [c.tenant_id for c in sdk.identity.get_connections()] == [tenant_id]
    assert sdk.accounting.get_organisations(tenant_id).organisations[0].name == org["name"]
    # The SDK's own client-credentials helper works too.
    assert sdk.api_client.get_client_credentials_token()["access_token"]


def test_custom_connection_cannot_use_the_consent_page(sandbox, tenant_id):
    app = sandbox.create_app(redirect_uris=[REDIRECT_URI], custom_connection=True)
    resp = requests.get(sandbox.authorize_url(app), timeout=10)
    assert resp.status_code == 400 and "client_credentials" in resp.text


# ---------------------------------------------------------------- connections
def test_connections_list_and_delete(sandbox, app, org, sdk, raw):
    second = sandbox.create_org("Second Company")
    tokens = sandbox.connect(app)  # both organisations offered and granted by default
    sdk.token["access_token"] = tokens["access_token"]
    connections = sdk.identity.get_connections()
    assert {c.tenant_name for c in connections} == {org["name"], second["name"]}
    assert all(c.tenant_type == "ORGANISATION" and c.created_date_utc.tzinfo for c in connections)
    event = connections[0].auth_event_id
    assert len(sdk.identity.get_connections(auth_event_id=event)) == 2
    assert sdk.identity.get_connections(auth_event_id="00000000-0000-0000-0000-000000000000") == []
    target = next(c for c in connections if c.tenant_id == second["tenant_id"])
    assert raw("GET", "Contacts", token=tokens["access_token"], tenant=second["tenant_id"]).status_code == 200
    sdk.identity.delete_connection(target.id)
    assert [c.tenant_id for c in sdk.identity.get_connections()] == [org["tenant_id"]]
    resp = raw("GET", "Contacts", token=tokens["access_token"], tenant=second["tenant_id"])
    assert resp.status_code == 403 and resp.json()["Detail"] == "AuthenticationUnsuccessful"
    gone = requests.delete(f"{sandbox.url}/Connections/{target.id}", timeout=10,
                           headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert gone.status_code == 404


def test_connection_dates_have_seven_fraction_digits(sandbox, tokens):
    conns = requests.get(f"{sandbox.url}/Connections", timeout=10,
                         headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
    assert len(conns[0]["createdDateUtc"].split(".")[1]) == 7
    assert set(conns[0]) == {"id", "authEventId", "tenantId", "tenantType", "tenantName",
                             "createdDateUtc", "updatedDateUtc"}


# ---------------------------------------------------------------- API auth errors
def test_expired_access_token_is_401_token_expired(sandbox, raw, sdk, tenant_id):
    sandbox.advance(1801)
    resp = raw("GET", "Contacts")
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    body = resp.json()
    assert body["Title"] == "Unauthorized" and body["Status"] == 401 and body["Instance"]
    assert body["Detail"].startswith("TokenExpired: token expired at ")
    # The SDK, believing its token valid, surfaces the 401 without retrying.
    sdk.token["expires_at"] = 4102444800
    with pytest.raises(HTTPStatusException) as err:
        sdk.accounting.get_contacts(tenant_id)
    assert err.value.status == 401


def test_control_expire_tokens(sandbox, raw):
    assert sandbox.call("POST", "tokens/expire")["expired"] >= 1
    assert raw("GET", "Contacts").json()["Detail"].startswith("TokenExpired")


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic abc"])
def test_missing_or_unknown_token_is_authentication_unsuccessful(sandbox, tenant_id, header):
    headers = {"xero-tenant-id": tenant_id}
    if header:
        headers["Authorization"] = header
    resp = requests.get(f"{sandbox.url}/api.xro/2.0/Contacts", headers=headers, timeout=10)
    assert resp.status_code == 401 and resp.json()["Detail"] == "AuthenticationUnsuccessful"


@pytest.mark.parametrize("tenant", [None, "00000000-0000-0000-0000-000000000000", "other"])
def test_wrong_tenant_is_403(sandbox, raw, tenant):
    if tenant == "other":
        tenant = sandbox.create_org("Not granted")["tenant_id"]
    resp = raw("GET", "Contacts", tenant=tenant)
    assert resp.status_code == 403
    assert {k: v for k, v in resp.json().items() if k != "Instance"} == {
        "Title": "Forbidden", "Status": 403, "Detail": "AuthenticationUnsuccessful"}


def test_read_only_scope_cannot_write(sandbox, app, raw):
    tokens = sandbox.connect(app, scope="offline_access accounting.contacts.read")
    assert raw("GET", "Contacts", token=tokens["access_token"]).status_code == 200
    resp = raw("PUT", "Contacts", token=tokens["access_token"], json={"Contacts": [{"Name": "A"}]})
    assert resp.status_code == 401 and resp.json()["Detail"] == "AuthorizationUnsuccessful"
    resp = raw("GET", "Organisation", token=tokens["access_token"])  # needs accounting.settings
    assert resp.status_code == 401
