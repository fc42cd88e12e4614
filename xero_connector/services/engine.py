"""The generic sync engine, for any entity with a mapper.

Push (Odoo -> Xero): maps records (built-in parts + the connection's mapping
lines), skips the ones whose payload Xero already has (payload hash), links
never-pushed records to the Xero record they match instead of creating a
duplicate, writes the rest in batches of at most 50 with
``summarizeErrors=false`` and an ``Idempotency-Key`` derived from the records
and the payload, and records the outcome per record on the binding and in the
sync log.  One bad record never stops the others.

Pull (Xero -> Odoo): reads what changed since the last import, then per Xero
record updates the linked Odoo record, or matches an unlinked one, or creates
it, as the import mode allows; archived Xero records archive (or flag) their
Odoo record.  Ambiguous matches are reported, never guessed.

Fetch & Match: reads everything once and only links.
"""

import hashlib
import json
import logging
import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone

from odoo import _, fields
from odoo.tools import LazyTranslate

from . import xero_client as xc
from .attachments import AttachmentSync
from .mappers import MAPPERS, MappingError, SkipRecord

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)

IMPORT_CHUNK = 200  # Xero records handled per round of Odoo queries
INDEX_CHUNK = 1000  # Xero records indexed per round (one page)
PUSH_CHUNK = 1000  # Odoo records mapped, matched and written per round (20 batches)
WHERE_MAX = 1500  # characters of one targeted ``where`` look-up (Xero takes it in the URL)
#: an intent younger than this is replayed with its Idempotency-Key (Xero keeps keys ~6 minutes);
#: an older one is looked up among the records Xero changed since it was written
REPLAY_WINDOW = timedelta(minutes=5)
#: how far before an intent the look-up reads Xero's changes (clocks of Odoo and Xero differ)
CLOCK_SLACK = timedelta(minutes=5)
#: seconds an interactive push may wait on Xero's rate limit before it hands over to a background job
INTERACTIVE_WAIT = 5.0


def _chunks(items, size):
    items = list(items) if not isinstance(items, list) else items
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _ichunks(iterable, size):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk



def _where_quote(value):
    return value.replace("\\", "\\\\").replace('"', '\\"')


_MS_DATE = re.compile(r"/Date\((-?\d+)(?:[+-]\d{4})?\)/")


