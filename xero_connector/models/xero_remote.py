"""What Odoo knows of Xero without asking it: an index of match keys, and push intents.

``xero.remote.record`` is a per-connection index of the Xero records' match
keys (e-mail, number, name, tax number, item code), their status and Xero's
``UpdatedDateUTC``.  Fetch & Match and full imports fill it completely (page by
page), every write and every import keeps it current, and before a push
creates records one ``If-Modified-Since`` read brings it up to date; matching
a never-pushed record is then a local query whose cost grows with the records
sent, never with the organisation.  Until an entity's index is complete the
engine looks the records up with targeted ``where`` filters instead.

``xero.push.intent`` is the write-ahead log of creates: committed (in a cursor
of its own) before a create batch is sent, deleted in the same transaction that
records Xero's answer.  An intent that outlives its transaction (a crash, a
timeout, a rollback) is resolved before anything of that entity is created
again: by replaying the stored request with its Idempotency-Key while Xero
still keeps the key, else by finding the records Xero created since the intent.
"""

import json
import logging

import psycopg2.errors
from psycopg2.extras import execute_values

from odoo import _, api, fields, models
from odoo.tools.sql import column_exists, table_exists

_logger = logging.getLogger(__name__)

#: match key -> column of xero_remote_record
KEY_COLUMNS = {"email": "k_email", "number": "k_number", "name": "k_name", "vat": "k_vat", "code": "k_code",
               # documents: type|contact|currency|total|reference, …|date, and the reference alone (a veto)
               "reference": "k_reference", "dated_total": "k_dated_total", "ref": "k_ref"}
#: namespace of the session advisory locks that mark an intent as in flight (any int4)
INTENT_LOCK_NS = 0x58494E54  # "XINT"


class XeroRemoteRecord(models.Model):
    _name = "xero.remote.record"
    _description = "Xero Record (index)"
    _log_access = False
    _order = "id"

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade")
    entity = fields.Char(required=True)
    xero_id = fields.Char("Xero ID", required=True)
    label = fields.Char()
    status = fields.Char()
    updated = fields.Datetime("Changed in Xero")
    k_email = fields.Char()
    k_number = fields.Char()
    k_name = fields.Char()
    k_vat = fields.Char()
    k_code = fields.Char()
    k_reference = fields.Char()
    k_dated_total = fields.Char()
    k_ref = fields.Char()

    _sql_constraints = [("xero_id_uniq", "unique(connection_id, entity, xero_id)",
                         "A Xero record is indexed once per connection.")]

    def _auto_init(self):
        upgrading = table_exists(self.env.cr, self._table) and not column_exists(self.env.cr, self._table,
                                                                                   "k_dated_total")
        result = super()._auto_init()
        if upgrading:
            # documents indexed before their contact/amount keys existed: look them up again until the next
            # Fetch & Match or full import fills the keys (the index table of states may not exist yet)
            if table_exists(self.env.cr, "xero_remote_index"):
                self.env.cr.execute("UPDATE xero_remote_index SET complete = false "
                                    "WHERE entity IN ('Invoices', 'CreditNotes')")
        return result

    def init(self):
        for column in KEY_COLUMNS.values():
            self.env.cr.execute(
                f"CREATE INDEX IF NOT EXISTS xero_remote_record_{column}_idx "
                f"ON xero_remote_record (connection_id, entity, {column}) WHERE {column} IS NOT NULL")

    @api.model
    def _upsert(self, connection, entity, rows):
        """Index (or refresh) Xero records: ``rows`` = [(xero_id, label, status, updated, {key: value})]."""
        if not rows:
            return
        latest = {}
        for xero_id, label, status, updated, keys in rows:
            latest[xero_id] = (connection.id, entity, xero_id, (label or "")[:255] or None, status, updated,
                               *(keys.get(k) for k in KEY_COLUMNS))
        execute_values(self.env.cr, f"""
            INSERT INTO xero_remote_record (connection_id, entity, xero_id, label, status, updated,
                                            {", ".join(KEY_COLUMNS.values())})
            VALUES %s
            ON CONFLICT (connection_id, entity, xero_id) DO UPDATE SET
                label = EXCLUDED.label, status = EXCLUDED.status, updated = EXCLUDED.updated,
                {", ".join(f"{c} = EXCLUDED.{c}" for c in KEY_COLUMNS.values())}
        """, list(latest.values()), page_size=1000)

    @api.model
    def _forget(self, connection, entity, xero_ids):
        if xero_ids:
            self.env.cr.execute(
                "DELETE FROM xero_remote_record WHERE connection_id = %s AND entity = %s AND xero_id = ANY(%s)",
                (connection.id, entity, list(xero_ids)))

    @api.model
    def _candidates(self, connection, entity, values_list, keys, also=()):
        """Indexed records whose key equals one of ``values_list``'s: [{"xero_id", "label", key: value}],
        with the values of the keys ``also`` too (the strong keys that veto a match)."""
        clauses, params = [], [connection.id, entity]
        for key in keys:
            wanted = sorted({v[key] for v in values_list if v.get(key)})
            if wanted:
                clauses.append(f"{KEY_COLUMNS[key]} = ANY(%s)")
                params.append(wanted)
        if not clauses:
            return []
        keys = list(keys) + [k for k in also if k not in keys]
        columns = ", ".join(KEY_COLUMNS[k] for k in keys)
        self.env.cr.execute(f"""
            SELECT xero_id, label, {columns} FROM xero_remote_record
             WHERE connection_id = %s AND entity = %s AND ({" OR ".join(clauses)})
        """, params)
        return [{"xero_id": row[0], "label": row[1], **dict(zip(keys, row[2:]))} for row in self.env.cr.fetchall()]


