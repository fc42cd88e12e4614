"""Purchase orders -> Xero PurchaseOrders: what test_purchase_orders.py leaves out.

Discounts (sent as Xero's DiscountRate: Xero takes them on purchase orders),
section and note lines, mixed tax kinds, the double-validation step
(SUBMITTED), an order Xero has BILLED (locked, never sent again), and which
orders the sync rules' statuses select.  Real stack: the sandbox over HTTP.
"""

from odoo.tests import new_test_user, tagged

from .accounting_common import AccountingXeroCase


@tagged("post_install", "-at_install")
class TestPurchasePush(AccountingXeroCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bolts = cls.env["product.product"].create({
            "name": "Bolts M8", "default_code": "BOLT-M8", "purchase_ok": True,
            "property_account_expense_id": cls.expense_account.id,
            "supplier_taxes_id": [(6, 0, cls.purchase_tax.ids)]})
        cls.purchase_tax_incl = cls.env["account.tax"].create({
            "name": "Xero Test Purchases 15% incl.", "amount": 15.0, "type_tax_use": "purchase",
            "price_include_override": "tax_included", "company_id": cls.env.company.id})
        cls.input.tax_ids = [(4, cls.purchase_tax_incl.id)]

    def order(self, lines, confirm=True, **values):
        commands = []
        for line in lines:
            if line.get("display_type"):
                commands.append((0, 0, {"display_type": line["display_type"], "name": line["name"],
                                        "product_qty": 0}))
                continue
            tax = line.pop("tax", self.purchase_tax)
            commands.append((0, 0, dict({"product_id": self.bolts.id, "taxes_id": [(6, 0, tax.ids)]}, **line)))
        order = self.env["purchase.order"].create(dict({"partner_id": self.vendor.id, "order_line": commands},
                                                       **values))
        if confirm:
            order.button_confirm()
        order.xero_allow_sync = True
        return order

    def doc(self, order):
        return next(d for d in self.xero_documents("PurchaseOrders") if d["PurchaseOrderID"] == order.xero_id)

    def writes_since(self, seq):
        return [r for r in self.api_requests(seq) if r["method"] in ("PUT", "POST")]

    def test_discount_goes_as_discount_rate_and_totals_match_to_the_cent(self):
        # 1000 x 33.33 less 12.5% = 29163.75; folding the discount into a 4-decimal unit price
        # (29.1638) would make Xero's line 29163.80
        order = self.order([{"product_qty": 1000, "price_unit": 33.33, "discount": 12.5},
                            {"product_qty": 3, "price_unit": 20.0}], partner_ref="Q-2231")
        order.action_xero_sync()
        order.invalidate_recordset()
        self.assertEqual(order.xero_sync_state, "synced", order.xero_last_error)
        doc = self.doc(order)
        first, second = doc["LineItems"]
        self.assertEqual((first["UnitAmount"], first["DiscountRate"], first["Quantity"]), (33.33, 12.5, 1000.0))
        self.assertEqual(first["LineAmount"], 29163.75)
        self.assertFalse(second.get("DiscountRate"))
        self.assertEqual((doc["Total"], doc["TotalTax"]), (order.amount_total, order.amount_tax))
        self.assertEqual((order.amount_untaxed, order.amount_tax), (29223.75, 4383.56))
        self.assertEqual((doc["PurchaseOrderNumber"], doc["Reference"]), (order.name, "Q-2231"))
        self.assertEqual(order.xero_number, order.name)
        # no warning about totals in the run's log
        log = self.env["xero.sync.log"].search([("entity", "=", "purchase_order")], order="id desc", limit=1)
        self.assertFalse(log.line_ids.filtered(lambda l: l.res_id == order.id and l.state == "warning"))

    def test_sections_and_notes_go_as_description_only_lines(self):
        order = self.order([{"display_type": "line_section", "name": "Hardware"},
                            {"product_qty": 2, "price_unit": 5.0},
                            {"display_type": "line_note", "name": "Deliver to the back door"}])
        order.action_xero_sync()
        doc = self.doc(order)
        self.assertEqual([ln["Description"] for ln in doc["LineItems"]][::2], ["Hardware", "Deliver to the back door"])
        section, bolts, note = doc["LineItems"]
        for text in (section, note):
            self.assertFalse(text.get("AccountCode") or text.get("ItemCode") or text.get("LineAmount"))
        self.assertEqual((bolts["ItemCode"], bolts["AccountCode"], bolts["TaxType"]), ("BOLT-M8", "300", "INPUT"))
        self.assertEqual(doc["Total"], order.amount_total)

    def test_tax_kinds_inclusive_and_mixed(self):
        incl = self.order([{"product_qty": 1, "price_unit": 89.0, "tax": self.purchase_tax_incl}])
        mixed = self.order([{"product_qty": 1, "price_unit": 10.0},
                            {"product_qty": 1, "price_unit": 10.0, "tax": self.purchase_tax_incl}])
        (incl | mixed).action_xero_sync()
        (incl | mixed).invalidate_recordset()
        doc = self.doc(incl)
        self.assertEqual((doc["LineAmountTypes"], doc["Total"], doc["TotalTax"]), ("Inclusive", 89.0, 11.61))
        self.assertEqual((incl.amount_total, incl.amount_tax), (89.0, 11.61))
        self.assertEqual(mixed.xero_sync_state, "error")
        self.assertIn("mixes tax-included and tax-excluded taxes", mixed.xero_last_error)
        self.assertFalse(mixed.xero_id)

    def test_waiting_for_approval_goes_submitted_then_authorised(self):
        self.env.company.write({"po_double_validation": "two_step", "po_double_validation_amount": 100.0})
        buyer = new_test_user(self.env, "po_buyer", groups="purchase.group_purchase_user")
        order = self.order([{"product_qty": 10, "price_unit": 50.0}], confirm=False)
        order.with_user(buyer).button_confirm()
        self.assertEqual(order.state, "to approve")
        order.action_xero_sync()
        self.assertEqual(self.doc(order)["Status"], "SUBMITTED")
        order.button_approve()
        self.assertEqual(order.state, "purchase")
        order.action_xero_sync()
        self.assertEqual(self.doc(order)["Status"], "AUTHORISED")
        self.assertEqual(order.xero_status, "AUTHORISED")

    def test_billed_in_xero_locks_the_order(self):
        order = self.order([{"product_qty": 4, "price_unit": 12.5}], partner_ref="V-1")
        order.action_xero_sync()
        self.connection._client().write("PurchaseOrders", [{"PurchaseOrderID": order.xero_id, "Status": "BILLED"}],
                                        create=False, idempotency_key=f"bill-{order.xero_id}")
        order.partner_ref = "V-2"
        order.action_xero_sync()
        order.invalidate_recordset()
        self.assertIn("Xero no longer accepts changes to this purchase order", order.xero_locked or "")
        self.assertEqual(self.doc(order)["Status"], "BILLED")
        self.assertEqual(self.doc(order)["Reference"], "V-1")  # Xero is king
        seq = self.sandbox.last_seq()
        order.partner_ref = "V-3"
        order.action_xero_sync()
        self.assertFalse(self.writes_since(seq))

    def test_cancelled_rfq_never_sent_sends_nothing(self):
        order = self.order([{"product_qty": 1, "price_unit": 10.0}], confirm=False)
        order.button_cancel()
        seq = self.sandbox.last_seq()
        order.action_xero_sync()
        self.assertFalse([r for r in self.writes_since(seq) if "PurchaseOrders" in r["path"]])
        self.assertFalse(order.xero_id)
        self.assertFalse(self.xero_documents("PurchaseOrders"))

    def test_sync_rule_statuses_select_orders(self):
        rfq = self.order([{"product_qty": 1, "price_unit": 10.0}], confirm=False)
        confirmed = self.order([{"product_qty": 1, "price_unit": 10.0}])
        locked = self.order([{"product_qty": 1, "price_unit": 10.0}])
        locked.button_done()
        cancelled = self.order([{"product_qty": 1, "price_unit": 10.0}])
        cancelled.button_cancel()
        orders = rfq | confirmed | locked | cancelled
        mapping = self.env["xero.mapping"]._for(self.connection, "purchase_order")
        self.assertEqual(sorted(mapping.status_ids.mapped("code")), ["done", "purchase"])  # the defaults
        mapping.select_mode = "status"
        self.assertEqual(mapping._selected_records(orders), confirmed | locked)
        statuses = self.env["xero.sync.status"].search([("entity", "=", "purchase_order")])
        self.assertEqual(sorted(statuses.mapped("code")), ["cancelled", "done", "draft", "purchase"])
        mapping.status_ids = statuses.filtered(lambda s: s.code in ("draft", "cancelled"))
        self.assertEqual(mapping._selected_records(orders), rfq | cancelled)
