"""Overpayments and prepayments, and allocations removed, both ways, through the sandbox over HTTP."""

from odoo.tests import tagged

from ..services.engine import SyncEngine
from .accounting_common import AccountingXeroCase


@tagged("post_install", "-at_install")
class TestOverpayments(AccountingXeroCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.map_bank_journal()

    def setUp(self):
        super().setUp()
        for resource in ("Overpayments", "Prepayments"):
            self.sandbox.wipe(self.tenant_id, resource)

    # -- helpers ---------------------------------------------------------------------
    def pay(self, move, amount, date="2026-11-10"):
        wizard = self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=move.ids).create({
                "amount": amount, "payment_date": date, "journal_id": self.bank.id,
                "payment_difference_handling": "open"})
        return wizard._create_payments()

    def receipt(self, amount, partner=None, journal=None, date="2026-11-10"):
        payment = self.env["account.payment"].create({
            "payment_type": "inbound", "partner_type": "customer", "partner_id": (partner or self.customer).id,
            "amount": amount, "date": date, "journal_id": (journal or self.bank).id})
        payment.action_post()
        payment.xero_allow_sync = True
        return payment

    def apply(self, payment, move):
        """Odoo's 'Add' of an outstanding credit on the invoice form."""
        line = payment.move_id.line_ids.filtered(lambda l: l.account_id.account_type == "asset_receivable")
        move.js_assign_outstanding_line(line.id)
        lines = move.line_ids.filtered(lambda l: l.account_id.account_type == "asset_receivable")
        return (lines.matched_debit_ids | lines.matched_credit_ids).filtered(
            lambda p: line in (p.debit_move_id | p.credit_move_id))

    def doc(self, resource, xero_id):
        return next(d for d in self.xero_documents(resource)
                    if xero_id in (d.get("InvoiceID"), d.get("CreditNoteID"), d.get("OverpaymentID"),
                                   d.get("PrepaymentID"), d.get("BankTransactionID")))

    def writes_since(self, seq):
        return [r for r in self.api_requests(seq) if r["method"] in ("PUT", "POST", "DELETE")]

    def lock(self, date):
        self.sandbox.call("POST", f"tenants/{self.tenant_id}/organisation", json={"PeriodLockDate": date})

    # -- Odoo -> Xero ------------------------------------------------------------------
    def test_overpaid_invoice_goes_as_payment_plus_overpayment_then_allocated_and_unallocated(self):
        first = self.invoice([{"price_unit": 100.0}])  # 115.00
        first.action_xero_sync()
        payment = self.pay(first, 150.0)
        self.assertIn(first.payment_state, ("in_payment", "paid"))
        first.action_xero_sync()
        [xero_payment] = self.xero_documents("Payments")
        self.assertEqual((xero_payment["Amount"], xero_payment["Invoice"]["InvoiceID"]), (115.0, first.xero_id))
        [txn] = self.xero_documents("BankTransactions")
        self.assertEqual((txn["Type"], txn["Total"], txn["Contact"]["ContactID"]),
                         ("RECEIVE-OVERPAYMENT", 35.0, self.customer.xero_id))
        self.assertEqual(payment.xero_id, txn["BankTransactionID"])
        over = self.doc("Overpayments", payment.xero_id)
        self.assertEqual((over["RemainingCredit"], over["Status"]), (35.0, "AUTHORISED"))

        # the rest applied to a second invoice in Odoo: an allocation of the overpayment
        second = self.invoice([{"price_unit": 20.0}])  # 23.00
        second.action_xero_sync()
        partial = self.apply(payment, second)
        self.assertIn(second.payment_state, ("in_payment", "paid"))
        second.action_xero_sync()
        over = self.doc("Overpayments", payment.xero_id)
        self.assertEqual((over["RemainingCredit"], [a["Amount"] for a in over["Allocations"]]), (12.0, [23.0]))
        self.assertEqual(partial.xero_id, over["Allocations"][0]["AllocationID"])
        self.assertEqual((self.doc("Invoices", second.xero_id)["AmountDue"],
                          self.doc("Invoices", second.xero_id)["Status"]), (0.0, "PAID"))
        self.assertEqual(len(self.xero_documents("Payments")), 1)  # an allocation, not a second payment

        # nothing is sent twice
        seq = self.sandbox.last_seq()
        (first | second).action_xero_sync()
        payment.action_xero_sync()
        self.assertFalse(self.writes_since(seq))

        # the reconciliation removed in Odoo: the allocation is removed in Xero
        second.js_remove_outstanding_partial(partial.id)
        self.assertEqual(second.payment_state, "not_paid")
        second.action_xero_sync()
        over = self.doc("Overpayments", payment.xero_id)
        self.assertEqual((over["RemainingCredit"], over.get("Allocations", [])), (35.0, []))
        self.assertEqual((self.doc("Invoices", second.xero_id)["AmountDue"],
                          self.doc("Invoices", second.xero_id)["Status"]), (23.0, "AUTHORISED"))
        self.assertFalse(self.env["xero.binding"].search([("res_model", "=", "account.partial.reconcile"),
                                                          ("delete_in_xero", "=", True)]))

    def test_payment_without_invoice_is_an_overpayment_and_a_locked_removal_is_reported(self):
        payment = self.receipt(50.0)
        other = self.env["account.journal"].create({"name": "Petty Cash", "code": "PCSH", "type": "cash"})
        stray = self.receipt(5.0, journal=other)
        (payment | stray).action_xero_sync()
        [txn] = self.xero_documents("BankTransactions")  # one bad record does not stop the other
        self.assertEqual((txn["Type"], txn["Total"], txn["BankAccount"]["Code"]), ("RECEIVE-OVERPAYMENT", 50.0, "090"))
        self.assertEqual(stray.xero_sync_state, "error")
        self.assertIn("Petty Cash is not mapped to a Xero bank account", stray.xero_last_error)

        move = self.invoice([{"price_unit": 40.0}])  # 46.00
        move.action_xero_sync()
        partial = self.apply(payment, move)
        move.action_xero_sync()
        over = self.doc("Overpayments", payment.xero_id)
        self.assertEqual((over["RemainingCredit"], self.doc("Invoices", move.xero_id)["Status"]), (4.0, "PAID"))

        # Xero refuses to remove an allocation in a locked period: said on the record, kept in Xero
        self.lock("2026-11-30")
        self.addCleanup(self.lock, None)
        allocation_id = partial.xero_id
        move.js_remove_outstanding_partial(partial.id)
        move.action_xero_sync()
        self.assertEqual([a["AllocationID"] for a in self.doc("Overpayments", payment.xero_id)["Allocations"]],
                         [allocation_id])
        binding = self.env["xero.binding"].search([("xero_id", "=", allocation_id)])
        self.assertIn("lock date", binding.last_error)
        log_line = self.env["xero.sync.log.line"].search([("xero_id", "=", allocation_id),
                                                          ("state", "=", "error")], limit=1)
        self.assertIn("Xero does not allow removing this allocation", log_line.message)
        self.assertIn("remove it in Xero", log_line.message)
        # once Xero allows it, the next sync removes it
        self.lock(None)
        move.action_xero_sync()
        self.assertFalse(self.doc("Overpayments", payment.xero_id).get("Allocations"))

    def test_lost_answers_create_once(self):
        payment = self.receipt(50.0)
        self.sandbox.fault(path="/api.xro/2.0/BankTransactions", method="PUT", count=4, drop="after")
        payment.action_xero_sync()
        self.assertEqual(len(self.xero_documents("Overpayments")), 1)
        self.assertFalse(payment.xero_id)
        payment.action_xero_sync()
        [over] = self.xero_documents("Overpayments")
        self.assertEqual(payment.xero_id, over["OverpaymentID"])

        move = self.invoice([{"price_unit": 20.0}])  # 23.00
        move.action_xero_sync()
        partial = self.apply(payment, move)
        self.sandbox.fault(path=f"/api.xro/2.0/Overpayments/{payment.xero_id}/Allocations", count=4, drop="after")
        move.action_xero_sync()
        self.assertFalse(partial.xero_id)
        self.assertTrue(self.env["xero.push.intent"].search([("entity", "=", "Allocations")]))
        move.action_xero_sync()
        [allocation] = self.doc("Overpayments", payment.xero_id)["Allocations"]
        self.assertEqual((partial.xero_id, allocation["Amount"]), (allocation["AllocationID"], 23.0))
        self.assertFalse(self.env["xero.push.intent"].search([("entity", "=", "Allocations")]))

    # -- Xero -> Odoo ------------------------------------------------------------------
    def _xero_credit(self, kind, amount, lines=None):
        client = self.connection._client()
        [result] = client.write("BankTransactions", [{
            "Type": kind, "Contact": {"ContactID": self.customer.xero_id}, "BankAccount": {"Code": "090"},
            "Date": "/Date(1762732800000+0000)/", "Reference": f"{kind} {amount}",
            "LineItems": lines or [{"Description": "Paid ahead", "LineAmount": amount}]}],
            create=True, idempotency_key=f"test-{kind}-{amount}")
        return client, result["BankTransactionID"]

    def test_overpayments_and_prepayments_from_xero_and_their_allocations(self):
        move = self.invoice([{"price_unit": 40.0}])  # 46.00
        move.action_xero_sync()
        client, over_id = self._xero_credit("RECEIVE-OVERPAYMENT", 60.0)
        [allocation] = client.allocate("Overpayments", over_id, [{
            "Invoice": {"InvoiceID": move.xero_id}, "Amount": 46.0, "Date": "/Date(1762732800000+0000)/"}],
            idempotency_key="test-alloc")
        _client, pre_id = self._xero_credit("RECEIVE-PREPAYMENT", 10.0, lines=[
            {"Description": "Deposit", "Quantity": 1, "UnitAmount": 10, "AccountCode": "200", "TaxType": "NONE"}])
        log = SyncEngine(self.connection, trigger="manual").pull("overpayment")
        self.assertEqual(log.count_failed, 0, log.line_ids.mapped("message"))
        Payment = self.env["account.payment"]
        payment = Payment.search([("xero_id", "=", over_id)])
        deposit = Payment.search([("xero_id", "=", pre_id)])
        self.assertEqual((payment.amount, payment.partner_id, payment.journal_id, payment.state),
                         (60.0, self.customer, self.bank, "in_process"))
        self.assertEqual((deposit.amount, deposit.state), (10.0, "in_process"))
        self.assertIn(move.payment_state, ("in_payment", "paid"))
        partial = self.env["account.partial.reconcile"].search([("xero_id", "=", allocation["AllocationID"])])
        self.assertEqual(partial.amount, 46.0)
        self.assertFalse(deposit.is_reconciled)  # left outstanding on the partner

        # again: nothing duplicated
        SyncEngine(self.connection, trigger="manual").pull("overpayment")
        self.assertEqual(Payment.search_count([("partner_id", "=", self.customer.id)]), 2)
        self.assertEqual(len(move.line_ids.matched_credit_ids | move.line_ids.matched_debit_ids), 1)
        # and nothing goes back to Xero
        seq = self.sandbox.last_seq()
        (payment | deposit).action_xero_sync()
        move.action_xero_sync()
        self.assertFalse(self.writes_since(seq))

        # the allocation removed in Xero: unreconciled in Odoo
        client.delete_allocation("Overpayments", over_id, allocation["AllocationID"])
        log = SyncEngine(self.connection, trigger="manual").pull("overpayment")
        self.assertEqual(move.payment_state, "not_paid")
        self.assertFalse(partial.exists())
        self.assertIn("removed in Xero", " ".join(log.line_ids.mapped("message")))

        # a Xero allocation of a prepayment reconciles a part of the invoice
        client.allocate("Prepayments", pre_id, [{"Invoice": {"InvoiceID": move.xero_id}, "Amount": 10.0,
                                                 "Date": "/Date(1762732800000+0000)/"}], idempotency_key="test-pre")
        SyncEngine(self.connection, trigger="manual").pull("overpayment")
        self.assertEqual((move.payment_state, move.amount_residual), ("partial", 36.0))

    def test_credit_note_allocations_removed_either_side(self):
        move = self.invoice([{"price_unit": 100.0}])  # 115.00
        refund = self.invoice([{"price_unit": 20.0}], move_type="out_refund")  # 23.00
        (move | refund).action_xero_sync()
        receivables = (move | refund).line_ids.filtered(lambda l: l.account_id.account_type == "asset_receivable")
        receivables.reconcile()
        (move | refund).action_xero_sync()
        self.assertEqual(self.doc("Invoices", move.xero_id)["AmountCredited"], 23.0)

        # removed in Odoo: removed in Xero
        partial = receivables.matched_debit_ids | receivables.matched_credit_ids
        move.js_remove_outstanding_partial(partial.id)
        move.action_xero_sync()
        note = self.doc("CreditNotes", refund.xero_id)
        self.assertEqual((note["RemainingCredit"], note["Status"], note.get("Allocations")), (23.0, "AUTHORISED", None))
        self.assertEqual(self.doc("Invoices", move.xero_id)["AmountDue"], 115.0)

        # applied again, then removed in Xero: removed in Odoo
        receivables.reconcile()
        (move | refund).action_xero_sync()
        [allocation] = self.doc("CreditNotes", refund.xero_id)["Allocations"]
        self.connection._client().delete_allocation("CreditNotes", refund.xero_id, allocation["AllocationID"])
        log = SyncEngine(self.connection, trigger="manual").pull("credit_note")
        self.assertEqual(log.count_failed, 0, log.line_ids.mapped("message"))
        self.assertEqual((refund.payment_state, move.payment_state), ("not_paid", "not_paid"))
        self.assertFalse(receivables.matched_debit_ids | receivables.matched_credit_ids)

    def test_cancelled_payment_is_reported_not_sent(self):
        mapping = self.env["xero.mapping"]._for(self.connection, "overpayment")
        self.assertEqual(mapping.status_ids.mapped("code"), ["posted"])
        payment = self.receipt(30.0)
        payment.action_xero_sync()
        self.assertEqual(self.doc("Overpayments", payment.xero_id)["Status"], "AUTHORISED")
        payment.action_draft()
        payment.action_cancel()
        seq = self.sandbox.last_seq()
        payment.action_xero_sync()
        self.assertFalse(self.writes_since(seq))
        self.assertEqual(payment.xero_sync_state, "error")
        self.assertIn("void it in Xero", payment.xero_last_error)
        self.assertEqual(self.doc("Overpayments", payment.xero_id)["Status"], "AUTHORISED")


@tagged("post_install", "-at_install")
class TestOverpaymentTour(AccountingXeroCase):

    def test_payment_sync_tour(self):
        self.map_bank_journal()
        for resource in ("Overpayments", "Prepayments"):
            self.sandbox.wipe(self.tenant_id, resource)
        payment = self.env["account.payment"].create({
            "payment_type": "inbound", "partner_type": "customer", "partner_id": self.customer.id,
            "amount": 70.0, "date": "2026-11-10", "journal_id": self.bank.id})
        payment.action_post()
        self.start_tour(f"/odoo/action-account.action_account_payments/{payment.id}",
                        "xero_connector_payment_sync", login="admin")
        payment.invalidate_recordset()
        self.assertEqual(payment.xero_sync_state, "synced")
        [over] = self.xero_documents("Overpayments")
        self.assertEqual((over["OverpaymentID"], over["Total"], over["Type"]),
                         (payment.xero_id, 70.0, "RECEIVE-OVERPAYMENT"))
