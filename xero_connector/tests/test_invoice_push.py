"""Invoices, bills and credit notes Odoo -> Xero: lines, taxes, totals to the cent, statuses."""

from odoo.tests import tagged

from ..services import xero_client as xc
from .accounting_common import AccountingXeroCase


@tagged("post_install", "-at_install")
class TestInvoicePush(AccountingXeroCase):

    def doc(self, move, resource="Invoices", key="InvoiceID"):
        return next(d for d in self.xero_documents(resource) if d[key] == move.xero_id)

    def test_customer_invoice_exclusive_tax_with_item_and_discount(self):
        product = self.env["product.product"].create({"name": "Desk lamp", "default_code": "LAMP-9",
                                                      "list_price": 40.0})
        move = self.invoice([
            {"name": "Desk lamp", "product": product, "quantity": 3, "price_unit": 39.99, "discount": 10},
            {"name": "Installation", "quantity": 1.5, "price_unit": 60.0},
        ], ref="PO-4471")
        move.action_xero_sync()
        move.invalidate_recordset()
        self.assertEqual(move.xero_sync_state, "synced", move.xero_last_error)
        inv = self.doc(move)
        self.assertEqual((inv["Type"], inv["Status"], inv["InvoiceNumber"], inv["Reference"]),
                         ("ACCREC", "AUTHORISED", move.name, "PO-4471"))
        self.assertEqual(inv["LineAmountTypes"], "Exclusive")
        self.assertEqual(inv["Contact"]["ContactID"], self.customer.xero_id)  # the contact went first
        self.assertEqual(product.xero_sync_state, "synced")  # and the item
        lamp, install = inv["LineItems"]
        self.assertEqual((lamp["ItemCode"], lamp["Quantity"], lamp["UnitAmount"], lamp["DiscountRate"]),
                         ("LAMP-9", 3.0, 39.99, 10.0))
        self.assertEqual((lamp["AccountCode"], lamp["TaxType"]), ("200", "OUTPUT"))
        self.assertNotIn("ItemCode", install)
        self.assertAlmostEqual(inv["Total"], move.amount_total, places=2)
        self.assertAlmostEqual(inv["TotalTax"], move.amount_tax, places=2)
        self.assertEqual(move.xero_number, move.name)
        self.assertIn(f"/AccountsReceivable/View.aspx?InvoiceID={move.xero_id}", move.xero_url.replace("%3F", "?")
                      .replace("%3D", "="))

    def test_tax_inclusive_and_no_tax_documents(self):
        incl = self.invoice([{"price_unit": 89.0, "tax": self.sale_tax_incl}])
        none = self.invoice([{"price_unit": 50.0, "tax": False}])
        (incl | none).action_xero_sync()
        doc = self.doc(incl)
        self.assertEqual(doc["LineAmountTypes"], "Inclusive")
        self.assertEqual((doc["Total"], doc["TotalTax"], doc["SubTotal"]), (89.0, 11.61, 77.39))
        self.assertEqual((incl.amount_total, incl.amount_tax), (89.0, 11.61))
        self.assertEqual(self.doc(none)["LineAmountTypes"], "NoTax")
        self.assertEqual(self.doc(none)["Total"], 50.0)

    def test_vendor_bill_and_credit_notes(self):
        bill = self.invoice([{"price_unit": 120.0, "discount": 5}], move_type="in_invoice", ref="SUP-778")
        refund = self.invoice([{"price_unit": 30.0}], move_type="out_refund")
        (bill | refund).action_xero_sync()
        doc = self.doc(bill)
        self.assertEqual((doc["Type"], doc["InvoiceNumber"]), ("ACCPAY", "SUP-778"))
        self.assertEqual(doc["LineItems"][0]["UnitAmount"], 114.0)  # no discounts on Xero bills
        self.assertEqual(doc["LineItems"][0]["TaxType"], "INPUT")
        self.assertAlmostEqual(doc["Total"], bill.amount_total, places=2)
        note = self.doc(refund, "CreditNotes", "CreditNoteID")
        self.assertEqual((note["Type"], note["CreditNoteNumber"]), ("ACCRECCREDIT", refund.name))
        self.assertAlmostEqual(note["Total"], refund.amount_total, places=2)

    def test_bad_documents_fail_alone_with_clear_words(self):
        good = self.invoice([{"price_unit": 10.0}])
        unmapped = self.env["account.account"].create({"code": "499999", "name": "Odd income",
                                                       "account_type": "income"})
        bad_account = self.invoice([{"price_unit": 10.0, "account": unmapped}])
        mixed = self.invoice([{"price_unit": 10.0, "tax": self.sale_tax},
                              {"price_unit": 10.0, "tax": self.sale_tax_incl}])
        ten = self.env["account.tax"].create({"name": "Ten percent", "amount": 10.0, "type_tax_use": "sale"})
        self.output.tax_ids = [(4, ten.id)]
        wrong_rate = self.invoice([{"price_unit": 10.0, "tax": ten}])
        moves = good | bad_account | mixed | wrong_rate
        moves.action_xero_sync()
        moves.invalidate_recordset()
        self.assertEqual(good.xero_sync_state, "synced")
        self.assertIn("499999 Odd income", bad_account.xero_last_error)
        self.assertIn("is not mapped to a Xero account", bad_account.xero_last_error)
        self.assertIn("item tax vs total tax", mixed.xero_last_error)
        self.assertIn("is 10% in Odoo but", wrong_rate.xero_last_error)
        self.assertEqual([d["InvoiceID"] for d in self.xero_documents()], [good.xero_id])

    def test_cancel_voids_and_unchanged_is_not_resent(self):
        move = self.invoice([{"price_unit": 200.0}])
        move.action_xero_sync()
        seq = self.sandbox.last_seq()
        move.action_xero_sync()
        self.assertFalse([r for r in self.api_requests(seq) if r["method"] in ("PUT", "POST")])
        move.button_draft()
        move.button_cancel()
        move.action_xero_sync()
        self.assertEqual(self.doc(move)["Status"], "VOIDED")

    def test_paid_in_xero_is_king(self):
        move = self.invoice([{"price_unit": 100.0}])
        move.action_xero_sync()
        total = self.doc(move)["Total"]
        bank = self.xero_account("090")
        self.connection._client().write("Payments", [{
            "Invoice": {"InvoiceID": move.xero_id}, "Account": {"Code": bank.code},
            "Date": xc.xero_date("2026-11-05"), "Amount": total}], create=True, idempotency_key="pay-king")
        self.assertEqual(self.doc(move)["Status"], "PAID")
        move.button_draft()
        move.invoice_line_ids[0].price_unit = 150.0
        move.action_post()
        move.action_xero_sync()
        move.invalidate_recordset()
        self.assertIn("Xero is king", move.xero_locked)
        self.assertEqual(self.doc(move)["Total"], total)  # nothing half-written
        seq = self.sandbox.last_seq()
        move.action_xero_sync()  # stops retrying
        self.assertFalse([r for r in self.api_requests(seq) if r["method"] in ("PUT", "POST")])

    def test_receipt_goes_as_a_bank_transaction(self):
        bank = self.env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", self.env.company.id)],
                                                  limit=1)
        self.xero_account("090").journal_id = bank
        unpaid = self.invoice([{"price_unit": 10.0}], xero_invoice_type="receipt")
        sale = self.invoice([{"price_unit": 80.0, "name": "Cash sale"}], xero_invoice_type="receipt")
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=sale.ids).create(
            {"journal_id": bank.id, "payment_date": "2026-11-02"})._create_payments()
        self.assertEqual(sale.payment_state in ("paid", "in_payment"), True)
        (unpaid | sale).action_xero_sync()
        (unpaid | sale).invalidate_recordset()
        self.assertIn("must be fully paid in Odoo first", unpaid.xero_last_error)
        [txn] = self.xero_documents("BankTransactions")
        self.assertEqual(txn["BankTransactionID"], sale.xero_id)
        self.assertEqual((txn["Type"], txn["BankAccount"]["Code"], txn["Reference"]), ("RECEIVE", "090", sale.name))
        self.assertAlmostEqual(txn["Total"], sale.amount_total, places=2)
        self.assertFalse(self.xero_documents("Invoices"))
        self.assertIn("bankTransactionID", sale.xero_url)

    def test_online_invoice_link_and_posted_status_setting(self):
        move = self.invoice([{"price_unit": 42.0}])
        move.action_xero_sync()
        action = move.action_xero_online_invoice()
        self.assertTrue(action["url"].startswith("https://in.xero.com/"))
        seq = self.sandbox.last_seq()
        self.assertEqual(move.action_xero_online_invoice()["url"], action["url"])
        self.assertFalse(self.api_requests(seq))  # asked once, then kept
        self.env["xero.mapping"]._for(self.connection, "invoice").post_status = "SUBMITTED"
        other = self.invoice([{"price_unit": 7.0}])
        other.action_xero_sync()
        self.assertEqual(self.doc(other)["Status"], "SUBMITTED")

    def test_branding_theme_default_and_override(self):
        themes = {t.name: t for t in self.connection.branding_theme_ids}
        self.connection.branding_theme_id = themes["Standard"]
        plain = self.invoice([{"price_unit": 5.0}])
        special = self.invoice([{"price_unit": 5.0}], xero_branding_theme_id=themes["Special Projects"].id)
        (plain | special).action_xero_sync()
        self.assertEqual(self.doc(plain)["BrandingThemeID"], themes["Standard"].xero_id)
        self.assertEqual(self.doc(special)["BrandingThemeID"], themes["Special Projects"].xero_id)
