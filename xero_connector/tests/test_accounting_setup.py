"""Xero's chart of accounts, tax rates and branding themes, and their mappings."""

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .accounting_common import AccountingXeroCase


@tagged("post_install", "-at_install")
class TestAccountingSetup(AccountingXeroCase):

    def test_import_reads_everything_once(self):
        accounts = self.env["xero.account"].search_count([("connection_id", "=", self.connection.id)])
        rates = self.env["xero.tax.rate"].search_count([("connection_id", "=", self.connection.id)])
        self.assertGreater(accounts, 20)
        self.assertGreaterEqual(rates, 3)
        self.assertTrue(self.connection.branding_theme_ids)
        self.assertEqual(self.xero_sales.type, "REVENUE")
        self.assertTrue(self.xero_account("090").can_pay)
        self.assertFalse(self.xero_sales.can_pay)
        # again: nothing duplicated, mappings kept
        self.connection.action_import_accounting_setup()
        self.assertEqual(self.env["xero.account"].search_count([("connection_id", "=", self.connection.id)]),
                         accounts)
        self.assertIn(self.income_account, self.xero_sales.account_ids)

    def test_auto_mapping_by_code_and_rate(self):
        Account = self.env["account.account"]
        mine = Account.create({"code": "260", "name": "Other revenue (Odoo)", "account_type": "income_other"})
        tax = self.env["account.tax"].create({"name": "Exempt purchases", "amount": 0.0,
                                              "type_tax_use": "purchase"})
        self.connection._auto_map_accounting()
        self.assertIn(mine, self.xero_account("260").account_ids)
        zero_purchase_rates = self.env["xero.tax.rate"].search([
            ("connection_id", "=", self.connection.id), ("rate", "=", 0.0), ("for_expenses", "=", True)])
        mapped = zero_purchase_rates.filtered(lambda r: tax in r.tax_ids)
        # mapped only when exactly one Xero rate fits; never guessed among several
        self.assertEqual(len(mapped), 1 if len(zero_purchase_rates) == 1 else 0)

    def test_rate_mismatch_is_an_error_on_the_mapping(self):
        ten = self.env["account.tax"].create({"name": "Ten percent", "amount": 10.0, "type_tax_use": "sale"})
        self.output.tax_ids = [(4, ten.id)]
        self.assertIn("Ten percent is 10% in Odoo but", self.output.check_message)
        self.assertIn("is 15% in Xero", self.output.check_message)
        self.output.tax_ids = [(3, ten.id)]
        self.assertFalse(self.output.check_message)

    def test_one_odoo_account_maps_to_one_xero_account(self):
        with self.assertRaisesRegex(ValidationError, "already mapped to the Xero account"):
            self.xero_account("260").account_ids = [(4, self.income_account.id)]

    def test_payment_journal_needs_a_bank_account(self):
        journal = self.env["account.journal"].create({"name": "Xero Test Bank", "code": "XTB", "type": "bank"})
        self.xero_account("090").journal_id = journal
        self.assertEqual(self.xero_account("090").journal_id, journal)
        with self.assertRaisesRegex(ValidationError, "already mapped to another Xero account"):
            self.xero_account("091").journal_id = journal
        other = self.env["account.journal"].create({"name": "Xero Test Bank 2", "code": "XTB2", "type": "bank"})
        with self.assertRaisesRegex(ValidationError, "neither"):
            self.xero_sales.journal_id = other

    def test_create_missing_odoo_accounts_and_taxes(self):
        xero_rent = self.xero_account("469")
        xero_rent.account_ids = False
        xero_rent.action_create_odoo_accounts()
        self.assertEqual(xero_rent.account_ids.code, "469")
        self.assertEqual(xero_rent.account_ids.account_type, "expense")
        rate = self.xero_rate("NONE")
        rate.tax_ids = False
        created = rate.action_create_odoo_taxes()
        self.assertTrue(created)
        self.assertEqual(set(created.mapped("amount")), {rate.rate})
        self.assertFalse(rate.check_message)
