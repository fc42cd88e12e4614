"""Xero -> Odoo for documents and payments: invoices and bills created in Xero, their changes and payments."""

from odoo.tests import tagged

from ..services import xero_client as xc
from ..services.engine import SyncEngine
from .accounting_common import AccountingXeroCase


@tagged("post_install", "-at_install")
class TestInvoicePull(AccountingXeroCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.map_bank_journal()

    def pull(self, entity="invoice"):
        return SyncEngine(self.connection, trigger="manual").pull(entity)

    def sales_invoice(self, status="AUTHORISED", **extra):
        [inv] = self.xero_write("Invoices", [dict({
            "Type": "ACCREC", "Contact": {"Name": "Xero Born Ltd"}, "Date": xc.xero_date("2026-11-03"),
            "DueDate": xc.xero_date("2026-12-03"), "Status": status, "LineAmountTypes": "Exclusive",
            "Reference": "WEB-77",
            "LineItems": [
                {"Description": "Consulting", "Quantity": 2, "UnitAmount": 150.0, "AccountCode": "200",
                 "TaxType": "OUTPUT"},
                {"Description": "Remember to pay on time"},
                {"Description": "Travel", "Quantity": 1, "UnitAmount": 33.33, "AccountCode": "200",
                 "TaxType": "OUTPUT", "DiscountRate": 10},
            ]}, **extra)])
        return inv

    def test_sales_invoice_from_xero(self):
        inv = self.sales_invoice()
        log = self.pull()
        self.assertEqual((log.count_created, log.count_failed), (1, 0), log.line_ids.mapped("message"))
        move = self.move_of(inv["InvoiceID"])
        self.assertEqual((move.move_type, move.state, move.ref), ("out_invoice", "posted", "WEB-77"))
        self.assertEqual(move.partner_id.name, "Xero Born Ltd")
        self.assertEqual(move.partner_id.xero_id, inv["Contact"]["ContactID"])  # the contact came first
        products = move.invoice_line_ids.filtered(lambda l: l.display_type == "product")
        self.assertEqual(products.mapped("name"), ["Consulting", "Travel"])
        self.assertEqual(set(products.account_id.ids), {self.income_account.id})
        self.assertEqual(products.tax_ids, self.sale_tax)
        self.assertEqual(move.invoice_line_ids.filtered(lambda l: l.display_type == "line_note").name,
                         "Remember to pay on time")
        self.assertAlmostEqual(move.amount_total, inv["Total"], places=2)
        self.assertAlmostEqual(move.amount_tax, inv["TotalTax"], places=2)
        self.assertEqual(move.xero_number, inv["InvoiceNumber"])
        # what came from Xero is not sent back
        seq = self.sandbox.last_seq()
        move.action_xero_sync()
        self.assertFalse([r for r in self.api_requests(seq) if r["method"] in ("PUT", "POST")])

    def test_draft_then_approved_then_voided(self):
        inv = self.sales_invoice(status="DRAFT")
        self.pull()
        move = self.move_of(inv["InvoiceID"])
        self.assertEqual(move.state, "draft")
        self.sandbox.advance(5)
        self.xero_write("Invoices", [{"InvoiceID": inv["InvoiceID"], "Status": "AUTHORISED"}], create=False)
        log = self.pull()
        self.assertEqual(move.state, "posted", (log.count_total, log.count_skipped, log.line_ids.mapped("message"),
                                                move.xero_binding_ids.read(["xero_updated", "state", "need_sync"])))
        self.sandbox.advance(5)
        self.xero_write("Invoices", [{"InvoiceID": inv["InvoiceID"], "Status": "VOIDED"}], create=False)
        self.pull()
        self.assertEqual(move.state, "cancel")

    def test_bill_from_xero_and_changed_lines(self):
        [bill] = self.xero_write("Invoices", [{
            "Type": "ACCPAY", "Contact": {"Name": "Xero Supplier Co"}, "Date": xc.xero_date("2026-11-04"),
            "DueDate": xc.xero_date("2026-11-30"), "InvoiceNumber": "SUP-9001", "Status": "AUTHORISED",
            "LineItems": [{"Description": "Paper", "Quantity": 10, "UnitAmount": 4.25, "AccountCode": "300",
                           "TaxType": "INPUT"}]}])
        self.pull()
        move = self.move_of(bill["InvoiceID"])
        self.assertEqual((move.move_type, move.ref, move.state), ("in_invoice", "SUP-9001", "posted"))
        self.assertEqual(move.invoice_line_ids.tax_ids, self.purchase_tax)
        self.assertAlmostEqual(move.amount_total, bill["Total"], places=2)
        self.sandbox.advance(5)
        self.xero_write("Invoices", [{"InvoiceID": bill["InvoiceID"], "LineItems": [
            {"Description": "Paper", "Quantity": 12, "UnitAmount": 4.25, "AccountCode": "300", "TaxType": "INPUT"}]}],
            create=False)
        log = self.pull()
        self.assertEqual(log.count_updated, 1)
        self.assertEqual(move.invoice_line_ids.quantity, 12.0)
        self.assertEqual(move.state, "posted")

    def test_unmapped_account_fails_alone(self):
        good = self.sales_invoice()
        [bad] = self.xero_write("Invoices", [{
            "Type": "ACCREC", "Contact": {"Name": "Xero Born Ltd"}, "Date": xc.xero_date("2026-11-03"),
            "DueDate": xc.xero_date("2026-12-03"), "Status": "AUTHORISED",
            "LineItems": [{"Description": "Interest", "Quantity": 1, "UnitAmount": 5.0, "AccountCode": "270",
                           "TaxType": "NONE"}]}])
        log = self.pull()
        self.assertEqual((log.count_created, log.count_failed), (1, 1))
        self.assertTrue(self.move_of(good["InvoiceID"]))
        self.assertFalse(self.move_of(bad["InvoiceID"]))
        failure = log.failed_line_ids
        self.assertIn("The Xero account 270 Interest Income is not mapped to an Odoo account", failure.message)

    def test_payments_from_xero_register_and_delete(self):
        inv = self.sales_invoice()
        self.pull()
        move = self.move_of(inv["InvoiceID"])
        [payment] = self.xero_write("Payments", [{
            "Invoice": {"InvoiceID": inv["InvoiceID"]}, "Account": {"Code": "090"},
            "Date": xc.xero_date("2026-11-20"), "Amount": 100.0}])
        log = self.pull("payment")
        self.assertEqual(log.count_created, 1, log.line_ids.mapped("message"))
        self.assertEqual(move.payment_state, "partial")
        self.assertAlmostEqual(move.amount_residual, inv["Total"] - 100.0, places=2)
        odoo_payment = move._get_reconciled_payments()
        self.assertEqual((odoo_payment.amount, odoo_payment.journal_id), (100.0, self.bank))
        # sending the invoice again does not send Xero's own payment back
        seq = self.sandbox.last_seq()
        move.action_xero_sync()
        self.assertFalse([r for r in self.api_requests(seq) if r["method"] in ("PUT", "POST")])
        # deleted in Xero: cancelled in Odoo
        self.sandbox.advance(5)
        self.connection._client().delete_payment(payment["PaymentID"], idempotency_key="del-pay")
        self.pull("payment")
        self.assertEqual(move.payment_state, "not_paid")
        self.assertEqual(odoo_payment.state, "canceled")

    def test_credit_note_from_xero(self):
        [note] = self.xero_write("CreditNotes", [{
            "Type": "ACCRECCREDIT", "Contact": {"Name": "Xero Born Ltd"}, "Date": xc.xero_date("2026-11-06"),
            "Status": "AUTHORISED", "Reference": "RMA-5",
            "LineItems": [{"Description": "Returned lamp", "Quantity": 1, "UnitAmount": 40.0, "AccountCode": "200",
                           "TaxType": "OUTPUT"}]}])
        log = self.pull("credit_note")
        self.assertEqual(log.count_created, 1, log.line_ids.mapped("message"))
        move = self.move_of(note["CreditNoteID"])
        self.assertEqual((move.move_type, move.state, move.ref), ("out_refund", "posted", "RMA-5"))
        self.assertAlmostEqual(move.amount_total, note["Total"], places=2)
        self.assertEqual(move.xero_number, note["CreditNoteNumber"])
