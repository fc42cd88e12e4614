"""The generic Accounting API collection (``/api.xro/2.0/<Plural>[/<id>]``).

A resource module subclasses :class:`Collection`, declares its names, fields
and scopes, and overrides the few hooks that carry its business rules
(:meth:`Collection.validate`, :meth:`Collection.merge`, :meth:`Collection.match`,
...).  Listing (paging, ``where``, ``order``, ``IDs``, ``If-Modified-Since``,
``includeArchived``, ``searchTerm``, ``summaryOnly``), fetching by id, and
writing (PUT create, POST upsert, POST ``/<id>`` update, ``summarizeErrors``)
are implemented here once.

Records are stored as wire-format dicts (``/Date(...)/`` strings included), so
rendering is little more than copying.
"""

import copy
import json
import math
import re
import uuid

from .. import webhooks, wire
from ..where import QueryError, compile_order, compile_where, sort_records

MAX_PAGE_SIZE = 1000


def parse_body(req, empty=None):
    """``(body, None)``, or ``(None, Xero's 400 answer)`` when the body is not JSON; ``empty``
    when there is none."""
    if not req.body.strip():
        return empty, None
    try:
        return json.loads(req.body.decode("utf-8")), None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, wire.Response.json(400, wire.api_exception(
            14, "PostDataInvalidException", f"JSON for post data was invalid, {exc}"))


class Context:
    """What a resource handler needs to know about the current call."""

    def __init__(self, state, tenant_id, app):
        self.state = state
        self.tenant_id = tenant_id
        self.app = app
        self.org = state.orgs[tenant_id]
        self.now = state.now()
        self.query = {}  # the request's query parameters (lower-cased names)

    def store(self, plural):
        return self.state.store(self.tenant_id, plural)

    def ok(self, plural, items, status=200, pagination=None):
        body = wire.envelope(plural, items, provider=self.app.name, now=self.now, pagination=pagination)
        return wire.Response.json(status, body)


def parse_bool(value, default):
    if value is None:
        return default
    return {"true": True, "false": False}.get(value.strip().lower(), default)


def bad_request(message):
    return wire.Response.json(400, wire.validation_exception(message))


def no_data(what):
    """Xero's 400 for a body without the elements the endpoint expects (``what``: "Invoice", "Contact")."""
    return wire.Response.json(400, wire.api_exception(
        17, "NoDataProcessedException", "No data has been processed for this endpoint. This endpoint is "
        f"expecting {what} data to be specifed in the request body."))


def field_label(name):
    """``ContactNumber`` -> ``Contact Number`` (for messages)."""
    return re.sub(r"(?<=[a-z])(?=[A-Z0-9])", " ", name)


