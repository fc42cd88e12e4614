"""Xero › Reporting › Parity Report: both sets of books for a period, through the real stack."""

import io
import zipfile
from datetime import date

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..services import xero_client as xc
from .accounting_common import AccountingXeroCase

PERIOD = {"date_from": "2026-11-01", "date_to": "2026-11-30"}


@tagged("post_install", "-at_install")
class TestParityReport(AccountingXeroCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.map_bank_journal()
        Account = cls.env["account.account"]
        cls.unmapped_income = Account.create({"name": "Unmapped Income", "code": "PAR400",
                                              "account_type": "income", "company_ids": [(6, 0, cls.company.ids)]})

    def pay(self, move, amount, day="2026-11-10"):
        wizard = self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=move.ids).create({
                "amount": amount, "payment_date": day, "journal_id": self.bank.id})
        return wizard._create_payments()

    def xero_doc(self, move, resource="Invoices"):
        id_key = "InvoiceID" if resource == "Invoices" else "CreditNoteID"
        return next(d for d in self.xero_documents(resource) if d[id_key] == move.xero_id)

    def edit_in_xero(self, move, unit_amount):
        """Someone edits the document's line in Xero (the totals follow)."""
        doc = self.xero_doc(move)
        for key in ("SubTotal", "TotalTax", "Total", "AmountDue"):
            doc.pop(key, None)
        doc["LineItems"][0]["UnitAmount"] = unit_amount
        doc["LineItems"][0].pop("LineAmount", None)
        self.sandbox.seed(self.tenant_id, "Invoices", [doc])

    def compute(self, **values):
        report = self.env["xero.parity.report"].create({"connection_id": self.connection.id, **PERIOD, **values})
        report.action_compute()
        return report

    def books(self):
        """The period's documents: in sync, failed, never sent, edited in Xero, paid in Xero and locked,
        only in Xero, plus documents outside the period."""
        moves = {
            "ok": self.invoice([{"price_unit": 100.0}]),  # 115.00
            "cents": self.invoice([{"price_unit": 100.0}], invoice_date="2026-11-05"),
            "locked": self.invoice([{"price_unit": 10.0}], invoice_date="2026-11-06"),  # 11.50
            "bill": self.invoice([{"price_unit": 50.0}], move_type="in_invoice", ref="BILL-77"),  # 57.50
            "refund": self.invoice([{"price_unit": 20.0}], move_type="out_refund"),  # 23.00
            "october": self.invoice([{"price_unit": 70.0}], invoice_date="2026-10-20"),  # 80.50, outside
        }
        synced = self.env["account.move"].browse([m.id for m in moves.values()])
        synced.action_xero_sync()
        self.assertTrue(all(synced.mapped("xero_id")), synced.mapped("xero_last_error"))
        moves["failed"] = self.invoice([{"price_unit": 30.0, "account": self.unmapped_income}])  # 34.50
        moves["failed"].action_xero_sync()
        moves["never"] = self.invoice([{"price_unit": 40.0}], invoice_date="2026-11-20")  # 46.00, never sent
        self.pay(moves["ok"], 40.0)
        moves["ok"].action_xero_sync()  # the payment follows
        self.edit_in_xero(moves["cents"], 99.97)  # 114.97 in Xero: 3 cents less
        # paid in Xero (and so locked there); Odoo does not know of the payment
        self.sandbox.seed(self.tenant_id, "Payments", [{
            "Invoice": {"InvoiceID": moves["locked"].xero_id}, "Account": {"Code": "090"}, "Amount": 11.5,
            "Date": xc.xero_date("2026-11-12"), "Status": "AUTHORISED", "PaymentType": "ACCRECPAYMENT"}])
        moves["locked"].xero_binding_ids.xero_locked = "This document cannot be edited as it has a payment."
        # only in Xero: an invoice raised there in the period
        self.sandbox.seed(self.tenant_id, "Invoices", [{
            "Type": "ACCREC", "InvoiceNumber": "XERO-ONLY-1", "Status": "AUTHORISED", "Date": "2026-11-15",
            "Contact": {"ContactID": self.customer.xero_id, "Name": self.customer.name}, "CurrencyCode": "USD",
            "LineItems": [{"Description": "Raised in Xero", "Quantity": 1, "UnitAmount": 200,
                           "AccountCode": "200", "TaxType": "NONE"}]}])
        return moves

    def by_reason(self, report):
        return {(d.reason, d.record_name or d.xero_number): d for d in report.difference_ids}

    def test_figures_balances_and_explained_differences(self):
        moves = self.books()
        seq = self.sandbox.last_seq()
        report = self.compute()
        self.assertEqual(report.state, "done")

        months = {(m.month, m.kind): m for m in report.month_ids}
        self.assertEqual(set(months), {("2026-11", "invoice"), ("2026-11", "bill"), ("2026-11", "credit_note"),
                                       ("2026-11", "payment")}, "nothing outside the period")
        invoices = months[("2026-11", "invoice")]
        # Odoo: ok 115 + cents 115 + locked 11.50 + failed 34.50 + never 46 = 322.00 in 5
        # Xero: ok 115 + cents 114.97 + locked 11.50 + only-in-Xero 200 = 441.47 in 4
        self.assertEqual((invoices.odoo_count, invoices.odoo_total, invoices.xero_count, invoices.xero_total),
                         (5, 322.0, 4, 441.47))
        self.assertEqual((invoices.count_difference, invoices.total_difference, invoices.agrees), (1, -119.47, False))
        self.assertEqual((months[("2026-11", "bill")].odoo_total, months[("2026-11", "bill")].xero_total),
                         (57.5, 57.5))
        self.assertTrue(months[("2026-11", "bill")].agrees)
        self.assertTrue(months[("2026-11", "credit_note")].agrees)
        self.assertEqual(months[("2026-11", "credit_note")].odoo_total, 23.0)
        payments = months[("2026-11", "payment")]
        self.assertEqual((payments.odoo_count, payments.odoo_total, payments.xero_count, payments.xero_total),
                         (1, 40.0, 2, 51.5))

        found = self.by_reason(report)
        failed = found[("failed", moves["failed"].name)]
        self.assertIn("is not mapped to a Xero account", failed.message)
        self.assertEqual((failed.res_model, failed.res_id, failed.odoo_amount), ("account.move", moves["failed"].id,
                                                                                 34.5))
        self.assertIn("never sent", found[("not_synced", moves["never"].name)].message)
        cents = found[("amount", moves["cents"].name)]
        self.assertEqual(cents.message, "Amount differs by 3 cents: 115.00 USD in Odoo, 114.97 USD in Xero.")
        self.assertEqual((cents.odoo_amount, cents.xero_amount), (115.0, 114.97))
        self.assertIn("/AccountsReceivable/View.aspx", cents.xero_url)
        self.assertIn(moves["cents"].xero_id, cents.xero_url)
        locked = found[("locked", moves["locked"].name)]
        self.assertEqual(locked.message, "Status differs: posted, not paid in Odoo, PAID in Xero. Locked in Xero: "
                                         "This document cannot be edited as it has a payment.")
        only = found[("only_xero", "XERO-ONLY-1")]
        self.assertEqual((only.kind, only.res_model, only.xero_amount), ("invoice", False, 200.0))
        self.assertIn("linked to no Odoo record", only.message)
        self.assertTrue(only.xero_url)
        paid_in_xero = [d for d in report.difference_ids if d.kind == "payment"]
        self.assertEqual([(d.reason, d.xero_amount) for d in paid_in_xero], [("only_xero", 11.5)])
        self.assertEqual(len(report.difference_ids), 7, report.difference_ids.mapped("message"))

        # receivable now: Odoo 75 (ok) + 115 + 11.50 + 34.50 + 46 + 80.50 (october) - 23 = 339.50;
        # Xero 75 + 114.97 + 0 (paid) + 80.50 + 200 - 23 = 447.47
        [customer] = report.balance_ids.filtered(lambda b: b.partner_id == self.customer)
        self.assertEqual((customer.odoo_receivable, customer.xero_receivable), (339.5, 447.47))
        self.assertEqual(customer.xero_contact_id, self.customer.xero_id)
        [vendor] = report.balance_ids.filtered(lambda b: b.partner_id == self.vendor)
        self.assertEqual((vendor.odoo_payable, vendor.xero_payable, vendor.agrees), (57.5, 57.5, True))
        self.assertIn("Receivable of Invoice Customer Ltd differs by 107.97",
                      found[("balance", self.customer.display_name)].message)

        # Xero read: one period read of invoices, credit notes, payments, one of the contacts' balances
        calls = self.api_requests(seq)
        self.assertEqual(sorted(r["path"].rsplit("/", 1)[-1] for r in calls),
                         ["Contacts", "CreditNotes", "Invoices", "Payments"])
        self.assertEqual(report.xero_calls, 4)
        invoice_read = next(r for r in calls if r["path"].endswith("/Invoices"))
        self.assertEqual(invoice_read["query"]["where"],
                         "Date >= DateTime(2026, 11, 01) AND Date <= DateTime(2026, 11, 30)")
        self.assertEqual(invoice_read["query"]["summaryOnly"], "True")

        # the Odoo record and the Xero page one click away
        action = failed.action_open_record()
        self.assertEqual((action["res_model"], action["res_id"]), ("account.move", moves["failed"].id))
        self.assertEqual(only.action_open_xero()["url"], only.xero_url)

    def test_cost_does_not_grow_with_records_outside_the_period(self):
        moves = self.books()
        first_seq = self.sandbox.last_seq()
        first = self.compute()
        first_calls = len(self.api_requests(first_seq))
        # 1,200 more Xero invoices, all before the period: more than a page of Xero's 1,000
        self.sandbox.bulk_seed(self.tenant_id, "Invoices", template={
            "Type": "ACCREC", "InvoiceNumber": "OLD-{i:05d}", "Status": "AUTHORISED", "Date": "2026-06-01",
            "Contact": {"ContactID": self.customer.xero_id, "Name": self.customer.name}, "CurrencyCode": "USD",
            "LineItems": [{"Description": "Old", "Quantity": 1, "UnitAmount": 1, "AccountCode": "200",
                           "TaxType": "NONE"}]}, count=1200)
        seq = self.sandbox.last_seq()
        second = self.compute()
        self.assertEqual(len(self.api_requests(seq)), first_calls)
        self.assertEqual(second.month_ids.mapped(lambda m: (m.kind, m.xero_count, m.xero_total)),
                         first.month_ids.mapped(lambda m: (m.kind, m.xero_count, m.xero_total)))
        # a linked document dated elsewhere in Xero is read by id, alone, and explained
        doc = self.xero_doc(moves["ok"])
        doc["Date"] = "2026-12-02"
        self.sandbox.seed(self.tenant_id, "Invoices", [doc])
        seq = self.sandbox.last_seq()
        third = self.compute()
        by_id = [r for r in self.api_requests(seq, path="/Invoices$") if r["query"].get("IDs")]
        self.assertEqual([r["query"]["IDs"] for r in by_id], [moves["ok"].xero_id])
        self.assertEqual(self.by_reason(third)[("date", moves["ok"].name)].message,
                         "Dated 2026-12-02 in Xero, outside the period.")

    def test_books_agree(self):
        move = self.invoice([{"price_unit": 100.0}])
        bill = self.invoice([{"price_unit": 10.0}], move_type="in_invoice", ref="AGREE-1")
        (move | bill).action_xero_sync()
        self.pay(move, 115.0)
        move.action_xero_sync()
        report = self.compute()
        self.assertFalse(report.difference_ids, report.difference_ids.mapped("message"))
        self.assertTrue(report.in_agreement)
        self.assertTrue(all(report.month_ids.mapped("agrees")))
        self.assertTrue(all(report.balance_ids.mapped("agrees")))

    def test_exports(self):
        moves = self.books()
        report = self.compute()
        # XLSX: read the produced file back
        action = report.action_export_xlsx()
        attachment = self.env["ir.attachment"].browse(int(action["url"].split("/")[3].split("?")[0]))
        self.assertEqual((attachment.res_model, attachment.res_id), (report._name, report.id))
        try:
            import openpyxl
        except ImportError:  # pragma: no cover
            openpyxl = None
        if openpyxl:
            book = openpyxl.load_workbook(io.BytesIO(attachment.raw))
            self.assertEqual(book.sheetnames, ["Report", "Monthly Figures", "Contact Balances", "Differences"])
            rows = list(book["Differences"].iter_rows(values_only=True))
            self.assertEqual(rows[0][:3], ("Kind", "Reason", "Explanation"))
            self.assertIn(("Invoices", "Amount differs", "Amount differs by 3 cents: 115.00 USD in Odoo, 114.97 USD "
                           "in Xero.", moves["cents"].name), [r[:4] for r in rows])
            months = list(book["Monthly Figures"].iter_rows(values_only=True))
            self.assertIn(("2026-11", "Invoices", "USD", 5, 322.0, 4, 441.47), [r[:7] for r in months])
        else:
            with zipfile.ZipFile(io.BytesIO(attachment.raw)) as archive:
                self.assertIn("Amount differs by 3 cents", archive.read("xl/sharedStrings.xml").decode())
        # PDF: the QWeb report's HTML (wkhtmltopdf may be missing on the machine)
        html, _kind = self.env["ir.actions.report"]._render_qweb_html("xero_connector.report_xero_parity",
                                                                      report.ids)
        html = html.decode()
        self.assertIn("Xero parity report", html)
        self.assertIn("Amount differs by 3 cents", html)
        self.assertIn("XERO-ONLY-1", html)
        self.assertIn("441.47", html)
        action = report.action_print_pdf()  # (Odoo first offers to set up the document layout, then prints)
        action = action.get("context", {}).get("report_action", action)
        self.assertEqual(action["report_name"], "xero_connector.report_xero_parity")

    def test_opened_from_the_connection_and_menu(self):
        self.assertEqual(self.env.ref("xero_connector.menu_xero_parity_report").action,
                         self.env.ref("xero_connector.action_xero_parity_report"))
        report = self.env["xero.parity.report"].with_context(default_connection_id=self.connection.id).create(PERIOD)
        self.assertEqual(report.connection_id, self.connection)
        self.assertIn("2026-11-01", report.name)
        self.assertEqual(report.date_from, date(2026, 11, 1))
        with self.assertRaises(ValidationError):
            report.date_to = "2026-10-31"


@tagged("post_install", "-at_install")
class TestParityReportTour(AccountingXeroCase):

    def test_parity_tour(self):
        # this month's (the report's default period) invoice, never sent to Xero
        move = self.invoice([{"price_unit": 30.0}], invoice_date=date.today().isoformat())
        self.assertFalse(move.xero_id)
        self.start_tour("/odoo", "xero_connector_parity", login="admin")
        report = self.env["xero.parity.report"].search([], limit=1)
        self.assertEqual(report.state, "done")
        self.assertEqual(sorted(report.difference_ids.mapped("reason")), ["balance", "not_synced"])
        self.assertEqual(report.difference_ids.filtered(lambda d: d.reason == "not_synced").res_id, move.id)
