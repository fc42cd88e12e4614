from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..services import xero_client as xc
from ..services.engine import SyncEngine
from ..services.mappers import MAPPERS
from .xero_binding import SYNC_STATES


class XeroSyncMixin(models.AbstractModel):
    """Xero fields and actions for a synchronised model.

    Every field here is a view of the current company's binding
    (:class:`xero.binding`); nothing Xero-specific is stored on the record.
    """

    _name = "xero.sync.mixin"
    _description = "Synchronised with Xero"
    #: key of services.mappers.MAPPERS
    _xero_entity = None

    xero_binding_ids = fields.One2many(
        "xero.binding", "res_id", string="Xero Links",
        domain=lambda self: [("res_model", "=", self._name)])
    xero_allow_sync = fields.Boolean(
        "Allow Xero Sync", compute="_compute_xero_fields", inverse="_inverse_xero_allow_sync",
        search="_search_xero_allow_sync",
        help="Send this record to the Xero organisation of the current company.")
    xero_id = fields.Char("Xero ID", compute="_compute_xero_fields", search="_search_xero_id")
    xero_number = fields.Char("Xero Number", compute="_compute_xero_fields")
    xero_url = fields.Char("Xero Link", compute="_compute_xero_fields")
    xero_sync_state = fields.Selection(
        SYNC_STATES, string="Xero Status", compute="_compute_xero_fields",
        search="_search_xero_sync_state")
    xero_last_sync = fields.Datetime("Last Xero Sync", compute="_compute_xero_fields")
    xero_last_error = fields.Text("Xero Error", compute="_compute_xero_fields")
    xero_connected = fields.Boolean(compute="_compute_xero_fields")
    xero_archived = fields.Boolean("Archived in Xero", compute="_compute_xero_fields")
    xero_currency_missing = fields.Boolean(
        compute="_compute_xero_currency_missing",
        help="The document's currency is not among the Xero organisation's currencies, and Xero lets this "
             "connection add it.")

    # ------------------------------------------------------------------
    def _xero_connection(self):
        return self.env["xero.connection"]._for_company(raise_if_missing=False)

    def _xero_bindings(self, connection=None):
        """{record id: binding} for the current company's connection."""
        connection = connection or self._xero_connection()
        if not connection or not self.ids:
            return {}
        bindings = self.env["xero.binding"].sudo().search([
            ("connection_id", "=", connection.id), ("res_model", "=", self._name),
            ("res_id", "in", self.ids)])
        return {b.res_id: b for b in bindings}

    @api.depends("xero_binding_ids.allow_sync", "xero_binding_ids.xero_id", "xero_binding_ids.xero_number",
                 "xero_binding_ids.state", "xero_binding_ids.last_sync_date", "xero_binding_ids.last_error",
                 "xero_binding_ids.xero_archived")
    @api.depends_context("company")
    def _compute_xero_fields(self):
        connection = self._xero_connection()
        bindings = self._xero_bindings(connection)
        for record in self:
            binding = bindings.get(record.id)
            record.xero_connected = bool(connection) and connection.state == "connected"
            record.xero_allow_sync = binding.allow_sync if binding else False
            record.xero_id = binding.xero_id if binding else False
            record.xero_number = binding.xero_number if binding else False
            record.xero_url = binding.xero_url if binding else False
            record.xero_sync_state = binding.state if binding else "not_synced"
            record.xero_last_sync = binding.last_sync_date if binding else False
            record.xero_last_error = binding.last_error if binding else False
            record.xero_archived = binding.xero_archived if binding else False

    def _inverse_xero_allow_sync(self):
        connection = self._xero_connection()
        if not connection:
            if any(self.mapped("xero_allow_sync")):
                raise UserError(_("Connect %(company)s to Xero first (Settings › Xero).",
                                  company=self.env.company.name))
            return
        bindings = self.env["xero.binding"].sudo()._for_records(connection, self)
        for record in self:
            bindings[record.id].allow_sync = record.xero_allow_sync

    def _binding_subquery(self, domain):
        connection = self._xero_connection()
        if not connection:
            return []
        return self.env["xero.binding"].sudo()._search(
            [("connection_id", "=", connection.id), ("res_model", "=", self._name)] + domain
        ).subselect("res_id")

    def _search_xero_allow_sync(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Unsupported search on Allow Xero Sync."))
        positive = (operator == "=") == value
        ids = self._binding_subquery([("allow_sync", "=", True)])
        return [("id", "in" if positive else "not in", ids)]

    def _search_xero_id(self, operator, value):
        if operator in ("=", "!=") and value is False:
            ids = self._binding_subquery([("xero_id", "!=", False)])
            return [("id", "not in" if operator == "=" else "in", ids)]
        return [("id", "in", self._binding_subquery([("xero_id", operator, value)]))]

    def _search_xero_sync_state(self, operator, value):
        values = value if isinstance(value, (list, tuple)) else [value]
        if operator not in ("=", "in", "!=", "not in"):
            raise UserError(_("Unsupported search on Xero Status."))
        positive = operator in ("=", "in")
        if "not_synced" in values:
            # records without a binding are "not synced" too
            others = [v for v in ("pending", "synced", "error") if v not in values]
            ids = self._binding_subquery([("state", "in", others)])
            return [("id", "not in" if positive else "in", ids)]
        ids = self._binding_subquery([("state", "in", values)])
        return [("id", "in" if positive else "not in", ids)]

    # ------------------------------------------------------------------
    @api.model
    def _xero_push_targets(self, records):
        """The records that actually become Xero records (hook)."""
        return records

    @api.model
    def _xero_deep_link_path(self, xero_id):
        raise NotImplementedError

    def _xero_tracked_fields(self):
        return MAPPERS[self._xero_entity].tracked_fields() | \
            self.env["xero.mapping"]._mapped_field_names(MAPPERS[self._xero_entity].model)

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        connection = self._xero_entity and self._xero_connection()
        if connection and not self.env.context.get("xero_no_default_tick"):
            # each record per the rule of the entity it syncs as (an entry: manual journals)
            for entity, group in records._xero_entity_groups():
                mapping = self.env["xero.mapping"].sudo().search(
                    [("connection_id", "=", connection.id), ("entity", "=", entity)])
                if mapping.default_allow_sync:
                    bindings = self.env["xero.binding"].sudo()._for_records(connection, group)
                    for binding in bindings.values():
                        binding.allow_sync = True
        records._xero_changed()
        return records

    def write(self, vals):
        result = super().write(vals)
        if self._xero_entity and set(vals) & self._xero_tracked_fields():
            targets = self._xero_push_targets(self)
            self.env["xero.binding"].sudo().search([
                ("res_model", "=", targets._name), ("res_id", "in", targets.ids),
                ("xero_id", "!=", False), ("need_sync", "=", False),
            ]).write({"need_sync": True})
            self._xero_changed()
        return result

    def _xero_changed(self):
        """Hook: these records were created, or a field Xero cares about changed."""

    #: deleting the Odoo record deletes the Xero record (on the next sync)
    _xero_delete_follows = False

    def unlink(self):
        bindings = self.env["xero.binding"].sudo().search(
            [("res_model", "=", self._name), ("res_id", "in", self.ids)])
        result = super().unlink()
        if self._xero_delete_follows:
            keep = bindings.filtered("xero_id")
            keep.write({"delete_in_xero": True, "state": "pending"})
            bindings -= keep
        bindings.unlink()
        return result

    # ------------------------------------------------------------------
    def _xero_ticked(self, connection=None):
        """The records of ``self`` whose 'Allow Xero Sync' is ticked (one query, no computed fields)."""
        ticked = {rid for rid, binding in self._xero_bindings(connection).items() if binding.allow_sync}
        return self.filtered(lambda r: r.id in ticked)

    def _xero_entity_groups(self):
        """``[(entity, records)]``: the Xero entity each record syncs as (hook)."""
        return [(self._xero_entity, self)] if self else []

    def action_xero_sync(self):
        """'Sync to Xero': push the records whose Allow Xero Sync is ticked (or that the sync rules select)."""
        connection = self.env["xero.connection"]._for_company()
        logs, allowed_all = [], self.browse()
        for entity, records in self._xero_entity_groups():
            mapping = self.env["xero.mapping"]._for(connection, entity)
            # The tick always wins; the entity's sync rules may select more.
            selected = records._xero_ticked(connection) | mapping._selected_records(records).with_env(self.env)
            allowed = records.filtered(lambda r, s=selected: r in s)
            if not allowed:
                continue
            allowed_all |= allowed
            try:
                logs.append(SyncEngine(connection, trigger="button").push(entity, allowed))
            except xc.XeroError as exc:
                raise UserError(_("Xero sync failed: %(error)s", error=exc.message)) from exc
        if not allowed_all:
            raise UserError(_("Tick 'Allow Xero Sync' on the records to send to Xero."))
        failed = sum(log.count_failed for log in logs)
        message = " ".join(log.message for log in logs)
        skipped = len(self) - len(allowed_all)
        if skipped:
            message += " " + _("%(count)s records without 'Allow Xero Sync' were left out.", count=skipped)
        if failed and len(allowed_all) == 1:
            message = logs[0].failed_line_ids[:1].message or message
        return {
            "type": "ir.actions.client", "tag": "display_notification",
            "params": {
                "type": "danger" if failed else "success",
                "title": _("Sync to Xero"),
                "message": message,
                "sticky": bool(failed),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _xero_document_currency(self):
        """The currency this record goes to Xero in (documents override; others have none)."""
        return self.env["res.currency"]

    @api.depends("xero_binding_ids.last_error")
    @api.depends_context("company")
    def _compute_xero_currency_missing(self):
        connection = self._xero_connection()
        for record in self:
            currency = record._xero_document_currency()
            record.xero_currency_missing = bool(connection and currency) and connection._xero_currency_missing(
                currency, record.xero_last_error)

    def action_xero_add_currency(self):
        """'Add Currency in Xero': add the documents' currencies to the organisation, then send them again."""
        connection = self.env["xero.connection"]._for_company()
        for currency in self._xero_currencies():
            connection._xero_add_currency(currency)
        # the refused sends were answered: the engine gave them a new Idempotency-Key (push_count)
        return self.action_xero_sync()

    def _xero_currencies(self):
        currencies = self.env["res.currency"]
        for record in self:
            currencies |= record._xero_document_currency()
        return currencies

    def action_xero_open(self):
        self.ensure_one()
        if not self.xero_url:
            raise UserError(_("This record is not in Xero yet."))
        return {"type": "ir.actions.act_url", "url": self.xero_url, "target": "new"}
