"""``Idempotency-Key`` on Accounting PUT/POST.

The first request with a key is processed and its response kept for
``idempotency_ttl`` seconds of sandbox clock, keyed by (tenant, key) and
fingerprinted by method, path, query and body.  A replay gets the kept
response (``Idempotent-Replayed: true``) and has no effect; the same key with a
different request is refused; a replay that arrives while the first request is
still being processed waits for it.
"""

import hashlib
import threading
from dataclasses import dataclass, field

MAX_KEY_LENGTH = 128
WAIT_SECONDS = 60  # how long a concurrent replay waits for the original


@dataclass
class Entry:
    fingerprint: str
    expires_at: float
    response: object = None  # wire.Response once the original has been answered
    done: threading.Event = field(default_factory=threading.Event)


def fingerprint(req):
    digest = hashlib.sha256()
    for part in (req.method.encode(), req.path.encode(), req.query_string.encode(), req.body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class IdempotencyStore:
    def __init__(self, state):
        self.state = state
        self._entries = {}

    def reset(self):
        with self.state.lock:
            self._entries.clear()

    def begin(self, tenant_id, key, req):
        """Returns ``("new", entry)``, ``("replay", response)``, ``("mismatch", None)``
        or ``("busy", None)`` when the original never finished."""
        fp = fingerprint(req)
        with self.state.lock:
            now = self.state.now()
            for k in [k for k, e in self._entries.items() if e.done.is_set() and e.expires_at <= now]:
                del self._entries[k]
            entry = self._entries.get((tenant_id, key))
            if entry is None:
                entry = Entry(fp, now + self.state.settings["idempotency_ttl"])
                self._entries[(tenant_id, key)] = entry
                return "new", entry
            if entry.fingerprint != fp:
                return "mismatch", None
        # Same request already seen: wait (without the lock) for its answer.
        if not entry.done.wait(WAIT_SECONDS) or entry.response is None:
            return "busy", None
        return "replay", entry.response

    def finish(self, tenant_id, key, entry, response):
        """Keep ``response`` for replays; None forgets the key (nothing happened)."""
        with self.state.lock:
            if response is None:
                self._entries.pop((tenant_id, key), None)
            else:
                entry.response = response
            entry.done.set()