class Collection:
    plural = ""  # "Contacts": the URL segment and the envelope key
    id_field = ""  # "ContactID"
    singular = ""  # "contact", for messages
    paged = True  # accepts page/pageSize and answers with "pagination"
    read_scopes = ()  # any one of these (or of write_scopes) allows GET
    write_scopes = ()  # any one of these allows PUT/POST
    fields = frozenset()  # every field a record may have: valid in where/order
    # Fields a client may write.  Value None: a scalar; a tuple: a list of
    # objects with those keys; "object": a nested object kept as given.
    writable = {}
    search_fields = ()  # searchTerm looks in these (case-insensitive contains)
    alt_key = None  # a field usable instead of the id in /<Plural>/<key>
    status_field = None
    archived_statuses = ()  # hidden unless includeArchived=true
    default_order = ()  # ((path tuple, descending), ...)
    summary_omit = ()  # fields left out with summaryOnly=true
    defaults = {}  # a new record starts with these
    render_defaults = {}  # shown on every rendered record unless set
    error_flag = "HasValidationErrors"  # set on a refused element's echo (None: not in the schema)

    @property
    def path(self):
        """The URL segment after ``/api.xro/2.0/``."""
        return self.plural

    # ------------------------------------------------------------ dispatch
    def scopes_for(self, method, parts=()):
        """Any one of these allows the call (``parts``: the path after the resource's segment)."""
        return self.read_scopes + self.write_scopes if method == "GET" else self.write_scopes

    def handle(self, ctx, req, parts):
        ctx.query = req.query
        if req.method == "GET" and not parts:
            return self.list(ctx, req)
        if req.method == "GET" and len(parts) == 1:
            return self.get(ctx, req, parts[0])
        if req.method == "PUT" and not parts:
            return self.write(ctx, req, "create")
        if req.method == "POST" and not parts:
            return self.write(ctx, req, "upsert")
        if req.method == "POST" and len(parts) == 1:
            return self.write(ctx, req, "update", parts[0])
        return wire.not_found()

    # ------------------------------------------------------------ hooks
    def visible(self, record, include_archived):
        return include_archived or record.get(self.status_field) not in self.archived_statuses

    def clean(self, ctx, element):
        """``(changes, errors)``: the writable fields of ``element`` without nulls (read-only
        ones the SDK sends are ignored), and a message for each field of the wrong shape."""
        changes, errors = {}, []
        for name, shape in self.writable.items():
            value = element.get(name)
            if value is None:
                continue
            if isinstance(shape, tuple):
                if not isinstance(value, list):
                    errors.append(f"The {field_label(name)} must be a list.")
                    continue
                value = [{k: v for k, v in item.items() if k in shape and v is not None}
                         for item in value if isinstance(item, dict)]
            elif shape == "object" and not isinstance(value, dict):
                errors.append(f"The {field_label(name)} must be an object.")
                continue
            elif shape is None and isinstance(value, (dict, list)):
                errors.append(f"The {field_label(name)} must be a single value.")
                continue
            changes[name] = wire.strip_nulls(value)
        return changes, errors

    def merge(self, record, changes):
        """Apply a partial update: given fields replace, absent ones are kept."""
        record.update(copy.deepcopy(changes))
        return record

    def match(self, ctx, changes):
        """An existing record a POST without an id updates (upsert); None creates."""
        return None

    def validate(self, ctx, candidate, existing):
        """Messages for a record about to be stored (``existing`` is None on create)."""
        return []

    def filter_records(self, ctx, records, q):
        """Resource-specific list filters (``InvoiceNumbers``, ``Statuses``...); may return
        an error Response."""
        return records

    def list_omit(self, q, paged):
        """Fields left out of every listed record (e.g. invoice lines without ``page``)."""
        return ()

    def wipe(self, ctx):
        """Forget every record (control API); returns how many.  Resources that others
        refer to override this to keep the rest consistent."""
        store = ctx.store(self.plural)
        count = len(store)
        store.clear()
        return count

    def render(self, record, summary=False, ctx=None):
        out = dict(self.render_defaults)
        out.update(record)
        for name in self.summary_omit if summary else ():
            out.pop(name, None)
        return wire.strip_nulls(out)

    def elements(self, body):
        """The list of submitted elements in a write body (``{"<Plural>": [...]}``)."""
        if isinstance(body, dict):
            items = body.get(self.plural)
            if isinstance(items, list):
                return items
        return []

    # ------------------------------------------------------------ lookups
    def find(self, ctx, key):
        """The record with this id (any case) or, when not a GUID, this alternative key."""
        store = ctx.store(self.plural)
        if wire.is_guid(key):
            key = key.lower()
            return next((r for i, r in store.items() if i.lower() == key), None)
        if self.alt_key:
            wanted = key.casefold()
            return next((r for r in store.values() if str(r.get(self.alt_key, "")).casefold() == wanted), None)
        return None

    # ------------------------------------------------------------ reading
    def get(self, ctx, req, key):
        record = self.find(ctx, key)
        if record is None:
            return wire.not_found()
        return ctx.ok(self.plural, [self.render(record, ctx=ctx)])

    def list(self, ctx, req):
        q = req.query
        records = [r for r in ctx.store(self.plural).values()
                   if self.visible(r, parse_bool(q.get("includearchived"), False))]
        if q.get("ids"):
            wanted = {i.strip().lower() for i in q["ids"].split(",") if i.strip()}
            records = [r for r in records if str(r.get(self.id_field, "")).lower() in wanted]
        records = self.filter_records(ctx, records, q)
        if isinstance(records, wire.Response):
            return records
        since = wire.parse_http_date(req.header("If-Modified-Since"))
        if since is not None:
            # Inclusive, to the millisecond: a record changed in the very
            # millisecond a client last synced is sent again, never missed.
            since_ms = math.floor(since * 1000)
            records = [r for r in records
                       if (wire.parse_ms_date(r.get("UpdatedDateUTC")) or 0) * 1000 >= since_ms]
        if q.get("searchterm"):
            term = q["searchterm"].casefold()
            records = [r for r in records
                       if any(term in str(r.get(f) or "").casefold() for f in self.search_fields)]
        try:
            if q.get("where", "").strip():
                predicate = compile_where(q["where"], self.fields)
                records = [r for r in records if predicate(r)]
            keys = compile_order(q["order"], self.fields) if q.get("order", "").strip() else []
        except QueryError as exc:
            return wire.Response.json(400, wire.api_exception(16, "QueryParseException", str(exc)))
        records = sort_records(records, tuple(keys) + tuple(self.default_order))
        pagination = None
        if self.paged and q.get("page") is not None:
            try:
                page = int(q["page"])
                size = int(q.get("pagesize") or 100)
            except ValueError:
                return bad_request("page and pageSize must be whole numbers")
            if page < 1:
                return bad_request("page must be 1 or more")
            if not 1 <= size <= MAX_PAGE_SIZE:
                return bad_request(f"pageSize must be between 1 and {MAX_PAGE_SIZE}")
            pagination = {"page": page, "pageSize": size, "pageCount": math.ceil(len(records) / size),
                          "itemCount": len(records)}
            records = records[(page - 1) * size:page * size]
        summary = parse_bool(q.get("summaryonly"), False)
        omit = self.list_omit(q, pagination is not None)
        rendered = [self.render(r, summary, ctx=ctx) for r in records]
        for out in rendered:
            for name in omit:
                out.pop(name, None)
        return ctx.ok(self.plural, rendered, pagination=pagination)

    # ------------------------------------------------------------ writing
    def write(self, ctx, req, mode, key=None):
        """PUT (``create``), POST (``upsert``) or POST /<key> (``update``)."""
        target = None
        if mode == "update":
            target = self.find(ctx, key)
            if target is None:
                return wire.not_found()
        body, invalid = parse_body(req)
        if invalid:
            return invalid
        elements = self.elements(body)
        if not elements:
            return no_data(self.singular.capitalize())
        if target is not None:
            elements = elements[:1]
        results = [self._write_one(ctx, element, mode, target) for element in elements]
        summarize = parse_bool(req.query.get("summarizeerrors"), True)
        if summarize:
            failed = [echo for echo, ok in results if not ok]
            if failed:
                return wire.Response.json(400, wire.validation_exception(elements=failed))
            return ctx.ok(self.plural, [echo for echo, _ in results])
        for echo, ok in results:
            echo["StatusAttributeString"] = "OK" if ok else "ERROR"
        return ctx.ok(self.plural, [echo for echo, _ in results])

    def _write_one(self, ctx, element, mode, target):
        """Validate and store one element; returns ``(echo, succeeded)``."""
        if not isinstance(element, dict):
            return {"ValidationErrors": [{"Message": f"A {self.singular} must be an object."}],
                    "HasValidationErrors": True}, False
        store = ctx.store(self.plural)
        changes, errors = self.clean(ctx, element)
        given_id = element.get(self.id_field)
        existing = target
        if existing is None and given_id:
            existing = self.find(ctx, str(given_id)) if wire.is_guid(given_id) else None
            if existing is None:
                errors.append(f"The {self.singular} with {self.id_field} '{given_id}' does not exist.")
        if existing is None and not given_id and mode == "upsert":
            existing = self.match(ctx, changes)
        base = copy.deepcopy(existing) if existing else copy.deepcopy(self.defaults)
        candidate = self.merge(base, changes)
        if not errors:
            errors = self.validate(ctx, candidate, existing)
        if errors:
            # Like Xero, a refused new element is echoed with an id of its own
            # that was never stored: do not bind to it.
            candidate.setdefault(self.id_field, str(given_id or uuid.uuid4()))
            echo = self.render(candidate, ctx=ctx)
            echo["ValidationErrors"] = [{"Message": m} for m in errors]
            if self.error_flag:
                echo[self.error_flag] = True
            return echo, False
        candidate.setdefault(self.id_field, str(uuid.uuid4()))
        candidate["UpdatedDateUTC"] = wire.ms_date(ctx.now)
        store[candidate[self.id_field]] = candidate
        webhooks.record(ctx, self.plural, candidate[self.id_field], created=existing is None, document=candidate)
        return self.render(candidate, ctx=ctx), True

    # ------------------------------------------------------------ seeding
    def seed(self, ctx, record):
        """Store a record as given (control API): only id, defaults and date are filled in."""
        record = wire.strip_nulls(dict(record))
        record = self.merge(copy.deepcopy(self.defaults), record)
        record.setdefault(self.id_field, str(uuid.uuid4()))
        stamp = wire.parse_ms_date(record.get("UpdatedDateUTC"))
        if stamp is None:
            stamp = wire.parse_http_date(record.get("UpdatedDateUTC")) or ctx.now
        record["UpdatedDateUTC"] = wire.ms_date(stamp)
        ctx.store(self.plural)[record[self.id_field]] = record
        return record
