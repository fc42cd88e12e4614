"""Totals to the cent: generated invoices, foreign currency, 4-decimal prices, the lock date."""

import logging
import random

from odoo.tests import tagged

from .accounting_common import AccountingXeroCase

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestInvoiceTotals(AccountingXeroCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exempt_tax = cls.env["account.tax"].create({"name": "Xero Test Exempt 0%", "amount": 0.0,
                                                        "type_tax_use": "sale"})
        cls.xero_rate("EXEMPTOUTPUT").tax_ids = [(6, 0, cls.exempt_tax.ids)]

    def test_two_hundred_generated_invoices_match_to_the_cent(self):
        rng = random.Random(20261123)
        partners = self.env["res.partner"].create([{"name": f"Totals Customer {i}", "is_company": True}
                                                   for i in range(5)])
        moves = self.env["account.move"]
        for n in range(200):
            inclusive = rng.random() < 0.3
            lines = []
            for _i in range(rng.randint(1, 6)):
                tax = self.sale_tax_incl if inclusive else rng.choice([self.sale_tax, self.sale_tax, self.exempt_tax,
                                                                      False])
                lines.append({
                    "name": f"Line {n}-{_i}", "quantity": rng.choice([1, 2, 3, 0.5, 1.25, 7, 12.5]),
                    "price_unit": round(rng.uniform(0.01, 999.99), 2),
                    "discount": rng.choice([0, 0, 0, 5, 10, 12.5, 33.33]), "tax": tax,
                })
            moves |= self.invoice(lines, partner=partners[n % 5], post=False)
        moves.action_post()
        moves.xero_allow_sync = True
        seq = self.sandbox.last_seq()
        moves.with_context(xero_sync_now=True).action_xero_sync()
        writes = [r for r in self.api_requests(seq, path="/Invoices$") if r["method"] in ("PUT", "POST")]
        self.assertEqual(len(writes), 4)  # 200 documents, 50 a call
        xero = {d["InvoiceID"]: d for d in self.xero_documents("Invoices")}
        mismatches = []
        for move in moves:
            doc = xero.get(move.xero_id)
            if not doc:
                mismatches.append(f"{move.name}: not in Xero ({move.xero_last_error})")
                continue
            if (round(doc["Total"] - move.amount_total, 2), round(doc["TotalTax"] - move.amount_tax, 2)) != (0, 0):
                mismatches.append(f"{move.name}: Odoo {move.amount_total:.2f} (tax {move.amount_tax:.2f}) vs Xero "
                                  f"{doc['Total']:.2f} (tax {doc['TotalTax']:.2f}), {doc['LineAmountTypes']}")
        total = sum(moves.mapped("amount_total"))
        _logger.info("200 generated invoices: %s mismatches, Odoo total %.2f, Xero total %.2f", len(mismatches),
                     total, sum(xero[m.xero_id]["Total"] for m in moves if m.xero_id in xero))
        self.assertFalse(mismatches, "\n".join(mismatches))
        self.assertFalse(self.env["xero.sync.log.line"].search([("action", "=", "warning")]))

    def test_foreign_currency_invoice(self):
        eur = self.env.ref("base.EUR")
        eur.active = True
        self.env["res.currency.rate"].create({"currency_id": eur.id, "name": "2026-11-01", "rate": 0.92,
                                              "company_id": self.env.company.id})
        self.sandbox.seed(self.tenant_id, "Currencies", [{"Code": "EUR"}])  # added in Xero
        self.connection.action_import_accounting_setup()
        move = self.invoice([{"price_unit": 250.0}, {"price_unit": 19.99, "quantity": 3}], currency_id=eur.id)
        move.action_xero_sync()
        move.invalidate_recordset()
        self.assertEqual(move.xero_sync_state, "synced", move.xero_last_error)
        doc = next(d for d in self.xero_documents("Invoices") if d["InvoiceID"] == move.xero_id)
        self.assertEqual(doc["CurrencyCode"], "EUR")
        self.assertAlmostEqual(doc["CurrencyRate"], 0.92, places=6)
        self.assertAlmostEqual(doc["Total"], move.amount_total, places=2)

    def test_four_decimal_unit_prices(self):
        self.env.ref("product.decimal_price").digits = 4
        move = self.invoice([{"price_unit": 0.1234, "quantity": 1000}, {"price_unit": 2.5005, "quantity": 3}])
        move.action_xero_sync()
        doc = next(d for d in self.xero_documents("Invoices") if d["InvoiceID"] == move.xero_id)
        self.assertEqual([li["UnitAmount"] for li in doc["LineItems"]], [0.1234, 2.5005])
        self.assertAlmostEqual(doc["Total"], move.amount_total, places=2)
        self.assertEqual(doc["LineItems"][0]["LineAmount"], 123.4)

    def test_lock_date_refusal_is_reported_in_plain_words(self):
        self.sandbox.call("POST", f"tenants/{self.tenant_id}/organisation", json={"PeriodLockDate": "2026-10-31"})
        old = self.invoice([{"price_unit": 10.0}], invoice_date="2026-10-15")
        new = self.invoice([{"price_unit": 10.0}], invoice_date="2026-11-15")
        (old | new).action_xero_sync()
        (old | new).invalidate_recordset()
        self.assertEqual(new.xero_sync_state, "synced")
        self.assertEqual(old.xero_sync_state, "error")
        self.assertIn("period lock date", old.xero_last_error)
        # refused alone, then mended in Xero only (the same record, payload and batch): the retry is
        # a new request, not a replay of the refusal Xero keeps under the old Idempotency-Key
        old.action_xero_sync()
        old.invalidate_recordset()
        self.assertEqual(old.xero_sync_state, "error")
        self.sandbox.call("POST", f"tenants/{self.tenant_id}/organisation", json={"PeriodLockDate": None})
        old.action_xero_sync()
        old.invalidate_recordset()
        self.assertEqual(old.xero_sync_state, "synced", old.xero_last_error)
        self.assertEqual(sum(d["InvoiceID"] == old.xero_id for d in self.xero_documents("Invoices")), 1)
