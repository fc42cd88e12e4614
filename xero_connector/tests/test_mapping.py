"""Field mapping templates and sync rules: custom fields, validation, defaults, selection."""

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from ..services.engine import SyncEngine
from .common import ConnectedXeroCase


@tagged("post_install", "-at_install")
class TestCustomFieldMapping(ConnectedXeroCase):
    """A custom x_ field mapped to a Xero field round-trips."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.model.fields"].create({
            "model_id": cls.env.ref("base.model_res_partner").id, "name": "x_xero_account_no",
            "field_description": "Xero Account No", "ttype": "char", "state": "manual", "size": 0,
        })
        cls.mapping = cls.env["xero.mapping"]._for(cls.connection, "contact")
        cls.field = cls.env["ir.model.fields"]._get("res.partner", "x_xero_account_no")
        cls.mapping.line_ids = [(0, 0, {"field_id": cls.field.id, "xero_field": "AccountNumber",
                                        "direction": "both", "transform": "upper"})]

    def test_custom_field_round_trip(self):
        partner = self.make_partner("Custom Field Co", is_company=True, x_xero_account_no="acc-77")
        partner.action_xero_sync()
        [contact] = self.xero_contacts()
        self.assertEqual(contact["AccountNumber"], "ACC-77")  # the 'upper' transform applied
        # an edit of the custom field makes the contact stale
        partner.x_xero_account_no = "acc-78"
        self.assertTrue(partner.xero_binding_ids.need_sync)
        partner.action_xero_sync()
        self.assertEqual(self.xero_contacts()[0]["AccountNumber"], "ACC-78")
        # and Xero's change comes back into it
        self.sandbox.advance(5)
        self.connection._client().write("Contacts", [{"ContactID": partner.xero_id, "AccountNumber": "XERO-9"}],
                                        create=False, idempotency_key="acc-xero-9")
        log = SyncEngine(self.connection, trigger="manual").pull("contact")
        self.assertEqual(log.count_updated, 1)
        self.assertEqual(partner.x_xero_account_no, "XERO-9")
        # a line turned off stops carrying it
        self.mapping.line_ids.filtered(lambda l: l.field_id == self.field).active = False
        partner.x_xero_account_no = "not-sent"
        partner.action_xero_sync()
        self.assertEqual(self.xero_contacts()[0]["AccountNumber"], "XERO-9")

    def test_reset_to_defaults_drops_custom_lines(self):
        self.mapping.line_ids.filtered(lambda l: l.xero_field == "EmailAddress").unlink()
        self.mapping.action_reset_defaults()
        self.assertEqual(sorted(self.mapping.line_ids.mapped("xero_field")),
                         ["ContactNumber", "EmailAddress", "TaxNumber", "Website"])
        self.assertFalse(self.mapping.line_ids.filtered(lambda l: l.field_id == self.field))


@tagged("post_install", "-at_install")
class TestMappingRules(ConnectedXeroCase):

    def setUp(self):
        super().setUp()
        self.mapping = self.env["xero.mapping"]._for(self.connection, "contact")
        self.product_mapping = self.env["xero.mapping"]._for(self.connection, "product")

    def field(self, model, name):
        return self.env["ir.model.fields"]._get(model, name)

    def add_line(self, mapping, field, xero_field, **values):
        mapping.line_ids = [(0, 0, dict(values, field_id=field.id, xero_field=xero_field))]

    # ------------------------------------------------------------------ defaults
    def test_every_connection_gets_shipped_defaults(self):
        mappings = self.env["xero.mapping"]._ensure_all(self.connection)
        self.assertEqual(sorted(mappings.mapped("entity")),
                         ["allocation", "contact", "contact_group", "credit_note", "invoice", "manual_journal",
                          "overpayment", "payment", "product", "purchase_order", "receipt"])
        lines = {(l.field_id.name, l.xero_field, l.direction) for l in self.product_mapping.line_ids}
        self.assertNotIn("Code", {line[1] for line in lines})  # the item code is the connector's own
        self.assertIn(("standard_price", "PurchaseDetails.UnitPrice", "both"), lines)
        self.assertEqual(self.mapping.status_ids.mapped("code"), ["active"])
        self.assertEqual(self.mapping.select_mode, "ticked")

    # ------------------------------------------------------------------ validation
    def test_unknown_xero_field_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "Xero's Contacts have no field 'EmailAdress'"):
            self.add_line(self.mapping, self.field("res.partner", "comment"), "EmailAdress")

    def test_field_of_another_model_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "is not a field of res.partner"):
            self.add_line(self.mapping, self.field("product.product", "barcode"), "AccountNumber")

    def test_computed_readonly_field_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "cannot be mapped"):
            self.add_line(self.mapping, self.field("res.partner", "display_name"), "AccountNumber")

    def test_reserved_field_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "managed by the connector"):
            self.add_line(self.mapping, self.field("res.partner", "comment"), "Name")

    def test_truncate_needs_a_length(self):
        with self.assertRaisesRegex(ValidationError, "needs a length"):
            self.add_line(self.mapping, self.field("res.partner", "comment"), "AccountNumber",
                          transform="truncate", transform_arg="ten")

    def test_bad_extra_filter_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "not a valid Odoo domain"):
            self.mapping.domain = "[('no_such_field', '=', 1)]"

    def test_default_value_transform(self):
        self.add_line(self.mapping, self.field("res.partner", "comment"), "AccountNumber",
                      direction="to_xero", transform="default", transform_arg="NO-ACCOUNT")
        partner = self.make_partner("Default Value Co", is_company=True)
        partner.action_xero_sync()
        self.assertEqual(self.xero_contacts()[0]["AccountNumber"], "NO-ACCOUNT")

    # ------------------------------------------------------------------ choosing what syncs
    def test_selection_modes(self):
        ticked = self.make_partner("Sel Ticked", is_company=True)
        plain = self.env["res.partner"].create({"name": "Sel Plain", "is_company": True})
        archived = self.env["res.partner"].create({"name": "Sel Archived", "is_company": True, "active": False})
        mine = ticked | plain | archived
        self.mapping.domain = "[('name', '=like', 'Sel %')]"

        self.mapping.select_mode = "ticked"
        self.assertEqual(self.mapping._selected_records(), ticked)
        self.mapping.select_mode = "all"
        self.assertEqual(self.mapping._selected_records(), mine)
        self.mapping.select_mode = "status"
        self.assertEqual(self.mapping._selected_records(), ticked | plain)  # default: active only
        self.mapping.status_ids = self.env["xero.sync.status"].search(
            [("entity", "=", "contact"), ("code", "=", "archived")])
        self.assertEqual(self.mapping._selected_records(), archived)
        self.mapping.status_ids = False
        self.assertFalse(self.mapping._selected_records())

    def test_push_all_follows_the_rules(self):
        self.make_partner("Rule Ticked", is_company=True)
        self.env["res.partner"].create({"name": "Rule Plain", "is_company": True})
        self.mapping.domain = "[('name', '=like', 'Rule %')]"
        self.mapping.select_mode = "ticked"
        self.mapping.action_push()
        self.assertEqual([c["Name"] for c in self.xero_contacts()], ["Rule Ticked"])
        self.mapping.select_mode = "all"
        self.mapping.action_push()
        self.assertEqual(sorted(c["Name"] for c in self.xero_contacts()), ["Rule Plain", "Rule Ticked"])

    def test_button_sends_ticked_records_or_the_ones_the_rules_select(self):
        plain = self.env["res.partner"].create({"name": "Button Plain", "is_company": True})
        with self.assertRaisesRegex(UserError, "Tick 'Allow Xero Sync'"):
            plain.action_xero_sync()
        self.mapping.select_mode = "status"  # active contacts sync without the tick
        plain.action_xero_sync()
        self.assertEqual([c["Name"] for c in self.xero_contacts()], ["Button Plain"])
        # the tick wins even when the rules would leave the record out
        self.mapping.domain = "[('id', '=', 0)]"
        ticked = self.make_partner("Button Ticked", is_company=True)
        ticked.action_xero_sync()
        self.assertIn("Button Ticked", [c["Name"] for c in self.xero_contacts()])

    def test_default_tick_on_new_records(self):
        self.assertFalse(self.env["res.partner"].create({"name": "No Tick"}).xero_allow_sync)
        self.mapping.default_allow_sync = True
        self.assertTrue(self.env["res.partner"].create({"name": "Ticked By Default"}).xero_allow_sync)
        self.assertFalse(self.env["product.product"].create({"name": "Product not ticked"}).xero_allow_sync)

    def test_two_hundred_contacts_use_at_most_five_write_calls(self):
        partners = self.env["res.partner"].create([
            {"name": f"Bulk Contact {i:03d}", "is_company": True, "email": f"bulk{i}@example.com"}
            for i in range(200)])
        self.mapping.write({"select_mode": "all", "domain": "[('name', '=like', 'Bulk Contact %')]"})
        seq = self.sandbox.last_seq()
        self.mapping.action_push()
        writes = [r for r in self.api_requests(seq) if r["method"] in ("PUT", "POST")]
        self.assertLessEqual(len(writes), 5)
        self.assertEqual(len(self.xero_contacts()), 200)
        self.assertEqual(set(partners.mapped("xero_sync_state")), {"synced"})