def _xero_time(value):
    """Xero's ``/Date(ms+0000)/`` (or a datetime) as a naive UTC datetime."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value
    found = _MS_DATE.fullmatch(value or "") if isinstance(value, str) else None
    if found:
        return datetime.fromtimestamp(int(found.group(1)) / 1000, timezone.utc).replace(tzinfo=None)
    return None


class Matcher:
    """The unique candidate on the other side for a record's matching values.

    Keys are tried strongest first; the first key that finds candidates
    decides.  A candidate whose *strong* key disagrees (both sides have a
    value and they differ) is not the same record.  Two candidates for a key
    are ambiguous: reported, never guessed.
    """

    def __init__(self, mapper, candidates, values_of, ident):
        self.keys = mapper.match_keys
        self.strong = mapper.strong_keys
        self.ident = ident
        self.values = {}
        self.index = {key: defaultdict(list) for key in self.keys}
        self.taken = set()
        for candidate in candidates:
            values = values_of(candidate)
            self.values[ident(candidate)] = values
            for key in self.keys:
                if values.get(key):
                    self.index[key][values[key]].append(candidate)

    def _vetoed(self, candidate, values):
        theirs = self.values[self.ident(candidate)]
        return any(values.get(k) and theirs.get(k) and values[k] != theirs[k] for k in self.strong)

    def match(self, values):
        """``(candidate, key, ambiguous candidates)``."""
        for key in self.keys:
            value = values.get(key)
            if not value:
                continue
            found = [c for c in self.index[key].get(value, [])
                     if self.ident(c) not in self.taken and not self._vetoed(c, values)]
            if len(found) == 1:
                self.taken.add(self.ident(found[0]))
                return found[0], key, []
            if len(found) > 1:
                return None, key, found
        return None, None, []


class _Item:
    """One record on its way to Xero."""

    __slots__ = ("record", "binding", "payload", "hash", "create")

    def __init__(self, record, binding, payload, payload_hash, create):
        self.record = record
        self.binding = binding
        self.payload = payload
        self.hash = payload_hash
        self.create = create


class SyncEngine:
    """Synchronise one entity between Odoo and one Xero connection.

    :param commit: commit after each batch and before waiting on a rate limit
        (scheduled runs); interactive runs stay inside the user's transaction.
    """

    def __init__(self, connection, *, trigger="button", commit=False):
        connection._ensure_connected()
        self.connection = connection
        self.env = connection.env
        self.company = connection.company_id
        self.trigger = trigger
        self.commit = commit
        self.limits = {}
        self.counts = Counter()
        self.pending_lines = []
        self.client = None
        self.unresolved = set()  # ids of records whose earlier create is still unknown
        self.index_fresh = False  # the index was brought up to date in this run
        self.files_todo = []  # (record, binding) of imported documents whose Xero files are to be read

    # ------------------------------------------------------------------ common
    def _start(self, entity, direction, total=0):
        self.mapper = MAPPERS[entity](self.env, self.connection)
        self.mapping = self.env["xero.mapping"]._for(self.connection, entity)
        self.mapper.mapping = self.mapping
        self.log = self.env["xero.sync.log"].sudo().create({
            "connection_id": self.connection.id, "entity": entity, "direction": direction,
            "trigger": self.trigger, "count_total": total, "user_id": self.env.uid,
        })
        self.client = self.connection._client(
            before_wait=self._before_wait, wait_budget=120.0 if self.commit else INTERACTIVE_WAIT)
        self.client.on_limits = self.limits.update
        self.Binding = self.env["xero.binding"].sudo()
        self.Remote = self.env["xero.remote.record"].sudo()
        self.Intent = self.env["xero.push.intent"].sudo()

    def _flush(self):
        """Write the run's counters and the pending log lines."""
        self.env["xero.sync.log.line"].sudo().create(self.pending_lines)
        self.pending_lines = []
        values = {
            "api_calls": self.client.calls if self.client else 0,
            "count_created": self.counts["create"],
            "count_updated": self.counts["update"] + self.counts["link"] + self.counts["archive"],
            "count_skipped": self.counts["skip"],
            "count_failed": self.counts["error"],
            "count_linked": self.counts["link"],
            "count_ambiguous": self.counts["ambiguous"],
            "count_warning": self.counts["warning"],
            "limit_minute_remaining": self.limits.get("minute", 0),
            "limit_day_remaining": self.limits.get("day", 0),
        }
        if self.log.direction in ("import", "match"):
            values["count_total"] = self.counts["seen"]
        if self.counts.get("would_create_odoo"):
            values["count_would_create_odoo"] = self.counts["would_create_odoo"]
        if self.counts.get("would_create_xero"):
            values["count_would_create_xero"] = self.counts["would_create_xero"]
        self.log.write(values)

    def _end(self):
        self._flush()
        self.log._finish()
        return self.log

    def _bound(self, model, xero_ids=None, res_ids=None):
        domain = [("connection_id", "=", self.connection.id), ("res_model", "=", model)]
        if xero_ids is not None:
            domain.append(("xero_id", "in", list(xero_ids)))
        if res_ids is not None:
            domain.append(("res_id", "in", list(res_ids)))
        return self.Binding.search(domain)

    def _push_hash(self, record):
        """The payload hash a push of ``record`` would send now (None if it cannot be mapped)."""
        try:
            return xc.payload_hash(self.mapper.to_xero(record, self.mapping._lines("to_xero")))
        except (MappingError, SkipRecord):
            return None

    # ------------------------------------------------------------------ push
    def push(self, entity, records, preview=False):
        """Push ``records`` (a recordset of the entity's model); returns the log.

        :param preview: map and match, but write nothing; the log says what would be sent.
        """
        model = self.env[MAPPERS[entity].model]
        records = model._xero_push_targets(records)
        # what the records refer to (contacts, items) goes first, each in its own run
        if not preview:
            # only the fields read (not every column of every record: a push may name 100,000)
            light = records.with_context(prefetch_fields=False)
            for dep_entity, dep_records in MAPPERS[entity](self.env, self.connection).dependencies(light):
                if dep_records:
                    SyncEngine(self.connection, trigger=self.trigger, commit=self.commit).push(
                        dep_entity, dep_records.with_env(self.env))
        self._start(entity, "export", total=len(records))
        if preview:
            self.log.preview = True
            return self._preview_push(records)
        mapper = self.mapper
        lines = self.mapping._lines("to_xero")
        clearable = mapper.clearable_keys(lines)
        self._resolve_intents()
        synced = []
        files = AttachmentSync(self) if AttachmentSync.wanted(self, "push") else None
        # a chunk at a time: memory (records, payloads, Odoo's cache, log lines) stays one chunk's
        for start in range(0, len(records), PUSH_CHUNK):
            # browse() gives the chunk a prefetch set of its own (a slice would prefetch from all)
            in_step = self._push_chunk(records.browse(records.ids[start:start + PUSH_CHUNK]), lines, clearable)
            if in_step:
                if files:
                    files.push(records.browse(in_step))  # the documents' PDF and files, after their write
                mapper.after_push(self, records.browse(in_step))
            synced += in_step
            if len(records) > PUSH_CHUNK:
                self._flush()
                if self.commit:
                    self.env.cr.commit()
                self.env.invalidate_all()
        self._delete_orphans()
        log = self._end()
        for follow_entity, follow_records in mapper.followers(records.browse(synced)):
            if follow_records or self._has_orphans(follow_entity):
                SyncEngine(self.connection, trigger=self.trigger, commit=self.commit).push(
                    follow_entity, follow_records)
        return log

    def _push_chunk(self, records, lines, clearable):
        """Map, match and write ``records``; returns the ids of those now in step with Xero."""
        mapper = self.mapper
        bindings = self.Binding._for_records(self.connection, records)
        conflicts = self.Intent._conflicts_of(self.connection, mapper.entity, records)

        to_create, to_update = [], []
        for record in records:
            binding = bindings[record.id]
            if record.id in conflicts and not binding.xero_id:
                self._failed(record, binding, conflicts[record.id])
                continue
            if record.id in self.unresolved and not binding.xero_id:
                self._failed(record, binding, _("Not sent yet: an earlier push's answer was lost and Xero "
                                                "could not be asked what it created; the next sync asks again."))
                continue
            if binding.xero_locked:
                self._line(record, binding, "skip", binding.xero_locked, state="warning")
                binding.need_sync = False
                continue
            try:
                payload = self._payload(record, lines, binding)
            except SkipRecord as exc:
                self._line(record, binding, "skip", str(exc))
                continue
            except (MappingError, xc.XeroPayloadError) as exc:
                self._failed(record, binding, str(exc), getattr(exc, "detail", None))
                continue
            digest = xc.payload_hash(payload)
            if binding.xero_id and binding.payload_hash == digest and binding.state == "synced":
                self._line(record, binding, "skip", _("Xero already has these values."))
                binding.need_sync = False
                continue
            if binding.xero_id:
                payload[mapper.id_key] = binding.xero_id
                for key in clearable:
                    payload.setdefault(key, "")
            item = _Item(record, binding, payload, digest, create=not binding.xero_id)
            (to_create if item.create else to_update).append(item)

        to_create = self._match_in_xero(to_create, to_update, clearable)
        retry = []
        for batch in _chunks(to_create, xc.BATCH_SIZE):
            retry += self._write(batch, create=True)
        to_update += retry
        for batch in _chunks(to_update, xc.BATCH_SIZE):
            self._write(batch, create=False)
        return [r.id for r in records if bindings[r.id].state == "synced"]

    def _orphans_domain(self, mapper):
        return [("connection_id", "=", self.connection.id), ("res_model", "=", mapper.model),
                ("delete_in_xero", "=", True)] + mapper.orphan_domain

    def _has_orphans(self, entity):
        mapper = MAPPERS[entity](self.env, self.connection)
        return bool(mapper.delete_orphan) and bool(
            self.env["xero.binding"].sudo().search_count(self._orphans_domain(mapper), limit=1))

    def _delete_orphans(self):
        """Xero records whose Odoo record was deleted, where Xero lets delete (payments, allocations)."""
        if not self.mapper.delete_orphan:
            return
        deleted, refused = self.mapper.orphan_messages()
        for binding in self.Binding.search(self._orphans_domain(self.mapper)):
            def line(action, state, message, binding=binding):
                self.counts[action] += 1
                self.pending_lines.append({
                    "log_id": self.log.id, "res_model": binding.res_model, "res_id": False,
                    "record_name": binding.xero_number or binding.xero_id, "xero_id": binding.xero_id,
                    "action": action, "state": state, "message": message})
            try:
                self.mapper.delete_orphan(self.client, binding)
            except xc.XeroNotFoundError:
                pass
            except xc.XeroError as exc:
                if isinstance(exc, (xc.XeroAuthError, xc.XeroForbiddenError)):
                    raise
                line("error", "error", refused % {"error": exc.message})
                binding.last_error = exc.message
                continue
            line("update", "ok", deleted)
            binding.unlink()

    def _payload(self, record, lines, binding):
        """Xero's dict for ``record``, checked against the SDK's model (raises MappingError & co)."""
        payload = self.mapper.to_xero(record, lines, binding)
        self.client.validate(self.mapper.entity, payload)
        return payload

    def _preview_push(self, records):
        """What a push of ``records`` would do, without writing anything anywhere."""
        mapper, lines = self.mapper, self.mapping._lines("to_xero")
        bindings = self.Binding._bindings_of(self.connection, records)
        for record in records:
            binding = bindings.get(record.id)
            try:
                payload = self._payload(record, lines, binding)
            except SkipRecord as exc:
                self._line(record, binding, "skip", str(exc))
                continue
            except (MappingError, xc.XeroPayloadError) as exc:
                self._line(record, binding, "error", _("Would fail: %(error)s", error=exc), state="error")
                continue
            if binding and binding.xero_locked:
                self._line(record, binding, "skip", binding.xero_locked, state="warning")
            elif binding and binding.xero_id and binding.payload_hash == xc.payload_hash(payload) \
                    and binding.state == "synced":
                self._line(record, binding, "skip", _("Xero already has these values."))
            elif binding and binding.xero_id:
                self._line(record, binding, "update", _("Would be updated in Xero."))
            else:
                self.counts["would_create_xero"] += 1
                self.pending_lines.append({
                    "log_id": self.log.id, "res_model": record._name, "res_id": record.id,
                    "record_name": record.display_name, "action": "would_create", "state": "ok",
                    "message": _("Would be created in Xero (unless it matches an existing Xero record)."),
                })
        self.counts["update"], self.counts["would_update"] = 0, self.counts["update"]
        return self._end()

    def _match_in_xero(self, items, to_update, clearable):
        """Link never-pushed records to the Xero record they match; returns the ones to create.

        Matching reads the local index of Xero's match keys, brought up to date first (one
        ``If-Modified-Since`` read once the index is complete, else targeted look-ups of these
        records' keys): its cost grows with the records sent, never with the organisation.
        """
        mapper = self.mapper
        if not items or not mapper.match_keys:
            return items
        wanted = [mapper.odoo_match_values(item.record) for item in items]
        try:
            self._refresh_index(wanted)
        except xc.XeroError as exc:
            if isinstance(exc, (xc.XeroAuthError, xc.XeroForbiddenError, xc.XeroRateLimitError)):
                self._end()
                raise
            for item in items:
                self._failed(item.record, item.binding, _("Not sent: %(error)s", error=exc.message), exc.detail)
            return []
        rows = self.Remote._candidates(self.connection, mapper.entity, wanted, mapper.match_keys,
                                       also=mapper.strong_keys)
        taken = set(self._bound(mapper.model, xero_ids=[r["xero_id"] for r in rows]).mapped("xero_id"))
        matcher = Matcher(mapper, [r for r in rows if r["xero_id"] not in taken], lambda r: r,
                          lambda r: r["xero_id"])
        remaining = []
        for item, values in zip(items, wanted):
            found, key, ambiguous = matcher.match(values)
            if ambiguous:
                self._ambiguous(item.record, item.binding, key, [r["label"] or r["xero_id"] for r in ambiguous],
                                "Xero")
            elif found:
                item.binding.write({"xero_id": found["xero_id"], "payload_hash": False})
                item.payload[mapper.id_key] = found["xero_id"]
                for k in clearable:
                    item.payload.setdefault(k, "")
                item.create = False
                to_update.append(item)
            else:
                remaining.append(item)
        return remaining

    # ------------------------------------------------------------------ index of Xero's match keys
    def _index_state(self):
        return self.env["xero.remote.index"].sudo()._of(self.connection, self.mapper.entity)

    def _index(self, datas):
        """Keep the index of what Xero holds current with records just read or written."""
        mapper = self.mapper
        if not mapper.match_keys:
            return
        self.Remote._upsert(self.connection, mapper.entity, [
            (d[mapper.id_key], self._xero_label(d), d.get("ContactStatus") or d.get("Status"),
             _xero_time(d.get("UpdatedDateUTC")), mapper.xero_match_values(d))
            for d in datas if d.get(mapper.id_key)])

    def _index_read(self, pages, each=None):
        """Index what ``pages`` (an iterable of records) yields, page by page, handing each page to
        ``each`` too; returns ``(records seen, newest UpdatedDateUTC)``."""
        seen, newest = 0, None
        for chunk in _ichunks(pages, INDEX_CHUNK):
            self._index(chunk)
            if each:
                each(chunk)
            seen += len(chunk)
            for data in chunk:
                stamp = _xero_time(data.get("UpdatedDateUTC"))
                if stamp and (newest is None or stamp > newest):
                    newest = stamp
        return seen, newest

    def _refresh_index(self, wanted):
        """Bring the index up to date for matching ``wanted`` (match values of the records to create)."""
        state = self._index_state()
        params = dict(self._list_params(), **self._summary_params())
        if self.mapper.full_fetch:
            # Xero neither pages this list nor reports deletions: one call reads it whole
            records = list(self.client.iter_all(self.mapper.entity, **params))  # one answer anyway
            self._index(records)
            self._index_keep_only([d.get(self.mapper.id_key) for d in records])
            return
        if state.complete:
            if self.index_fresh:
                return  # read at this run's start; since, the index has every echo of its writes
            self.index_fresh = True
            if state.cursor:
                # inclusive (Xero's header has whole seconds): what changed in the cursor's second is read again
                params["if_modified_since"] = state.cursor.replace(tzinfo=timezone.utc)
            _seen, newest = self._index_read(self.client.iter_all(self.mapper.entity, **params))
            if newest and (not state.cursor or newest > state.cursor):
                state.cursor = newest
            return
        for where in self._lookup_wheres(wanted):
            self._index_read(self.client.iter_all(self.mapper.entity, where=where, **params))

    def _lookup_wheres(self, wanted):
        """Targeted ``where`` filters (OR of the records' keys, within URL limits) finding every Xero
        record that shares a match key with one of ``wanted``."""
        clauses = []
        for key in self.mapper.match_keys:
            field = self.mapper.lookup_fields.get(key)
            case = "ToUpper" if key in self.mapper.upper_keys else "ToLower"
            for value in sorted({v[key] for v in wanted if v.get(key)}):
                clause = self.mapper.lookup_clause(key, value)
                if clause is None and field:
                    value = value.upper() if case == "ToUpper" else value
                    clause = f'({field}!=null&&{field}.{case}()=="{_where_quote(value)}")'
                if clause and clause not in clauses:
                    clauses.append(clause)
        where = ""
        for clause in clauses:
            if where and len(where) + len(clause) + 4 > WHERE_MAX:
                yield where
                where = ""
            where = f"{where} OR {clause}" if where else clause
        if where:
            yield where

    def _index_keep_only(self, seen_ids):
        """A full list was read: what it lacks was deleted in Xero."""
        if self.mapper.match_keys:
            self.env.cr.execute(
                "DELETE FROM xero_remote_record WHERE connection_id = %s AND entity = %s AND NOT (xero_id = ANY(%s))",
                (self.connection.id, self.mapper.entity, [i for i in seen_ids if i]))

    def _summary_params(self):
        return {"summary_only": True} if xc.ENTITIES[self.mapper.entity].get("summary") else {}

    def _index_complete(self, newest):
        """A full read of the entity went into the index: from now on, changes are enough."""
        if not self.mapper.match_keys:
            return
        state = self._index_state()
        values = {"complete": True}
        if newest and (not state.cursor or newest > state.cursor or not state.complete):
            values["cursor"] = newest
        elif not newest and not state.cursor:
            # nothing in Xero yet: later changes are the ones since about now (Xero's clock may differ)
            values["cursor"] = fields.Datetime.now() - CLOCK_SLACK
        state.write(values)

    # ------------------------------------------------------------------ creates in flight
    def _resolve_intents(self):
        """Settle creates of this entity whose answer was lost (crash, timeout, rollback) before
        anything is created again: replay the stored request with its Idempotency-Key while Xero keeps
        it, else find what Xero created since; link what was created, so nothing is created twice."""
        intents = self.Intent._orphans(self.connection, self.mapper.entity)
        for n, intent in enumerate(intents):
            forget = False
            try:
                forget = self._resolve_intent(intent)
            except xc.XeroPayloadError:
                forget = True  # the SDK refuses the stored request: it never reached Xero
            except (xc.XeroAuthError, xc.XeroForbiddenError, xc.XeroRateLimitError):
                self.Intent._finish([i["id"] for i in intents[n:]], forget=False)
                raise
            except xc.XeroError as exc:
                # still unknown: these records wait; the others go on
                _logger.info("Xero create in flight %s not resolved yet: %s", intent["id"], exc)
                self.unresolved.update(res_id for res_id, _p in intent["items"])
            self.Intent._finish([intent["id"]], forget=forget)

    def _resolve_intent(self, intent):
        """Link what one orphaned intent created; returns whether the intent is settled."""
        mapper = self.mapper
        items = intent["items"]
        # what Xero changed since the intent tells what it created; a young intent whose records are
        # not all there is replayed with its key: Xero answers the original (still applying it,
        # perhaps), or applies it now, once, if it never got it
        results = self._find_created(intent, items)
        how = _("Found in Xero, created by an earlier push whose answer was lost; linked.")
        if results is None:
            return False  # marked as a conflict: a person decides
        if not all(results) and fields.Datetime.now() - intent["sent_at"] < REPLAY_WINDOW:
            replayed = self._send([p for _r, p in items], intent["key"], create=True)
            results = [found or again for found, again in zip(results, replayed)]
            how = _("Xero had created it from an earlier push whose answer was lost (replayed); linked.")
        Model = self.env[intent["res_model"]].with_context(active_test=False)
        records = Model.browse([r for r, _p in items]).exists()
        bindings = self.Binding._for_records(self.connection, records)
        for (res_id, payload), result in zip(items, results):
            if not result or xc.result_errors(result) or not result.get(mapper.id_key):
                continue  # Xero did not create it: the push creates it as usual
            self._index([result])
            xero_id = result[mapper.id_key]
            record = Model.browse(res_id)
            binding = bindings.get(res_id)
            if binding is not None and binding.xero_id == xero_id:
                continue  # linked already (the intent outlived its commit): nothing to do
            other = self.Binding.search([("connection_id", "=", self.connection.id),
                                         ("xero_id", "=", xero_id)], limit=1)
            if binding is None or (binding.xero_id and binding.xero_id != xero_id) or (other and other != binding):
                self.counts["warning"] += 1
                self.pending_lines.append({
                    "log_id": self.log.id, "res_model": intent["res_model"], "res_id": res_id if binding else False,
                    "record_name": self._xero_label(result), "xero_id": xero_id, "action": "warning",
                    "state": "warning",
                    "message": _("An earlier push created this Xero record, but its Odoo record is gone or "
                                 "linked to another Xero record; check it in Xero.")})
                continue
            binding.write({
                "xero_id": xero_id, "xero_number": result.get(mapper.number_key) or False,
                "payload_hash": xc.payload_hash(payload), "push_count": binding.push_count + 1,
                "state": "synced", "last_sync_date": fields.Datetime.now(), "last_error": False,
                "last_error_detail": False, "xero_updated": _xero_time(result.get("UpdatedDateUTC")) or False,
                **self._flags(result), **mapper.binding_values(result, payload)})
            self._line(record, binding, "link", how, xero_id=xero_id)
        return True

    def _find_created(self, intent, items):
        """Xero's records created for ``items`` (None where Xero has none): what Xero changed since
        the intent, compared on the payloads' identifying values.  None when a record cannot be told
        apart (the intent is then a conflict for a person to settle)."""
        mapper = self.mapper
        since = (intent["sent_at"] - CLOCK_SLACK).replace(tzinfo=timezone.utc)
        taken = set()
        found = [[] for _i in items]
        for data in mapper.changed_since(self.client, since, [p for _r, p in items], self._list_params()):
            xero_id = data.get(mapper.id_key)
            for n, (_res_id, payload) in enumerate(items):
                if xero_id and mapper.same_created(data, payload):
                    found[n].append(data)
                    taken.add(xero_id)
        bound = {b.xero_id: b.res_id for b in self._bound(intent["res_model"], xero_ids=taken)}
        free = [[c for c in candidates if bound.get(c[mapper.id_key], res_id) == res_id]
                for (res_id, _p), candidates in zip(items, found)]
        # records with the same identifying values (two equal payments of one invoice on one day) are
        # interchangeable: as many candidates as such records is one each
        groups = defaultdict(list)
        for n, candidates in enumerate(free):
            groups[tuple(sorted(c[mapper.id_key] for c in candidates))].append(n)
        results, unclear = [None] * len(items), []
        for ids, members in groups.items():
            if not ids:
                continue
            if len(ids) == len(members):
                by_id = {c[mapper.id_key]: c for c in free[members[0]]}
                for n, xero_id in zip(members, ids):
                    results[n] = by_id[xero_id]
                continue
            for n in members:
                unclear.append(_("%(count)s Xero records (%(ids)s) look like the one created for Odoo record "
                                 "#%(id)s", count=len(ids), id=items[n][0],
                                 ids=", ".join(self._xero_label(c) for c in free[n][:5])))
        if unclear:
            self.Intent._mark_conflict(intent["id"], _(
                "Not sent again: an earlier push's answer was lost and Xero holds several records that may be "
                "this one (%(details)s). Link the right one by hand (or delete the extra ones in Xero), then "
                "dismiss the create in flight in Xero › Configuration › Creates in Flight.",
                details="; ".join(unclear)))
            return None
        return results

    def _xero_label(self, data):
        return (data.get("Name") or data.get("Code") or (self.mapper.number_key and data.get(self.mapper.number_key))
                or data.get(self.mapper.id_key))

    def _list_params(self):
        return {"include_archived": True} if self.mapper.entity == "Contacts" else {}

    # ------------------------------------------------------------------
    def _idempotency_key(self, batch, create):
        material = json.dumps({
            "connection": self.connection.id,
            "op": "create" if create else "update",
            "records": [[i.record._name, i.record.id, i.binding.push_count, i.hash] for i in batch],
        }, sort_keys=True)
        return hashlib.sha256(material.encode()).hexdigest()

    def _send(self, payloads, key, create):
        """One write of ``payloads`` with ``key``; Xero's echo of each, in order."""
        if self.mapper.write_record:  # records Xero writes one by one (e.g. allocations)
            return [self.mapper.write_record(self.client, payload, f"{key[:100]}-{n}")
                    for n, payload in enumerate(payloads)]
        return self.client.write(self.mapper.entity, payloads, create=create, idempotency_key=key)

    def _write(self, batch, create):
        """Write one batch; returns items linked to an existing Xero record, to update.

        A create batch is written ahead (``xero.push.intent``, committed on its own) and the intent
        is deleted with the recording of Xero's answer; when the answer is lost, the intent stays
        and the next push resolves it before creating anything.
        """
        key = self._idempotency_key(batch, create)
        payloads = [i.payload for i in batch]
        intent = []  # the write-ahead intent's id, for a create
        if create:
            records = self.env[batch[0].record._name].browse([i.record.id for i in batch])
            intent = [self.Intent._write_ahead(self.connection, self.mapper.entity, key, records, payloads)]
        try:
            results = self._send(payloads, key, create)
        except (xc.XeroAuthError, xc.XeroForbiddenError):
            self.Intent._finish(intent, forget=True)  # refused before Xero did anything
            for item in batch:
                self._failed(item.record, item.binding, _("Not sent: the Xero connection needs to be re-authorised."))
            self._end()
            raise
        except xc.XeroError as exc:
            unknown = isinstance(exc, xc.XeroTransientError) or (type(exc) is xc.XeroError and not exc.status)
            if create and unknown:
                # Xero may or may not have applied it: the intent stays, the next push resolves it
                message = _("Xero's answer was lost (%(error)s). The next sync checks what Xero created "
                            "before sending it again, so it will not be duplicated.", error=exc.message)
            else:
                message = _("Not sent: %(error)s", error=exc.message)
            # refused as a whole (400, 404, 429...): nothing was created, the intent goes
            self.Intent._finish(intent, forget=not unknown)
            if isinstance(exc, xc.XeroRateLimitError):
                # not an error of these records: they wait for Xero's budget and go with the next run
                for item in batch:
                    item.binding.write({"state": "pending", "need_sync": True, "last_error": exc.message})
                    self._line(item.record, item.binding, "skip", _("Waiting for Xero's rate limit: %(error)s",
                                                                    error=exc.message), state="warning")
                self._end()
                raise
            for item in batch:
                if not unknown:
                    self._answered(item)
                self._failed(item.record, item.binding, message, exc.detail)
            return []
        self._index([r for r in results if not xc.result_errors(r)])
        relinked = []
        for item, result in zip(batch, results):
            errors = xc.result_errors(result, self.env._)
            if not errors:
                self._succeeded(item, result, "create" if create else "update")
                continue
            self._answered(item)
            locked = self.mapper.locked_reason(errors)
            if locked and not create:
                item.binding.write({"xero_locked": locked, "need_sync": False})
                self._failed(item.record, item.binding, locked, json.dumps(result, default=str, indent=1))
                continue
            hint = self.mapper.conflict_hint
            if create and hint and any(hint in e for e in errors):
                xero_id = self._match_existing(item)
                if xero_id:
                    item.payload[self.mapper.id_key] = xero_id
                    item.binding.xero_id = xero_id
                    item.create = False
                    relinked.append(item)
                    continue
                errors = [self.mapper.conflict_message(item.payload) or "\n".join(errors)]
            self._failed(item.record, item.binding, "\n".join(errors),
                         json.dumps(result, default=str, indent=1))
        self.Intent._finish(intent, forget=True)
        if self.commit:
            self._flush()
            self.env.cr.commit()
        return relinked

    @staticmethod
    def _answered(item):
        """Xero answered this record's write with a refusal: the next send is a new request (a new
        Idempotency-Key), not a replay of that answer, which Xero would give back for minutes even
        once the cause is mended (in Xero: a currency added, a lock date moved). An answer that was
        lost keeps the key: the retry must replay, not write again."""
        item.binding.push_count += 1

    def _match_existing(self, item):
        """The Xero record a refused create collided with, when the mapper says it is ours."""
        where = self.mapper.conflict_where(item.payload)
        try:
            candidates = self.client.find(self.mapper.entity, where=where)
        except xc.XeroError as exc:
            _logger.info("Xero lookup %s failed: %s", where, exc)
            return False
        matches = [c for c in candidates if self.mapper.is_same(c, item.payload)]
        if len(matches) != 1:
            return False
        taken = self.Binding.search_count([
            ("connection_id", "=", self.connection.id), ("xero_id", "=", matches[0][self.mapper.id_key]),
            ("id", "!=", item.binding.id)])
        return False if taken else matches[0][self.mapper.id_key]

    def _succeeded(self, item, result, action):
        was_linked = item.binding.xero_id and action == "update" and not item.binding.payload_hash
        xero_id = result.get(self.mapper.id_key)
        item.binding.write({
            "xero_id": xero_id,
            "xero_number": result.get(self.mapper.number_key) or False,
            "payload_hash": item.hash,
            "push_count": item.binding.push_count + 1,
            "state": "synced",
            "need_sync": False,
            "last_sync_date": fields.Datetime.now(),
            "last_error": False,
            "last_error_detail": False,
            "xero_updated": _xero_time(result.get("UpdatedDateUTC")) or False,
            **self._flags(result),
            **self.mapper.binding_values(result, item.payload),
        })
        warning = self.mapper.check_result(item.record, result)
        if warning:
            self._line(item.record, item.binding, "warning", warning, xero_id=xero_id, state="warning")
        if was_linked:
            action = "link"
            message = _("Linked to the existing Xero record it matches, and updated.")
        else:
            message = _("Created in Xero.") if action == "create" else _("Updated in Xero.")
        self._line(item.record, item.binding, action, message, xero_id=xero_id)

    def _flags(self, data):
        values = {"is_customer": bool(data.get("IsCustomer")), "is_supplier": bool(data.get("IsSupplier"))}
        status = data.get("Status")
        if status:
            values["xero_status"] = status
            locked = self.mapper.locked_status(data)
            if locked:
                values["xero_locked"] = locked
        return values

    # ------------------------------------------------------------------ pull
    def pull(self, entity, mapping=None, mode=None, full=False, ids=None, since=None, until=None, preview=False):
        """Import Xero's changes of ``entity`` into Odoo; returns the log.

        :param ids: only these Xero records (e.g. from webhooks); the cursor does not move.
        :param since: read the changes since this moment instead of since the last import.
        :param preview: do everything but keep nothing; the log says what would happen.
        """
        if not preview:
            for dep_entity in MAPPERS[entity].import_dependencies:
                SyncEngine(self.connection, trigger=self.trigger, commit=self.commit).pull(dep_entity)
        self._start(entity, "import")
        if preview:
            self.log.preview = True
        self.full = full
        mode = mode or self.mapping.import_mode
        mapper = self.mapper
        cursor = None if (full or mapper.full_fetch) else (self.mapping.last_import_date or None)
        window = since if since is not None else cursor
        params = self._list_params()
        if ids:
            records = self._iter_ids(mapper, ids, params)
        elif window and not mapper.full_fetch:
            params["if_modified_since"] = window.replace(tzinfo=timezone.utc)
        newest = cursor
        seen_ids = set()
        if not ids:
            records = (mapper.iter_import(self.client, **params) if mapper.iter_import
                       else self.client.iter_all(mapper.entity, **params))
        savepoint = self.env.cr.savepoint() if preview else None
        try:
            for chunk in _ichunks(records, IMPORT_CHUNK):
                if until:
                    later = [d for d in chunk if (_xero_time(d.get("UpdatedDateUTC")) or until) > until]
                    self.counts["skip"] += len(later)
                    chunk = [d for d in chunk if d not in later]
                self.files_todo = []
                self._import_chunk(chunk, mode)
                if not preview and self.files_todo and AttachmentSync.wanted(self, "pull"):
                    AttachmentSync(self).pull(self.files_todo)  # files added in Xero, into the chatter
                if not preview:
                    self._index(chunk)
                for data in chunk:
                    seen_ids.add(data.get(mapper.id_key))
                    stamp = _xero_time(data.get("UpdatedDateUTC"))
                    if stamp and (newest is None or stamp > newest):
                        newest = stamp
                if not preview:
                    # memory stays one chunk's: log lines written, Odoo's cache emptied
                    self._flush()
                    if self.commit:
                        self.env.cr.commit()
                    self.env.invalidate_all()
            if mapper.full_fetch and not ids:
                self._import_deletions(seen_ids)
            if not preview:
                mapper.after_pull(self)  # e.g. contact groups: their members, read back
            if not ids and not window and not until and not preview:
                self._index_complete(newest)  # everything was read: the index is whole
        except xc.XeroError as exc:
            if savepoint:
                savepoint.close(rollback=True)
            self._end()
            self.log._finish(_("Import stopped: %(error)s", error=exc.message))
            raise
        if savepoint:
            # nothing is kept: records created in the preview do not exist, their lines say what would be
            savepoint.close(rollback=True)
            self.env.invalidate_all()
            for line in self.pending_lines:
                if line.get("action") == "create":
                    line.update(res_id=False, action="would_create",
                                message=_("Would be created in Odoo from Xero."))
            self.counts["would_create_odoo"] = self.counts.pop("create", 0)
            return self._end()
        if newest and not ids and not until and (not self.mapping.last_import_date
                                                 or newest > self.mapping.last_import_date):
            self.mapping.last_import_date = newest
        return self._end()

    def _iter_ids(self, mapper, ids, params):
        """Just these Xero records: the list's IDs filter where Xero has one, else ``where`` filters
        on the id (CreditNotes, ...), 40 ids a call."""
        yield from self.client.iter_ids(mapper.entity, mapper.id_key, ids, **params)

    def _import_chunk(self, chunk, mode):
        mapper, id_key = self.mapper, self.mapper.id_key
        # what Xero sends back is not pushed back automatically
        Model = self.env[mapper.model].with_company(self.company).with_context(active_test=False,
                                                                                xero_importing=True)
        bindings = {b.xero_id: b for b in self._bound(mapper.model, xero_ids=[d.get(id_key) for d in chunk])}
        unbound = [d for d in chunk if d.get(id_key) not in bindings]
        matcher = None
        if unbound and mode != "update" and mapper.match_keys:
            values = [mapper.xero_match_values(d) for d in unbound]
            candidates = mapper.odoo_candidates(self.company, values)
            linked = set(self._bound(mapper.model, res_ids=candidates.ids).filtered("xero_id").mapped("res_id"))
            matcher = Matcher(mapper, candidates.filtered(lambda r: r.id not in linked),
                              mapper.odoo_match_values, lambda r: r.id)
        lines = self.mapping._lines("from_xero")
        for data in chunk:
            self.counts["seen"] += 1
            try:
                with self.env.cr.savepoint():
                    self._import_one(data, bindings.get(data.get(id_key)), matcher, mode, Model, lines)
            except SkipRecord as exc:
                self.counts["skip"] += 1
                _logger.debug("Xero %s %s skipped: %s", mapper.entity, data.get(id_key), exc)
            except MappingError as exc:
                self._import_failed(data, bindings.get(data.get(id_key)), str(exc))
            except Exception as exc:  # noqa: BLE001 - one bad record never stops the run
                _logger.exception("Import of Xero %s %s failed", mapper.entity, data.get(id_key))
                self._import_failed(data, bindings.get(data.get(id_key)),
                                    _("Odoo refused this record: %(error)s", error=exc))

    def _import_one(self, data, binding, matcher, mode, Model, lines):
        mapper = self.mapper
        xero_id = data[mapper.id_key]
        archived = mapper.is_archived(data)
        record = Model.browse(binding.res_id).exists() if binding else Model.browse()
        if binding and not record:
            binding.unlink()  # the Odoo record was deleted: the Xero record is unlinked
            binding = None
        linked_now = False
        if not record and matcher is not None:
            found, key, ambiguous = matcher.match(mapper.xero_match_values(data))
            if ambiguous:
                self._ambiguous_xero(data, key, ambiguous)
                return
            if found:
                record, linked_now = found, True
        if not record:
            if mode == "update":
                self.counts["skip"] += 1
                return
            if archived:
                self.counts["skip"] += 1  # archived in Xero: nothing to bring over
                return
            values = dict(mapper.create_defaults(data), **mapper.from_xero(data, lines))
            record = mapper.import_create(Model, values, data)
            mapper.after_import(record, data)
            binding = self._bind(record, data, binding)
            self._line(record, binding, "create", _("Created from Xero."), xero_id=xero_id)
            warning = mapper.check_result(record, data)
            if warning:
                self._line(record, binding, "warning", warning, xero_id=xero_id, state="warning")
            return
        if linked_now:
            binding = self._bind(record, data, self._bound(mapper.model, res_ids=[record.id])[:1] or None,
                                 pending=mode == "import")
            if mode == "import":
                self._line(record, binding, "link", _("Linked to the matching Xero record (not changed)."),
                           xero_id=xero_id)
                return
        elif mode == "import":
            self.counts["skip"] += 1  # Import creates only; linked records are not updated
            return
        xero_time = _xero_time(data.get("UpdatedDateUTC"))
        if (not self.full and not linked_now and binding.state == "synced" and binding.xero_updated and xero_time
                and xero_time <= binding.xero_updated):
            self.counts["skip"] += 1  # Odoo already has this version (it sent or read it)
            return
        if binding.need_sync and not linked_now and record.write_date and xero_time and record.write_date > xero_time:
            self._line(record, binding, "skip", _("Changed in Odoo after the Xero change; Odoo's version "
                                                  "will be sent on the next push."))
            return
        values = mapper.from_xero(data, lines, record)
        changed = {k: v for k, v in values.items() if self._differs(record, k, v)}
        if changed:
            record.write(changed)
        changed = sorted(changed) + list(mapper.after_import(record, data) or [])
        if not record.exists():  # the Xero change removed it in Odoo (e.g. a deleted payment)
            binding.unlink()
            self.counts["update"] += 1
            self.pending_lines.append({
                "log_id": self.log.id, "res_model": mapper.model, "res_id": False,
                "record_name": self._xero_label(data), "xero_id": xero_id, "action": "update", "state": "ok",
                "message": "; ".join(changed) or _("Removed in Odoo: it was deleted in Xero.")})
            return
        action = self._apply_archive(record, binding, archived)
        binding = self._bind(record, data, binding)
        if linked_now:
            self._line(record, binding, "link", _("Linked to the matching Xero record and updated from it."),
                       xero_id=xero_id)
        elif action:
            self._line(record, binding, "archive", action, xero_id=xero_id)
        elif changed:
            self._line(record, binding, "update", _("Updated from Xero: %(fields)s.",
                                                    fields=", ".join(changed)), xero_id=xero_id)
        else:
            self.counts["skip"] += 1

    @staticmethod
    def _differs(record, name, value):
        current = record[name]
        if hasattr(current, "_name"):  # a relation: compare ids
            return current.id != (value or False)
        if isinstance(current, float) or isinstance(value, float):
            return abs((current or 0.0) - (value or 0.0)) > 1e-9
        return (current or False) != (value or False)

    def _apply_archive(self, record, binding, archived):
        """Follow Xero's archive state per the mapping; returns what was done (or None)."""
        action = self.mapping.archived_action
        message = None
        if action == "archive" and "active" in record._fields:
            if archived and record.active:
                record.active = False
                message = _("Archived: it is archived in Xero.")
            elif not archived and binding.xero_archived and not record.active:
                record.active = True
                message = _("Restored: it is active again in Xero.")
        flag = archived and action != "ignore"
        if binding.xero_archived != flag:
            binding.xero_archived = flag
        return message

    def _bind(self, record, data, binding=None, pending=False):
        binding = self._bind_values(record, data, binding, pending)
        if data.get("HasAttachments") and self.log.direction == "import":
            self.files_todo.append((record, binding))  # its files are read after the chunk
        return binding

    def _bind_values(self, record, data, binding=None, pending=False):
        values = {
            "xero_id": data[self.mapper.id_key],
            "xero_number": data.get(self.mapper.number_key) or False,
            "xero_updated": _xero_time(data.get("UpdatedDateUTC")) or False,
            "last_sync_date": fields.Datetime.now(),
            "last_error": False,
            "need_sync": False,
            **self._flags(data),
            **self.mapper.binding_values(data),
        }
        if pending:
            values.update(state="pending", payload_hash=False)
        else:
            values.update(state="synced", payload_hash=self._push_hash(record) or False)
        if binding:
            binding.write(values)
            return binding
        # A record that is in Xero keeps syncing: its tick is on.
        return self.Binding.create(dict(values, connection_id=self.connection.id, res_model=record._name,
                                        res_id=record.id, allow_sync=True))

    def _import_deletions(self, seen_ids):
        """Linked Xero records missing from a full list were deleted in Xero."""
        self._index_keep_only(seen_ids)
        gone = self.Binding.search([
            ("connection_id", "=", self.connection.id), ("res_model", "=", self.mapper.model),
            ("xero_id", "!=", False), ("xero_id", "not in", list(seen_ids))])
        for binding in gone:
            record = self.env[binding.res_model].with_context(active_test=False).browse(binding.res_id).exists()
            binding.write({"xero_id": False, "xero_number": False, "payload_hash": False,
                           "state": "not_synced", "xero_archived": False})
            if not record:
                binding.unlink()
                continue
            if self.mapping.archived_action == "archive" and record.active:
                record.active = False
                self._line(record, binding, "archive", _("Archived: it was deleted in Xero."))
            else:
                self._line(record, binding, "update", _("Unlinked: it was deleted in Xero."))

    def _import_failed(self, data, binding, message):
        self.counts["error"] += 1
        self.pending_lines.append({
            "log_id": self.log.id, "res_model": binding.res_model if binding else self.mapper.model,
            "res_id": binding.res_id if binding else False, "record_name": self._xero_label(data),
            "xero_id": data.get(self.mapper.id_key), "action": "error", "state": "error",
            "message": _("Not imported: %(error)s", error=message),
            "detail": json.dumps(data, default=str, indent=1)[:4000],
        })
        if binding:
            binding.write({"state": "error", "last_error": message})

    def _ambiguous_xero(self, data, key, candidates):
        self.counts["ambiguous"] += 1
        names = ", ".join(f"{c.display_name} (#{c.id})" for c in candidates[:5])
        self.pending_lines.append({
            "log_id": self.log.id, "res_model": self.mapper.model, "res_id": False,
            "record_name": self._xero_label(data), "xero_id": data.get(self.mapper.id_key),
            "action": "ambiguous", "state": "warning",
            "message": _("Not imported: %(count)s Odoo records have the same %(key)s (%(names)s). Make "
                         "them distinct or link one by hand; nothing was guessed.",
                         count=len(candidates), key=_KEY_LABELS.get(key, key), names=names),
        })

    def _ambiguous(self, record, binding, key, labels, side):
        self.counts["ambiguous"] += 1
        message = _("Not sent: %(count)s %(side)s records have the same %(key)s (%(names)s). Make them "
                    "distinct or link one by hand; nothing was guessed.", count=len(labels), side=side,
                    key=_KEY_LABELS.get(key, key), names=", ".join(map(str, labels[:5])))
        binding.write({"state": "error", "last_error": message})
        self._line(record, binding, "ambiguous", message, state="warning")

    # ------------------------------------------------------------------ fetch & match
    def fetch_and_match(self, entity, mapping=None):
        """Read everything from Xero once and link what matches; create and change nothing."""
        self._start(entity, "match")
        mapper, id_key = self.mapper, self.mapper.id_key
        would_create_odoo = []

        def match(chunk):
            self.counts["seen"] += len(chunk)
            bound = {b.xero_id for b in self._bound(mapper.model, xero_ids=[r.get(id_key) for r in chunk])}
            unbound = [r for r in chunk if r.get(id_key) not in bound]
            if unbound:
                would_create_odoo[:] = (would_create_odoo + self._match_chunk(unbound))[:MAX_REPORT_LINES]
            if self.commit:
                self._flush()
                self.env.cr.commit()
        # page by page: memory stays one page, whatever the organisation holds
        _seen, newest = self._index_read(self.client.iter_all(mapper.entity, **self._list_params()), each=match)
        self._index_complete(newest)
        mapper.after_pull(self)
        for data in would_create_odoo[:MAX_REPORT_LINES]:
            self.pending_lines.append({
                "log_id": self.log.id, "res_model": mapper.model, "res_id": False,
                "record_name": self._xero_label(data), "xero_id": data.get(id_key), "action": "would_create",
                "state": "ok", "message": _("Only in Xero: an import would create it in Odoo."),
            })
        selected = self.mapping._selected_records()
        linked_ids = set(self._bound(mapper.model, res_ids=selected.ids).filtered("xero_id").mapped("res_id"))
        only_odoo = selected.filtered(lambda r: r.id not in linked_ids)
        for record in only_odoo[:MAX_REPORT_LINES]:
            self.pending_lines.append({
                "log_id": self.log.id, "res_model": record._name, "res_id": record.id,
                "record_name": record.display_name, "action": "would_create", "state": "ok",
                "message": _("Only in Odoo: a push would create it in Xero."),
            })
        self.log.write({"count_would_create_xero": len(only_odoo),
                        "count_would_create_odoo": self.counts["would_create_odoo_total"]})
        return self._end()

    def _match_chunk(self, unbound):
        """Link the Xero records of ``unbound`` that match an Odoo record; returns the ones only in Xero
        (at most MAX_REPORT_LINES are kept for the report)."""
        mapper, id_key = self.mapper, self.mapper.id_key
        only_xero = []
        for chunk in _chunks(unbound, IMPORT_CHUNK):
            values = [mapper.xero_match_values(d) for d in chunk]
            candidates = mapper.odoo_candidates(self.company, values)
            linked = set(self._bound(mapper.model, res_ids=candidates.ids).filtered("xero_id").mapped("res_id"))
            matcher = Matcher(mapper, candidates.filtered(lambda r: r.id not in linked),
                              mapper.odoo_match_values, lambda r: r.id)
            for data in chunk:
                found, key, ambiguous = matcher.match(mapper.xero_match_values(data))
                if ambiguous:
                    self._ambiguous_xero(data, key, ambiguous)
                elif found:
                    existing = self._bound(mapper.model, res_ids=[found.id])[:1] or None
                    binding = self._bind(found, data, existing, pending=True)
                    self._line(found, binding, "link", _("Linked by %(key)s.", key=_KEY_LABELS.get(key, key)),
                               xero_id=data[id_key])
                elif not mapper.is_archived(data):
                    self.counts["would_create_odoo_total"] += 1
                    if len(only_xero) < MAX_REPORT_LINES:
                        only_xero.append(data)
        return only_xero

    # ------------------------------------------------------------------ lines
    def _failed(self, record, binding, message, detail=None):
        previous = binding.last_error
        binding.write({"state": "error", "last_error": message, "last_error_detail": detail or False})
        self._line(record, binding, "error", message, detail=detail, state="error")
        if message != previous and hasattr(record, "message_post"):
            record.sudo().message_post(
                body=_("Xero sync failed: %(message)s", message=message),
                message_type="notification", subtype_xmlid="mail.mt_note")

    def _line(self, record, binding, action, message, xero_id=None, detail=None, state="ok"):
        self.counts[action] += 1
        self.pending_lines.append({
            "log_id": self.log.id, "res_model": record._name, "res_id": record.id,
            "record_name": record.display_name, "xero_id": xero_id or (binding.xero_id if binding else False),
            "action": action, "state": state, "message": message, "detail": detail,
        })

    def _before_wait(self, seconds):
        _logger.info("Xero rate limit: waiting %.0f s", seconds)
        if self.commit:
            self.env.cr.commit()


MAX_REPORT_LINES = 500
_KEY_LABELS = {"email": _lt("e-mail"), "number": _lt("number/reference"), "name": _lt("name"),
               "vat": _lt("tax number"), "code": _lt("item code"), "reference": _lt("reference, contact and amount"),
               "dated_total": _lt("contact, date and amount")}
