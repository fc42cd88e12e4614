"""What syncs, and how: one record per connection and entity.

It chooses the records that go to Xero (all, ticked, or by status, plus an
optional domain), how Xero's records come back (import modes, archived
records), and carries the editable field mapping lines that the engine
applies on top of the entity's built-in mapper.
"""

import ast

from odoo import _, api, fields, models, tools
from odoo.exceptions import ValidationError
from odoo.osv import expression

from ..services import xero_client as xc
from ..services.mappers import MAPPERS, TRANSFORMS, MappingLine
from .xero_sync_log import ENTITIES

SELECT_MODES = [
    ("all", "All records"),
    ("ticked", "Records with 'Allow Xero Sync' ticked"),
    ("status", "Records in the chosen statuses"),
]
IMPORT_MODES = [
    ("import", "Import (create missing only)"),
    ("import_update", "Import & Update"),
    ("update", "Update (linked records only)"),
]
ARCHIVED_ACTIONS = [
    ("archive", "Archive the Odoo record"),
    ("flag", "Keep it active, show it as archived in Xero"),
    ("ignore", "Ignore"),
]
DIRECTIONS = [("to_xero", "Odoo → Xero"), ("from_xero", "Xero → Odoo"), ("both", "Both ways")]
# Odoo field types a mapping line can carry.
LINE_FIELD_TYPES = ("char", "text", "html", "integer", "float", "monetary", "boolean", "selection",
                    "date", "datetime")


class XeroSyncStatus(models.Model):
    """A status a user can pick to choose the records that sync (per entity)."""

    _name = "xero.sync.status"
    _description = "Xero Sync Status"
    _order = "entity, sequence, id"

    entity = fields.Selection(ENTITIES, required=True)
    code = fields.Char(required=True)
    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)

    _sql_constraints = [("code_uniq", "unique(entity, code)", "A status code is unique per entity.")]


