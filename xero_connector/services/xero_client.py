"""The one place that talks to Xero.

This module is the only importer of ``xero_python`` in the addon.  It speaks
plain dictionaries with Xero's own (PascalCase) keys to the rest of the addon,
so models and mappers never see SDK classes, and it turns every failure into
one of the exceptions below.

It knows nothing about Odoo: tokens come from a ``token_provider`` callable
and rate-limit figures go to an ``on_limits`` callback, both supplied by the
``xero.connection`` model, and so does the translator of its messages for people
(``translate``, the connection's ``env._``; English without one).  Messages are
written as ``_("... %(x)s", x=...)`` calls so that Odoo's exporter finds them.
"""

import base64
import calendar
import contextlib
import datetime
import hashlib
import json
import logging
import re
import secrets
import threading
import time
import uuid
from urllib.parse import urlencode

import requests
import urllib3

from xero_python.accounting import AccountingApi
from xero_python.accounting import models as accounting_models
from xero_python.api_client import ApiClient, ModelFinder
from xero_python.api_client.configuration import Configuration
from xero_python.api_client.deserializer import deserialize
from xero_python.api_client.oauth2 import OAuth2Token
from xero_python.api_client.serializer import serialize
from xero_python.exceptions import ApiException, HTTPStatusException
from xero_python.identity import IdentityApi

_logger = logging.getLogger(__name__)

DEFAULT_LOGIN_URL = "https://login.xero.com"
DEFAULT_IDENTITY_URL = "https://identity.xero.com"
DEFAULT_API_URL = "https://api.xero.com"
DEFAULT_WEB_URL = "https://go.xero.com"
# --------------------------------------------------------------------------
# Scopes
# --------------------------------------------------------------------------
# Xero apps created since 2 March 2026 may not ask for the broad accounting.transactions
# scope (the authorize step answers invalid_scope / unauthorized_client); older apps must move
# to the granular scopes by September 2027.  We ask for the granular scope of each entity the
# connection syncs, read-write, since it writes as well as reads.  From Xero's 2026 scope list:
# accounting.invoices covers invoices, credit notes (and their allocations), purchase orders,
# quotes, repeating invoices and items; accounting.payments payments, overpayments,
# prepayments and batch payments; accounting.banktransactions bank transactions and transfers;
# accounting.manualjournals manual journals.  Items answer to
# accounting.settings as well, which the chart of accounts, tax rates, branding themes and the
# organisation need anyway; contacts (and contact groups) keep accounting.contacts.
IDENTITY_SCOPES = ("offline_access", "openid", "profile", "email")
ENTITY_SCOPES = {  # Xero entity -> the scope it needs; a new entity adds a row here
    "Organisation": "accounting.settings",
    "Accounts": "accounting.settings",
    "TaxRates": "accounting.settings",
    "BrandingThemes": "accounting.settings",
    "Currencies": "accounting.settings",
    "TrackingCategories": "accounting.settings",
    "Items": "accounting.settings",
    "Contacts": "accounting.contacts",
    "Invoices": "accounting.invoices",
    "CreditNotes": "accounting.invoices",
    "Allocations": "accounting.invoices",
    "PurchaseOrders": "accounting.invoices",
    "Payments": "accounting.payments",
    "BankTransactions": "accounting.banktransactions",
    "Attachments": "accounting.attachments",  # files of invoices, bills, credit notes, purchase orders
    "ManualJournals": "accounting.manualjournals",
    "ContactGroups": "accounting.contacts",
    "Overpayments": "accounting.payments",
    "Prepayments": "accounting.payments",
}
# The broad scopes that the granular ones replace (refused to apps created since 2026-03-02).
RETIRED_SCOPES = ("accounting.transactions", "accounting.transactions.read")


def scopes_for(entities=None):
    """The accounting scopes ``entities`` need (all synced entities when None), in a stable order."""
    wanted = ENTITY_SCOPES if entities is None else {e: ENTITY_SCOPES[e] for e in entities if e in ENTITY_SCOPES}
    return list(dict.fromkeys(sorted(wanted.values())))


def scope_covers(granted, scope):
    """True when the ``granted`` scopes (an iterable) allow what ``scope`` allows."""
    granted = set(granted)
    return scope in granted or (scope.endswith(".read") and scope[:-len(".read")] in granted)


DEFAULT_SCOPES = " ".join(IDENTITY_SCOPES + tuple(scopes_for()))
BATCH_SIZE = 50  # Xero's recommended maximum number of elements per write
TIMEOUT = 60  # seconds, per HTTP request
# Refresh this long before expiry: more than the SDK's own 60 s buffer, so the
# SDK never tries a refresh of its own (it would post to Xero's real host).
TOKEN_MARGIN = 120

_MODEL_FINDER = ModelFinder(accounting_models)
# The only keys xero-python's OAuth2Token.update_token() accepts (any other: TypeError).
_SDK_TOKEN_KEYS = ("access_token", "refresh_token", "id_token", "token_type", "expires_in",
                   "expires_at", "scope")


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------
def _english(source, *args, **kwargs):
    """The translator when none is given: the English text, formatted like ``env._``."""
    params = args or kwargs
    return source % params if params else source


def _lt(source):
    """Marks a term for Odoo's exporter (keyword ``_lt``); translated where it is used."""
    return source


