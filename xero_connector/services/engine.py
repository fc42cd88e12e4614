"""The generic sync engine: Odoo records -> Xero, for any entity with a mapper.

For each run it maps records, skips the ones whose payload Xero already has
(payload hash), writes the others in batches of at most 50 with
``summarizeErrors=false`` and an ``Idempotency-Key`` derived from the records
and the payload, and records the outcome per record on the binding and in the
sync log.  One bad record never stops the others.
"""

import hashlib
import json
import logging
from collections import Counter

from odoo import _, fields

from . import xero_client as xc
from .mappers import MAPPERS, MappingError

_logger = logging.getLogger(__name__)

def _chunks(items, size):
    for start in range(0, len(items), size):
        yield items[start:start + size]


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
    """Push records of one entity from Odoo to one Xero connection.

    :param commit: commit after each batch and before waiting on a rate limit
        (scheduled runs); interactive runs stay inside the user's transaction.
    """

    def __init__(self, connection, *, trigger="button", commit=False):
        connection._ensure_connected()
        self.connection = connection
        self.env = connection.env
        self.trigger = trigger
        self.commit = commit
        self.limits = {}
        self.counts = Counter()
        self.pending_lines = []

    # ------------------------------------------------------------------
    def push(self, entity, records):
        """Push ``records`` (a recordset of the entity's model); returns the log."""
        mapper = MAPPERS[entity](self.env)
        model = self.env[mapper.model]
        records = model._xero_push_targets(records)
        Log = self.env["xero.sync.log"].sudo()
        self.log = Log.create({
            "connection_id": self.connection.id, "entity": entity, "direction": "export",
            "trigger": self.trigger, "count_total": len(records), "user_id": self.env.uid,
        })
        self.mapper = mapper
        self.client = self.connection._client(
            before_wait=self._before_wait, wait_budget=120.0 if self.commit else 20.0)
        self.client.on_limits = self.limits.update
        bindings = self.env["xero.binding"].sudo()._for_records(self.connection, records)

        to_create, to_update = [], []
        for record in records:
            binding = bindings[record.id]
            try:
                payload = mapper.to_xero(record)
                self.client.validate(mapper.entity, payload)
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
                for key in mapper.clearable_keys():
                    payload.setdefault(key, "")
            item = _Item(record, binding, payload, digest, create=not binding.xero_id)
            (to_create if item.create else to_update).append(item)

        retry = []
        for batch in _chunks(to_create, xc.BATCH_SIZE):
            retry += self._write(batch, create=True)
        to_update += retry
        for batch in _chunks(to_update, xc.BATCH_SIZE):
            self._write(batch, create=False)

        self._flush()
        self.log._finish()
        return self.log

    def _flush(self):
        """Write the run's counters and the pending log lines."""
        self.env["xero.sync.log.line"].sudo().create(self.pending_lines)
        self.pending_lines = []
        self.log.write({
            "api_calls": self.client.calls,
            "count_created": self.counts["create"],
            "count_updated": self.counts["update"] + self.counts["link"],
            "count_skipped": self.counts["skip"],
            "count_failed": self.counts["error"],
            "limit_minute_remaining": self.limits.get("minute", 0),
            "limit_day_remaining": self.limits.get("day", 0),
        })

    # ------------------------------------------------------------------
    def _idempotency_key(self, batch, create):
        material = json.dumps({
            "connection": self.connection.id,
            "op": "create" if create else "update",
            "records": [[i.record._name, i.record.id, i.binding.push_count, i.hash] for i in batch],
        }, sort_keys=True)
        return hashlib.sha256(material.encode()).hexdigest()

    def _write(self, batch, create):
        """Write one batch; returns items linked to an existing Xero record, to update."""
        key = self._idempotency_key(batch, create)
        try:
            results = self.client.write(
                self.mapper.entity, [i.payload for i in batch], create=create, idempotency_key=key)
        except (xc.XeroAuthError, xc.XeroForbiddenError):
            for item in batch:
                self._failed(item.record, item.binding, _("Not sent: the Xero connection needs to be re-authorised."))
            self._flush()
            self.log._finish()
            raise
        except xc.XeroError as exc:
            for item in batch:
                self._failed(item.record, item.binding, _("Not sent: %(error)s", error=exc.message),
                             exc.detail)
            return []
        relinked = []
        for item, result in zip(batch, results):
            errors = xc.result_errors(result)
            if not errors:
                self._succeeded(item, result, "create" if create else "update")
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
        if self.commit:
            self._flush()
            self.env.cr.commit()
        return relinked

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
        taken = self.env["xero.binding"].sudo().search_count([
            ("connection_id", "=", self.connection.id), ("xero_id", "=", matches[0][self.mapper.id_key]),
            ("id", "!=", item.binding.id)])
        return False if taken else matches[0][self.mapper.id_key]

    # ------------------------------------------------------------------
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
        })
        if was_linked:
            action = "link"
            message = _("Linked to the existing Xero record it matches.")
        else:
            message = _("Created in Xero.") if action == "create" else _("Updated in Xero.")
        self._line(item.record, item.binding, action, message, xero_id=xero_id)

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
            "record_name": record.display_name, "xero_id": xero_id or binding.xero_id,
            "action": action, "state": state, "message": message, "detail": detail,
        })

    def _before_wait(self, seconds):
        _logger.info("Xero rate limit: waiting %.0f s", seconds)
        if self.commit:
            self.env.cr.commit()