class XeroMapping(models.Model):
    _name = "xero.mapping"
    _description = "Xero Sync Rules and Field Mapping"
    _order = "connection_id, entity"
    _rec_name = "entity"

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True)
    entity = fields.Selection(ENTITIES, required=True, readonly=True)
    model_name = fields.Char(compute="_compute_model_name", store=True)

    # -- what goes to Xero -------------------------------------------------
    select_mode = fields.Selection(
        SELECT_MODES, string="Send to Xero", required=True, default="ticked",
        help="Which records a full push sends.  'Sync to Xero' on records with "
             "'Allow Xero Sync' ticked always sends them.")
    status_ids = fields.Many2many(
        "xero.sync.status", string="Statuses", domain="[('entity', '=', entity)]",
        help="With 'Records in the chosen statuses': the statuses that sync.")
    domain = fields.Char(
        "Extra Filter", default="[]",
        help="An Odoo domain the records must also match (advanced).")
    default_allow_sync = fields.Boolean(
        "Tick 'Allow Xero Sync' on new records",
        help="New records of this kind start with 'Allow Xero Sync' ticked.")

    post_status = fields.Selection(
        [("AUTHORISED", "Approved (AUTHORISED)"), ("SUBMITTED", "Awaiting approval (SUBMITTED)"),
         ("DRAFT", "Draft")], string="Posted Documents Go As", default="AUTHORISED",
        help="The Xero status of documents posted in Odoo.")

    # -- files (invoices & bills, credit notes, purchase orders) -------------------
    send_pdf = fields.Boolean(
        "Send the PDF",
        help="After the document is in Xero, attach its PDF: the one Odoo stored when the invoice was sent "
             "or printed (Send & Print), else Odoo's report rendered then. Sales invoices and credit notes "
             "show it to the customer on Xero's online invoice. Each file goes once.")
    send_attachments = fields.Boolean(
        "Send Attachments",
        help="After the document is in Xero, attach the files attached to it in Odoo (its chatter). Each "
             "file goes once; a changed file goes again. Xero takes at most 10 files of 10 MB a document.")
    import_attachments = fields.Boolean(
        "Attachments From Xero",
        help="On import, files added to the document in Xero (e.g. a bill's receipt) are posted in its "
             "chatter, each once.")
    journal_ids = fields.Many2many(
        "account.journal", string="Journals", domain="[('company_id', '=', company_id)]",
        help="Manual journals: the Odoo journals whose entries go to Xero as manual journals. Empty: the "
             "miscellaneous journals (not the exchange difference journal).")
    import_journal_id = fields.Many2one(
        "account.journal", string="Import Into", domain="[('company_id', '=', company_id), ('type', '=', 'general')]",
        help="Manual journals: the journal Xero's manual journals are imported into. Empty: the first "
             "miscellaneous journal.")

    # -- what comes back ------------------------------------------------------
    import_mode = fields.Selection(IMPORT_MODES, required=True, default="import_update")
    archived_action = fields.Selection(
        ARCHIVED_ACTIONS, string="Archived in Xero", required=True, default="archive",
        help="What happens to the linked Odoo record when its Xero record is archived (or, for "
             "items, deleted).")
    last_import_date = fields.Datetime(
        "Imported Up To", copy=False,
        help="Xero changes up to this moment have been read; the next import asks for later ones.")

    line_ids = fields.One2many("xero.mapping.line", "mapping_id", string="Field Mapping", copy=True)

    _sql_constraints = [("entity_uniq", "unique(connection_id, entity)",
                         "One mapping per connection and entity.")]

    @api.depends("entity")
    def _compute_model_name(self):
        for mapping in self:
            mapping.model_name = MAPPERS[mapping.entity].model if mapping.entity else False

    @api.constrains("domain")
    def _check_domain(self):
        for mapping in self:
            try:
                domain = ast.literal_eval(mapping.domain or "[]")
                self.env[mapping.model_name].with_context(active_test=False).search_count(domain, limit=1)
            except Exception as exc:  # noqa: BLE001 - any mistake in the text is the user's to fix
                raise ValidationError(_("The extra filter of %(entity)s is not a valid Odoo domain: %(error)s",
                                        entity=mapping._entity_label(), error=exc)) from exc

    @api.depends("entity")
    def _compute_display_name(self):
        for mapping in self:
            mapping.display_name = mapping._entity_label()

    def _entity_label(self):
        return dict(self._fields["entity"]._description_selection(self.env)).get(self.entity, self.entity)

    # ------------------------------------------------------------------
    @api.model
    def _for(self, connection, entity):
        """The connection's mapping of ``entity``, created with the defaults when missing."""
        mapping = self.sudo().search([("connection_id", "=", connection.id), ("entity", "=", entity)])
        if not mapping:
            mapping = self.sudo().create({"connection_id": connection.id, "entity": entity})
            mapping._reset_lines()
        return mapping

    @api.model
    def _ensure_all(self, connection):
        return self.browse([self._for(connection, entity).id for entity, _label in ENTITIES if entity in MAPPERS])

    def _reset_lines(self):
        for mapping in self:
            mapper = MAPPERS[mapping.entity]
            fields_by_name = {f.name: f for f in self.env["ir.model.fields"].sudo().search([
                ("model", "=", mapper.model), ("name", "in", [line[0] for line in mapper.default_lines])])}
            mapping.line_ids.unlink()
            mapping.line_ids = [fields.Command.create({
                "sequence": index, "field_id": fields_by_name[field].id, "xero_field": key,
                "direction": direction, "transform": transform or "none", "transform_arg": arg or False,
            }) for index, (field, key, direction, transform, arg) in enumerate(mapper.default_lines)]
            default_statuses = self.env["xero.sync.status"].search(
                [("entity", "=", mapping.entity), ("code", "in", mapper.default_statuses)])
            mapping.status_ids = default_statuses

    def action_reset_defaults(self):
        self._reset_lines()
        return True

    def _lines(self, direction):
        """The mapping lines as plain objects for the engine (``to_xero`` or ``from_xero``)."""
        self.ensure_one()
        return [MappingLine(line.field_id.name, line.field_id.ttype, line.xero_field, line.transform,
                            line.transform_arg, line.field_id.size or 0)
                for line in self.line_ids.sorted("sequence")
                if line.active and line.direction in (direction, "both")]

    @api.model
    @tools.ormcache("model_name")
    def _mapped_field_names(self, model_name):
        """Every Odoo field some mapping line sends to Xero (changes make records stale)."""
        lines = self.env["xero.mapping.line"].sudo().search([
            ("mapping_id.model_name", "=", model_name), ("direction", "in", ("to_xero", "both")),
            ("active", "=", True)])
        return frozenset(lines.field_id.mapped("name"))

    # ------------------------------------------------------------------
    def _selection_domain(self):
        """The domain of records a full push sends (without the per-record tick)."""
        self.ensure_one()
        mapper = MAPPERS[self.entity]
        domain = expression.AND([mapper.base_domain(), mapper.rule_domain(self), ast.literal_eval(self.domain or "[]")])
        if self.select_mode == "ticked":
            domain = expression.AND([domain, [("xero_allow_sync", "=", True)]])
        elif self.select_mode == "status":
            codes = self.status_ids.mapped("code")
            if not codes:
                return expression.FALSE_DOMAIN
            domain = expression.AND([domain, mapper.status_domain(codes)])
        return domain

    def _selected_records(self, records=None):
        """The records (of ``records``, or of the whole company) that this mapping sends."""
        self.ensure_one()
        Model = self.env[self.model_name].with_context(active_test=False)
        domain = self._selection_domain()
        if records is not None:
            domain = expression.AND([domain, [("id", "in", records.ids)]])
        company = self.connection_id.company_id
        if "company_id" in Model._fields:
            domain = expression.AND([domain, [("company_id", "in", (False, company.id))]])
        return Model.with_company(company).search(domain)

    def action_push(self):
        self.ensure_one()
        records = self._selected_records()
        return self.connection_id._run_and_show(lambda engine: engine.push(self.entity, records))

    def action_import(self):
        self.ensure_one()
        return self.connection_id._run_and_show(lambda engine: engine.pull(self.entity, self))

    def action_import_full(self):
        """Re-read every Xero record (not only the changes) and apply it again."""
        self.ensure_one()
        return self.connection_id._run_and_show(lambda engine: engine.pull(self.entity, self, full=True))

    def action_fetch_match(self):
        self.ensure_one()
        return self.connection_id._run_and_show(lambda engine: engine.fetch_and_match(self.entity, self))