class XeroRemoteIndex(models.Model):
    """How far the index of one Xero entity goes, per connection."""

    _name = "xero.remote.index"
    _description = "Xero Index State"

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade")
    entity = fields.Char(required=True)
    complete = fields.Boolean(help="Every Xero record of the entity has been read once (Fetch & Match or a "
                                   "full import); later changes come by If-Modified-Since.")
    cursor = fields.Datetime(help="Xero changes up to this moment are in the index.")
    count = fields.Integer(compute="_compute_count")

    _sql_constraints = [("entity_uniq", "unique(connection_id, entity)", "One index per connection and entity.")]

    def _compute_count(self):
        for index in self:
            index.count = self.env["xero.remote.record"].search_count(
                [("connection_id", "=", index.connection_id.id), ("entity", "=", index.entity)])

    @api.model
    def _of(self, connection, entity):
        index = self.search([("connection_id", "=", connection.id), ("entity", "=", entity)], limit=1)
        return index or self.create({"connection_id": connection.id, "entity": entity})


class XeroPushIntent(models.Model):
    """A create batch about to be (or being) sent to Xero: the write-ahead log of creates."""

    _name = "xero.push.intent"
    _description = "Xero Create in Flight"
    _order = "id"

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade", index=True)
    entity = fields.Char(required=True, index=True, help="Xero entity, e.g. Contacts.")
    idempotency_key = fields.Char(required=True)
    sent_at = fields.Datetime(required=True, default=fields.Datetime.now)
    res_model = fields.Char(required=True)
    res_ids = fields.Char(required=True, help="JSON list of the Odoo record ids, in the batch's order.")
    payloads = fields.Text(required=True, help="JSON list of the payloads sent, in order.")
    state = fields.Selection([("open", "In flight or unresolved"), ("conflict", "Needs a person")],
                             default="open", required=True)
    message = fields.Text()

    # Everything below reads and writes intents through cursors of their own: an intent is committed
    # by one transaction and settled by another, and Odoo's REPEATABLE READ snapshot of the caller's
    # transaction may predate it (it could neither see nor delete it, and locking it would fail to
    # serialise).  The caller's transaction only ever holds the session locks.

    def _side(self):
        """A cursor of its own (in tests: the test's cursor, which shares its one transaction)."""
        return self.env.registry.cursor()

    @api.model
    def _write_ahead(self, connection, entity, key, records, payloads):
        """Commit an intent (so it outlives a rollback or a crash of this transaction), marked in
        flight by a session lock of this transaction's connection taken *before* anyone can see the
        intent; returns its id.  ``_finish`` it once Xero's answer is recorded (or lost)."""
        cr = self.env.cr
        cr.execute("SELECT nextval('xero_push_intent_id_seq')")
        intent_id = cr.fetchone()[0]
        cr.execute("SELECT pg_advisory_lock(%s, %s)", (INTENT_LOCK_NS, intent_id))
        insert = ("""
            INSERT INTO xero_push_intent (id, connection_id, entity, idempotency_key, sent_at, res_model,
                                          res_ids, payloads, state, create_uid, create_date, write_uid, write_date)
            VALUES (%s, %s, %s, %s, now() at time zone 'UTC', %s, %s, %s, 'open', %s,
                    now() at time zone 'UTC', %s, now() at time zone 'UTC')
        """, (intent_id, connection.id, entity, key, records._name, json.dumps(records.ids),
              json.dumps(payloads, sort_keys=True, default=str), self.env.uid, self.env.uid))
        try:
            with self._side() as side:
                side.execute(*insert)
        except psycopg2.errors.ForeignKeyViolation:
            # the connection itself is not committed yet (created in this transaction): neither is
            # anything that could be linked, so the intent lives and dies with this transaction
            cr.execute(*insert)
        return intent_id

    @api.model
    def _finish(self, ids, forget):
        """When this transaction ends: if it committed and ``forget``, delete the intents (Xero's
        answer is recorded with the commit), then let go of their locks; if it rolled back, only let
        go (the intents stay, for the next push to resolve).  Until then they stay in flight, even
        across the commits a long run makes while it waits on Xero's rate limit.  A process that dies
        after its commit and before the delete leaves intents whose records are linked already:
        resolving them changes nothing."""
        ids = [i for i in ids if i]
        if not ids:
            return
        cr = self.env.cr
        if forget and self.env.registry.in_test_mode():
            # one transaction for the whole test: what it commits is what it does now
            cr.execute("DELETE FROM xero_push_intent WHERE id = ANY(%s)", (ids,))

        def release():
            for intent_id in ids:
                try:
                    cr.execute("SELECT pg_advisory_unlock(%s, %s)", (INTENT_LOCK_NS, intent_id))
                except Exception:  # noqa: BLE001 - the connection is gone, and so is the lock
                    _logger.debug("intent lock %s already released", intent_id)

        def forget_then_release():
            if forget:
                with self._side() as side:
                    side.execute("DELETE FROM xero_push_intent WHERE id = ANY(%s)", (ids,))
            release()
        cr.postcommit.add(forget_then_release)
        cr.postrollback.add(release)

    @api.model
    def _orphans(self, connection, entity):
        """Open intents of the entity that no live transaction holds, now held by this one
        (``_finish`` them once resolved): ``[{"id", "key", "sent_at", "res_model", "items"}]`` with
        items ``[(res_id, payload)]``.  A crashed process's intents are orphans at once: its database
        session, and so its lock, died with it."""
        self.flush_model()  # (tests: intents written through the ORM, read below through SQL)
        with self._side() as side:
            side.execute("SELECT id FROM xero_push_intent WHERE connection_id = %s AND entity = %s "
                         "AND state = 'open' ORDER BY id", (connection.id, entity))
            candidates = [row[0] for row in side.fetchall()]
        held = []
        for intent_id in candidates:
            self.env.cr.execute("SELECT pg_try_advisory_lock(%s, %s)", (INTENT_LOCK_NS, intent_id))
            if self.env.cr.fetchone()[0]:
                held.append(intent_id)
        if not held:
            return []
        with self._side() as side:  # read after locking: a writer may have settled some meanwhile
            side.execute("SELECT id, idempotency_key, sent_at, res_model, res_ids, payloads FROM xero_push_intent "
                         "WHERE id = ANY(%s) AND state = 'open' ORDER BY id", (held,))
            rows = side.fetchall()
        gone = set(held) - {row[0] for row in rows}
        if gone:
            self._finish(list(gone), forget=False)
        return [{"id": r[0], "key": r[1], "sent_at": r[2], "res_model": r[3],
                 "items": list(zip(json.loads(r[4]), json.loads(r[5])))} for r in rows]

    @api.model
    def _mark_conflict(self, intent_id, message):
        """A person must decide (committed at once: it is a fact about Xero, not about this run)."""
        with self._side() as side:
            side.execute("UPDATE xero_push_intent SET state = 'conflict', message = %s, "
                         "write_date = now() at time zone 'UTC' WHERE id = %s", (message, intent_id))

    @api.model
    def _conflicts_of(self, connection, entity, records):
        """{record id: message} of records whose earlier create could not be told apart in Xero."""
        self.flush_model()
        with self._side() as side:
            side.execute("SELECT res_ids, message FROM xero_push_intent WHERE connection_id = %s "
                         "AND entity = %s AND res_model = %s AND state = 'conflict'",
                         (connection.id, entity, records._name))
            rows = side.fetchall()
        wanted, found = set(records.ids), {}
        for res_ids, message in rows:
            for res_id in json.loads(res_ids):
                if res_id in wanted:
                    found[res_id] = message
        return found

    def action_dismiss(self):
        """A person checked Xero: forget the intent (the next push creates what is not linked)."""
        self.unlink()
        return True
