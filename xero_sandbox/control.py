"""The control API under ``/_sandbox/``: set up, inspect and perturb the sandbox.

JSON in, JSON out, no authentication, and only answered to loopback clients.
Errors are ``{"error": "<message>"}`` with 400, 403, 404 or 409.
"""

import datetime
import ipaddress
import json
import re
import secrets
import uuid
from dataclasses import asdict
from urllib.parse import unquote, urlsplit

from . import wire, webhooks
from .faults import FaultError
from .oauth import ACCOUNTING_SCOPES, GRANULAR_ONLY_SINCE, RETIRED_SCOPES
from .resources import COLLECTIONS
from .resources.chart import seed_organisation
from .resources.base import Context
from .state import DEFAULT_SETTINGS, SETTINGS_TYPES, App, Organisation, new_short_code

DEFAULT_TIMEZONES = {"US": "EASTERNSTANDARDTIME", "NZ": "NEWZEALANDSTANDARDTIME",
                     "AU": "AUSEASTERNSTANDARDTIME", "GB": "GMTSTANDARDTIME"}
# What a custom connection is given when "scopes" is not said: the broad set for apps created
# before 2 March 2026, the granular one for apps created since.
CUSTOM_CONNECTION_SCOPES = ["accounting.transactions", "accounting.contacts", "accounting.settings"]
CUSTOM_CONNECTION_GRANULAR_SCOPES = ["accounting.invoices", "accounting.payments", "accounting.banktransactions",
                                     "accounting.manualjournals", "accounting.contacts", "accounting.settings"]
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


class ControlError(Exception):
    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


_PLACEHOLDER = re.compile(r"\{i(:[^{}]*)?\}")


def _fill_template(value, i):
    """The template with every ``{i}``/``{i:<format>}`` in its texts replaced by ``i``."""
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda m: format(i, (m.group(1) or ":")[1:]), value)
    if isinstance(value, dict):
        return {k: _fill_template(v, i) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill_template(v, i) for v in value]
    return value


def _is_loopback(ip):
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