class XeroError(Exception):
    """A failure talking to Xero.  ``message`` is for people, ``detail`` for admins."""

    def __init__(self, message, *, status=None, detail=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.detail = detail

    def __str__(self):
        return self.message


class XeroAuthError(XeroError):
    """The grant is gone (invalid_grant, revoked, disconnected): re-authorise."""


class XeroForbiddenError(XeroError):
    """The organisation is not (or no longer) connected to this app (403)."""


class XeroScopeError(XeroError):
    """Xero refused a call because the connection was not granted the scope it needs.

    Not an authorisation failure of the whole connection (the other entities keep working):
    the fix is a re-consent that asks for ``scope``.
    """

    def __init__(self, message, *, scope=None, **kw):
        super().__init__(message, **kw)
        self.scope = scope


class XeroNotFoundError(XeroError):
    """404 from Xero."""


class XeroValidationError(XeroError):
    """400 from Xero; ``messages`` lists Xero's validation messages."""

    def __init__(self, message, *, messages=(), **kw):
        super().__init__(message, **kw)
        self.messages = list(messages)


class XeroRateLimitError(XeroError):
    """429 that could not be waited out within the budget.

    ``problem`` is Xero's ``X-Rate-Limit-Problem`` (``minute``, ``day``, ``concurrent``,
    ``appminute``); ``reset_at`` the POSIX time when Xero's budget comes back.
    """

    def __init__(self, message, *, retry_after, problem=None, **kw):
        super().__init__(message, **kw)
        self.retry_after = retry_after
        self.problem = problem
        self.reset_at = time.time() + (retry_after or 0)


class XeroTransientError(XeroError):
    """Network failure or 5xx: safe to retry later with the same idempotency key."""


class XeroPayloadError(XeroError):
    """A record that Xero's own SDK refuses before sending (length, enum, ...)."""


# --------------------------------------------------------------------------
# OAuth2 helpers (the SDK has no authorize URL, code exchange or PKCE)
# --------------------------------------------------------------------------
def make_pkce_pair():
    """Return (code_verifier, code_challenge) for PKCE S256."""
    verifier = secrets.token_urlsafe(64)[:96]
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return verifier, challenge


def authorize_url(login_url, *, client_id, redirect_uri, scopes, state, code_challenge):
    query = urlencode({
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(scopes.split()),
        "state": state,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
    })
    return f"{login_url.rstrip('/')}/identity/connect/authorize?{query}"


def _token_request(identity_url, path, client_id, client_secret, data, _=_english):
    url = f"{identity_url.rstrip('/')}{path}"
    try:
        resp = requests.post(url, data=data, auth=(client_id, client_secret), timeout=TIMEOUT)
    except requests.RequestException as exc:
        raise XeroTransientError(_("Xero's identity service could not be reached: %(error)s", error=exc)) from exc
    if resp.status_code == 200:
        return resp.json() if resp.content else {}
    try:
        error = resp.json().get("error") or resp.text
    except ValueError:
        error = resp.text
    if error in ("invalid_grant", "invalid_client", "unauthorized_client"):
        raise XeroAuthError(
            _("Xero refused the authorisation (%(error)s).", error=error), status=resp.status_code, detail=error)
    if resp.status_code >= 500:
        raise XeroTransientError(
            _("Xero's identity service failed (HTTP %(status)s).", status=resp.status_code), status=resp.status_code,
            detail=resp.text[:2000])
    raise XeroError(
        _("Xero's identity service answered HTTP %(status)s: %(error)s", status=resp.status_code, error=error),
        status=resp.status_code,
        detail=resp.text[:2000])


def _token_from_response(data, scopes):
    """Keep exactly what the SDK's OAuth2Token accepts, with an absolute expiry."""
    expires_in = int(data.get("expires_in") or 1800)
    return {
        "access_token": data["access_token"],
        "refresh_token": data.get("refresh_token"),
        "id_token": data.get("id_token"),
        "token_type": data.get("token_type", "Bearer"),
        "expires_in": expires_in,
        "expires_at": time.time() + expires_in,
        "scope": (data.get("scope") or scopes).split(),
    }


def exchange_code(identity_url, *, client_id, client_secret, code, redirect_uri, code_verifier, scopes,
                  translate=_english):
    data = _token_request(identity_url, "/connect/token", client_id, client_secret, {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
    }, translate)
    return _token_from_response(data, scopes)


def refresh_token(identity_url, *, client_id, client_secret, refresh_token, scopes, translate=_english):
    data = _token_request(identity_url, "/connect/token", client_id, client_secret, {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
    }, translate)
    return _token_from_response(data, scopes)


def revoke_token(identity_url, *, client_id, client_secret, token, translate=_english):
    _token_request(identity_url, "/connect/revocation", client_id, client_secret, {"token": token}, translate)


# --------------------------------------------------------------------------
# Payload helpers
# --------------------------------------------------------------------------
def to_model(type_name, data, translate=_english):
    """Build an SDK model from a Xero-shaped dict; the SDK's validation applies."""
    try:
        return deserialize(type_name, data, _MODEL_FINDER)
    except (ValueError, TypeError) as exc:
        raise XeroPayloadError(_humanize_sdk_error(str(exc), translate), detail=str(exc)) from exc


def xero_date(value):
    """A date (or ISO date text) in the form the SDK's models take, ``/Date(ms+0000)/``;
    the SDK sends it as an ISO date."""
    if not value:
        return None
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value[:10])
    return f"/Date({calendar.timegm(value.timetuple()) * 1000}+0000)/"


def from_xero_date(value):
    """Xero's date (``/Date(ms+0000)/``, ISO text or a date) as a ``datetime.date``."""
    if not value:
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    found = re.fullmatch(r"/Date\((-?\d+)(?:[+-]\d{4})?\)/", value)
    if found:
        return datetime.datetime.fromtimestamp(int(found.group(1)) / 1000, datetime.timezone.utc).date()
    return datetime.date.fromisoformat(value[:10])


def to_dict(model):
    """SDK model(s) back to Xero-shaped plain data."""
    return serialize(model)


def _humanize_sdk_error(text, _=_english):
    # "Invalid value for `name`, length must be less than or equal to `255`"
    if text.startswith("Invalid value for `"):
        field = text.split("`")[1].replace("_", " ")
        rest = text.split("`, ", 1)[-1].replace("`", "")
        return _("Xero does not accept this %(field)s: %(problem)s.", field=field, problem=rest)
    return text


