from odoo import api, models


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "xero.sync.mixin"]
    _xero_entity = "contact"

    @api.model
    def _xero_push_targets(self, records):
        # A person working for a company is one of its ContactPersons in Xero,
        # and an invoice/delivery address one of its Addresses.
        return records.mapped("commercial_partner_id")

    @api.model
    def _xero_deep_link_path(self, xero_id):
        return f"/Contacts/View/{xero_id}"
