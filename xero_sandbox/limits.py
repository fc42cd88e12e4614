"""Xero's rate limits: per tenant (concurrent, minute, day) and per app (minute).

Windows are fixed: one opens with the first call counted after the previous
one closed and lasts a "minute" (``60 / time_scale`` seconds of sandbox clock)
or a "day" (``86400 / time_scale``).  Only authenticated Accounting API calls
with a granted tenant are counted; a refused call counts nothing.
"""

import math
from dataclasses import dataclass

MINUTE, DAY = 60.0, 86400.0


@dataclass
class Decision:
    """The outcome of :meth:`RateLimiter.acquire`; ``problem`` is None when admitted."""

    headers: list
    problem: str = None
    retry_after: int = None


class RateLimiter:
    def __init__(self, state):
        self.state = state
        self.reset()

    def reset(self):
        with self.state.lock:
            self._windows = {}  # (scope, key, length) -> (window start, count)
            self._in_flight = {}  # tenant_id -> count

    def _window(self, scope, key, length, now):
        """``(start, count)`` of the open window (a new one if it has closed)."""
        start, count = self._windows.get((scope, key, length), (now, 0))
        return (start, count) if now < start + length else (now, 0)

    def _count(self, scope, key, length, now):
        return self._window(scope, key, length, now)[1]

    def _retry_after(self, scope, key, length, now):
        start, _ = self._window(scope, key, length, now)
        return max(1, math.ceil(start + length - now))

    def headers(self, tenant_id=None, client_id=None):
        """The ``X-*Limit-Remaining`` headers as they stand, without counting a request."""
        with self.state.lock:
            s, now = self.state.settings, self.state.now()
            minute, day = MINUTE / s["time_scale"], DAY / s["time_scale"]
            return [
                ("X-DayLimit-Remaining", max(0, s["per_day"] - self._count("t", tenant_id, day, now))),
                ("X-MinLimit-Remaining", max(0, s["per_minute"] - self._count("t", tenant_id, minute, now))),
                ("X-AppMinLimit-Remaining",
                 max(0, s["app_per_minute"] - self._count("a", client_id, minute, now))),
            ]

    def acquire(self, tenant_id, client_id):
        """Count one call; on success the caller must :meth:`release` when it is answered."""
        with self.state.lock:
            s, now = self.state.settings, self.state.now()
            minute, day = MINUTE / s["time_scale"], DAY / s["time_scale"]
            checks = [  # (problem, scope, key, window length, limit), longest wait first
                ("day", "t", tenant_id, day, s["per_day"]),
                ("minute", "t", tenant_id, minute, s["per_minute"]),
                ("appminute", "a", client_id, minute, s["app_per_minute"]),
            ]
            for problem, scope, key, length, limit in checks:
                if self._count(scope, key, length, now) >= limit:
                    return Decision(self.headers(tenant_id, client_id), problem,
                                    self._retry_after(scope, key, length, now))
            if self._in_flight.get(tenant_id, 0) >= s["concurrent"]:
                return Decision(self.headers(tenant_id, client_id), "concurrent", 1)
            for _, scope, key, length, _ in checks:
                start, count = self._window(scope, key, length, now)
                self._windows[(scope, key, length)] = (start, count + 1)
            self._in_flight[tenant_id] = self._in_flight.get(tenant_id, 0) + 1
            return Decision(self.headers(tenant_id, client_id))

    def release(self, tenant_id):
        with self.state.lock:
            self._in_flight[tenant_id] = max(0, self._in_flight.get(tenant_id, 0) - 1)