def payload_hash(payload):
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()
    ).hexdigest()


# Entity name -> how the SDK calls it.  New entities add a row here.
ENTITIES = {
    "Contacts": {
        "item": "Contact",
        "envelope": "Contacts",
        "param": "contacts",
        "get": "get_contacts",
        "create": "create_contacts",
        "upsert": "update_or_create_contacts",
        "paged": True,
        "ids_filter": True,  # the list takes IDs=...
        "summary": True,  # the list takes summaryOnly=true (match keys without addresses, persons)
    },
    "Items": {
        "item": "Item",
        "envelope": "Items",
        "param": "items",
        "get": "get_items",
        "create": "create_items",
        "upsert": "update_or_create_items",
        "paged": False,
        "delete": "delete_item",
        "unitdp": True,  # unit prices with 4 decimals both ways
    },
    "Accounts": {"item": "Account", "envelope": "Accounts", "get": "get_accounts", "paged": False},
    "TaxRates": {"item": "TaxRate", "envelope": "TaxRates", "get": "get_tax_rates", "paged": False,
                 "no_since": True},
    "BrandingThemes": {"item": "BrandingTheme", "envelope": "BrandingThemes", "get": "get_branding_themes",
                       "paged": False, "no_params": True},
    "Currencies": {"item": "Currency", "envelope": "Currencies", "get": "get_currencies", "paged": False,
                   "no_params": True},
    "Invoices": {
        "item": "Invoice", "envelope": "Invoices", "param": "invoices", "get": "get_invoices",
        "create": "create_invoices", "upsert": "update_or_create_invoices", "paged": True, "unitdp": True,
        "ids_filter": True, "summary": True,
    },
    "CreditNotes": {
        "item": "CreditNote", "envelope": "CreditNotes", "param": "credit_notes", "get": "get_credit_notes",
        "create": "create_credit_notes", "upsert": "update_or_create_credit_notes", "paged": True,
        "unitdp": True,
    },
    "PurchaseOrders": {
        "item": "PurchaseOrder", "envelope": "PurchaseOrders", "param": "purchase_orders",
        "get": "get_purchase_orders", "create": "create_purchase_orders",
        "upsert": "update_or_create_purchase_orders", "paged": True,
    },
    "BankTransactions": {
        "item": "BankTransaction", "envelope": "BankTransactions", "param": "bank_transactions",
        "get": "get_bank_transactions", "create": "create_bank_transactions",
        "upsert": "update_or_create_bank_transactions", "paged": True, "unitdp": True,
    },
    "Allocations": {"item": "Allocation", "envelope": "Allocations", "paged": False},
    "TrackingCategories": {"item": "TrackingCategory", "envelope": "TrackingCategories",
                           "get": "get_tracking_categories", "paged": False, "no_since": True},
    "ManualJournals": {
        "item": "ManualJournal", "envelope": "ManualJournals", "param": "manual_journals",
        "get": "get_manual_journals", "create": "create_manual_journals",
        "upsert": "update_or_create_manual_journals", "paged": True,
    },
    # not paged, no If-Modified-Since (a group has no UpdatedDateUTC); written one at a time
    "ContactGroups": {"item": "ContactGroup", "envelope": "ContactGroups", "get": "get_contact_groups",
                      "paged": False, "no_since": True},
    "Overpayments": {"item": "Overpayment", "envelope": "Overpayments", "get": "get_overpayments", "paged": True,
                     "unitdp": True},
    "Prepayments": {"item": "Prepayment", "envelope": "Prepayments", "get": "get_prepayments", "paged": True,
                    "unitdp": True},
    "Payments": {
        "item": "Payment", "envelope": "Payments", "param": "payments", "get": "get_payments",
        "create": "create_payments", "paged": True,
    },
}
# Entity -> (the SDK's name for it in its attachment methods, whether IncludeOnline is accepted)
ATTACHMENT_ENTITIES = {"Invoices": ("invoice", True), "CreditNotes": ("credit_note", True),
                       "PurchaseOrders": ("purchase_order", False)}
MAX_ATTACHMENTS = 10  # files per document through the API
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024  # per file (Xero answers 413 beyond; see the sandbox's attachments.py)
CONCURRENT_SLOTS = 5  # Xero: at most 5 requests in flight per organisation
MINUTE_SECONDS = 60.0  # the length of Xero's rate-limit minute window
# tenant id -> {"start", "remaining", "pause_until"} (time.monotonic()): this process's view of
# each organisation's minute window, shared by all its clients (threads of one worker)
_WINDOWS = {}
_WINDOWS_LOCK = threading.Lock()
PAGE_SIZE = 1000  # records per page on paged lists (Xero allows 1 to 1000)
_SCALARS = {"str": "char", "bool": "boolean", "float": "float", "int": "integer",
            "date[ms-format]": "date", "datetime[ms-format]": "datetime"}


def field_types(entity, depth=2):
    """``{"Name": "char", "SalesDetails.UnitPrice": "float", ...}``: the scalar
    fields of an entity's Xero record (nested single objects to ``depth``),
    as the SDK's model declares them.  Enumerations count as text."""
    def walk(model, prefix, level):
        out = {}
        for attr, type_name in model.openapi_types.items():
            key = prefix + model.attribute_map[attr]
            if type_name in _SCALARS:
                out[key] = _SCALARS[type_name]
                continue
            nested = getattr(accounting_models, type_name, None)
            if nested is None or type_name.startswith("list["):
                continue
            if hasattr(nested, "openapi_types") and nested.openapi_types and level < depth:
                out.update(walk(nested, key + ".", level + 1))
            elif not getattr(nested, "openapi_types", None):  # an enumeration
                out[key] = "char"
        return out
    return walk(getattr(accounting_models, ENTITIES[entity]["item"]), "", 1)


