"""The Accounting API gateway (``/api.xro/2.0/...``).

In order: bearer token (401), ``xero-tenant-id`` (403), rate limits (429),
injected faults, resource lookup (404), scopes (401), ``Idempotency-Key``,
then the resource handler under the state lock.  Every answer carries the
rate-limit headers and a ``Xero-Correlation-Id``.
"""

import time
import uuid
from urllib.parse import unquote

from . import wire
from .idempotency import MAX_KEY_LENGTH
from .resources import RESOURCES
from .resources.base import Context

API_PREFIX = "/api.xro/2.0/"


class AccountingApi:
    def __init__(self, app):
        self.app = app
        self.state = app.state

    def handle(self, req, fault=None):
        resp, limit_headers = self._handle(req, fault)
        for name, value in limit_headers:
            resp.set_header(name, value)
        resp.set_header("Xero-Correlation-Id", str(uuid.uuid4()))
        return resp

    def _handle(self, req, fault):
        """``(response, rate-limit headers)``."""
        limiter = self.app.limiter
        access, error = self.app.oauth.authenticate(req)
        if error:
            return error, limiter.headers()
        tenant_id = req.header("xero-tenant-id") or ""
        with self.state.lock:
            allowed = tenant_id in self.state.tenants_of(access)
        if not allowed:
            return wire.Response.json(403, wire.problem(403, "Forbidden", "AuthenticationUnsuccessful")), \
                limiter.headers(client_id=access.client_id)
        decision = limiter.acquire(tenant_id, access.client_id)
        if decision.problem:
            return wire.Response.json(429, wire.problem(
                429, "Too Many Requests", f"Rate limit exceeded: {decision.problem}"),
                [("Retry-After", decision.retry_after), ("X-Rate-Limit-Problem", decision.problem)]), \
                decision.headers
        try:
            if fault and fault.delay:
                time.sleep(fault.delay)
            if fault and fault.status:
                return fault.response(), decision.headers
            return self._route(req, access, tenant_id), decision.headers
        finally:
            limiter.release(tenant_id)

    def _route(self, req, access, tenant_id):
        parts = [unquote(p) for p in req.path[len(API_PREFIX):].split("/") if p]
        resource = RESOURCES.get(parts[0].lower()) if parts else None
        if resource is None:
            return wire.not_found()
        with self.state.lock:
            scopes = set(self.state.grants[access.grant_id].scopes)
        if not scopes & set(resource.scopes_for(req.method, parts[1:])):
            return wire.Response.json(401, wire.problem(401, "Unauthorized", "AuthorizationUnsuccessful"))
        key = req.header("Idempotency-Key")
        if req.method not in ("PUT", "POST") or key is None:
            return self._dispatch(req, access, tenant_id, resource, parts[1:])
        if not key or len(key) > MAX_KEY_LENGTH:
            return wire.Response.json(400, wire.validation_exception(
                f"The Idempotency-Key header must be 1 to {MAX_KEY_LENGTH} characters long."))
        outcome, value = self.app.idempotency.begin(tenant_id, key, req)
        if outcome == "mismatch":
            return wire.Response.json(400, wire.validation_exception(
                "Idempotency key has already been used with a different request body."))
        if outcome == "busy":
            return wire.Response.json(409, wire.problem(
                409, "Conflict", "The original request with this Idempotency-Key did not complete."))
        if outcome == "replay":
            replay = wire.Response(value.status, list(value.headers), value.body, replayed=True)
            replay.set_header("Idempotent-Replayed", "true")
            return replay
        resp = None
        try:
            resp = self._dispatch(req, access, tenant_id, resource, parts[1:])
        finally:
            kept = wire.Response(resp.status, list(resp.headers), resp.body) if resp else None
            self.app.idempotency.finish(tenant_id, key, value, kept)
        return resp

    def _dispatch(self, req, access, tenant_id, resource, parts):
        with self.state.lock:
            ctx = Context(self.state, tenant_id, self.state.apps[access.client_id])
            return resource.handle(ctx, req, parts)
