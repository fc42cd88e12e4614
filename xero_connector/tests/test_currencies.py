"""Multi-currency both ways against a USD and an NZD organisation: EUR, GBP, AUD and JPY (zero
decimals) documents with Odoo's rate, payments with their day's rate, Xero's currencies and the
plain error (and 'Add Currency in Xero') for one it has not added, imports keeping Xero's rate."""

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import float_compare

from ..services import xero_client as xc
from ..services.engine import SyncEngine
from .accounting_common import AccountingXeroCase

FOREIGN = ("EUR", "GBP", "AUD", "JPY")


class CurrencyCases:
    """The tests; the classes below run them in a USD and in an NZD company and organisation."""

    allow_inherited_tests_method = True  # Odoo's loader takes a class's own test methods only

    #: units of each currency per unit of the company's (= organisation's base) currency on 2026-11-01
    rates = {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.map_bank_journal()
        cls.cur = {}
        for code in FOREIGN + ("CHF",):
            currency = cls.env.ref(f"base.{code}")
            currency.active = True
            cls.cur[code] = currency
        for code, rate in cls.rates.items():
            cls.set_rate(code, "2026-11-01", rate)
        cls.cur["CHF"].active = False

    @classmethod
    def set_rate(cls, code, day, rate):
        cls.env["res.currency.rate"].create({"currency_id": cls.cur[code].id, "name": day, "company_rate": rate,
                                             "company_id": cls.env.company.root_id.id})

    def setUp(self):
        super().setUp()
        self.sandbox.wipe(self.tenant_id, "Currencies")  # the base currency only, in Xero and in Odoo
        self.connection.action_import_accounting_setup()

    def add_xero_currencies(self, *codes):
        """Add currencies in Xero (as its user would), then import the set-up."""
        self.sandbox.seed(self.tenant_id, "Currencies", [{"Code": c} for c in codes])
        self.connection.action_import_accounting_setup()

    def doc(self, move, resource="Invoices"):
        key = "CreditNoteID" if resource == "CreditNotes" else "InvoiceID"
        return next(d for d in self.xero_documents(resource) if d[key] == move.xero_id)

    def assertSameMoney(self, xero_amount, odoo_amount, currency):
        self.assertFalse(float_compare(xero_amount, odoo_amount, precision_rounding=currency.rounding),
                         f"Xero {xero_amount} vs Odoo {odoo_amount} {currency.name}")

    # ------------------------------------------------------------------ tests
    def test_currencies_are_read_with_the_accounting_setup(self):
        self.assertEqual(self.connection.xero_currency_codes, self.xero_base_currency)
        self.add_xero_currencies(*FOREIGN)
        self.assertEqual(self.connection.xero_currency_codes,
                         ", ".join([self.xero_base_currency, "AUD", "EUR", "GBP", "JPY"]))
        self.assertEqual(self.connection.xero_currency_ids.filtered(lambda c: c.code == "JPY").currency_id,
                         self.cur["JPY"])

    def test_documents_in_four_currencies_go_with_odoo_rate_and_match_to_the_cent(self):
        self.add_xero_currencies(*FOREIGN)
        moves = self.env["account.move"]
        for code in FOREIGN:
            moves |= self.invoice([{"price_unit": 1234.5, "quantity": 3}, {"price_unit": 19.99}],
                                  currency_id=self.cur[code].id)
        moves |= self.invoice([{"price_unit": 99.95}], move_type="in_invoice", currency_id=self.cur["GBP"].id,
                              ref="SUP-GBP-1")
        moves |= self.invoice([{"price_unit": 10.5}], move_type="out_refund", currency_id=self.cur["JPY"].id)
        moves.action_xero_sync()
        moves.invalidate_recordset()
        for move in moves:
            self.assertEqual(move.xero_sync_state, "synced", move.xero_last_error)
            doc = self.doc(move, "CreditNotes" if move.move_type == "out_refund" else "Invoices")
            code = move.currency_id.name
            self.assertEqual((doc["CurrencyCode"], doc["CurrencyRate"]), (code, self.rates[code]))
            self.assertSameMoney(doc["Total"], move.amount_total, move.currency_id)
            self.assertSameMoney(doc["TotalTax"], move.amount_tax, move.currency_id)
        self.assertFalse(self.env["xero.sync.log.line"].search([("action", "=", "warning")]))
        jpy = moves.filtered(lambda m: m.currency_id.name == "JPY" and m.move_type == "out_invoice")
        doc = self.doc(jpy)
        # 3 × 1234.5 = 3703.5 → ¥3,704; 19.99 → ¥20; tax ¥556 + ¥3: whole yen, as in Odoo
        self.assertEqual([li["LineAmount"] for li in doc["LineItems"]], [3704, 20])
        self.assertEqual((doc["SubTotal"], doc["TotalTax"], doc["Total"]), (3724, 559, 4283))
        self.assertEqual(jpy.amount_total, 4283)

    def test_a_currency_xero_has_not_added_is_a_plain_error_with_an_action(self):
        self.add_xero_currencies("EUR")
        move = self.invoice([{"price_unit": 50.0}], currency_id=self.cur["GBP"].id)
        move.action_xero_sync()
        move.invalidate_recordset()
        self.assertEqual(move.xero_sync_state, "error")
        self.assertIn("has not added the currency GBP", move.xero_last_error)
        self.assertTrue(move.xero_currency_missing)
        self.assertFalse(self.xero_documents("Invoices"))
        euro = self.invoice([{"price_unit": 50.0}], currency_id=self.cur["EUR"].id)
        self.assertFalse(euro.xero_currency_missing)

        move.action_xero_add_currency()
        move.invalidate_recordset()
        self.assertIn("GBP", [c["Code"] for c in self.sandbox.records(self.tenant_id, "Currencies")])
        self.assertIn("GBP", self.connection.xero_currency_codes)
        self.assertEqual(move.xero_sync_state, "synced", move.xero_last_error)
        self.assertFalse(move.xero_currency_missing)
        self.assertEqual(self.doc(move)["CurrencyCode"], "GBP")

    def test_xero_refusing_a_currency_it_was_thought_to_have_offers_the_action(self):
        # Odoo's list says AUD (removed in Xero since the import): Xero's own words come back
        self.env["xero.currency"].create({"connection_id": self.connection.id, "code": "AUD"})
        move = self.invoice([{"price_unit": 80.0}], currency_id=self.cur["AUD"].id)
        move.action_xero_sync()
        move.invalidate_recordset()
        self.assertIn("Organisation is not subscribed to currency AUD", move.xero_last_error)
        self.assertTrue(move.xero_currency_missing)
        move.action_xero_add_currency()
        move.invalidate_recordset()
        self.assertEqual(move.xero_sync_state, "synced", move.xero_last_error)

    def test_adding_a_currency_xero_refuses_says_why(self):
        org = f"tenants/{self.tenant_id}/organisation"
        self.sandbox.call("POST", org, json={"multi_currency": False})  # a Xero plan without multi-currency
        self.addCleanup(self.sandbox.call, "POST", org, json={"multi_currency": True})
        move = self.invoice([{"price_unit": 50.0}], currency_id=self.cur["EUR"].id)
        move.action_xero_sync()
        self.assertTrue(move.xero_currency_missing)
        with self.assertRaisesRegex(UserError, "Xero did not add the currency EUR: This organisation's plan does "
                                               "not include multi-currency."):
            move.action_xero_add_currency()

    def test_purchase_order_in_a_foreign_currency_goes_with_its_rate(self):
        self.add_xero_currencies("GBP")
        product = self.env["product.product"].create({
            "name": "Imported Widget", "default_code": "WIDGET-GB", "purchase_ok": True,
            "property_account_expense_id": self.expense_account.id,
            "supplier_taxes_id": [(6, 0, self.purchase_tax.ids)]})
        order = self.env["purchase.order"].create({
            "partner_id": self.vendor.id, "currency_id": self.cur["GBP"].id, "date_order": "2026-11-05 10:00:00",
            "order_line": [(0, 0, {"product_id": product.id, "product_qty": 4, "price_unit": 12.55,
                                   "taxes_id": [(6, 0, self.purchase_tax.ids)]})]})
        order.button_confirm()
        order.xero_allow_sync = True
        order.action_xero_sync()
        order.invalidate_recordset()
        self.assertEqual(order.xero_sync_state, "synced", order.xero_last_error)
        [doc] = self.xero_documents("PurchaseOrders")
        self.assertEqual((doc["CurrencyCode"], doc["CurrencyRate"]), ("GBP", self.rates["GBP"]))
        self.assertSameMoney(doc["Total"], order.amount_total, order.currency_id)

    def test_foreign_payment_carries_odoo_rate_of_its_day(self):
        self.add_xero_currencies("EUR")
        move = self.invoice([{"price_unit": 100.0}], currency_id=self.cur["EUR"].id)  # €115.00
        move.action_xero_sync()
        day_rate = round(self.rates["EUR"] * 1.05, 6)
        self.set_rate("EUR", "2026-11-10", day_rate)
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=move.ids).create(
            {"amount": 50.0, "payment_date": "2026-11-10", "journal_id": self.bank.id})._create_payments()
        move.action_xero_sync()
        [payment] = self.xero_documents("Payments")
        self.assertEqual((payment["Amount"], payment["CurrencyRate"]), (50.0, day_rate))
        self.assertEqual(self.doc(move)["AmountDue"], 65.0)

    def test_foreign_documents_and_payments_from_xero_keep_xero_rate(self):
        self.add_xero_currencies("AUD", "JPY")
        xero_rate = round(self.rates["AUD"] * 1.1, 6)  # not Odoo's
        [aud, jpy] = self.xero_write("Invoices", [{
            "Type": "ACCREC", "Contact": {"Name": "Sydney Buyer Pty"}, "Date": xc.xero_date("2026-11-03"),
            "DueDate": xc.xero_date("2026-12-03"), "Status": "AUTHORISED", "CurrencyCode": code,
            "CurrencyRate": rate, "LineAmountTypes": "Exclusive",
            "LineItems": [{"Description": "Export", "Quantity": 3, "UnitAmount": unit, "AccountCode": "200",
                           "TaxType": "OUTPUT"}]} for code, rate, unit in (("AUD", xero_rate, 333.33),
                                                                           ("JPY", 150.0, 1234.5))])
        log = SyncEngine(self.connection, trigger="manual").pull("invoice")
        self.assertEqual((log.count_created, log.count_failed), (2, 0), log.line_ids.mapped("message"))
        self.assertFalse(log.line_ids.filtered(lambda l: l.action == "warning"), log.line_ids.mapped("message"))
        for data in (aud, jpy):
            move = self.move_of(data["InvoiceID"])
            self.assertEqual(move.currency_id.name, data["CurrencyCode"])
            self.assertEqual(move.invoice_currency_rate, data["CurrencyRate"])
            self.assertSameMoney(data["Total"], move.amount_total, move.currency_id)
            company_currency = self.env.company.currency_id
            self.assertSameMoney(abs(move.amount_total_signed), company_currency.round(
                data["Total"] / data["CurrencyRate"]), company_currency)
        self.assertEqual(self.move_of(jpy["InvoiceID"]).amount_total, 4260)

        pay_rate = round(self.rates["AUD"] * 0.97, 6)
        self.xero_write("Payments", [{"Invoice": {"InvoiceID": aud["InvoiceID"]}, "Account": {"Code": "090"},
                                      "Date": xc.xero_date("2026-11-21"), "Amount": 100.0,
                                      "CurrencyRate": pay_rate}])
        log = SyncEngine(self.connection, trigger="manual").pull("payment")
        self.assertEqual(log.count_created, 1, log.line_ids.mapped("message"))
        move = self.move_of(aud["InvoiceID"])
        self.assertEqual(move.payment_state, "partial")
        self.assertAlmostEqual(move.amount_residual, aud["Total"] - 100.0, places=2)
        payment = move._get_reconciled_payments()
        self.assertEqual((payment.currency_id.name, payment.amount), ("AUD", 100.0))
        self.assertSameMoney(abs(payment.move_id.line_ids[0].balance),
                             self.env.company.currency_id.round(100.0 / pay_rate), self.env.company.currency_id)

    def test_a_currency_inactive_in_odoo_is_an_error_naming_it(self):
        self.add_xero_currencies("CHF")
        [inv] = self.xero_write("Invoices", [{
            "Type": "ACCREC", "Contact": {"Name": "Zurich AG"}, "Date": xc.xero_date("2026-11-03"),
            "Status": "AUTHORISED", "CurrencyCode": "CHF", "CurrencyRate": 0.8,
            "LineItems": [{"Description": "Watch", "Quantity": 1, "UnitAmount": 500, "AccountCode": "200",
                           "TaxType": "OUTPUT"}]}])
        log = SyncEngine(self.connection, trigger="manual").pull("invoice")
        self.assertEqual(log.count_failed, 1)
        self.assertIn("The currency CHF (Swiss franc) is not active in Odoo", log.failed_line_ids.message)
        self.assertFalse(self.cur["CHF"].active)
        self.assertFalse(self.move_of(inv["InvoiceID"]))

    def test_a_company_in_another_currency_than_the_organisation_is_refused(self):
        self.connection.sudo().base_currency = "GBP"
        move = self.invoice([{"price_unit": 10.0}])
        move.action_xero_sync()
        move.invalidate_recordset()
        self.assertIn(f"The company's currency {self.xero_base_currency} is not the base currency GBP",
                      move.xero_last_error)
        self.assertFalse(self.xero_documents("Invoices"))


@tagged("post_install", "-at_install")
class TestCurrenciesUsd(CurrencyCases, AccountingXeroCase):
    xero_base_currency = "USD"
    rates = {"EUR": 0.92, "GBP": 0.79, "AUD": 1.52, "JPY": 151.25}


@tagged("post_install", "-at_install")
class TestCurrenciesNzd(CurrencyCases, AccountingXeroCase):
    """A New Zealand company (NZD) connected to an NZD organisation."""

    xero_base_currency = "NZD"
    rates = {"EUR": 0.55, "GBP": 0.47, "AUD": 0.91, "JPY": 90.5}

    @classmethod
    def _xero_company(cls):
        company = cls.env["res.company"].create({"name": "Xero NZ Test Ltd", "country_id": cls.env.ref("base.nz").id,
                                                 "currency_id": cls.env.ref("base.NZD").id})
        for user in (cls.env.user, cls.env.ref("base.user_admin")):
            user.write({"company_ids": [(4, company.id)], "company_id": company.id})
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[company.id]))
        # the generic chart makes its company American: NZD again (no entries yet, so allowed)
        cls.env["account.chart.template"].try_loading("generic_coa", company=company, install_demo=False)
        company.currency_id = cls.env.ref("base.NZD")
