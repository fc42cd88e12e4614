"""Xero tracking categories and options per connection, mapped to Odoo analytic plans and
analytic accounts.

The rows are Xero's (copies refreshed by *Import Tracking Categories*, kept by Xero's id, so a
category or option renamed in Xero keeps its mapping); the mapping fields are Odoo's.  Odoo →
Xero: each document line's analytic distribution becomes the line's ``Tracking``, one option per
mapped plan (Xero takes one option per category on a line).  Xero → Odoo: a line's tracking
becomes 100 % on each mapped analytic account.  Xero allows at most two active categories.
"""

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..services import xero_client as xc
from ..services.mappers import MappingError

XERO_STATUSES = [("ACTIVE", "Active"), ("ARCHIVED", "Archived"), ("DELETED", "Deleted")]


class XeroTrackingCategory(models.Model):
    _name = "xero.tracking.category"
    _description = "Xero Tracking Category"
    _order = "connection_id, name"

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True)
    xero_id = fields.Char("Xero ID", required=True, readonly=True)
    name = fields.Char(required=True, readonly=True)
    status = fields.Selection(XERO_STATUSES, readonly=True, default="ACTIVE", required=True)
    active = fields.Boolean(compute="_compute_active", store=True)
    plan_id = fields.Many2one(
        "account.analytic.plan", string="Odoo Analytic Plan", domain="[('parent_id', '=', False)]",
        help="Analytic accounts of this plan on document lines go to Xero as this category's options.")
    option_ids = fields.One2many("xero.tracking.option", "category_id", string="Options",
                                 context={"active_test": False})
    option_count = fields.Integer(compute="_compute_option_count")

    _sql_constraints = [("xero_id_uniq", "unique(connection_id, xero_id)", "A tracking category is imported once."),
                        ("plan_uniq", "unique(connection_id, plan_id)",
                         "An analytic plan maps to one Xero tracking category per connection.")]

    @api.depends("status")
    def _compute_active(self):
        for category in self:
            category.active = category.status != "DELETED"

    @api.depends("option_ids")
    def _compute_option_count(self):
        for category in self:
            category.option_count = len(category.option_ids)

    def write(self, vals):
        if "plan_id" in vals:
            # options keep their accounts only within the plan now mapped
            for category in self:
                stale = category.option_ids.filtered(
                    lambda o: o.analytic_account_id and o.analytic_account_id.root_plan_id.id != vals["plan_id"])
                stale.analytic_account_id = False
        result = super().write(vals)
        if "plan_id" in vals:
            self.filtered("plan_id")._auto_map_options()
        return result

    def _auto_map_plans(self):
        """Map each unmapped category to the Odoo root analytic plan with its name (when not mapped yet)."""
        count = 0
        for category in self.filtered(lambda c: not c.plan_id and c.status != "DELETED"):
            taken = category.connection_id.tracking_category_ids.plan_id.ids
            # matching by name is set-up, done for users without Analytic Accounting rights too
            plan = self.env["account.analytic.plan"].sudo().search(
                [("parent_id", "=", False), ("name", "=ilike", category.name.strip()), ("id", "not in", taken)], limit=1)
            if plan:
                category.plan_id = plan
                count += 1
        return count

    def _auto_map_options(self):
        """Map each unmapped option to the analytic account of the category's plan with its name."""
        count = 0
        for category in self.filtered("plan_id"):
            Account = self.env["account.analytic.account"].sudo().with_context(active_test=False)
            accounts = Account.search([("root_plan_id", "=", category.plan_id.id),
                                       ("company_id", "in", (False, category.company_id.id))])
            taken = set(category.connection_id.tracking_option_ids.analytic_account_id.ids)
            by_name = {}
            for account in accounts:
                by_name.setdefault(account.name.strip().casefold(), account)
            for option in category.option_ids.filtered(lambda o: not o.analytic_account_id and o.status != "DELETED"):
                account = by_name.get(option.name.strip().casefold())
                if account and account.id not in taken:
                    option.analytic_account_id = account
                    taken.add(account.id)
                    count += 1
        return count

    def action_create_odoo_analytics(self):
        """Create the analytic plans and accounts these Xero categories and options lack, and map them."""
        created = self.env["account.analytic.account"]
        for category in self.filtered(lambda c: c.status != "DELETED"):
            if not category.plan_id:
                plan = self.env["account.analytic.plan"].search(
                    [("parent_id", "=", False), ("name", "=ilike", category.name)], limit=1)
                category.plan_id = plan or self.env["account.analytic.plan"].create({"name": category.name})
            for option in category.option_ids.filtered(lambda o: not o.analytic_account_id and o.status != "DELETED"):
                account = self.env["account.analytic.account"].create({
                    "name": option.name, "plan_id": category.plan_id.id, "company_id": category.company_id.id})
                option.analytic_account_id = account
                created |= account
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"type": "success", "title": _("Xero tracking categories"),
                           "message": _("%(count)s analytic accounts created and mapped.", count=len(created)),
                           "next": {"type": "ir.actions.client", "tag": "soft_reload"}}}

    def action_open_options(self):
        self.ensure_one()
        return {"type": "ir.actions.act_window", "name": self.name, "res_model": "xero.tracking.option",
                "view_mode": "list", "domain": [("category_id", "=", self.id)],
                "context": {"active_test": False, "default_category_id": self.id}}


