"""Xero's wire format: requests and responses, dates, envelopes, error bodies.

Everything that decides what bytes go on the wire lives here, so that the
resource modules only ever deal with plain dicts.
"""

import email.utils
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import parse_qsl

NOT_FOUND_TEXT = "The resource you're looking for cannot be found"

_MS_DATE_RE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")


# ---------------------------------------------------------------- messages
@dataclass
class Request:
    """One parsed HTTP request, independent of the socket it came from."""

    method: str
    path: str  # without the query string, percent-decoding left to the router
    query_string: str
    headers: dict  # header name -> value, names as received
    body: bytes = b""
    client_ip: str = "127.0.0.1"

    def header(self, name, default=None):
        name = name.lower()
        for key, value in self.headers.items():
            if key.lower() == name:
                return value
        return default

    @property
    def params(self):
        """Query parameters with their names as sent; last one wins."""
        return dict(parse_qsl(self.query_string, keep_blank_values=True))

    @property
    def query(self):
        """Query parameters with lower-cased names (Xero ignores their case); last one wins."""
        return {k.lower(): v for k, v in parse_qsl(self.query_string, keep_blank_values=True)}

    def form(self):
        """The body as an ``application/x-www-form-urlencoded`` dict (last value wins)."""
        return dict(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))

    def form_lists(self):
        """The body as form fields, keeping repeated names (checkbox lists)."""
        result = {}
        for key, value in parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True):
            result.setdefault(key, []).append(value)
        return result


@dataclass
class Response:
    status: int
    headers: list = field(default_factory=list)  # [(name, value)]
    body: bytes = b""
    # Set by the fault injector: process the request, then close the socket
    # without sending anything.
    drop: bool = False
    replayed: bool = False  # an idempotent replay of a kept response

    def set_header(self, name, value):
        self.headers = [(k, v) for k, v in self.headers if k.lower() != name.lower()]
        self.headers.append((name, str(value)))

    @classmethod
    def json(cls, status, payload, headers=()):
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return cls(status, [("Content-Type", "application/json; charset=utf-8"), *headers], body)

    @classmethod
    def text(cls, status, text, content_type="text/plain; charset=utf-8", headers=()):
        return cls(status, [("Content-Type", content_type), *headers], text.encode("utf-8"))

    @classmethod
    def html(cls, status, text, headers=()):
        return cls.text(status, text, "text/html; charset=utf-8", headers)

    @classmethod
    def empty(cls, status, headers=()):
        return cls(status, list(headers), b"")

    @classmethod
    def redirect(cls, location):
        return cls(302, [("Location", location)], b"")


# ---------------------------------------------------------------- dates
def ms_date(ts, offset=True):
    """Epoch seconds -> ``/Date(1709251200000+0000)/`` (or without the offset)."""
    ms = int(round(ts * 1000))
    return f"/Date({ms}+0000)/" if offset else f"/Date({ms})/"


def parse_ms_date(value):
    """``/Date(ms[+hhmm])/`` -> epoch seconds, or None when it is not one."""
    if not isinstance(value, str):
        return None
    match = _MS_DATE_RE.match(value)
    return int(match.group(1)) / 1000 if match else None


def parse_http_date(value):
    """A timestamp header -> epoch seconds, or None when unparsable.

    Accepts what clients really send for ``If-Modified-Since``: ISO 8601 with
    or without an offset (naive = UTC; xero-python sends ``isoformat()``),
    ``Z``, and RFC 1123 (``Tue, 02 Jan 2024 03:04:05 GMT``).
    """
    value = (value or "").strip()
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        try:
            dt = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def iso_date(value):
    """``YYYY-MM-DD`` -> epoch seconds at UTC midnight (ValueError when invalid)."""
    dt = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    return dt.timestamp()


def iso7(ts):
    """Identity's date format: ``2024-05-01T10:11:12.1234567`` (UTC, no zone)."""
    dt = datetime.fromtimestamp(ts, timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond:06d}0"


def iso(ts):
    """Plain ISO 8601 with offset, for the control API."""
    return datetime.fromtimestamp(ts, timezone.utc).isoformat()


def us_datetime(ts):
    """``MM/DD/YYYY HH:MM:SS`` (UTC), as in Xero's TokenExpired detail."""
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%m/%d/%Y %H:%M:%S")


# ---------------------------------------------------------------- bodies
def strip_nulls(value):
    """Drop None values at every depth: Xero omits them, and the SDK chokes on null."""
    if isinstance(value, dict):
        return {k: strip_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [strip_nulls(v) for v in value if v is not None]
    return value


def envelope(plural, items, *, provider, now, pagination=None, warnings=None):
    """The Accounting API's response wrapper around a list of records."""
    body = {
        "Id": str(uuid.uuid4()),
        "Status": "OK",
        "ProviderName": provider,
        "DateTimeUTC": ms_date(now, offset=False),
        "pagination": pagination,
        "Warnings": warnings or None,
        plural: items,
    }
    return strip_nulls(body)


def problem(status, title, detail):
    """The identity/gateway error shape: ``{"Title","Status","Detail","Instance"}``."""
    return {"Title": title, "Status": status, "Detail": detail, "Instance": str(uuid.uuid4())}


def api_exception(number, kind, message, elements=None):
    """The Accounting API's error shape (``ValidationException`` and friends)."""
    body = {"ErrorNumber": number, "Type": kind, "Message": message}
    if elements is not None:
        body["Elements"] = elements
    return body


def validation_exception(message="A validation exception occurred", elements=None):
    return api_exception(10, "ValidationException", message, elements)


def not_found():
    return Response.html(404, NOT_FOUND_TEXT)


def is_guid(value):
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return len(str(value)) == 36