# --------------------------------------------------------------------------
# The client
# --------------------------------------------------------------------------
class XeroClient:
    """One organisation (tenant) of one connection.

    :param token_provider: ``callable(force=False) -> dict`` returning a token dict
        (``access_token``, ``expires_at``, ...) valid for at least TOKEN_MARGIN seconds;
        ``force=True`` asks for a refresh (after a 401).
    :param on_limits: ``callable(dict)`` receiving Xero's remaining-budget headers.
    :param wait_budget: seconds this client may sleep in total on 429 answers.
    :param before_wait: ``callable(seconds)`` called before sleeping (the caller
        commits its transaction there, so nothing waits with a transaction open).
    :param slot_guard: ``callable() -> context manager`` entered around each Accounting
        API request: it holds one of the tenant's CONCURRENT_SLOTS for the request (the
        connection model builds it from PostgreSQL advisory locks, so the 5-in-flight limit
        holds across processes and servers); entering may wait, or raise XeroRateLimitError.
    :param minute_seconds: the length of Xero's rate-limit minute (60; shorter only for a
        sandbox run with a time scale).  When ``X-MinLimit-Remaining`` reaches 0 the next
        call waits until the minute window that this process saw open has closed.
    :param translate: ``callable(source, **params) -> str`` (``env._``) for the messages of
        the errors raised; English without it.
    """

    def __init__(self, *, api_url, tenant_id, token_provider, client_id="", client_secret="",
                 on_limits=None, wait_budget=30.0, before_wait=None, max_retries=3,
                 slot_guard=None, minute_seconds=MINUTE_SECONDS, translate=_english):
        self.tenant_id = tenant_id
        self._ = translate  # messages for people: _("...") calls, for Odoo's exporter
        self.token_provider = token_provider
        self.on_limits = on_limits
        self.wait_budget = wait_budget
        self.before_wait = before_wait
        self.max_retries = max_retries
        self.slot_guard = slot_guard
        self.minute_seconds = minute_seconds
        self.calls = 0  # HTTP requests sent, retries included
        self.waited = 0.0  # seconds slept on Xero's limits
        api_url = api_url.rstrip("/")

        # Configuration is a process-wide default (xero-python#99): whatever is
        # passed to the constructor is ignored after the first call.  Assign the
        # token object afterwards, per client.
        config = Configuration()
        config.oauth2_token = OAuth2Token(client_id=client_id, client_secret=client_secret)
        config.debug = False
        self._token = {}
        self.api_client = ApiClient(
            config,
            pool_threads=1,
            oauth2_token_getter=lambda: self._token,
            oauth2_token_saver=self._sdk_saved_token,
        )
        # We retry ourselves (with the same Idempotency-Key, within a budget);
        # urllib3's hidden retries would sleep on 429 and re-send PUTs.
        self.api_client.rest_client.pool_manager.connection_pool_kw["retries"] = urllib3.Retry(
            total=0, connect=0, read=0, redirect=0, status=0, raise_on_status=False,
            respect_retry_after_header=False)
        self.accounting = AccountingApi(self.api_client, base_url=f"{api_url}/api.xro/2.0")
        self.identity = IdentityApi(self.api_client, base_url=api_url)

    def _sdk_saved_token(self, token):
        # Only reached if the SDK refreshed by itself, which TOKEN_MARGIN prevents.
        _logger.warning("xero-python refreshed a token on its own; ignoring it")

    # -- low level -------------------------------------------------------
    def _call(self, method_name, *args, api=None, **kwargs):
        """Call an SDK method; return (data, headers).  Handles 401, 429, network errors.

        Before each request: wait out a known-empty minute window (within the wait budget), then
        hold one of the tenant's concurrency slots for the request alone (never while sleeping).
        """
        api = api or self.accounting
        spent = 0.0
        refreshed = False
        attempts = 0
        while True:
            attempts += 1
            spent += self._pace(self.wait_budget - spent)
            token = self.token_provider(force=False)
            self._token = {k: token.get(k) for k in _SDK_TOKEN_KEYS}
            self.calls += 1
            sent_at = time.monotonic()
            try:
                with self._slot(api):
                    data, _status, headers = getattr(api, method_name)(
                        *args, _return_http_data_only=False, _request_timeout=TIMEOUT, **kwargs)
                self._report_limits(headers, sent_at)
                return data, headers
            except HTTPStatusException as exc:
                self._report_limits(exc.headers or {}, sent_at)
                status = exc.status
                if status == 401 and not refreshed and not is_scope_refusal(exc):
                    refreshed = True
                    self.token_provider(force=True)
                    continue
                if status == 429:
                    retry_after = _retry_after(exc.headers)
                    problem = (exc.headers or {}).get("X-Rate-Limit-Problem")
                    self._hold_off(retry_after)
                    if spent + retry_after <= self.wait_budget and attempts <= self.max_retries + 3:
                        continue  # _pace() waits it out before the next attempt
                    raise XeroRateLimitError(
                        _rate_limit_message(problem, retry_after, self._),
                        status=429, retry_after=retry_after, problem=problem) from exc
                if status >= 500 and attempts <= self.max_retries:
                    self._sleep(min(2 ** attempts, 10))
                    continue
                raise _translate(exc, method_name, self._) from exc
            except ApiException as exc:
                raise _translate(exc, method_name, self._) from exc
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                # Dropped connection, timeout, refused: retry with the same
                # arguments (and so the same Idempotency-Key).
                if attempts <= self.max_retries:
                    _logger.info("Xero request %s failed (%s); retrying", method_name, exc)
                    self._sleep(min(2 ** (attempts - 1), 5))
                    continue
                raise XeroTransientError(
                    self._("Xero could not be reached (%(error)s).", error=exc.__class__.__name__),
                    detail=str(exc)) from exc

    def _sleep(self, seconds):
        if self.before_wait:
            self.before_wait(seconds)
        time.sleep(seconds)

    # -- rate limits -----------------------------------------------------------
    def _slot(self, api):
        """One of the tenant's concurrency slots for one Accounting API request."""
        if self.slot_guard and self.tenant_id and api is self.accounting:
            return self.slot_guard()
        return contextlib.nullcontext()

    def _window(self):
        """This process's view of the tenant's minute window (shared by its clients); hold _WINDOWS_LOCK."""
        return _WINDOWS.setdefault(self.tenant_id, {"start": None, "remaining": None, "pause_until": 0.0})

    def _pace(self, budget_left):
        """Sleep until the tenant's known-empty minute window has closed; return the seconds slept.

        A pause longer than what is left of the wait budget is not slept: the request goes, and
        Xero's 429 ``Retry-After`` decides (an interactive push then hands over to the background).
        """
        if not self.tenant_id:
            return 0.0
        with _WINDOWS_LOCK:
            wait = self._window()["pause_until"] - time.monotonic()
        if wait <= 0 or wait > budget_left:
            return 0.0
        _logger.info("Xero's minute budget for this organisation is spent: waiting %.1f s", wait)
        self._sleep(wait)
        self.waited += wait
        return wait

    def _hold_off(self, seconds):
        """Xero said wait ``seconds`` (429): every client of this tenant in the process waits."""
        if not self.tenant_id:
            return
        with _WINDOWS_LOCK:
            window = self._window()
            window["pause_until"] = max(window["pause_until"], time.monotonic() + seconds)
            window["remaining"] = None  # the next answer opens a new window

    def _note_minute(self, remaining, sent_at):
        """Track the minute window from ``X-MinLimit-Remaining`` of a request sent at ``sent_at``.

        Xero's windows are fixed: one opens with the first call after the previous one closed.
        A remaining figure above the last one seen (or the first one seen, or one a whole
        minute after the window we knew) means a window opened at or after the request was
        sent, so it closes no later than ``sent_at + minute_seconds`` + a margin for latency;
        when the figure reaches 0 the next request waits for then (an early estimate would
        only cost a 429 whose Retry-After is then obeyed; a late one a little throughput).
        """
        if not self.tenant_id:
            return
        with _WINDOWS_LOCK:
            window = self._window()
            if (window["start"] is None or window["remaining"] is None or remaining > window["remaining"]
                    or sent_at >= window["start"] + self.minute_seconds):
                window["start"] = sent_at
            window["remaining"] = remaining
            if remaining <= 0:
                margin = min(1.0, 0.05 * self.minute_seconds)
                window["pause_until"] = max(window["pause_until"],
                                            window["start"] + self.minute_seconds + margin)

    def _report_limits(self, headers, sent_at=None):
        if not headers:
            return
        limits = {}
        for key, name in (("X-MinLimit-Remaining", "minute"), ("X-DayLimit-Remaining", "day"),
                          ("X-AppMinLimit-Remaining", "app_minute")):
            value = headers.get(key)
            if value is not None and str(value).lstrip("-").isdigit():
                limits[name] = int(value)
        if "minute" in limits and sent_at is not None:
            self._note_minute(limits["minute"], sent_at)
        if limits and self.on_limits:
            self.on_limits(limits)

    # -- identity ----------------------------------------------------------
    def list_connections(self):
        data, _h = self._call("get_connections", api=self.identity)
        return [to_dict(c) for c in data or []]

    def delete_connection(self, connection_id):
        self._call("delete_connection", connection_id, api=self.identity)

    # -- accounting ----------------------------------------------------------
    def get_organisation(self):
        data, _h = self._call("get_organisations", self.tenant_id)
        return _first(data, "Organisations")

    def get_page(self, entity, page=1, **params):
        """One page of an entity as a list of dicts (PAGE_SIZE records a page);
        entities that Xero does not page come whole."""
        spec = ENTITIES[entity]
        params = {k: v for k, v in params.items() if v not in (None, "", [], False)}
        if spec.get("no_params"):
            params = {}
        if spec.get("no_since"):
            params.pop("if_modified_since", None)
        if spec["paged"]:
            params.update(page=page, page_size=PAGE_SIZE)
        if spec.get("unitdp"):
            params["unitdp"] = 4
        data, _h = self._call(spec["get"], self.tenant_id, **params)
        return to_dict(data).get(spec["envelope"]) or []

    def iter_all(self, entity, **params):
        page = 1
        while True:
            records = self.get_page(entity, page=page, **params)
            yield from records
            if not ENTITIES[entity]["paged"] or len(records) < PAGE_SIZE:
                return
            page += 1

    def find(self, entity, where, include_archived=False):
        return list(self.iter_all(entity, where=where, include_archived=include_archived))

    def iter_ids(self, entity, id_key, ids, **params):
        """Just these records: the list's IDs filter where Xero has one (paged), else ``where``
        filters on the id (CreditNotes, Payments, ...), 40 ids a call; ids that are not GUIDs are
        left out."""
        ids = [str(uuid.UUID(str(i))) for i in ids if _is_guid(i)]
        if not ids:
            return
        if ENTITIES[entity].get("ids_filter"):
            yield from self.iter_all(entity, i_ds=ids, **params)
            return
        for start in range(0, len(ids), 40):
            where = " OR ".join(f'{id_key}==Guid("{i}")' for i in ids[start:start + 40])
            yield from self.iter_all(entity, where=where, **params)

    def iter_period(self, entity, date_from, date_to, **params):
        """The entity's records dated from ``date_from`` to ``date_to`` (both included): one paged
        read filtered by Xero on ``Date``, lightweight (summaryOnly) where Xero offers it."""
        if ENTITIES[entity].get("summary"):
            params.setdefault("summary_only", True)
        yield from self.iter_all(entity, where=period_where(date_from, date_to), **params)

    def validate(self, entity, record):
        """Raise XeroPayloadError when the SDK itself would refuse ``record``."""
        to_model(ENTITIES[entity]["item"], record, self._)

    def write(self, entity, records, *, create, idempotency_key):
        """Write ≤ BATCH_SIZE records; return Xero's echo of each, in order.

        ``summarizeErrors=false``: one bad record never blocks the others, and
        each result carries ``StatusAttributeString`` and ``ValidationErrors``.
        """
        spec = ENTITIES[entity]
        if len(records) > BATCH_SIZE:
            raise ValueError(f"at most {BATCH_SIZE} records per write")
        models = [to_model(spec["item"], r, self._) for r in records]
        body = getattr(accounting_models, spec["envelope"])(**{spec["param"]: models})
        method = spec["create"] if create or not spec.get("upsert") else spec["upsert"]
        extra = {"unitdp": 4} if spec.get("unitdp") else {}
        data, _h = self._call(method, self.tenant_id, body, summarize_errors=False,
                              idempotency_key=idempotency_key, **extra)
        results = to_dict(data).get(spec["envelope"]) or []
        if len(results) != len(records):
            raise XeroError(
                self._("Xero answered %(results)s results for %(records)s records.",
                       results=len(results), records=len(records)),
                detail=json.dumps(to_dict(data), default=str)[:4000])
        return results


    def online_invoice_url(self, invoice_id):
        """The customer's online view of a sales invoice (not for drafts)."""
        data, _h = self._call("get_online_invoice", self.tenant_id, invoice_id)
        urls = to_dict(data).get("OnlineInvoices") or []
        return urls[0].get("OnlineInvoiceUrl") if urls else None

    def allocate_credit_note(self, credit_note_id, allocations, *, idempotency_key):
        """Allocate a credit note to invoices: ``[{"Invoice": {"InvoiceID"}, "Amount", "Date"}]``."""
        return self.allocate("CreditNotes", credit_note_id, allocations, idempotency_key=idempotency_key)

    def allocate(self, credits, credit_id, allocations, *, idempotency_key):
        """Allocate a credit (``credits``: CreditNotes, Overpayments, Prepayments) to invoices:
        ``[{"Invoice": {"InvoiceID"}, "Amount", "Date"}]``; Xero's echo of each."""
        body = accounting_models.Allocations(allocations=[to_model("Allocation", a, self._) for a in allocations])
        data, _h = self._call(ALLOCATION_METHODS[credits][0], self.tenant_id, credit_id, body,
                              summarize_errors=False, idempotency_key=idempotency_key)
        return to_dict(data).get("Allocations") or []

    def delete_allocation(self, credits, credit_id, allocation_id):
        """Remove one allocation of a credit note, overpayment or prepayment (Xero answers it
        with ``IsDeleted``)."""
        data, _h = self._call(ALLOCATION_METHODS[credits][1], self.tenant_id, credit_id, allocation_id)
        return to_dict(data) or {}

    def add_currency(self, code, *, idempotency_key):
        """Add (subscribe the organisation to) a currency: ``PUT /Currencies``; returns Xero's echo."""
        body = to_model("Currency", {"Code": code})
        data, _h = self._call("create_currency", self.tenant_id, body, idempotency_key=idempotency_key)
        return _first(data, "Currencies")

    def delete_payment(self, payment_id, *, idempotency_key):
        body = accounting_models.PaymentDelete(status="DELETED")
        data, _h = self._call("delete_payment", self.tenant_id, payment_id, body,
                              idempotency_key=idempotency_key)
        return _first(data, "Payments")

    # -- attachments (files of documents) -----------------------------------------
    def list_attachments(self, entity, xero_id):
        """The files of one document: ``[{"AttachmentID", "FileName", "MimeType", "ContentLength", ...}]``."""
        name, _online = ATTACHMENT_ENTITIES[entity]
        data, _h = self._call(f"get_{name}_attachments", self.tenant_id, xero_id)
        return to_dict(data).get("Attachments") or []

    def get_attachment(self, entity, xero_id, attachment_id, mime_type=None):
        """The bytes of one file of a document.

        Read raw (``_preload_content=False``): the SDK would otherwise write the file to a temporary
        folder under the name Xero's ``Content-Disposition`` gives and return its path.
        """
        name, _online = ATTACHMENT_ENTITIES[entity]
        response, _h = self._call(f"get_{name}_attachment_by_id", self.tenant_id, xero_id, attachment_id,
                                  mime_type or "application/octet-stream", _preload_content=False)
        try:
            return response.data
        finally:
            response.release_conn()

    def put_attachment(self, entity, xero_id, file_name, content, *, include_online=False, idempotency_key):
        """Attach ``content`` (bytes) to a document as ``file_name`` (a file of that name is replaced);
        ``include_online`` shows it on the online invoice (sales invoices and credit notes).
        Returns Xero's ``Attachment``."""
        name, online = ATTACHMENT_ENTITIES[entity]
        extra = {"include_online": bool(include_online)} if online and include_online else {}
        data, _h = self._call(f"create_{name}_attachment_by_file_name", self.tenant_id, xero_id, file_name,
                              content, idempotency_key=idempotency_key, **extra)
        return _first(data, "Attachments")

    def tracking(self, action, category_id=None, option_id=None, *, idempotency_key=None, **values):
        """Create, update or delete a tracking category (no ``option_id``) or option:
        ``action`` is ``create``, ``update`` or ``delete``; ``values`` Xero's fields (``Name``,
        ``Status``).  Returns Xero's echo of the category or option.  Xero-side set-up for tests and
        scripts: the addon itself only reads tracking categories (they are made in Xero)."""
        option = option_id is not None or (action == "create" and category_id is not None)
        model = to_model("TrackingOption" if option else "TrackingCategory", values) if action != "delete" else None
        ids = [i for i in (category_id, option_id) if i is not None]
        method = f"{action}_tracking_{'options' if option else 'category'}"
        extra = {"idempotency_key": idempotency_key} if idempotency_key and action != "delete" else {}
        data, _h = self._call(method, self.tenant_id, *ids, *([model] if model is not None else []), **extra)
        return _first(data, "Options" if option else "TrackingCategories")

    def write_contact_group(self, group, *, idempotency_key):
        """Create (no ``ContactGroupID``) or update one contact group; Xero's echo.  Xero takes no
        ``summarizeErrors`` here: a refusal comes back as the echo's ``ValidationErrors``."""
        body = accounting_models.ContactGroups(contact_groups=[to_model("ContactGroup", group)])
        try:
            if group.get("ContactGroupID"):
                data, _h = self._call("update_contact_group", self.tenant_id, group["ContactGroupID"], body,
                                      idempotency_key=idempotency_key)
            else:
                data, _h = self._call("create_contact_group", self.tenant_id, body,
                                      idempotency_key=idempotency_key)
        except XeroValidationError as exc:
            return dict(group, StatusAttributeString="ERROR",
                        ValidationErrors=[{"Message": m} for m in exc.messages or [exc.message]])
        return _first(data, "ContactGroups")

    def get_contact_group(self, group_id):
        """One contact group with its members (``Contacts``: ContactID and Name): one call, whatever the
        organisation holds (the list of groups leaves members out)."""
        data, _h = self._call("get_contact_group", self.tenant_id, group_id)
        return _first(data, "ContactGroups")

    def add_group_contacts(self, group_id, contact_ids, *, idempotency_key):
        """Add contacts to a contact group (Xero keeps members already there)."""
        body = accounting_models.Contacts(contacts=[accounting_models.Contact(contact_id=i) for i in contact_ids])
        self._call("create_contact_group_contacts", self.tenant_id, group_id, body, idempotency_key=idempotency_key)

    def remove_group_contact(self, group_id, contact_id):
        self._call("delete_contact_group_contact", self.tenant_id, group_id, contact_id)

    def delete(self, entity, xero_id):
        """Delete one record (entities Xero lets delete, e.g. Items)."""
        spec = ENTITIES[entity]
        if not spec.get("delete"):
            raise ValueError(f"Xero does not delete {entity}")
        self._call(spec["delete"], self.tenant_id, xero_id)


