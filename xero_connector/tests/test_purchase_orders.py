"""Purchase orders -> Xero PurchaseOrders: lines, totals, statuses, errors."""

from odoo.tests import tagged

from .accounting_common import AccountingXeroCase


@tagged("post_install", "-at_install")
class TestPurchaseOrders(AccountingXeroCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.paper = cls.env["product.product"].create({
            "name": "Printer paper", "default_code": "PAPER-A4", "purchase_ok": True,
            "property_account_expense_id": cls.expense_account.id, "supplier_taxes_id": [(6, 0, cls.purchase_tax.ids)]})

    def order(self, lines, confirm=True, **values):
        order = self.env["purchase.order"].create(dict({
            "partner_id": self.vendor.id, "partner_ref": "VQ-100",
            "order_line": [(0, 0, dict({"product_id": self.paper.id, "taxes_id": [(6, 0, self.purchase_tax.ids)]},
                                      **line)) for line in lines]}, **values))
        if confirm:
            order.button_confirm()
        order.xero_allow_sync = True
        return order

    def doc(self, order):
        return next(d for d in self.xero_documents("PurchaseOrders") if d["PurchaseOrderID"] == order.xero_id)

    def test_confirmed_order_goes_authorised_with_lines_and_totals(self):
        order = self.order([{"product_qty": 10, "price_unit": 4.35}, {"product_qty": 2.5, "price_unit": 19.99}])
        order.action_xero_sync()
        order.invalidate_recordset()
        self.assertEqual(order.xero_sync_state, "synced", order.xero_last_error)
        doc = self.doc(order)
        self.assertEqual((doc["Status"], doc["PurchaseOrderNumber"], doc["Reference"]),
                         ("AUTHORISED", order.name, "VQ-100"))
        self.assertEqual(doc["Contact"]["ContactID"], self.vendor.xero_id)
        first = doc["LineItems"][0]
        self.assertEqual((first["ItemCode"], first["Quantity"], first["UnitAmount"], first["AccountCode"],
                          first["TaxType"]), ("PAPER-A4", 10.0, 4.35, "300", "INPUT"))
        self.assertAlmostEqual(doc["Total"], order.amount_total, places=2)
        self.assertAlmostEqual(doc["TotalTax"], order.amount_tax, places=2)
        self.assertIn(f"/Accounts/Payable/PurchaseOrders/View/{order.xero_id}/", order.xero_url)
        seq = self.sandbox.last_seq()
        order.action_xero_sync()
        self.assertFalse([r for r in self.api_requests(seq) if r["method"] in ("PUT", "POST")])

    def test_rfq_then_confirmed_then_cancelled(self):
        order = self.order([{"product_qty": 1, "price_unit": 50.0}], confirm=False)
        order.action_xero_sync()
        self.assertEqual(self.doc(order)["Status"], "DRAFT")
        order.button_confirm()
        order.action_xero_sync()
        self.assertEqual(self.doc(order)["Status"], "AUTHORISED")
        order.button_cancel()
        order.action_xero_sync()
        self.assertEqual(self.doc(order)["Status"], "DELETED")

    def test_unmapped_expense_account_fails_alone(self):
        odd = self.env["account.account"].create({"code": "688888", "name": "Odd costs", "account_type": "expense"})
        gadget = self.env["product.product"].create({"name": "Gadget", "property_account_expense_id": odd.id})
        good = self.order([{"product_qty": 1, "price_unit": 10.0}])
        bad = self.order([{"product_id": gadget.id, "product_qty": 1, "price_unit": 10.0}])
        (good | bad).action_xero_sync()
        (good | bad).invalidate_recordset()
        self.assertEqual(good.xero_sync_state, "synced")
        self.assertIn("688888 Odd costs of Gadget is not mapped to a Xero account", bad.xero_last_error)
        self.assertEqual([d["PurchaseOrderID"] for d in self.xero_documents("PurchaseOrders")], [good.xero_id])