class Control:
    def __init__(self, app):
        self.app = app
        self.state = app.state
        self.routes = [  # (method, path regex, handler)
            ("GET", r"health", lambda req: {"ok": True}),
            ("POST", r"reset", self.reset),
            ("GET", r"organisations", self.list_orgs),
            ("POST", r"organisations", self.create_org),
            ("POST", r"organisations/([^/]+)", self.update_org),
            ("GET", r"apps", self.list_apps),
            ("POST", r"apps", self.create_app),
            ("GET", r"tenants/([^/]+)/organisation", self.get_tenant_org),
            ("POST", r"tenants/([^/]+)/organisation", self.update_org),
            ("GET", r"tenants/([^/]+)/([^/]+)", self.records),
            ("POST", r"tenants/([^/]+)/([^/]+)", self.seed),
            ("POST", r"tenants/([^/]+)/([^/]+)/bulk", self.bulk_seed),
            ("DELETE", r"tenants/([^/]+)/([^/]+)", self.wipe),
            ("GET", r"requests", self.requests),
            ("GET", r"requests/last", lambda req: {"seq": self.app.log.last_seq()}),
            ("DELETE", r"requests", self.clear_requests),
            ("GET", r"limits", self.limits),
            ("POST", r"limits", self.set_limits),
            ("GET", r"faults", lambda req: {"faults": self.app.faults.list()}),
            ("POST", r"faults", self.add_fault),
            ("DELETE", r"faults", self.clear_faults),
            ("GET", r"clock", self.clock),
            ("POST", r"clock", self.set_clock),
            ("POST", r"tokens/expire", self.expire_tokens),
            ("POST", r"tokens/revoke", self.revoke_tokens),
            ("DELETE", r"idempotency", self.clear_idempotency),
            ("GET", r"webhooks", self.list_webhooks),
            ("POST", r"webhooks", self.add_webhook),
            ("DELETE", r"webhooks", self.clear_webhooks),
            ("POST", r"webhooks/deliver", self.deliver_webhooks),
            ("POST", r"webhooks/intent", self.webhook_intent),
        ]

    def handle(self, req):
        if not _is_loopback(req.client_ip):
            return wire.Response.json(403, {"error": "the control API answers loopback clients only"})
        path = req.path[len("/_sandbox/"):].strip("/")
        for method, pattern, handler in self.routes:
            match = re.fullmatch(pattern, path)
            if match and method == req.method:
                try:
                    return wire.Response.json(200, handler(req, *map(unquote, match.groups())))
                except ControlError as exc:
                    return wire.Response.json(exc.status, {"error": str(exc)})
        return wire.Response.json(404, {"error": f"no control endpoint {req.method} {req.path}"})

    @staticmethod
    def _json(req):
        if not req.body.strip():
            return {}
        try:
            body = json.loads(req.body)
        except ValueError as exc:
            raise ControlError(f"invalid JSON: {exc}") from None
        if not isinstance(body, dict):
            raise ControlError("the body must be a JSON object")
        return body

    # ------------------------------------------------------------ reset
    def reset(self, req):
        with self.state.lock:
            self.state.reset()
            self.app.limiter.reset()
            self.app.faults.clear()
            self.app.idempotency.reset()
            self.app.log.clear()
            webhooks.reset(self.state)
        return {"ok": True}

    # ------------------------------------------------------------ webhooks
    def list_webhooks(self, req):
        with self.state.lock:
            hub = webhooks.hub(self.state)
            return {"subscriptions": [dict(s, key="***") for s in hub["subscriptions"]],
                    "queued": len(hub["queue"]),
                    "events": [webhooks.shown(e) for e in hub["queue"]]}

    def add_webhook(self, req):
        body = self._json(req)
        if not body.get("url") or not body.get("key"):
            raise ControlError("a webhook subscription needs 'url' and 'key'")
        tenant_id = body.get("tenant_id")
        if tenant_id and tenant_id not in self.state.orgs:
            raise ControlError(f"no organisation {tenant_id}", 404)
        fmt = body.get("format") or "current"
        if fmt not in webhooks.FORMATS:
            raise ControlError(f"'format' is one of {', '.join(webhooks.FORMATS)}")
        with self.state.lock:
            subscriptions = webhooks.hub(self.state)["subscriptions"]
            # one subscription per (url, tenant): subscribing again changes its key
            subscriptions[:] = [s for s in subscriptions if (s["url"], s["tenant_id"]) != (body["url"], tenant_id)]
            subscriptions.append({"url": body["url"], "key": body["key"], "tenant_id": tenant_id, "format": fmt})
        return {"ok": True}

    def clear_webhooks(self, req):
        """``{"url"?}``: remove that endpoint's subscriptions, or all of them (and the queue)."""
        url = self._json(req).get("url")
        with self.state.lock:
            if url is None:
                removed = len(webhooks.hub(self.state)["subscriptions"])
                webhooks.reset(self.state)
            else:
                removed = webhooks.unsubscribe(self.state, url)
        if url is not None and not removed:
            raise ControlError(f"no webhook subscription for {url}", 404)
        return {"ok": True, "removed": removed}

    def deliver_webhooks(self, req):
        body = self._json(req)
        return {"deliveries": webhooks.deliver(self.state, self.state.lock, bool(body.get("bad_signature")))}

    def webhook_intent(self, req):
        body = self._json(req)
        if not body.get("url") or not body.get("key"):
            raise ControlError("the intent check needs 'url' and 'key'")
        return webhooks.intent(body["url"], body["key"])

    def clear_idempotency(self, req):
        """Forget every remembered Idempotency-Key (tests that roll their client state back)."""
        self.app.idempotency.reset()
        return {"ok": True}

    # ------------------------------------------------------------ organisations
    @staticmethod
    def org_json(org):
        return dict(asdict(org), created=wire.iso(org.created))

    def list_orgs(self, req):
        with self.state.lock:
            return {"organisations": [self.org_json(o) for o in self.state.orgs.values()]}

    @staticmethod
    def _org_fields(body, creating):
        """Validated organisation fields from a control body (``name`` required when creating)."""
        values = {}
        if "name" in body or creating:
            if not isinstance(body.get("name"), str) or not body["name"].strip():
                raise ControlError("name is required")
            values["name"] = body["name"].strip()
        for key, pattern in (("base_currency", r"[A-Z]{3}"), ("country_code", r"[A-Z]{2}"),
                             ("timezone", r"[A-Z0-9()+\-]+"), ("short_code", r"\S{1,20}")):
            if key in body:
                if not isinstance(body[key], str) or not re.fullmatch(pattern, body[key]):
                    raise ControlError(f"{key} must match {pattern}")
                values[key] = body[key]
        if "multi_currency" in body:
            if not isinstance(body["multi_currency"], bool):
                raise ControlError("multi_currency must be true or false")
            values["multi_currency"] = body["multi_currency"]
        if "legal_name" in body:
            values["legal_name"] = str(body["legal_name"] or "")
        for key, alias in (("period_lock_date", "PeriodLockDate"),
                           ("end_of_year_lock_date", "EndOfYearLockDate")):
            if key not in body and alias not in body:
                continue
            lock = body[key] if key in body else body[alias]
            try:
                lock is None or wire.iso_date(lock)
            except (TypeError, ValueError):
                raise ControlError(f"{key} must be YYYY-MM-DD or null") from None
            values[key] = lock
        return values

    def create_org(self, req):
        body = self._json(req)
        values = self._org_fields(body, creating=True)
        tenant_id = body.get("tenant_id") or str(uuid.uuid4())
        if not wire.is_guid(tenant_id):
            raise ControlError("tenant_id must be a GUID")
        with self.state.lock:
            if tenant_id in self.state.orgs:
                raise ControlError(f"organisation {tenant_id} already exists", 409)
            country = values.setdefault("country_code", "US")
            values.setdefault("base_currency", "USD")
            values.setdefault("timezone", DEFAULT_TIMEZONES.get(country, "UTC"))
            values.setdefault("short_code", new_short_code())
            org = Organisation(tenant_id=tenant_id, created=self.state.now(), **values)
            self.state.orgs[tenant_id] = org
            seed_organisation(self.state, tenant_id)
            return self.org_json(org)

    def update_org(self, req, tenant_id):
        values = self._org_fields(self._json(req), creating=False)
        with self.state.lock:
            org = self._org(tenant_id)
            for key, value in values.items():
                setattr(org, key, value)
            return self.org_json(org)

    def get_tenant_org(self, req, tenant_id):
        with self.state.lock:
            return self.org_json(self._org(tenant_id))

    def _org(self, tenant_id):
        org = self.state.orgs.get(tenant_id)
        if org is None:
            raise ControlError(f"no organisation {tenant_id}", 404)
        return org

    # ------------------------------------------------------------ apps
    @staticmethod
    def app_json(app):
        data = asdict(app)
        data["connections"] = [dict(c, created=wire.iso(c["created"]), updated=wire.iso(c["updated"]))
                               for c in data["connections"].values()]
        return data

    def list_apps(self, req):
        with self.state.lock:
            return {"apps": [self.app_json(a) for a in self.state.apps.values()]}

    def create_app(self, req):
        body = self._json(req)
        custom = bool(body.get("custom_connection", False))
        uris = body.get("redirect_uris", [])
        if not isinstance(uris, list) or not all(isinstance(u, str) for u in uris) or (not uris and not custom):
            raise ControlError("redirect_uris must be a non-empty list of URLs")
        for uri in uris:
            parts = urlsplit(uri)
            if parts.scheme not in ("http", "https") or not parts.hostname or parts.fragment:
                raise ControlError(f"redirect URI {uri!r} is not an absolute http(s) URL without fragment")
            if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
                raise ControlError(f"redirect URI {uri!r} must use https (http is for localhost only)")
        with self.state.lock:
            orgs = body.get("organisations")
            if orgs is not None and (not isinstance(orgs, list) or any(t not in self.state.orgs for t in orgs)):
                raise ControlError("organisations must be a list of existing tenant ids")
            if custom:
                orgs = orgs if orgs is not None else list(self.state.orgs)
                if len(orgs) != 1:
                    raise ControlError("a custom connection is bound to exactly one organisation")
            created = body.get("created") or datetime.datetime.fromtimestamp(
                self.state.now(), datetime.timezone.utc).date().isoformat()
            try:
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", created):
                    raise ValueError(created)
                datetime.date.fromisoformat(created)
            except (TypeError, ValueError):
                raise ControlError("created must be a date, YYYY-MM-DD") from None
            granular_only = created >= GRANULAR_ONLY_SINCE
            default_scopes = CUSTOM_CONNECTION_GRANULAR_SCOPES if granular_only else CUSTOM_CONNECTION_SCOPES
            scopes = body.get("scopes", default_scopes if custom else None)
            if scopes is not None and (not isinstance(scopes, list) or not set(scopes) <= ACCOUNTING_SCOPES):
                raise ControlError("scopes must be a list of accounting scopes")
            if custom and granular_only and set(scopes) & RETIRED_SCOPES:
                raise ControlError(f"a custom connection created on or after {GRANULAR_ONLY_SINCE} cannot be "
                                   f"given {', '.join(sorted(set(scopes) & RETIRED_SCOPES))}")
            client_id = body.get("client_id") or uuid.uuid4().hex.upper()
            if client_id in self.state.apps:
                raise ControlError(f"app {client_id} already exists", 409)
            app = App(client_id=client_id, client_secret=body.get("client_secret") or secrets.token_urlsafe(36),
                      name=body.get("name") or "Sandbox App", redirect_uris=uris, organisations=orgs,
                      custom_connection=custom, scopes=scopes, created=created)
            self.state.apps[client_id] = app
            if custom:
                self.app.oauth.connect_custom(app)
            return self.app_json(app)

    # ------------------------------------------------------------ records
    def _collection(self, resource):
        collection = COLLECTIONS.get(resource.lower())
        if collection is None:
            raise ControlError(f"no resource {resource}", 404)
        return collection

    def records(self, req, tenant_id, resource):
        collection = self._collection(resource)
        with self.state.lock:
            self._org(tenant_id)
            return {collection.plural: list(self.state.store(tenant_id, collection.plural).values())}

    def seed(self, req, tenant_id, resource):
        collection = self._collection(resource)
        items = self._json(req).get(collection.plural)
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ControlError(f'the body must be {{"{collection.plural}": [objects]}}')
        with self.state.lock:
            self._org(tenant_id)
            ctx = Context(self.state, tenant_id, app=None)
            return {collection.plural: [collection.seed(ctx, item) for item in items]}

    def bulk_seed(self, req, tenant_id, resource):
        """Seed many records fast and answer only their ids (not the records).

        ``{"<Plural>": [objects]}`` stores those, or ``{"template": object, "count": N, "start": 0}``
        stores N copies of the template with ``{i}`` (or a format such as ``{i:06d}``) in its texts
        replaced by start, start + 1, ...  Answers ``{"count", "ids", "UpdatedDateUTC"}``.
        """
        collection = self._collection(resource)
        body = self._json(req)
        items = body.get(collection.plural)
        if items is not None:
            if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                raise ControlError(f'"{collection.plural}" must be a list of objects')
        else:
            template, count, start = body.get("template"), body.get("count"), body.get("start", 0)
            if not isinstance(template, dict):
                raise ControlError(f'give {{"{collection.plural}": [objects]}} or {{"template": object, "count": N}}')
            for name, value in (("count", count), ("start", start)):
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise ControlError(f"{name} must be a whole number, 0 or more")
            items = (_fill_template(template, i) for i in range(start, start + count))
        with self.state.lock:
            self._org(tenant_id)
            ctx = Context(self.state, tenant_id, app=None)
            try:
                ids = [collection.seed(ctx, item)[collection.id_field] for item in items]
            except (KeyError, IndexError, ValueError) as exc:
                raise ControlError(f"the template cannot be filled in: {exc}") from None
            return {"count": len(ids), "ids": ids, "UpdatedDateUTC": wire.iso(ctx.now)}

    def wipe(self, req, tenant_id, resource):
        """Forget every record of one resource of one organisation (test isolation)."""
        collection = self._collection(resource)
        with self.state.lock:
            self._org(tenant_id)
            return {"deleted": collection.wipe(Context(self.state, tenant_id, app=None))}

    # ------------------------------------------------------------ request log
    def requests(self, req):
        q = req.params
        try:
            since = int(q.get("since") or 0)
        except ValueError:
            raise ControlError("since must be an integer") from None
        return {"requests": self.app.log.entries(since, q.get("path_prefix"))}

    def clear_requests(self, req):
        self.app.log.clear()
        return {"requests": []}

    # ------------------------------------------------------------ limits
    def limits(self, req):
        with self.state.lock:
            return dict(self.state.settings)

    def set_limits(self, req):
        body = self._json(req)
        unknown = set(body) - set(DEFAULT_SETTINGS)
        if unknown:
            raise ControlError(f"unknown settings: {', '.join(sorted(unknown))}")
        for key, value in body.items():
            kind = SETTINGS_TYPES.get(key, (int, float))
            if isinstance(value, bool) or not isinstance(value, kind) or value <= 0:
                raise ControlError(f"{key} must be a positive {'integer' if kind is int else 'number'}")
        with self.state.lock:
            self.state.settings.update(body)
            self.app.limiter.reset()
            return dict(self.state.settings)

    # ------------------------------------------------------------ faults
    def add_fault(self, req):
        try:
            return asdict(self.app.faults.add(self._json(req)))
        except FaultError as exc:
            raise ControlError(str(exc)) from None

    def clear_faults(self, req):
        self.app.faults.clear()
        return {"faults": []}

    # ------------------------------------------------------------ clock and tokens
    def clock(self, req):
        with self.state.lock:
            return {"now": wire.iso(self.state.now()), "offset": self.state.clock.offset}

    def set_clock(self, req):
        body = self._json(req)
        value = body.get("advance", body.get("offset"))
        if len(body) != 1 or isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ControlError('give {"advance": seconds} or {"offset": seconds}')
        with self.state.lock:
            if "advance" in body:
                self.state.clock.advance(value)
            else:
                self.state.clock.offset = float(value)
        return self.clock(req)

    def expire_tokens(self, req):
        with self.state.lock:
            now = self.state.now()
            live = [t for t in self.state.access_tokens.values() if t.expires_at > now]
            for token in live:
                token.expires_at = now
            return {"expired": len(live)}

    def revoke_tokens(self, req):
        with self.state.lock:
            live = [g for g in self.state.grants.values() if not g.revoked]
            for grant in live:
                grant.revoked = True
            return {"revoked": len(live)}