class XeroMappingLine(models.Model):
    _name = "xero.mapping.line"
    _description = "Xero Field Mapping Line"
    _order = "mapping_id, sequence, id"

    mapping_id = fields.Many2one("xero.mapping", required=True, ondelete="cascade", index=True)
    entity = fields.Selection(related="mapping_id.entity")
    model_name = fields.Char(related="mapping_id.model_name")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    field_id = fields.Many2one(
        "ir.model.fields", string="Odoo Field", required=True, ondelete="cascade",
        domain="[('model', '=', model_name), ('ttype', 'in', %s), '|', ('store', '=', True), ('readonly', '=', False)]"
        % (list(LINE_FIELD_TYPES),))
    xero_field = fields.Char(
        "Xero Field", required=True,
        help="The field's name in Xero's API, e.g. Name, EmailAddress, SalesDetails.UnitPrice.")
    direction = fields.Selection(DIRECTIONS, required=True, default="both")
    transform = fields.Selection(TRANSFORMS, required=True, default="none")
    transform_arg = fields.Char(
        "Transform Value", help="The length for 'Truncate', the value for 'Default value'.")

    @api.constrains("field_id", "xero_field", "transform", "transform_arg", "mapping_id")
    def _check_fields(self):
        for line in self:
            mapper = MAPPERS[line.mapping_id.entity]
            if line.field_id.model != mapper.model:
                raise ValidationError(_("The field %(field)s is not a field of %(model)s.",
                                        field=line.field_id.name, model=mapper.model))
            if line.field_id.ttype not in LINE_FIELD_TYPES or (line.field_id.readonly and not line.field_id.store):
                raise ValidationError(_(
                    "The Odoo field '%(field)s' cannot be mapped: only stored or writable fields of simple "
                    "types (text, number, yes/no, selection, date) can.", field=line.field_id.field_description))
            known = xc.field_types(mapper.entity)
            if line.xero_field not in known:
                raise ValidationError(_(
                    "Xero's %(entity)s have no field '%(field)s'. Check the spelling (case matters), "
                    "e.g. %(examples)s.", entity=mapper.entity, field=line.xero_field,
                    examples=", ".join(sorted(known)[:6])))
            if line.xero_field in mapper.reserved_keys:
                raise ValidationError(_(
                    "'%(field)s' is managed by the connector itself and cannot be remapped.",
                    field=line.xero_field))
            if line.transform == "truncate" and not (line.transform_arg or "").strip().isdigit():
                raise ValidationError(_("'Truncate' needs a length (a whole number) as its value."))

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        self.env.registry.clear_cache()
        return lines

    def write(self, vals):
        result = super().write(vals)
        self.env.registry.clear_cache()
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()
        return result
