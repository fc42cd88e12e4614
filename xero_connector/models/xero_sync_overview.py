"""Xero › Overview: where each connection and entity stands, counted in SQL.

Three PostgreSQL views, no per-record Python:

* ``xero_binding_entity``: every binding with the Xero entity it syncs as (invoices,
  credit notes and receipts share ``account.move``; payments and allocations share
  ``account.partial.reconcile``), its state and its failure cause (the binding's last error
  with quoted names folded, so "Product 'A' has no Internal Reference" and "Product 'B' …"
  are one cause);
* ``xero_sync_overview`` (one row per sync rule, i.e. per connection and entity): bindings in
  sync, waiting, failed, locked in Xero, the last run and its outcome, the next scheduled run;
* ``xero_sync_failure``: failed bindings grouped by connection, entity and cause, with counts.

Every figure opens the list it counts (``xero.binding`` filtered through its searchable
``xero_entity``, or the entity's Odoo records).
"""

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL

from ..services.mappers import MAPPERS
from .xero_sync_log import ENTITIES

INVOICE_TYPES = ("out_invoice", "in_invoice", "out_refund", "in_refund")
LAST_STATES = [("running", "Running"), ("done", "Done"), ("partial", "Done with errors"), ("failed", "Failed")]

# bindings counted by each figure (the same conditions as the SQL view below)
FIGURE_DOMAINS = {
    "synced": [("state", "=", "synced"), ("need_sync", "=", False), ("xero_locked", "=", False)],
    "waiting": ["|", ("state", "=", "pending"),
                "&", "&", ("need_sync", "=", True), ("state", "!=", "error"), ("xero_locked", "=", False)],
    "failed": [("state", "=", "error")],
    "locked": [("xero_locked", "!=", False)],
    "all": [],
}


class XeroBindingEntity(models.Model):
    """A binding's Xero entity, searchable (the figures of the overview open these lists)."""

    _inherit = "xero.binding"

    xero_entity = fields.Selection(ENTITIES, "Entity", compute="_compute_xero_entity",
                                   search="_search_xero_entity")

    def _compute_xero_entity(self):
        entities = {}
        if self.ids:
            self.flush_model()
            self.env.cr.execute("SELECT binding_id, entity FROM xero_binding_entity WHERE binding_id IN %s",
                                [tuple(self.ids)])
            entities = dict(self.env.cr.fetchall())
        for binding in self:
            binding.xero_entity = entities.get(binding.id, False)

    def _search_xero_entity(self, operator, value):
        if operator not in ("=", "!=", "in", "not in"):
            return expression.FALSE_DOMAIN
        values = [value] if isinstance(value, str) else [v for v in (value or []) if v]
        positive = operator in ("=", "in")
        if not values:
            return expression.FALSE_DOMAIN if positive else expression.TRUE_DOMAIN
        ids = SQL("(SELECT binding_id FROM xero_binding_entity WHERE entity IN %s)", tuple(values))
        return [("id", "in" if positive else "not in", ids)]


