"""Payments between Odoo and Xero: Odoo payments of synced invoices become Xero payments."""

from odoo.tests import tagged

from .accounting_common import AccountingXeroCase


@tagged("post_install", "-at_install")
class TestPaymentPush(AccountingXeroCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.map_bank_journal()
        cls.xero_bank = cls.xero_account("090")

    def pay(self, move, amount, date="2026-11-10", journal=None):
        wizard = self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=move.ids).create({
                "amount": amount, "payment_date": date, "journal_id": (journal or self.bank).id})
        return wizard._create_payments()

    def doc(self, move):
        return next(d for d in self.xero_documents("Invoices") if d["InvoiceID"] == move.xero_id)

    def test_partial_then_full_payment_and_deletion(self):
        move = self.invoice([{"price_unit": 100.0}])  # 115.00 with tax
        move.action_xero_sync()
        payment = self.pay(move, 40.0)
        move.action_xero_sync()  # the invoice is unchanged; its payment follows
        [xero_payment] = self.xero_documents("Payments")
        self.assertEqual((xero_payment["Amount"], xero_payment["Account"]["Code"]), (40.0, "090"))
        self.assertEqual(xero_payment["Invoice"]["InvoiceID"], move.xero_id)
        self.assertEqual((self.doc(move)["AmountDue"], self.doc(move)["Status"]), (75.0, "AUTHORISED"))
        partial = move.line_ids.matched_debit_ids | move.line_ids.matched_credit_ids
        self.assertEqual(partial.xero_id, xero_payment["PaymentID"])

        # sending again sends nothing new
        seq = self.sandbox.last_seq()
        move.action_xero_sync()
        self.assertFalse([r for r in self.api_requests(seq) if r["method"] in ("PUT", "POST")])

        self.pay(move, 75.0, date="2026-11-12")
        move.action_xero_sync()
        self.assertEqual(len(self.xero_documents("Payments")), 2)
        self.assertEqual((self.doc(move)["AmountDue"], self.doc(move)["Status"]), (0.0, "PAID"))

        # the first payment is cancelled in Odoo: deleted in Xero, the invoice owes again
        payment.action_draft()
        move.action_xero_sync()
        live = [p for p in self.xero_documents("Payments") if p.get("Status") != "DELETED"]
        self.assertEqual([p["Amount"] for p in live], [75.0])
        self.assertEqual((self.doc(move)["AmountDue"], self.doc(move)["Status"]), (40.0, "AUTHORISED"))

    def test_unmapped_journal_is_a_clear_error(self):
        other = self.env["account.journal"].create({"name": "Petty Cash", "code": "PCSH", "type": "cash"})
        move = self.invoice([{"price_unit": 10.0}])
        move.action_xero_sync()
        self.pay(move, 5.0, journal=other)
        move.action_xero_sync()
        partial = move.line_ids.matched_debit_ids | move.line_ids.matched_credit_ids
        self.assertEqual(partial.xero_sync_state, "error")
        self.assertIn("Petty Cash is not mapped to a Xero bank account", partial.xero_last_error)
        self.assertFalse(self.xero_documents("Payments"))

    def test_credit_note_applied_to_invoice_is_allocated_in_xero(self):
        move = self.invoice([{"price_unit": 100.0}])  # 115.00
        refund = self.invoice([{"price_unit": 20.0}], move_type="out_refund")  # 23.00
        (move | refund).action_xero_sync()
        receivables = (move | refund).line_ids.filtered(lambda l: l.account_id.account_type == "asset_receivable")
        receivables.reconcile()
        self.assertEqual(refund.payment_state, "paid")
        (move | refund).action_xero_sync()
        invoice = self.doc(move)
        self.assertEqual((invoice["AmountDue"], invoice["AmountCredited"]), (92.0, 23.0))
        [note] = self.xero_documents("CreditNotes")
        self.assertEqual((note["Status"], note["RemainingCredit"]), ("PAID", 0.0))
        partial = receivables.matched_debit_ids | receivables.matched_credit_ids
        self.assertTrue(partial.xero_id)
        self.assertFalse(self.xero_documents("Payments"))  # an allocation, not a payment
        seq = self.sandbox.last_seq()
        (move | refund).action_xero_sync()
        self.assertFalse([r for r in self.api_requests(seq) if r["method"] in ("PUT", "POST")])
