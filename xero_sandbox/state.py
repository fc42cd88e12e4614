"""The sandbox's state: clock, settings, organisations, apps, grants, tokens, records.

One :class:`State` holds everything behind one re-entrant lock
(``state.lock``): every request handler that reads or writes it holds the lock
for the whole of its (short, never sleeping) critical section.  All of it is
plain JSON-able data so that ``--state FILE`` can persist it.
"""

import json
import os
import secrets
import string
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field, fields

DEFAULT_SETTINGS = {
    "concurrent": 5,  # requests in flight per tenant
    "per_minute": 60,  # per tenant
    "per_day": 5000,  # per tenant
    "app_per_minute": 10000,  # per app, all tenants
    "time_scale": 1.0,  # 60 -> a rate-limit "minute" lasts one real second
    "access_token_ttl": 1800,  # seconds
    "idempotency_ttl": 360,  # seconds of sandbox clock
    "refresh_grace": 1800,  # seconds a used refresh token stays usable
    "refresh_ttl": 60 * 86400,  # seconds an unused refresh token lives
    "code_ttl": 300,  # seconds an authorization code lives
}
SETTINGS_TYPES = {"concurrent": int, "per_minute": int, "per_day": int, "app_per_minute": int}


class Clock:
    """Real UTC time plus a settable offset, so tests can travel forward."""

    def __init__(self, offset=0.0):
        self.offset = float(offset)

    def now(self):
        return time.time() + self.offset

    def advance(self, seconds):
        self.offset += float(seconds)


def _from_dict(cls, data):
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


@dataclass
class Organisation:
    tenant_id: str
    name: str
    short_code: str
    base_currency: str
    country_code: str
    timezone: str
    created: float
    legal_name: str = ""
    period_lock_date: str = None  # YYYY-MM-DD
    end_of_year_lock_date: str = None  # YYYY-MM-DD
    multi_currency: bool = True  # the plan lets it add currencies (PUT /Currencies)


@dataclass
class Connection:
    """A tenant connected to an app (one sandbox user per app, as a Xero user would)."""

    id: str
    tenant_id: str
    auth_event_id: str
    created: float
    updated: float


@dataclass
class App:
    client_id: str
    client_secret: str
    name: str
    redirect_uris: list
    organisations: list = None  # tenant ids the user may grant; None = every organisation
    custom_connection: bool = False
    scopes: list = None  # custom connections: the scopes the app was given
    # YYYY-MM-DD the app was registered; apps created on or after 2026-03-02 may not ask for the
    # broad scopes (oauth.GRANULAR_ONLY_SINCE).  None: an app from a state file of before.
    created: str = None
    user_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    connections: dict = field(default_factory=dict)  # tenant_id -> Connection

    @classmethod
    def from_dict(cls, data):
        app = _from_dict(cls, data)
        app.connections = {t: _from_dict(Connection, c) for t, c in data.get("connections", {}).items()}
        return app


@dataclass
class Grant:
    """One consent (or one client_credentials exchange): the tokens issued from it share it."""

    id: str  # doubles as Xero's authentication event id
    client_id: str
    scopes: list
    created: float
    revoked: bool = False


@dataclass
class AuthCode:
    code: str
    client_id: str
    redirect_uri: str
    expires_at: float
    grant_id: str  # the consent (scopes, tenants) it stands for; a replayed code revokes it
    code_challenge: str = None
    used: bool = False


@dataclass
class AccessToken:
    token: str
    grant_id: str
    client_id: str
    expires_at: float


@dataclass
class RefreshToken:
    token: str
    grant_id: str
    client_id: str
    expires_at: float
    used_at: float = None  # first use; a used token works only within the grace period


_CLASSES = {
    "orgs": Organisation, "grants": Grant, "codes": AuthCode,
    "access_tokens": AccessToken, "refresh_tokens": RefreshToken,
}


def new_short_code():
    alphabet = string.ascii_letters + string.digits
    return "!" + "".join(secrets.choice(alphabet) for _ in range(5))


class State:
    """Everything the sandbox knows; see the module docstring for the locking rule."""

    def __init__(self, path=None):
        self.lock = threading.RLock()
        self.path = path
        self.clock = Clock()
        self._reset()
        if path and os.path.exists(path):
            self.load(path)

    def _reset(self):
        self.settings = dict(DEFAULT_SETTINGS)
        self.orgs = {}  # tenant_id -> Organisation
        self.apps = {}  # client_id -> App
        self.grants = {}  # id -> Grant
        self.codes = {}  # code -> AuthCode
        self.access_tokens = {}  # token -> AccessToken
        self.refresh_tokens = {}  # token -> RefreshToken
        self.records = {}  # tenant_id -> plural -> id -> record (wire-format dict)

    def reset(self):
        with self.lock:
            self._reset()
            self.clock.offset = 0.0

    def now(self):
        return self.clock.now()

    # -------------------------------------------------------- records
    def store(self, tenant_id, plural):
        """The records of one resource of one organisation: ``{id: record}`` in creation order."""
        return self.records.setdefault(tenant_id, {}).setdefault(plural, {})

    # -------------------------------------------------------- tokens
    def live_access_token(self, token):
        """The AccessToken for ``token`` unless unknown or revoked (expiry is the caller's)."""
        record = self.access_tokens.get(token)
        if record is None:
            return None
        grant = self.grants.get(record.grant_id)
        return None if grant is None or grant.revoked else record

    def tenants_of(self, access):
        """Tenant ids an access token may call: the app's connections."""
        app = self.apps.get(access.client_id)
        return list(app.connections) if app else []

    # -------------------------------------------------------- persistence
    def to_json(self):
        with self.lock:
            data = {name: {k: asdict(v) for k, v in getattr(self, name).items()} for name in _CLASSES}
            data["apps"] = {k: asdict(v) for k, v in self.apps.items()}
            data.update(settings=self.settings, records=self.records, clock_offset=self.clock.offset)
            return json.dumps(data, ensure_ascii=False, sort_keys=True)

    def load(self, path):
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        with self.lock:
            for name, cls in _CLASSES.items():
                setattr(self, name, {k: _from_dict(cls, v) for k, v in data.get(name, {}).items()})
            self.apps = {k: App.from_dict(v) for k, v in data.get("apps", {}).items()}
            self.settings = dict(DEFAULT_SETTINGS, **data.get("settings", {}))
            self.records = data.get("records", {})
            self.clock.offset = float(data.get("clock_offset", 0.0))

    def save(self):
        """Write the state file atomically (temp file in the same folder + rename)."""
        if not self.path:
            return
        with self.lock:
            text = self.to_json()
            folder = os.path.dirname(os.path.abspath(self.path))
            os.makedirs(folder, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".xero_sandbox.", suffix=".tmp", dir=folder)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(text)
                os.replace(tmp, self.path)
            except BaseException:
                os.unlink(tmp)
                raise