class XeroSyncOverview(models.Model):
    _name = "xero.sync.overview"
    _description = "Xero Sync Overview"
    _auto = False
    _order = "connection_id, sequence, id"
    _rec_name = "entity"

    mapping_id = fields.Many2one("xero.mapping", "Sync Rules", readonly=True)
    connection_id = fields.Many2one("xero.connection", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    entity = fields.Selection(ENTITIES, readonly=True)
    sequence = fields.Integer(readonly=True)
    model_name = fields.Char(readonly=True)
    count_total = fields.Integer("Linked Records", readonly=True)
    count_synced = fields.Integer("In Sync", readonly=True)
    count_waiting = fields.Integer("Waiting", readonly=True)
    count_failed = fields.Integer("Failed", readonly=True)
    count_locked = fields.Integer("Locked in Xero", readonly=True)
    count_never = fields.Integer(
        "Never Synced", compute="_compute_count_never",
        help="Records the sync rules send that are not in Xero yet.")
    last_log_id = fields.Many2one("xero.sync.log", "Last Run", readonly=True)
    last_run = fields.Datetime("Last Run At", readonly=True)
    last_state = fields.Selection(LAST_STATES, "Last Outcome", readonly=True)
    last_message = fields.Text(related="last_log_id.message", string="Last Run Summary")
    next_run = fields.Datetime("Next Scheduled Run", readonly=True)
    failure_ids = fields.One2many("xero.sync.failure", "overview_id", "Failures by Cause", readonly=True)
    top_failures = fields.Text("Top Causes", compute="_compute_top_failures")
    connection_state = fields.Selection(related="connection_id.state", string="Connection Status")
    token_expires_at = fields.Datetime(related="connection_id.token_expires_at")
    api_minute_left = fields.Integer(related="connection_id.api_minute_left")
    api_day_left = fields.Integer(related="connection_id.api_day_left")
    api_day_budget = fields.Integer(related="connection_id.api_day_budget")

    def init(self):
        cr = self.env.cr
        schedule = self.env["xero.sync.schedule"]._fields["mapping_ids"]
        sequence = "CASE mp.entity " + " ".join(
            f"WHEN '{entity}' THEN {index}" for index, (entity, _label) in enumerate(ENTITIES)) + " ELSE 99 END"
        cr.execute("DROP VIEW IF EXISTS xero_sync_failure")
        cr.execute("DROP VIEW IF EXISTS xero_sync_overview")
        cr.execute("DROP VIEW IF EXISTS xero_binding_entity")
        cr.execute(SQL("""
            CREATE VIEW xero_binding_entity AS (
                SELECT b.id AS binding_id, b.connection_id, b.res_model, b.res_id, b.state, b.xero_id,
                       COALESCE(b.need_sync, FALSE) AS need_sync,
                       COALESCE(b.xero_locked, '') <> '' AS locked,
                       CASE b.res_model
                           WHEN 'res.partner' THEN 'contact'
                           WHEN 'product.product' THEN 'product'
                           WHEN 'purchase.order' THEN 'purchase_order'
                           WHEN 'res.partner.category' THEN 'contact_group'
                           WHEN 'account.move' THEN
                               CASE WHEN m.xero_invoice_type = 'receipt' THEN 'receipt'
                                    WHEN m.move_type IN ('out_refund', 'in_refund') THEN 'credit_note'
                                    WHEN m.move_type = 'entry' THEN 'manual_journal'
                                    ELSE 'invoice' END
                           WHEN 'account.partial.reconcile' THEN
                               CASE WHEN dm.move_type IN %(types)s AND cm.move_type IN %(types)s
                                         OR COALESCE(b.xero_credit, '') <> ''
                                    THEN 'allocation' ELSE 'payment' END
                           WHEN 'account.payment' THEN 'overpayment'
                       END AS entity,
                       CASE WHEN b.state = 'error' THEN
                           regexp_replace(regexp_replace(COALESCE(NULLIF(b.last_error, ''), %(unknown)s),
                                                         '''[^'']*''', '''…''', 'g'),
                                          '"[^"]*"', '"…"', 'g')
                       END AS cause
                  FROM xero_binding b
                  LEFT JOIN account_move m ON b.res_model = 'account.move' AND m.id = b.res_id
                  LEFT JOIN account_partial_reconcile p
                         ON b.res_model = 'account.partial.reconcile' AND p.id = b.res_id
                  LEFT JOIN account_move_line dl ON dl.id = p.debit_move_id
                  LEFT JOIN account_move dm ON dm.id = dl.move_id
                  LEFT JOIN account_move_line cl ON cl.id = p.credit_move_id
                  LEFT JOIN account_move cm ON cm.id = cl.move_id
            )""", types=INVOICE_TYPES, unknown="Failed (no reason given)."))
        cr.execute(SQL("""
            CREATE VIEW xero_sync_overview AS (
                SELECT mp.id AS id, mp.id AS mapping_id, mp.connection_id, c.company_id, mp.entity,
                       %(sequence)s AS sequence, mp.model_name,
                       COALESCE(agg.count_total, 0) AS count_total,
                       COALESCE(agg.count_synced, 0) AS count_synced,
                       COALESCE(agg.count_waiting, 0) AS count_waiting,
                       COALESCE(agg.count_failed, 0) AS count_failed,
                       COALESCE(agg.count_locked, 0) AS count_locked,
                       last.id AS last_log_id, last.date_start AS last_run, last.state AS last_state,
                       nxt.nextcall AS next_run
                  FROM xero_mapping mp
                  JOIN xero_connection c ON c.id = mp.connection_id
                  LEFT JOIN (
                      SELECT connection_id, entity, count(*) AS count_total,
                             count(*) FILTER (WHERE state = 'synced' AND NOT need_sync AND NOT locked) AS count_synced,
                             count(*) FILTER (WHERE state = 'pending'
                                              OR (need_sync AND state <> 'error' AND NOT locked)) AS count_waiting,
                             count(*) FILTER (WHERE state = 'error') AS count_failed,
                             count(*) FILTER (WHERE locked) AS count_locked
                        FROM xero_binding_entity
                       GROUP BY connection_id, entity
                  ) agg ON agg.connection_id = mp.connection_id AND agg.entity = mp.entity
                  LEFT JOIN LATERAL (
                      SELECT l.id, l.date_start, l.state
                        FROM xero_sync_log l
                       WHERE l.connection_id = mp.connection_id AND l.entity = mp.entity
                         AND l.preview IS NOT TRUE
                       ORDER BY l.date_start DESC, l.id DESC
                       LIMIT 1
                  ) last ON TRUE
                  LEFT JOIN LATERAL (
                      SELECT min(cron.nextcall) AS nextcall
                        FROM %(rel)s rel
                        JOIN xero_sync_schedule s ON s.id = rel.%(schedule_col)s AND s.active
                        JOIN ir_cron cron ON cron.xero_schedule_id = s.id AND cron.active
                       WHERE rel.%(mapping_col)s = mp.id
                  ) nxt ON TRUE
            )""", sequence=SQL(sequence), rel=SQL.identifier(schedule.relation),
                       schedule_col=SQL.identifier(schedule.column1),
                       mapping_col=SQL.identifier(schedule.column2)))
        cr.execute("""
            CREATE VIEW xero_sync_failure AS (
                SELECT min(e.binding_id) AS id, mp.id AS overview_id, e.connection_id, c.company_id,
                       e.entity, e.res_model, e.cause, count(*) AS count
                  FROM xero_binding_entity e
                  JOIN xero_mapping mp ON mp.connection_id = e.connection_id AND mp.entity = e.entity
                  JOIN xero_connection c ON c.id = e.connection_id
                 WHERE e.state = 'error'
                 GROUP BY mp.id, e.connection_id, c.company_id, e.entity, e.res_model, e.cause
            )""")

    # ------------------------------------------------------------------ figures
    def _compute_count_never(self):
        for row in self:
            domain = row._never_domain()
            row.count_never = self.env[row.model_name].with_context(active_test=False).search_count(
                domain) if domain else 0

    def _never_domain(self):
        """Records the sync rules select that have no Xero record on this connection (a domain the
        browser can carry: no ids), or None when it cannot be said."""
        self.ensure_one()
        mapping = self.mapping_id.sudo()
        if not mapping or mapping.entity not in MAPPERS or self.model_name not in self.env:
            return None
        Model = self.env[self.model_name]
        domain = expression.AND([mapping._selection_domain(), [("xero_binding_ids", "not any", [
            ("connection_id", "=", self.connection_id.id), ("xero_id", "!=", False)])]])
        if "company_id" in Model._fields:
            domain = expression.AND([domain, [("company_id", "in", [False, self.company_id.id])]])
        return domain

    @api.depends("failure_ids")
    def _compute_top_failures(self):
        for row in self:
            failures = row.failure_ids.sorted(lambda f: (-f.count, f.id))
            lines = [failure.display_name for failure in failures[:3]]
            if len(failures) > 3:
                lines.append(_("…and %(count)s other causes.", count=len(failures) - 3))
            row.top_failures = "\n".join(lines) or False

    @api.depends("entity", "connection_id")
    def _compute_display_name(self):
        labels = dict(self._fields["entity"]._description_selection(self.env))
        for row in self:
            row.display_name = labels.get(row.entity, row.entity or "")

    # ------------------------------------------------------------------ actions
    def _binding_action(self, figure):
        self.ensure_one()
        titles = {"synced": _("In sync"), "waiting": _("Waiting"), "failed": _("Failed"),
                  "locked": _("Locked in Xero"), "all": _("Linked")}
        return {
            "type": "ir.actions.act_window", "res_model": "xero.binding", "view_mode": "list,form",
            "views": [[False, "list"], [False, "form"]],
            "name": f"{self.display_name}: {titles[figure]}",
            "domain": [("connection_id", "=", self.connection_id.id), ("xero_entity", "=", self.entity)]
            + FIGURE_DOMAINS[figure],
            "context": {"create": False},
        }

    def action_open_synced(self):
        return self._binding_action("synced")

    def action_open_waiting(self):
        return self._binding_action("waiting")

    def action_open_failed(self):
        return self._binding_action("failed")

    def action_open_locked(self):
        return self._binding_action("locked")

    def action_open_linked(self):
        return self._binding_action("all")

    def action_open_never(self):
        self.ensure_one()
        domain = self._never_domain()
        return {
            "type": "ir.actions.act_window", "res_model": self.model_name, "view_mode": "list,form",
            "views": [[False, "list"], [False, "form"]],
            "name": _("%(entity)s: never synced", entity=self.display_name),
            "domain": expression.FALSE_DOMAIN if domain is None else domain,
            "context": {"active_test": False, "create": False},
        }

    def action_open_top_failure(self):
        """The fix of the commonest cause, one click away: its failing records."""
        self.ensure_one()
        failure = self.failure_ids.sorted(lambda f: (-f.count, f.id))[:1]
        if not failure:
            raise UserError(_("Nothing fails here."))
        return failure.action_open_records()

    def action_open_last_run(self):
        self.ensure_one()
        return {"type": "ir.actions.act_window", "res_model": "xero.sync.log", "res_id": self.last_log_id.id,
                "view_mode": "form", "views": [[False, "form"]]}

    def action_open_runs(self):
        self.ensure_one()
        return {"type": "ir.actions.act_window", "res_model": "xero.sync.log", "view_mode": "list,form",
                "views": [[False, "list"], [False, "form"]],
                "name": _("%(entity)s: runs", entity=self.display_name),
                "domain": [("connection_id", "=", self.connection_id.id), ("entity", "=", self.entity)]}

    def action_open_schedules(self):
        self.ensure_one()
        return {"type": "ir.actions.act_window", "res_model": "xero.sync.schedule", "view_mode": "list,form",
                "views": [[False, "list"], [False, "form"]],
                "name": _("%(entity)s: schedules", entity=self.display_name),
                "domain": [("mapping_ids", "in", self.mapping_id.ids)]}

    def action_open_mapping(self):
        self.ensure_one()
        return {"type": "ir.actions.act_window", "res_model": "xero.mapping", "res_id": self.mapping_id.id,
                "view_mode": "form", "views": [[False, "form"]]}

    def action_sync_now(self, direction="both"):
        """Queue a background sync of this entity (both ways, or only to Xero)."""
        self.ensure_one()
        if not self.env.user.has_group("xero_connector.group_xero_manager"):
            raise UserError(_("Only Xero managers can start a sync."))
        direction = self.env.context.get("xero_direction", direction)
        values = {"connection_id": self.connection_id.id, "mapping_ids": [(6, 0, self.mapping_id.ids)],
                  "direction": direction, "trigger": "manual", "user_id": self.env.user.id}
        if self.connection_id.state != "connected":
            raise UserError(_("%(name)s is not connected to Xero.", name=self.connection_id.name))
        job = self.env["xero.sync.job"]._queue(values)
        return {
            "type": "ir.actions.client", "tag": "display_notification",
            "params": {
                "type": "info", "title": _("Sync with Xero"),
                "message": _("%(job)s (%(entity)s) is running in the background; you will be told when it is "
                             "done.", job=job.name, entity=self.display_name),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_push_now(self):
        return self.with_context(xero_direction="export").action_sync_now()

    @api.model
    def action_open_overview(self):
        """Xero › Overview: make sure every connection has its sync rules, then show them."""
        connections = self.env["xero.connection"].search([])
        missing = [c for c in connections if len(c.sudo().mapping_ids) < len(MAPPERS)]
        for connection in missing:
            self.env["xero.mapping"].sudo()._ensure_all(connection)
        action = self.env["ir.actions.act_window"]._for_xml_id("xero_connector.action_xero_sync_overview")
        return action


class XeroSyncFailure(models.Model):
    """Failed records of one connection and entity that fail for the same reason."""

    _name = "xero.sync.failure"
    _description = "Xero Sync Failures by Cause"
    _auto = False
    _order = "count desc, id"
    _rec_name = "cause"

    overview_id = fields.Many2one("xero.sync.overview", readonly=True)
    connection_id = fields.Many2one("xero.connection", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    entity = fields.Selection(ENTITIES, readonly=True)
    res_model = fields.Char(readonly=True)
    cause = fields.Text(readonly=True)
    count = fields.Integer("Records", readonly=True)

    @api.depends("cause", "count", "entity")
    def _compute_display_name(self):
        labels = dict(self._fields["entity"]._description_selection(self.env))
        for failure in self:
            failure.display_name = _("%(count)s %(entity)s: %(cause)s", count=failure.count,
                                     entity=labels.get(failure.entity, failure.entity or "").lower(),
                                     cause=failure.cause or "")

    def _record_ids(self):
        self.ensure_one()
        self.env["xero.binding"].flush_model()
        self.env.cr.execute("""
            SELECT res_id FROM xero_binding_entity
             WHERE connection_id = %s AND entity = %s AND state = 'error' AND cause = %s
        """, [self.connection_id.id, self.entity, self.cause])
        return [row[0] for row in self.env.cr.fetchall()]

    def action_open_records(self):
        """The fix, one click away: the failing Odoo records themselves."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window", "res_model": self.res_model, "view_mode": "list,form",
            "views": [[False, "list"], [False, "form"]], "name": self.cause[:80] if self.cause else "",
            "domain": [("id", "in", self._record_ids())], "context": {"active_test": False, "create": False},
        }

    def action_open_bindings(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window", "res_model": "xero.binding", "view_mode": "list,form",
            "views": [[False, "list"], [False, "form"]], "name": self.cause[:80] if self.cause else "",
            "domain": [("connection_id", "=", self.connection_id.id), ("res_model", "=", self.res_model),
                       ("state", "=", "error"), ("res_id", "in", self._record_ids())],
            "context": {"create": False},
        }
