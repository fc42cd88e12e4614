"""Xero tracking categories <-> Odoo analytic plans and accounts, and documents' line tracking both ways."""

from odoo.tests import new_test_user, tagged

from ..services import xero_client as xc
from ..services.engine import SyncEngine
from .accounting_common import AccountingXeroCase


@tagged("post_install", "-at_install")
class TestTracking(AccountingXeroCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Plan, Account = cls.env["account.analytic.plan"], cls.env["account.analytic.account"]
        cls.region_plan = Plan.create({"name": "Region"})
        cls.north = Account.create({"name": "North", "plan_id": cls.region_plan.id})
        cls.south = Account.create({"name": "South", "plan_id": cls.region_plan.id})
        cls.internal_plan = Plan.create({"name": "Internal (not in Xero)"})
        cls.internal = Account.create({"name": "Overheads", "plan_id": cls.internal_plan.id})

    def setUp(self):
        super().setUp()
        self.sandbox.wipe(self.tenant_id, "TrackingCategories")
        self.client = self.connection._client()
        self.xero = {}  # name -> Xero id
        for category, options in (("Region", ("North", "South", "East")), ("Department", ("Sales",))):
            made = self.client.tracking("create", Name=category)
            self.xero[category] = made["TrackingCategoryID"]
            for option in options:
                self.xero[option] = self.client.tracking(
                    "create", made["TrackingCategoryID"], Name=option)["TrackingOptionID"]

    # -- helpers ----------------------------------------------------------------
    def import_tracking(self):
        self.connection.action_import_tracking_categories()
        return self.env["xero.sync.log"].search([("connection_id", "=", self.connection.id),
                                                 ("entity", "=", "tracking")], limit=1)

    def category(self, name):
        return self.env["xero.tracking.category"].with_context(active_test=False).search(
            [("connection_id", "=", self.connection.id), ("xero_id", "=", self.xero[name])])

    def option(self, name):
        return self.env["xero.tracking.option"].with_context(active_test=False).search(
            [("connection_id", "=", self.connection.id), ("xero_id", "=", self.xero[name])])

    def mapped(self):
        self.import_tracking()
        self.category("Department").action_create_odoo_analytics()
        self.sales = self.option("Sales").analytic_account_id

    def tracked_invoice(self, *distributions, move_type="out_invoice"):
        move = self.invoice([{"name": f"Line {i}", "price_unit": 100.0} for i in range(len(distributions))],
                            move_type=move_type, post=False)
        for line, distribution in zip(move.invoice_line_ids, distributions):
            line.analytic_distribution = {str(k.id): v for k, v in distribution.items()}
        move.action_post()
        return move

    def xero_lines(self, move, resource="Invoices", key="InvoiceID"):
        doc = next(d for d in self.xero_documents(resource) if d[key] == move.xero_id)
        return doc["LineItems"]

    # -- tests ----------------------------------------------------------------------
    def test_import_maps_by_name_and_creates_the_missing(self):
        log = self.import_tracking()
        region, department = self.category("Region"), self.category("Department")
        self.assertEqual((region.plan_id, department.plan_id.id), (self.region_plan, False))
        self.assertEqual(self.option("North").analytic_account_id, self.north)
        self.assertEqual(self.option("South").analytic_account_id, self.south)
        self.assertFalse(self.option("East").analytic_account_id)
        self.assertIn("Xero allows at most two active", log.message)
        self.assertIn("2 options mapped automatically", log.message)
        (region | department).action_create_odoo_analytics()
        east = self.option("East").analytic_account_id
        self.assertEqual((east.name, east.plan_id), ("East", self.region_plan))
        self.assertEqual(department.plan_id.name, "Department")
        self.assertEqual(self.option("Sales").analytic_account_id.plan_id, department.plan_id)
        # again: nothing duplicated, mappings kept, and no run logged when nothing changed
        self.assertEqual(self.import_tracking(), log)
        self.assertEqual(self.env["xero.tracking.option"].search_count(
            [("connection_id", "=", self.connection.id)]), 4)
        self.assertEqual(self.option("East").analytic_account_id, east)

    def test_setup_import_needs_no_analytic_rights(self):
        """The demo's administrator, like most, has no Analytic Accounting rights: the accounting
        set-up import (which imports the tracking categories) still maps them by name."""
        admin = new_test_user(self.env, "xero_setup_admin", groups="base.group_system,account.group_account_manager,"
                              "xero_connector.group_xero_manager")
        self.assertFalse(admin.has_group("analytic.group_analytic_accounting"))
        self.connection.with_user(admin).action_import_accounting_setup()
        self.assertEqual(self.category("Region").plan_id, self.region_plan)
        self.assertEqual(self.option("North").analytic_account_id, self.north)

    def test_invoice_lines_carry_tracking(self):
        self.mapped()
        move = self.tracked_invoice({self.north: 100, self.sales: 100, self.internal: 100}, {})
        move.action_xero_sync()
        move.invalidate_recordset()
        self.assertEqual(move.xero_sync_state, "synced", move.xero_last_error)
        first, second = self.xero_lines(move)
        self.assertEqual(sorted((t["Name"], t["Option"], t["TrackingOptionID"]) for t in first["Tracking"]),
                         [("Department", "Sales", self.xero["Sales"]), ("Region", "North", self.xero["North"])])
        self.assertFalse(second.get("Tracking"))  # no distribution; the unmapped plan is left out above

    def test_split_plan_is_refused_unless_largest_share_is_chosen(self):
        self.mapped()
        split = self.tracked_invoice({self.north: 60, self.south: 40})
        plain = self.tracked_invoice({self.south: 100})
        (split | plain).action_xero_sync()
        (split | plain).invalidate_recordset()
        self.assertEqual(plain.xero_sync_state, "synced", plain.xero_last_error)
        self.assertEqual(split.xero_sync_state, "error")
        self.assertIn("splits the analytic plan Region over North (60 %), South (40 %)", split.xero_last_error)
        self.assertIn("Send the largest share", split.xero_last_error)
        self.env["xero.mapping"]._for(self.connection, "invoice").analytic_split = "largest"
        split.action_xero_sync()
        split.invalidate_recordset()
        self.assertEqual(split.xero_sync_state, "synced", split.xero_last_error)
        [tracking] = self.xero_lines(split)[0]["Tracking"]
        self.assertEqual(tracking["TrackingOptionID"], self.xero["North"])

    def test_purchase_order_and_credit_note_lines_carry_tracking(self):
        self.mapped()
        paper = self.env["product.product"].create({
            "name": "Paper", "default_code": "PAPER-T", "property_account_expense_id": self.expense_account.id})
        order = self.env["purchase.order"].create({"partner_id": self.vendor.id, "order_line": [(0, 0, {
            "product_id": paper.id, "product_qty": 2, "price_unit": 5.0, "taxes_id": [(6, 0, self.purchase_tax.ids)],
            "analytic_distribution": {str(self.south.id): 100}})]})
        order.button_confirm()
        order.xero_allow_sync = True
        order.action_xero_sync()
        order.invalidate_recordset()
        self.assertEqual(order.xero_sync_state, "synced", order.xero_last_error)
        [line] = self.xero_lines(order, "PurchaseOrders", "PurchaseOrderID")
        self.assertEqual([t["Option"] for t in line["Tracking"]], ["South"])
        refund = self.tracked_invoice({self.sales: 100}, move_type="out_refund")
        refund.action_xero_sync()
        [line] = self.xero_lines(refund, "CreditNotes", "CreditNoteID")
        self.assertEqual([t["Option"] for t in line["Tracking"]], ["Sales"])

    def test_bill_from_xero_gets_its_distribution(self):
        self.mapped()
        # an option made in Xero after the last import: the run imports the categories and maps it by name
        west = self.env["account.analytic.account"].create({"name": "West", "plan_id": self.region_plan.id})
        self.client.tracking("create", self.xero["Region"], Name="West")
        [bill] = self.client.write("Invoices", [{
            "Type": "ACCPAY", "Contact": {"Name": "Tracked Supplier"}, "Date": xc.xero_date("2026-11-03"),
            "DueDate": xc.xero_date("2026-12-03"), "Status": "AUTHORISED", "InvoiceNumber": "TS-1",
            "LineItems": [{"Description": "Freight", "Quantity": 1, "UnitAmount": 80.0, "AccountCode": "300",
                           "TaxType": "INPUT", "Tracking": [{"Name": "Region", "Option": "North"},
                                                            {"Name": "Department", "Option": "Sales"}]},
                          {"Description": "Storage", "Quantity": 1, "UnitAmount": 20.0, "AccountCode": "300",
                           "TaxType": "INPUT", "Tracking": [{"Name": "Region", "Option": "West"}]}]}],
            create=True, idempotency_key=f"{self._testMethodName}-bill")
        self.assertFalse(bill.get("ValidationErrors"), bill.get("ValidationErrors"))
        log = SyncEngine(self.connection, trigger="manual").pull("invoice")
        self.assertEqual(log.count_failed, 0, log.line_ids.mapped("message"))
        binding = self.env["xero.binding"].search([("connection_id", "=", self.connection.id),
                                                   ("xero_id", "=", bill["InvoiceID"])])
        move = self.env["account.move"].browse(binding.res_id)
        freight, storage = move.invoice_line_ids.filtered(lambda l: l.display_type == "product")
        self.assertEqual(freight.analytic_distribution, {str(self.north.id): 100.0, str(self.sales.id): 100.0})
        self.assertEqual(storage.analytic_distribution, {str(west.id): 100.0})
        # a category mapped to no plan is left out; an option of a mapped one that Odoo lacks is an error
        self.category("Department").plan_id = False
        self.client.tracking("create", self.xero["Region"], Name="Unmapped Place")
        [other] = self.client.write("Invoices", [{
            "Type": "ACCPAY", "Contact": {"Name": "Tracked Supplier"}, "Date": xc.xero_date("2026-11-04"),
            "Status": "AUTHORISED", "InvoiceNumber": "TS-2",
            "LineItems": [{"Description": "Odd", "Quantity": 1, "UnitAmount": 5.0, "AccountCode": "300",
                           "TaxType": "INPUT", "Tracking": [{"Name": "Region", "Option": "Unmapped Place"},
                                                            {"Name": "Department", "Option": "Sales"}]}]}],
            create=True, idempotency_key=f"{self._testMethodName}-bill-2")
        self.sandbox.advance(5)
        log = SyncEngine(self.connection, trigger="manual").pull("invoice")
        self.assertEqual(log.count_failed, 1)
        self.assertIn("Xero's tracking option 'Unmapped Place' of Region is not mapped to an Odoo analytic account",
                      log.failed_line_ids.message)
        self.assertFalse(self.env["account.move"].search([("ref", "=", "TS-2")]))
        self.assertTrue(other["InvoiceID"])

    def test_rename_archive_and_delete_in_xero(self):
        self.mapped()
        east = self.env["account.analytic.account"].create({"name": "East", "plan_id": self.region_plan.id})
        self.option("East").analytic_account_id = east
        region = self.xero["Region"]
        self.client.tracking("update", region, Name="Area")
        self.client.tracking("update", region, self.xero["North"], Name="Northern")
        self.client.tracking("update", region, self.xero["South"], Status="ARCHIVED")
        self.client.tracking("delete", region, self.xero["East"])
        log = self.import_tracking()
        self.assertEqual((self.category("Region").name, self.category("Region").plan_id),
                         ("Area", self.region_plan))  # renamed: the mapping is kept
        self.assertEqual((self.option("North").name, self.option("North").analytic_account_id),
                         ("Northern", self.north))
        self.assertEqual(self.option("South").status, "ARCHIVED")
        self.assertEqual(self.option("South").analytic_account_id, self.south)  # still mapped
        self.assertEqual(self.option("East").status, "DELETED")
        self.assertIn("Deleted in Xero", self.option("East").problem)
        self.assertEqual(log.count_warning, 2)
        messages = log.line_ids.mapped("message")
        self.assertIn("Renamed in Xero from 'Region' to 'Area'; the mapping is kept.", messages)
        self.assertTrue(any("Archived in Xero: still mapped to South" in m for m in messages), messages)
        self.assertTrue(any("Deleted in Xero: East is mapped to it" in m for m in messages), messages)
        north, south, gone = (self.tracked_invoice({self.north: 100}), self.tracked_invoice({self.south: 100}),
                              self.tracked_invoice({east: 100}))
        (north | south | gone).action_xero_sync()
        (north | south | gone).invalidate_recordset()
        self.assertEqual(north.xero_sync_state, "synced", north.xero_last_error)
        self.assertEqual(self.xero_lines(north)[0]["Tracking"][0]["Option"], "Northern")
        self.assertIn("is archived in Xero, and Xero refuses archived options on new documents",
                      south.xero_last_error)
        self.assertIn("was deleted in Xero", gone.xero_last_error)

    def test_third_active_category_is_refused_in_plain_words(self):
        with self.assertRaises(xc.XeroValidationError) as refused:
            self.client.tracking("create", Name="Project")
        self.assertEqual(refused.exception.message, "You can only have 2 active tracking categories.")
        log = self.import_tracking()
        self.assertIn("2 tracking categories (2 active; Xero allows at most two active ones)", log.message)