class XeroTrackingOption(models.Model):
    _name = "xero.tracking.option"
    _description = "Xero Tracking Option"
    _order = "category_id, name"

    category_id = fields.Many2one("xero.tracking.category", required=True, ondelete="cascade", index=True)
    connection_id = fields.Many2one(related="category_id.connection_id", store=True, index=True)
    company_id = fields.Many2one(related="category_id.company_id", store=True)
    plan_id = fields.Many2one(related="category_id.plan_id")
    xero_id = fields.Char("Xero ID", required=True, readonly=True)
    name = fields.Char(required=True, readonly=True)
    status = fields.Selection(XERO_STATUSES, readonly=True, default="ACTIVE", required=True)
    active = fields.Boolean(compute="_compute_active", store=True)
    analytic_account_id = fields.Many2one(
        "account.analytic.account", string="Odoo Analytic Account",
        domain="[('root_plan_id', '=', plan_id)]",
        help="Document lines with this analytic account go to Xero with this option.")
    problem = fields.Char(compute="_compute_problem", store=True)

    _sql_constraints = [("xero_id_uniq", "unique(category_id, xero_id)", "A tracking option is imported once.")]

    @api.depends("status")
    def _compute_active(self):
        for option in self:
            option.active = option.status != "DELETED"

    @api.depends("status", "category_id.status", "analytic_account_id")
    def _compute_problem(self):
        for option in self:
            problem = False
            if option.analytic_account_id:
                if option.status == "DELETED" or option.category_id.status == "DELETED":
                    problem = _("Deleted in Xero: documents with %(account)s cannot go to Xero.",
                                account=option.analytic_account_id.display_name)
                elif option.status == "ARCHIVED" or option.category_id.status == "ARCHIVED":
                    problem = _("Archived in Xero: new documents with %(account)s are refused.",
                                account=option.analytic_account_id.display_name)
            option.problem = problem

    @api.constrains("analytic_account_id", "category_id")
    def _check_analytic_account(self):
        for option in self.filtered("analytic_account_id"):
            if option.analytic_account_id.root_plan_id != option.category_id.plan_id:
                raise ValidationError(_(
                    "%(account)s is not in the analytic plan %(plan)s that the Xero tracking category %(category)s "
                    "maps to.", account=option.analytic_account_id.display_name,
                    plan=option.category_id.plan_id.display_name or _("(none)"), category=option.category_id.name))
            clash = self.with_context(active_test=False).search([
                ("connection_id", "=", option.connection_id.id), ("id", "!=", option.id),
                ("analytic_account_id", "=", option.analytic_account_id.id)], limit=1)
            if clash:
                raise ValidationError(_("The analytic account %(account)s is already mapped to the Xero tracking "
                                        "option %(option)s.", account=option.analytic_account_id.display_name,
                                        option=clash.name))

    def _compute_display_name(self):
        for option in self:
            option.display_name = f"{option.category_id.name}: {option.name}"


