from odoo import _, api, fields, models, tools

SYNC_STATES = [
    ("not_synced", "Not synced"),
    ("pending", "Waiting"),
    ("synced", "Synced"),
    ("error", "Sync error"),
]


class XeroBinding(models.Model):
    """The link between one Odoo record and one Xero record, per connection.

    Unique per (connection, record) and per (connection, Xero id); the fields
    shown on records (Xero ID, link, status, error) are views of the current
    company's binding.
    """

    _name = "xero.binding"
    _description = "Xero Link"
    _order = "write_date desc, id desc"
    _rec_name = "display_name"

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True)
    res_model = fields.Char("Model", required=True, index=True)
    res_id = fields.Many2oneReference("Record ID", model_field="res_model", required=True, index=True)
    record_name = fields.Char(compute="_compute_record_name")
    xero_id = fields.Char("Xero ID", copy=False, index=True)
    xero_number = fields.Char("Xero Number", copy=False)
    allow_sync = fields.Boolean("Allow Xero Sync", default=False)
    state = fields.Selection(SYNC_STATES, default="not_synced", required=True, index=True)
    need_sync = fields.Boolean(
        default=False, index=True, help="A mapped field changed since the last push.")
    payload_hash = fields.Char(copy=False, help="Hash of the last payload Xero accepted.")
    push_count = fields.Integer(
        default=0, copy=False,
        help="Pushes Xero answered so far (accepted or refused); part of the idempotency key, so a "
             "retry of an unanswered push replays it and any later send is a new request.")
    last_sync_date = fields.Datetime(copy=False)
    last_error = fields.Text(copy=False)
    last_error_detail = fields.Text(copy=False, groups="xero_connector.group_xero_manager")
    xero_url = fields.Char("Xero Link", compute="_compute_xero_url")
    xero_updated = fields.Datetime("Changed in Xero", copy=False,
                                   help="Xero's last-modified time of the linked record, as last read.")
    xero_archived = fields.Boolean("Archived in Xero", copy=False)
    is_customer = fields.Boolean("Customer in Xero", copy=False)
    is_supplier = fields.Boolean("Supplier in Xero", copy=False)
    online_url = fields.Char("Online Invoice URL", copy=False)
    delete_in_xero = fields.Boolean(
        copy=False, help="The Odoo record was deleted; its Xero record is deleted on the next sync.")
    xero_credit = fields.Char(
        "Xero Credit", copy=False, index=True,
        help="An allocation: the Xero credit it uses up (CreditNotes/<id>, Overpayments/<id>, Prepayments/<id>); "
             "a payment in Xero as an overpayment or prepayment: that credit.")
    xero_status = fields.Char("Status in Xero", copy=False, help="The document's status in Xero, as last read.")
    xero_group_ids = fields.Char(
        "Xero Contact Groups", copy=False,
        help="Contacts: the Xero contact groups (ids) this connection put the contact in, from its tags.")
    xero_locked = fields.Char(
        "Locked in Xero", copy=False,
        help="Why Xero no longer accepts changes to this record (paid, allocated, before the lock "
             "date). Odoo stops sending it; Xero is king.")

    _sql_constraints = [
        ("record_uniq", "unique(connection_id, res_model, res_id)",
         "A record can be linked to one Xero record per connection only."),
    ]

    def init(self):
        tools.create_unique_index(
            self.env.cr, "xero_binding_xero_id_uniq", self._table,
            ["connection_id", "xero_id"])

    @api.depends("res_model", "res_id")
    def _compute_record_name(self):
        for binding in self:
            record = binding._record()
            binding.record_name = record.display_name if record.exists() else _("(deleted)")

    @api.depends("record_name", "xero_id")
    def _compute_display_name(self):
        for binding in self:
            binding.display_name = f"{binding.record_name} ↔ {binding.xero_id or _('not in Xero')}"

    @api.depends("xero_id", "res_model", "connection_id.short_code", "connection_id.web_url")
    def _compute_xero_url(self):
        for binding in self:
            path = binding._xero_path()
            binding.xero_url = binding.connection_id._deep_link(path) if path else False

    @api.model
    def _bindings_of(self, connection, records):
        """{record id: binding} of ``records`` that have one (creates none)."""
        bindings = self.search([("connection_id", "=", connection.id), ("res_model", "=", records._name),
                                ("res_id", "in", records.ids)])
        return {b.res_id: b for b in bindings}

    @api.model
    def _for_records(self, connection, records):
        """{record id: binding} for ``records`` on ``connection``, creating missing bindings."""
        bindings = self.search([("connection_id", "=", connection.id),
                                ("res_model", "=", records._name), ("res_id", "in", records.ids)])
        by_id = {b.res_id: b for b in bindings}
        missing = [rid for rid in records.ids if rid not in by_id]
        if missing:
            created = self.create([{"connection_id": connection.id, "res_model": records._name,
                                    "res_id": rid} for rid in missing])
            by_id.update({b.res_id: b for b in created})
        return by_id

    def _record(self):
        self.ensure_one()
        if self.res_model not in self.env:
            return self.env["res.partner"].browse()
        return self.env[self.res_model].browse(self.res_id)

    def _xero_path(self):
        self.ensure_one()
        if not self.xero_id or self.res_model not in self.env:
            return False
        record = self.env[self.res_model].browse(self.res_id)
        return record._xero_deep_link_path(self.xero_id) if hasattr(record, "_xero_deep_link_path") else False

    def action_open_record(self):
        self.ensure_one()
        return {"type": "ir.actions.act_window", "res_model": self.res_model,
                "res_id": self.res_id, "view_mode": "form"}
