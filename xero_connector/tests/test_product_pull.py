"""Xero Items <-> Odoo products: import, matching by code, deletions, archive, transforms."""

from odoo.tests import tagged

from ..services.engine import SyncEngine
from .common import ConnectedXeroCase


@tagged("post_install", "-at_install")
class TestProductPull(ConnectedXeroCase):

    def setUp(self):
        super().setUp()
        self.mapping = self.env["xero.mapping"]._for(self.connection, "product")
        self.Product = self.env["product.product"].with_context(active_test=False)

    def seed(self, *items):
        return self.sandbox.seed(self.tenant_id, "Items", list(items))["Items"]

    def pull(self, mode=None):
        if mode:
            self.mapping.import_mode = mode
        return SyncEngine(self.connection, trigger="manual").pull("product")

    def product_of(self, item_id):
        binding = self.env["xero.binding"].search([("connection_id", "=", self.connection.id),
                                                   ("res_model", "=", "product.product"),
                                                   ("xero_id", "=", item_id)])
        return self.Product.browse(binding.res_id)

    def items(self):
        return self.sandbox.records(self.tenant_id, "Items")

    def test_import_creates_products_with_prices_and_usage(self):
        sold, bought = self.seed(
            {"Code": "SVC-HOUR", "Name": "Consulting hour", "Description": "One hour of advice",
             "SalesDetails": {"UnitPrice": 120.1234}, "IsPurchased": False},
            {"Code": "PAPER", "Name": "Printer paper", "PurchaseDescription": "A4, 500 sheets",
             "PurchaseDetails": {"UnitPrice": 4.5}, "IsSold": False})
        log = self.pull("import_update")
        self.assertEqual((log.count_total, log.count_created, log.count_failed), (2, 2, 0))
        hour = self.product_of(sold["ItemID"])
        self.assertEqual((hour.default_code, hour.name, hour.description_sale),
                         ("SVC-HOUR", "Consulting hour", "One hour of advice"))
        # 4 decimals came over (unitdp=4), as far as Odoo's price precision keeps them
        self.assertAlmostEqual(hour.list_price, 120.12, places=2)
        self.assertTrue(hour.sale_ok)
        self.assertFalse(hour.purchase_ok)
        paper = self.product_of(bought["ItemID"])
        self.assertEqual(paper.description_purchase, "A4, 500 sheets")
        self.assertEqual(paper.standard_price, 4.5)
        self.assertFalse(paper.sale_ok)
        self.assertTrue(paper.purchase_ok)
        self.assertEqual(paper.xero_sync_state, "synced")

    def test_existing_product_is_linked_by_code_case_insensitively(self):
        mine = self.env["product.product"].create({"name": "Stapler (Odoo)", "default_code": "stp-1"})
        [item] = self.seed({"Code": "STP-1", "Name": "Stapler"})
        before = self.Product.search_count([])
        log = self.pull("import_update")
        self.assertEqual(self.Product.search_count([]), before)
        self.assertEqual(log.count_linked, 1)
        self.assertEqual(mine.xero_id, item["ItemID"])
        self.assertEqual(mine.name, "Stapler")

    def test_import_mode_links_without_changing_and_update_mode_updates(self):
        mine = self.env["product.product"].create({"name": "Glue (Odoo)", "default_code": "GLUE"})
        [item] = self.seed({"Code": "GLUE", "Name": "Glue stick", "SalesDetails": {"UnitPrice": 3.0}})
        self.pull("import")
        self.assertEqual(mine.xero_id, item["ItemID"])
        self.assertEqual(mine.name, "Glue (Odoo)")  # Import links, changes nothing
        self.assertEqual(mine.xero_sync_state, "pending")
        log = self.pull("update")
        self.assertEqual(log.count_updated, 1)
        self.assertEqual((mine.name, mine.list_price), ("Glue stick", 3.0))

    def test_ambiguous_codes_are_reported(self):
        self.env["product.product"].create([{"name": "Twin 1", "default_code": "TWIN"},
                                            {"name": "Twin 2", "default_code": "twin"}])
        self.seed({"Code": "TWIN", "Name": "Twin"})
        before = self.Product.search_count([])
        log = self.pull("import_update")
        self.assertEqual(self.Product.search_count([]), before)
        self.assertEqual(log.count_ambiguous, 1)
        self.assertIn("same item code", log.line_ids.filtered(lambda l: l.action == "ambiguous").message)

    def test_deleted_in_xero_archives_the_product(self):
        [item] = self.seed({"Code": "GONE", "Name": "Soon deleted"})
        self.pull()
        product = self.product_of(item["ItemID"])
        self.connection._client().delete("Items", item["ItemID"])
        self.assertFalse(self.items())
        log = self.pull()
        self.assertFalse(product.active)
        self.assertFalse(product.xero_id)
        self.assertIn("deleted in Xero", log.line_ids.message)
        # pushed again, it is created anew rather than pointing at the deleted item
        product.active = True
        product.action_xero_sync()
        self.assertEqual([i["Code"] for i in self.items()], ["GONE"])
        self.assertNotEqual(product.xero_id, item["ItemID"])

    def test_archived_product_is_neither_sold_nor_bought_in_xero(self):
        product = self.env["product.product"].create({"name": "Retired", "default_code": "OLD"})
        product.xero_allow_sync = True
        product.action_xero_sync()
        product.active = False
        self.assertTrue(product.xero_binding_ids.need_sync)
        product.action_xero_sync()
        [item] = self.items()
        self.assertEqual((item["IsSold"], item["IsPurchased"]), (False, False))

    def test_round_trip_does_not_ping_pong(self):
        self.seed({"Code": "RT", "Name": "Round trip", "SalesDetails": {"UnitPrice": 10.0}})
        self.pull()
        product = self.Product.search([("default_code", "=", "RT")])
        seq = self.sandbox.last_seq()
        product.action_xero_sync()
        self.assertFalse(self.api_requests(seq, method="POST") + self.api_requests(seq, method="PUT"))

    def test_name_truncation_transform(self):
        long_name = "An extremely long product name that Xero would never accept as is"
        product = self.env["product.product"].create({"name": long_name, "default_code": "LONGNAME"})
        product.xero_allow_sync = True
        product.action_xero_sync()
        self.assertEqual(product.xero_sync_state, "error")
        line = self.mapping.line_ids.filtered(lambda l: l.xero_field == "Name")
        line.write({"transform": "truncate", "transform_arg": "50"})
        product.action_xero_sync()
        product.invalidate_recordset()
        self.assertEqual(product.xero_sync_state, "synced")
        [item] = self.items()
        self.assertEqual(item["Name"], long_name[:50])
        # Xero's copy of what we sent is not imported back over Odoo's full name
        log = self.pull("import_update")
        self.assertEqual(log.count_updated, 0)
        self.assertEqual(product.name, long_name)
