from odoo import api, fields, models


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "xero.sync.mixin"]

    def init(self):
        super().init()
        # Xero matching looks partners up by these, case-insensitively (services/mappers.py)
        for column in ("name", "ref", "vat"):
            self.env.cr.execute(f"CREATE INDEX IF NOT EXISTS res_partner_xero_lower_{column}_idx "
                                f"ON res_partner (lower({column}))")
    _xero_entity = "contact"

    xero_is_customer = fields.Boolean("Customer in Xero", compute="_compute_xero_roles")
    xero_is_supplier = fields.Boolean("Supplier in Xero", compute="_compute_xero_roles")

    @api.depends("xero_binding_ids.is_customer", "xero_binding_ids.is_supplier")
    @api.depends_context("company")
    def _compute_xero_roles(self):
        bindings = self._xero_bindings()
        for partner in self:
            binding = bindings.get(partner.id)
            partner.xero_is_customer = bool(binding and binding.is_customer)
            partner.xero_is_supplier = bool(binding and binding.is_supplier)

    @api.model
    def _xero_push_targets(self, records):
        # A person working for a company is one of its ContactPersons in Xero,
        # and an invoice/delivery address one of its Addresses.
        # one field read, not every column of every partner (a push may name 100,000 of them)
        return records.with_context(prefetch_fields=False).mapped("commercial_partner_id").with_env(records.env)

    @api.model
    def _xero_deep_link_path(self, xero_id):
        return f"/Contacts/View/{xero_id}"


class ResPartnerCategory(models.Model):
    """A partner tag: a Xero contact group (services/group_mapper.py)."""

    _name = "res.partner.category"
    _inherit = ["res.partner.category", "xero.sync.mixin"]
    _xero_entity = "contact_group"

    @api.model
    def _xero_deep_link_path(self, xero_id):
        return False  # Xero documents no web address for a contact group
