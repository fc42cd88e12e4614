from odoo import _, api, fields, models

ENTITIES = [("contact", "Contacts"), ("product", "Products"), ("invoice", "Invoices & Bills"),
            ("credit_note", "Credit Notes"), ("payment", "Payments"),
            ("allocation", "Allocations"), ("receipt", "Receipts"),
            ("purchase_order", "Purchase Orders"), ("manual_journal", "Manual Journals"),
            ("contact_group", "Contact Groups"), ("overpayment", "Overpayments & Prepayments")]
DIRECTIONS = [("export", "Odoo → Xero"), ("import", "Xero → Odoo"), ("match", "Fetch & Match")]


class XeroSyncLog(models.Model):
    """One synchronisation run: who, what, which way, how it went."""

    _name = "xero.sync.log"
    _description = "Xero Sync Run"
    _order = "date_start desc, id desc"

    name = fields.Char(compute="_compute_name", store=True)
    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True)
    user_id = fields.Many2one("res.users", default=lambda self: self.env.user, required=True)
    entity = fields.Selection(ENTITIES, required=True)
    direction = fields.Selection(DIRECTIONS, required=True, default="export")
    trigger = fields.Selection(
        [("button", "Sync button"), ("manual", "Manual run"), ("cron", "Schedule"),
         ("webhook", "Webhook")], default="button", required=True)
    state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("partial", "Done with errors"),
         ("failed", "Failed")], default="running", required=True, index=True)
    date_start = fields.Datetime(default=fields.Datetime.now, required=True)
    date_end = fields.Datetime()
    duration = fields.Float("Duration (s)", digits=(16, 2))
    preview = fields.Boolean("Preview Only", help="A dry run: nothing was written on either side.")
    count_total = fields.Integer("Records")
    count_created = fields.Integer("Created")
    count_updated = fields.Integer("Updated")
    count_skipped = fields.Integer("Unchanged")
    count_failed = fields.Integer("Failed")
    count_linked = fields.Integer("Linked")
    count_ambiguous = fields.Integer("Ambiguous")
    count_warning = fields.Integer("Warnings")
    count_would_create_xero = fields.Integer("Would Create in Xero")
    count_would_create_odoo = fields.Integer("Would Create in Odoo")
    api_calls = fields.Integer("API Calls")
    limit_minute_remaining = fields.Integer("Minute Budget Left")
    limit_day_remaining = fields.Integer("Day Budget Left")
    message = fields.Text("Summary")
    line_ids = fields.One2many("xero.sync.log.line", "log_id", string="Record Details")
    failed_line_ids = fields.One2many(
        "xero.sync.log.line", "log_id", domain=[("state", "=", "error")], string="Failures")

    @api.depends("entity", "direction", "date_start")
    def _compute_name(self):
        entities = dict(self._fields["entity"]._description_selection(self.env))
        directions = dict(self._fields["direction"]._description_selection(self.env))
        for log in self:
            log.name = f"{entities.get(log.entity, '')}: {directions.get(log.direction, '')} " \
                       f"{fields.Datetime.to_string(log.date_start) or ''}".strip()

    def _finish(self, message=None):
        for log in self:
            end = fields.Datetime.now()
            state = "done"
            if log.count_failed or log.count_ambiguous:
                done = log.count_created or log.count_updated or log.count_skipped or log.count_linked
                state = "partial" if done or log.count_ambiguous else "failed"
            if message and not log.count_total:
                state = "failed"
            log.write({
                "state": state, "date_end": end,
                "duration": (end - log.date_start).total_seconds(),
                "message": message or log._summary(),
            })

    def _summary(self):
        self.ensure_one()
        if self.direction == "match":
            return _("Fetch & Match: %(linked)s linked, %(xero)s would be created in Xero, %(odoo)s would be "
                     "created in Odoo, %(ambiguous)s ambiguous (nothing was created or changed).",
                     linked=self.count_linked, xero=self.count_would_create_xero,
                     odoo=self.count_would_create_odoo, ambiguous=self.count_ambiguous)
        return _("%(total)s records: %(created)s created, %(updated)s updated, %(skipped)s unchanged, "
                 "%(failed)s failed.", total=self.count_total, created=self.count_created,
                 updated=self.count_updated, skipped=self.count_skipped, failed=self.count_failed)


class XeroSyncLogLine(models.Model):
    """One record of a run: what happened to it, in plain words."""

    _name = "xero.sync.log.line"
    _description = "Xero Sync Record"
    _order = "id"

    log_id = fields.Many2one("xero.sync.log", required=True, ondelete="cascade", index=True)
    res_model = fields.Char("Model")
    res_id = fields.Many2oneReference("Record ID", model_field="res_model")
    record_name = fields.Char("Record")
    xero_id = fields.Char("Xero ID")
    action = fields.Selection(
        [("create", "Created"), ("update", "Updated"), ("link", "Linked"), ("skip", "Unchanged"),
         ("archive", "Archived"), ("ambiguous", "Ambiguous match"), ("would_create", "Would create"),
         ("warning", "Warning"), ("error", "Failed")], required=True)
    state = fields.Selection([("ok", "OK"), ("warning", "Warning"), ("error", "Error")],
                             default="ok", required=True)
    message = fields.Text()
    detail = fields.Text(groups="xero_connector.group_xero_manager",
                         help="What Xero answered, for administrators.")

    def action_open_record(self):
        self.ensure_one()
        return {"type": "ir.actions.act_window", "res_model": self.res_model,
                "res_id": self.res_id, "view_mode": "form"}
