"""The request log behind ``GET /_sandbox/requests``, with secrets redacted."""

import json
from collections import deque

from . import wire

MAX_ENTRIES = 10000
SECRET_HEADERS = {"authorization", "cookie", "proxy-authorization"}
SECRET_FIELDS = {"client_secret", "code", "refresh_token", "code_verifier", "token",
                 "access_token", "id_token", "password"}
REDACTED = "***"


def _body(req):
    if not req.body:
        return None
    content_type = (req.header("Content-Type") or "").lower()
    if "application/octet-stream" in content_type:  # a file (attachments): its size only
        return f"<{len(req.body)} bytes>"
    text = req.body.decode("utf-8", "replace")
    if "application/x-www-form-urlencoded" in content_type:
        return {k: REDACTED if k in SECRET_FIELDS else v for k, v in req.form().items()}
    try:
        return json.loads(text)
    except ValueError:
        return text


class RequestLog:
    def __init__(self, lock):
        self.lock = lock
        self._entries = deque(maxlen=MAX_ENTRIES)
        self._seq = 0

    def add(self, req, status, now, *, replayed=False, dropped=None):
        headers = {k: REDACTED if k.lower() in SECRET_HEADERS else v for k, v in req.headers.items()}
        params = req.params
        query = {k: REDACTED if k in SECRET_FIELDS else v for k, v in params.items()}
        with self.lock:
            self._seq += 1
            self._entries.append({
                "seq": self._seq, "time": wire.iso(now), "method": req.method, "path": req.path,
                "query": query, "headers": headers, "tenant_id": req.header("xero-tenant-id"),
                "body": _body(req), "status": status, "idempotency_key": req.header("Idempotency-Key"),
                "replayed": replayed, "dropped": dropped,
            })

    def entries(self, since=0, path_prefix=None):
        with self.lock:
            return [e for e in self._entries
                    if e["seq"] > since and (not path_prefix or e["path"].startswith(path_prefix))]

    def last_seq(self):
        """The sequence number of the newest request (0 before the first; clearing keeps it)."""
        with self.lock:
            return self._seq

    def clear(self):
        with self.lock:
            self._entries.clear()