def _first(data, envelope):
    """The first record of an SDK answer's ``envelope`` list (``{}`` when Xero sent none)."""
    records = to_dict(data).get(envelope) or []
    return records[0] if records else {}


def _is_guid(value):
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def period_where(date_from, date_to, field="Date"):
    """Xero's ``where`` for records dated from ``date_from`` to ``date_to`` (dates, both included)."""
    def literal(day):
        return f"DateTime({day.year}, {day.month:02d}, {day.day:02d})"
    return f"{field} >= {literal(date_from)} AND {field} <= {literal(date_to)}"


def _wait_words(seconds, _=_english):
    """``42 s``, ``3 min``, ``5 h 3 min``."""
    seconds = max(0, int(round(seconds or 0)))
    if seconds < 90:
        return _("%(seconds)s s", seconds=seconds)
    minutes = (seconds + 59) // 60
    if minutes < 60:
        return _("%(minutes)s min", minutes=minutes)
    if minutes % 60:
        return _("%(hours)s h %(minutes)s min", hours=minutes // 60, minutes=minutes % 60)
    return _("%(hours)s h", hours=minutes // 60)


def _rate_limit_message(problem, retry_after, _=_english):
    when = _wait_words(retry_after, _)
    if problem == "day":
        return _("Xero's day rate limit for this organisation was reached: its daily API limit (5,000 calls, "
                 "1,000 on Xero's Starter tier) is used up; it comes back in %(when)s.", when=when)
    if problem == "minute":
        return _("Xero's limit of 60 calls a minute for this organisation was reached; it comes back in %(when)s.",
                 when=when)
    if problem == "concurrent":
        return _("Xero already has 5 calls of this organisation under way; retry in %(when)s.", when=when)
    if problem in ("appminute", "app_minute"):
        return _("This Xero app's limit of calls a minute (all organisations) was reached; it comes back in "
                 "%(when)s.", when=when)
    return _("Xero's %(problem)s rate limit was reached; retry in %(when)s.", problem=problem or "API", when=when)


def _retry_after(headers):
    try:
        return max(1.0, float((headers or {}).get("Retry-After", 1)))
    except (TypeError, ValueError):
        return 60.0


# credits -> (SDK method allocating them, SDK method removing an allocation)
ALLOCATION_METHODS = {
    "CreditNotes": ("create_credit_note_allocation", "delete_credit_note_allocations"),
    "Overpayments": ("create_overpayment_allocations", "delete_overpayment_allocations"),
    "Prepayments": ("create_prepayment_allocations", "delete_prepayment_allocations"),
}
# SDK methods that are no entity's get/create/upsert/delete -> the entity whose scope they need
_METHOD_ENTITIES = {"get_organisations": "Organisation", "get_online_invoice": "Invoices",
                    "create_credit_note_allocation": "Allocations", "delete_payment": "Payments",
                    "create_payment": "Payments", "create_currency": "Currencies",
                    "delete_credit_note_allocations": "Allocations",
                    "create_overpayment_allocations": "Overpayments",
                    "delete_overpayment_allocations": "Overpayments",
                    "create_prepayment_allocations": "Prepayments", "delete_prepayment_allocations": "Prepayments",
                    "update_manual_journal": "ManualJournals",
                    "create_contact_group": "ContactGroups", "update_contact_group": "ContactGroups",
                    "create_contact_group_contacts": "ContactGroups", "delete_contact_group_contact": "ContactGroups",
                    "get_contact_group": "ContactGroups",
                    **{m: "TrackingCategories" for m in (
                        "create_tracking_category", "update_tracking_category", "delete_tracking_category",
                        "create_tracking_options", "update_tracking_options", "delete_tracking_options")}}
_ENTITY_WORDS = {"Organisation": _lt("the organisation's settings"), "Accounts": _lt("the chart of accounts"),
                 "TaxRates": _lt("tax rates"), "BrandingThemes": _lt("branding themes"), "Items": _lt("items"),
                 "TrackingCategories": _lt("tracking categories"),
                 "Contacts": _lt("contacts"), "Invoices": _lt("invoices and bills"),
                 "CreditNotes": _lt("credit notes"), "Allocations": _lt("credit note allocations"),
                 "PurchaseOrders": _lt("purchase orders"), "Payments": _lt("payments"),
                 "BankTransactions": _lt("bank transactions (receipts)"),
                 "Attachments": _lt("attachments (files of documents)"), "Currencies": _lt("currencies"),
                 "ManualJournals": _lt("manual journals"), "ContactGroups": _lt("contact groups"),
                 "Overpayments": _lt("overpayments"), "Prepayments": _lt("prepayments")}


def _entity_of_method(method_name):
    if method_name in _METHOD_ENTITIES:
        return _METHOD_ENTITIES[method_name]
    if "_attachment" in method_name:
        return "Attachments"
    for entity, spec in ENTITIES.items():
        if method_name in (spec.get("get"), spec.get("create"), spec.get("upsert"), spec.get("delete")):
            return entity
    return None


def _problem_detail(exc):
    """Xero's ``Detail`` of a 401/403 problem body, or ''."""
    body = getattr(exc, "body", None)
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
    try:
        parsed = json.loads(text) if text else None
    except ValueError:
        return ""
    return str(parsed.get("Detail") or "") if isinstance(parsed, dict) else ""


def is_scope_refusal(exc):
    """True for Xero's answer to a call the token's scopes do not allow.

    Xero answers 401 ``{"Title":"Unauthorized","Detail":"AuthorizationUnsuccessful"}`` (an
    authorisation, not authentication, failure: a refreshed token would be refused the same);
    a 403 whose detail speaks of scopes (``insufficient_scope``) counts too.  A 403
    ``AuthenticationUnsuccessful`` is an organisation that is not connected, not a scope.
    """
    status = getattr(exc, "status", None)
    detail = _problem_detail(exc)
    return (status == 401 and detail.startswith("AuthorizationUnsuccessful")) or (
        status == 403 and "scope" in detail.lower())


def _scope_error(exc, method_name, text, _=_english):
    entity = _entity_of_method(method_name)
    scope = ENTITY_SCOPES.get(entity)
    if scope:
        message = _("Xero refused access to %(what)s: this connection was not granted the %(scope)s permission "
                    "(scope). An administrator must press Re-consent on the Xero connection and allow it; until "
                    "then these records are not synced.",
                    what=_(_ENTITY_WORDS[entity]) if entity in _ENTITY_WORDS else entity, scope=scope)
    else:
        message = _("Xero refused the request: this connection was not granted the permission (scope) it "
                    "needs. An administrator must press Re-consent on the Xero connection.")
    return XeroScopeError(message, scope=scope, status=exc.status, detail=text[:2000])


def _translate(exc, method_name=None, _=_english):
    status = getattr(exc, "status", None)
    body = getattr(exc, "body", None)
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
    parsed = None
    try:
        parsed = json.loads(text) if text else None
    except ValueError:
        parsed = None
    if is_scope_refusal(exc):
        return _scope_error(exc, method_name, text, _)
    if status == 400 and isinstance(parsed, dict) and parsed.get("error") == "invalid_grant":
        return XeroAuthError(_("Xero refused the refresh token (invalid_grant)."), status=400, detail=text)
    if status == 400:
        messages = _validation_messages(parsed)
        message = "; ".join(messages) if messages else (
            (parsed or {}).get("Message") if isinstance(parsed, dict) else None) or _("Xero refused the request.")
        return XeroValidationError(message, messages=messages, status=400, detail=text[:4000])
    if status == 401:
        return XeroAuthError(_("Xero did not accept the access token."), status=401, detail=text[:2000])
    if status == 403:
        return XeroForbiddenError(
            _("This Xero organisation is not connected to the app any more; reconnect it."),
            status=403, detail=text[:2000])
    if status == 404:
        return XeroNotFoundError(_("Xero could not find that record."), status=404, detail=text[:2000])
    if status == 413:
        return XeroValidationError(_("Xero refused it as too large (HTTP 413)."), status=413, detail=text[:2000])
    if status and status >= 500:
        return XeroTransientError(_("Xero failed (HTTP %(status)s); try again later.", status=status), status=status,
                                  detail=text[:2000])
    return XeroError(_("Xero answered HTTP %(status)s.", status=status), status=status, detail=text[:2000])


def _validation_messages(parsed):
    if not isinstance(parsed, dict):
        return []
    messages = []
    for element in parsed.get("Elements") or []:
        for err in element.get("ValidationErrors") or []:
            if err.get("Message"):
                messages.append(err["Message"])
    return messages


def result_errors(result, _=_english):
    """Validation messages of one element of a summarizeErrors=false answer."""
    if result.get("StatusAttributeString") == "ERROR" or result.get("ValidationErrors"):
        return [e.get("Message") for e in result.get("ValidationErrors") or [] if e.get("Message")] \
            or [_("Xero refused this record without saying why.")]
    return []
