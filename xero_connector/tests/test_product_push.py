from odoo.tests import tagged

from .common import ConnectedXeroCase


@tagged("post_install", "-at_install")
class TestProductPush(ConnectedXeroCase):

    def _product(self, name, **values):
        product = self.env["product.product"].create(dict(values, name=name))
        product.xero_allow_sync = True
        return product

    def _items(self):
        return self.sandbox.records(self.tenant_id, "Items")

    def test_push_create_update_noop(self):
        desk = self._product("Office Desk", default_code="DESK-01", list_price=250.0, standard_price=120.5,
                             description_sale="Oak desk, 160 cm")
        desk.action_xero_sync()
        desk.invalidate_recordset()
        self.assertEqual(desk.xero_sync_state, "synced")
        item = next(i for i in self._items() if i["ItemID"] == desk.xero_id)
        self.assertEqual((item["Code"], item["Name"], item["Description"]),
                         ("DESK-01", "Office Desk", "Oak desk, 160 cm"))
        self.assertEqual(item["SalesDetails"]["UnitPrice"], 250.0)
        self.assertEqual(item["PurchaseDetails"]["UnitPrice"], 120.5)
        self.assertTrue(item["IsSold"] and item["IsPurchased"])
        self.assertIn(f"/Accounts/Inventory/{desk.xero_id}", desk.xero_url)

        seq = self.sandbox.last_seq()
        desk.action_xero_sync()
        self.assertFalse(self.api_requests(seq))

        desk.lst_price = 275.0
        self.assertTrue(desk.xero_binding_ids.need_sync)
        desk.action_xero_sync()
        self.assertEqual(self._items()[0]["SalesDetails"]["UnitPrice"], 275.0)
        self.assertEqual(len(self._items()), 1)

    def test_template_form_fields_follow_the_variant(self):
        template = self.env["product.template"].create({"name": "Chair", "default_code": "CHAIR"})
        self.assertEqual(template.xero_sync_state, "not_synced")
        template.xero_allow_sync = True
        self.assertTrue(template.product_variant_id.xero_allow_sync)
        template.action_xero_sync()
        template.invalidate_recordset()
        self.assertEqual(template.xero_sync_state, "synced")
        self.assertEqual(template.xero_id, template.product_variant_id.xero_id)

    def test_bad_products_get_clear_errors_others_sync(self):
        good = self._product("Good Lamp", default_code="LAMP")
        no_code = self._product("Mystery Box")
        long_name = self._product("A product name that is much longer than fifty characters in all",
                                  default_code="LONG")
        products = good | no_code | long_name
        seq = self.sandbox.last_seq()
        products.action_xero_sync()
        products.invalidate_recordset()
        self.assertEqual(good.xero_sync_state, "synced")
        self.assertEqual(no_code.xero_sync_state, "error")
        self.assertEqual(no_code.xero_last_error,
                         "Product 'Mystery Box' has no Internal Reference; Xero needs an item code.")
        self.assertEqual(long_name.xero_sync_state, "error")
        self.assertIn("Xero allows 50", long_name.xero_last_error)
        writes = self.api_requests(seq, method="PUT", path="/Items$")
        self.assertEqual([[i["Code"] for i in w["body"]["Items"]] for w in writes], [["LAMP"]])
        self.assertEqual([i["Code"] for i in self._items()], ["LAMP"])

    def test_existing_code_in_xero_is_linked_not_duplicated(self):
        seeded = self.sandbox.seed(self.tenant_id, "Items", [{"Code": "PEN", "Name": "Old pen name"}])
        pen = self._product("Blue Pen", default_code="PEN", list_price=2.5)
        pen.action_xero_sync()
        pen.invalidate_recordset()
        self.assertEqual(pen.xero_id, seeded["Items"][0]["ItemID"])
        items = self._items()
        self.assertEqual(len(items), 1)
        self.assertEqual(items[0]["Name"], "Blue Pen")
