"""A connected company with a chart of accounts, Xero's set-up imported and mapped."""

from .common import ConnectedXeroCase

DOCUMENT_RESOURCES = ("Payments", "Invoices", "CreditNotes", "PurchaseOrders", "BankTransactions")


class AccountingXeroCase(ConnectedXeroCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        if not company.chart_template:
            cls.env["account.chart.template"].try_loading("generic_coa", company=company, install_demo=False)
        Account = cls.env["account.account"].with_company(company)
        cls.income_account = Account.search([*Account._check_company_domain(company),
                                             ("account_type", "=", "income")], limit=1)
        cls.expense_account = Account.search([*Account._check_company_domain(company),
                                              ("account_type", "=", "expense")], limit=1)
        Tax = cls.env["account.tax"]
        cls.sale_tax = Tax.create({"name": "Xero Test Sales 15%", "amount": 15.0, "type_tax_use": "sale",
                                   "company_id": company.id})
        cls.sale_tax_incl = Tax.create({"name": "Xero Test Sales 15% incl.", "amount": 15.0,
                                        "type_tax_use": "sale", "price_include_override": "tax_included",
                                        "company_id": company.id})
        cls.purchase_tax = Tax.create({"name": "Xero Test Purchases 15%", "amount": 15.0,
                                       "type_tax_use": "purchase", "company_id": company.id})
        cls.connection.action_import_accounting_setup()
        cls.xero_sales = cls.xero_account("200")
        cls.xero_purchases = cls.xero_account("300")
        cls.xero_sales.account_ids = [(4, cls.income_account.id)]
        cls.xero_purchases.account_ids = [(4, cls.expense_account.id)]
        cls.output = cls.xero_rate("OUTPUT")
        cls.input = cls.xero_rate("INPUT")
        cls.output.tax_ids = [(6, 0, (cls.sale_tax | cls.sale_tax_incl).ids)]
        cls.input.tax_ids = [(6, 0, cls.purchase_tax.ids)]
        cls.customer = cls.env["res.partner"].create({"name": "Invoice Customer Ltd", "is_company": True,
                                                      "email": "ar@customer.example"})
        cls.vendor = cls.env["res.partner"].create({"name": "Bill Vendor Ltd", "is_company": True,
                                                    "email": "ap@vendor.example"})

    def setUp(self):
        super().setUp()
        for resource in DOCUMENT_RESOURCES:
            self.sandbox.wipe(self.tenant_id, resource)

    @classmethod
    def map_bank_journal(cls, code="090"):
        """The company's bank journal as the payment journal of Xero's bank account ``code``."""
        cls.bank = cls.env["account.journal"].search([("type", "=", "bank"),
                                                      ("company_id", "=", cls.env.company.id)], limit=1)
        cls.xero_account(code).journal_id = cls.bank
        return cls.bank

    @classmethod
    def xero_account(cls, code):
        return cls.env["xero.account"].search([("connection_id", "=", cls.connection.id), ("code", "=", code)])

    @classmethod
    def xero_rate(cls, tax_type):
        return cls.env["xero.tax.rate"].search([("connection_id", "=", cls.connection.id),
                                                ("tax_type", "=", tax_type)])

    def invoice(self, lines, partner=None, move_type="out_invoice", post=True, **values):
        """``lines``: dicts of name, quantity, price_unit, tax (record or False), discount, product."""
        partner = partner or (self.customer if move_type.startswith("out") else self.vendor)
        account = self.income_account if move_type.startswith("out") else self.expense_account
        default_tax = self.sale_tax if move_type.startswith("out") else self.purchase_tax
        commands = []
        for line in lines:
            tax = line.get("tax", default_tax)
            commands.append((0, 0, {
                "name": line.get("name", "Service"), "quantity": line.get("quantity", 1.0),
                "price_unit": line["price_unit"], "discount": line.get("discount", 0.0),
                "account_id": line.get("account", account).id,
                "tax_ids": [(6, 0, tax.ids if tax else [])],
                **({"product_id": line["product"].id} if line.get("product") else {}),
            }))
        move = self.env["account.move"].create({
            "move_type": move_type, "partner_id": partner.id, "invoice_date": values.pop("invoice_date", "2026-11-02"),
            "invoice_line_ids": commands, **values})
        if post:
            move.action_post()
        move.xero_allow_sync = True
        return move

    def xero_write(self, resource, records, create=True, key=None):
        """Create (or update) records in Xero through the connection's client, as its user would."""
        self._keys = getattr(self, "_keys", 0) + 1
        results = self.connection._client().write(resource, records, create=create,
                                                  idempotency_key=key or f"{self._testMethodName}-{self._keys}")
        for result in results:  # what the test sets up in Xero must be accepted
            self.assertFalse(result.get("ValidationErrors"), result.get("ValidationErrors"))
        return results

    def move_of(self, xero_id):
        binding = self.env["xero.binding"].search([("connection_id", "=", self.connection.id),
                                                   ("res_model", "=", "account.move"), ("xero_id", "=", xero_id)])
        return self.env["account.move"].browse(binding.res_id)

    def xero_documents(self, resource="Invoices"):
        return self.sandbox.records(self.tenant_id, resource)
