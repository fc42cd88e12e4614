"""Injected faults: the next N matching requests fail, stall or lose their connection.

A rule matches on method (optional, exact) and path (optional, prefix).  The
first queued rule that matches a request takes it and its count goes down by
one; exhausted rules disappear.  A rule with ``skip`` lets that many matching
requests pass untouched first (so "the 3rd write fails" is ``skip: 2``).
``hold`` processes the request, logs and saves it, then waits that many seconds
before answering: the window in which a client may die after Xero applied a
write and before it heard so.  ``match`` (text) narrows a rule to requests whose
body contains it.  ``/_sandbox/`` itself is never faulted.
"""

import itertools
from dataclasses import asdict, dataclass

from .wire import Response


class FaultError(ValueError):
    """A rule given to the control API is not valid."""


@dataclass
class Fault:
    id: int
    count: int = 1
    method: str = None
    path: str = None
    status: int = None
    body: object = None
    headers: dict = None
    delay: float = None
    drop: str = None  # "before" | "after"
    hold: float = None  # seconds to wait after processing, before answering
    skip: int = 0  # matching requests let through before the rule applies
    match: str = None  # only requests whose body contains this text

    def matches(self, method, path, body=b""):
        return (self.method is None or self.method == method) and (
            self.path is None or path.startswith(self.path)) and (
            self.match is None or self.match.encode() in (body or b""))

    def response(self):
        """The response a ``status`` fault answers with (nothing processed)."""
        headers = dict(self.headers or {})
        if self.status == 429:
            headers.setdefault("Retry-After", "1")
            headers.setdefault("X-Rate-Limit-Problem", "minute")
        if isinstance(self.body, (dict, list)):
            resp = Response.json(self.status, self.body)
        elif isinstance(self.body, str):
            resp = Response.text(self.status, self.body)
        else:
            resp = Response.empty(self.status)
        for name, value in headers.items():
            resp.set_header(name, value)
        return resp


class FaultQueue:
    def __init__(self, lock):
        self.lock = lock
        self._rules = []
        self._ids = itertools.count(1)

    def add(self, spec):
        """Validate a control-API rule and queue it; returns the stored rule."""
        if not isinstance(spec, dict):
            raise FaultError("a fault is a JSON object")
        unknown = set(spec) - {"method", "path", "count", "status", "body", "headers", "delay", "drop",
                                "hold", "skip", "match"}
        if unknown:
            raise FaultError(f"unknown fault keys: {', '.join(sorted(unknown))}")
        count = spec.get("count", 1)
        status, delay, drop = spec.get("status"), spec.get("delay"), spec.get("drop")
        hold, skip = spec.get("hold"), spec.get("skip", 0)
        if not isinstance(count, int) or count < 1:
            raise FaultError("count must be a positive integer")
        if status is not None and (not isinstance(status, int) or not 100 <= status <= 599):
            raise FaultError("status must be an HTTP status code")
        if delay is not None and (not isinstance(delay, (int, float)) or delay < 0):
            raise FaultError("delay must be a number of seconds >= 0")
        if drop not in (None, "before", "after"):
            raise FaultError('drop must be "before" or "after"')
        if hold is not None and (isinstance(hold, bool) or not isinstance(hold, (int, float)) or hold < 0):
            raise FaultError("hold must be a number of seconds >= 0")
        if spec.get("match") is not None and (not isinstance(spec["match"], str) or not spec["match"]):
            raise FaultError("match must be a non-empty text")
        if isinstance(skip, bool) or not isinstance(skip, int) or skip < 0:
            raise FaultError("skip must be an integer >= 0")
        if hold is not None and (status is not None or drop == "before"):
            raise FaultError("hold needs a processed request: not with status or drop: before")
        if status is None and delay is None and drop is None and hold is None:
            raise FaultError("give at least one of status, delay, drop, hold")
        if spec.get("headers") is not None and not isinstance(spec["headers"], dict):
            raise FaultError("headers must be an object")
        with self.lock:
            fault = Fault(
                id=next(self._ids), count=count,
                method=spec["method"].upper() if spec.get("method") else None,
                path=spec.get("path") or None, status=status, body=spec.get("body"),
                headers=spec.get("headers"), delay=delay, drop=drop, hold=hold, skip=skip,
                match=spec.get("match"))
            self._rules.append(fault)
            return fault

    def take(self, method, path, body=b""):
        """The first rule matching this request, consuming one of its count; else None."""
        with self.lock:
            for fault in self._rules:
                if fault.matches(method, path, body):
                    if fault.skip:
                        fault.skip -= 1  # let this one pass; later rules do not see it either
                        return None
                    fault.count -= 1
                    if fault.count == 0:
                        self._rules.remove(fault)
                    return fault
            return None

    def list(self):
        with self.lock:
            return [asdict(f) for f in self._rules]

    def clear(self):
        with self.lock:
            self._rules.clear()