class XeroMappingTracking(models.Model):
    _inherit = "xero.mapping"

    analytic_split = fields.Selection(
        [("error", "Refuse the document"), ("largest", "Send the largest share")],
        string="Split Analytic Lines", default="error", required=True,
        help="Xero takes one option per tracking category on a line. A line whose analytic distribution "
             "splits one plan over several accounts is refused with a message, or sent with the account "
             "of the largest share.")


class XeroSyncLogTracking(models.Model):
    _inherit = "xero.sync.log"

    entity = fields.Selection(selection_add=[("tracking", "Tracking Categories")], ondelete={"tracking": "cascade"})

    def _compute_name(self):
        super()._compute_name()
        for log in self.filtered(lambda l: l.entity == "tracking"):
            log.name = _("Tracking Categories: %(direction)s %(date)s", direction=_("Xero → Odoo"),
                         date=fields.Datetime.to_string(log.date_start) or "")


class XeroConnectionTracking(models.Model):
    _inherit = "xero.connection"

    tracking_category_ids = fields.One2many("xero.tracking.category", "connection_id", string="Tracking Categories",
                                            context={"active_test": False})
    tracking_option_ids = fields.One2many("xero.tracking.option", "connection_id", string="Tracking Options",
                                          context={"active_test": False})

    def action_import_tracking_categories(self):
        """Read Xero's tracking categories and options (archived ones too), map what matches by name."""
        self.ensure_one()
        self._ensure_connected()
        summary, warnings = self._run_tracking_import()
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"type": "warning" if warnings else "success",
                           "title": _("Xero tracking categories"), "message": summary,
                           "next": {"type": "ir.actions.client", "tag": "soft_reload"}}}

    def action_import_accounting_setup(self):
        result = super().action_import_accounting_setup()
        result["params"]["message"] += " " + self._run_tracking_import()[0]
        return result

    def _run_tracking_import(self):
        """``(summary, warnings)`` of an import of the tracking categories; Xero's refusal in words."""
        try:
            summary, warnings, _log = self._import_tracking_categories(self._client())
        except xc.XeroError as exc:
            raise UserError(_("Importing Xero's tracking categories failed: %(error)s", error=exc.message)) from exc
        return summary, warnings

    def action_reset_sync(self):
        self.sudo().tracking_category_ids.unlink()
        return super().action_reset_sync()

    def _import_tracking_categories(self, client):
        """Bring the tracking rows up to Xero's (by id: renames keep the mapping); returns ``(summary,
        warnings, log)``: the log of the run (a Tracking Categories run in Sync Logs), written only when
        something changed."""
        self.ensure_one()
        started = fields.Datetime.now()
        lines = []

        def note(record, action, message, state="ok"):
            lines.append({"res_model": record._name, "res_id": record.id,
                          "record_name": record.display_name, "xero_id": record.xero_id, "action": action,
                          "state": state, "message": message})

        Category = self.env["xero.tracking.category"].with_context(active_test=False)
        Option = self.env["xero.tracking.option"].with_context(active_test=False)
        categories = {c.xero_id: c for c in Category.search([("connection_id", "=", self.id)])}
        seen_categories, seen_options = set(), set()

        def upsert(Model, existing, seen, given, id_key, **parent):
            """The category or option ``given`` by Xero: its copy updated, or created with ``parent``."""
            xero_id = given[id_key]
            seen.add(xero_id)
            values = {"name": given.get("Name") or xero_id, "status": given.get("Status") or "ACTIVE"}
            record = existing.get(xero_id)
            if record:
                self._tracking_changed(record, values, note)
            else:
                record = Model.create(dict(values, xero_id=xero_id, **parent))
                note(record, "create", _("Imported from Xero."))
            return record

        data = client.iter_all("TrackingCategories", include_archived=True)
        for given in data:
            category = upsert(Category, categories, seen_categories, given, "TrackingCategoryID",
                              connection_id=self.id)
            options = {o.xero_id: o for o in category.option_ids}
            for opt in given.get("Options") or []:
                upsert(Option, options, seen_options, opt, "TrackingOptionID", category_id=category.id)
        for record in list(categories.values()) + list(Option.search([("connection_id", "=", self.id)])):
            seen = seen_categories if record._name == "xero.tracking.category" else seen_options
            if record.xero_id not in seen and record.status != "DELETED":
                self._tracking_changed(record, {"status": "DELETED"}, note)
        self.invalidate_recordset(["tracking_category_ids", "tracking_option_ids"])
        before = len(self.tracking_option_ids.filtered("analytic_account_id"))
        self.tracking_category_ids._auto_map_plans()
        self.tracking_category_ids.filtered("plan_id")._auto_map_options()
        mapped = len(self.tracking_option_ids.filtered("analytic_account_id")) - before
        active = self.tracking_category_ids.filtered(lambda c: c.status == "ACTIVE")
        warnings = sum(line["state"] == "warning" for line in lines)
        summary = _("%(categories)s tracking categories (%(active)s active; Xero allows at most two active "
                    "ones) and %(options)s options read from Xero; %(mapped)s options mapped automatically; "
                    "%(warnings)s mapped options archived or deleted in Xero.",
                    categories=len(seen_categories), active=len(active), options=len(seen_options),
                    mapped=mapped, warnings=warnings)
        log = self.env["xero.sync.log"].sudo()
        if lines:
            log = log.create({
                "connection_id": self.id, "entity": "tracking", "direction": "import", "trigger": "manual",
                "date_start": started, "count_total": len(lines),
                "count_created": sum(line["action"] == "create" for line in lines),
                "count_updated": sum(line["action"] in ("update", "archive") for line in lines),
                "count_warning": warnings, "api_calls": client.calls,
                "line_ids": [fields.Command.create(line) for line in lines]})
            log._finish(summary)
        return summary, warnings, log

    def _tracking_changed(self, record, values, note):
        """Apply Xero's name/status to a category or option row and say what changed."""
        changed = {k: v for k, v in values.items() if record[k] != v}
        if not changed:
            return
        old_name, old_status = record.name, record.status
        record.write(changed)
        mapped = (record.plan_id if record._name == "xero.tracking.category" else record.analytic_account_id).sudo()
        if "name" in changed:
            note(record, "update", _("Renamed in Xero from '%(old)s' to '%(new)s'; the mapping is kept.",
                                     old=old_name, new=record.name))
        if "status" in changed:
            if record.status == "DELETED":
                message = _("Deleted in Xero.") if not mapped else _(
                    "Deleted in Xero: %(odoo)s is mapped to it, so documents using it cannot go to Xero any more; "
                    "map it to another one.", odoo=mapped.display_name)
            elif record.status == "ARCHIVED":
                message = _("Archived in Xero.") if not mapped else _(
                    "Archived in Xero: still mapped to %(odoo)s, but Xero refuses it on new documents.",
                    odoo=mapped.display_name)
            else:
                message = _("Active again in Xero (was %(old)s).", old=old_status.lower())
            note(record, "archive" if record.status != "ACTIVE" else "update", message,
                 "warning" if mapped and record.status != "ACTIVE" else "ok")

    # ------------------------------------------------------------------ for the document mappers
    def _xero_line_tracking(self, distribution, line_label, largest=False, new_document=True):
        """Xero's ``Tracking`` of a line whose analytic distribution is ``distribution`` (raises
        MappingError when it cannot be said in Xero); plans mapped to no category are left out."""
        self.ensure_one()
        if not distribution:
            return []
        categories = self.tracking_category_ids.filtered("plan_id")
        if not categories:
            return []
        # the line's distribution is the document's data: read for whoever (or whichever cron) sends it
        Account = self.env["account.analytic.account"].sudo().with_context(active_test=False)
        shares = {}  # category -> {account: percentage}
        for key, percentage in distribution.items():
            for account in Account.browse([int(i) for i in str(key).split(",") if i.strip().isdigit()]):
                category = categories.filtered(lambda c, a=account: c.plan_id == a.root_plan_id)[:1]
                if category:
                    per_account = shares.setdefault(category, {})
                    per_account[account] = per_account.get(account, 0.0) + float(percentage or 0.0)
        tracking = []
        for category, per_account in shares.items():
            if len(per_account) > 1 and not largest:
                raise MappingError(_(
                    "Line '%(line)s' splits the analytic plan %(plan)s over %(accounts)s; Xero takes one option "
                    "per tracking category on a line. Split the line in Odoo, or choose 'Send the largest share' "
                    "for Split Analytic Lines on the sync rules.", line=line_label, plan=category.plan_id.name,
                    accounts=", ".join(f"{a.name} ({p:g} %)" for a, p in per_account.items())))
            account = max(per_account, key=lambda a: (per_account[a], -a.id))
            option = category.option_ids.filtered(lambda o, a=account: o.analytic_account_id == a)[:1]
            if not option:
                raise MappingError(_(
                    "The analytic account %(account)s (line '%(line)s') is not mapped to an option of the Xero "
                    "tracking category %(category)s. Map it in Xero › Configuration › Tracking Categories.",
                    account=account.name, line=line_label, category=category.name))
            if option.status == "DELETED" or category.status == "DELETED":
                raise MappingError(_(
                    "The Xero tracking option %(option)s that %(account)s is mapped to was deleted in Xero. Map "
                    "%(account)s to another option in Xero › Configuration › Tracking Categories.",
                    option=option.display_name, account=account.name))
            if new_document and (option.status == "ARCHIVED" or category.status == "ARCHIVED"):
                raise MappingError(_(
                    "The Xero tracking option %(option)s that %(account)s is mapped to is archived in Xero, and "
                    "Xero refuses archived options on new documents. Restore it in Xero, or map %(account)s to an "
                    "active option.", option=option.display_name, account=account.name))
            tracking.append({"TrackingCategoryID": category.xero_id, "TrackingOptionID": option.xero_id})
        return tracking

    def _tracked_distribution(self, distribution):
        """The part of ``distribution`` that Xero's tracking carries (accounts mapped to options)."""
        self.ensure_one()
        if not distribution:
            return {}
        mapped = {str(i) for i in self.tracking_option_ids.filtered("category_id.plan_id").analytic_account_id.ids}
        return {k: v for k, v in distribution.items() if k in mapped}

    def _tracking_unknown(self, tracking):
        """True when a Xero line's tracking names a category or option this connection has no row of."""
        self.ensure_one()
        known = set(self.tracking_category_ids.mapped("xero_id")) | set(self.tracking_option_ids.mapped("xero_id"))
        return any(entry.get(key) and entry[key] not in known
                   for entry in tracking for key in ("TrackingCategoryID", "TrackingOptionID"))

    def _odoo_distribution(self, tracking):
        """The analytic distribution (100 % on each mapped account) of a Xero line's ``Tracking``."""
        self.ensure_one()
        distribution = {}
        for entry in tracking or []:
            category = self.tracking_category_ids.filtered(lambda c: c.xero_id == entry.get("TrackingCategoryID"))
            if not category.plan_id:
                continue  # a category mapped to no plan: left out, as on the way to Xero
            option = category.option_ids.filtered(lambda o: o.xero_id == entry.get("TrackingOptionID"))[:1]
            if not option.analytic_account_id:
                raise MappingError(_(
                    "Xero's tracking option '%(option)s' of %(category)s is not mapped to an Odoo analytic account. "
                    "Import the tracking categories and map it in Xero › Configuration › Tracking Categories.",
                    option=entry.get("Option") or entry.get("TrackingOptionID"), category=category.name))
            distribution[str(option.analytic_account_id.id)] = 100.0
        return distribution
