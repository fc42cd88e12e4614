"""Documents entered in both Odoo and Xero: matched, not doubled, both ways.

Bills by contact, reference (Xero's number = Odoo's reference) and amount; documents one side has no
number or reference for by contact, date and amount; two candidates reported, never guessed.
"""

import itertools

from odoo.tests import tagged

from ..services import xero_client as xc
from ..services.engine import Matcher, SyncEngine
from ..services.mappers import MAPPERS
from .accounting_common import AccountingXeroCase


@tagged("post_install", "-at_install")
class TestDocumentMatching(AccountingXeroCase):

    def setUp(self):
        super().setUp()
        self._keys = itertools.count()
        # the vendor and the customer are Xero contacts (their bindings give the partner of a Xero document)
        SyncEngine(self.connection).push("contact", self.vendor | self.customer)
        self.assertTrue(self.vendor.xero_id and self.customer.xero_id)

    def xero_doc(self, partner, doc_type="ACCPAY", date="2026-11-02", price=100.0, **extra):
        """A Xero document of one taxed line (15 %): total ``price`` × 1.15."""
        sales = doc_type == "ACCREC"
        [doc] = self.connection._client().write("Invoices", [dict({
            "Type": doc_type, "Contact": {"ContactID": partner.xero_id}, "Date": xc.xero_date(date),
            "DueDate": xc.xero_date("2026-12-31"), "Status": "AUTHORISED", "LineAmountTypes": "Exclusive",
            "LineItems": [{"Description": "Entered twice", "Quantity": 1, "UnitAmount": price,
                           "AccountCode": "200" if sales else "300", "TaxType": "OUTPUT" if sales else "INPUT"}],
        }, **extra)], create=True, idempotency_key=f"{self._testMethodName}-{next(self._keys)}")
        self.assertFalse(doc.get("ValidationErrors"), doc.get("ValidationErrors"))
        return doc

    def bill(self, price=100.0, **values):
        return self.invoice([{"price_unit": price}], move_type="in_invoice", **values)

    def bills_of(self, partner):
        return self.env["account.move"].search([("move_type", "=", "in_invoice"), ("partner_id", "=", partner.id)])

    def xero_bills(self):
        return [d for d in self.xero_documents() if d["Type"] == "ACCPAY" and d["Status"] != "DELETED"]

    def pull(self):
        return SyncEngine(self.connection, trigger="manual").pull("invoice")

    def test_bill_entered_in_both_places_is_one_bill(self):
        odoo_bill = self.bill(ref="SUP 4471")
        # the same bill keyed in Xero: its number spelt differently, dated when it was entered
        xero_bill = self.xero_doc(self.vendor, InvoiceNumber="sup4471", date="2026-11-05")
        log = self.pull()
        self.assertEqual((log.count_created, log.count_linked, log.count_failed), (0, 1, 0),
                         log.line_ids.mapped("message"))
        self.assertEqual(self.bills_of(self.vendor), odoo_bill)
        self.assertEqual(odoo_bill.xero_id, xero_bill["InvoiceID"])
        self.assertIn("Linked to the matching Xero record", log.line_ids.filtered(lambda l: l.action == "link").message)
        # and the next push updates Xero's bill, it creates none
        odoo_bill.action_xero_sync()
        self.assertEqual([d["InvoiceID"] for d in self.xero_bills()], [xero_bill["InvoiceID"]])

    def test_reference_or_amount_that_differs_is_another_bill(self):
        other_ref = self.bill(ref="A-100")
        other_amount = self.bill(price=100.01, ref="B-200")
        self.xero_doc(self.vendor, InvoiceNumber="X-100")  # same contact, date and amount as other_ref
        self.xero_doc(self.vendor, InvoiceNumber="B-200")  # same reference, a cent apart
        log = self.pull()
        self.assertEqual((log.count_created, log.count_linked), (2, 0), log.line_ids.mapped("message"))
        self.assertFalse((other_ref | other_amount).filtered("xero_id"))

    def test_no_reference_matches_by_contact_date_and_amount(self):
        no_ref = self.bill()
        later = self.bill(invoice_date="2026-11-09")
        xero_bill = self.xero_doc(self.vendor, InvoiceNumber="V-77")
        log = self.pull()
        self.assertEqual((log.count_created, log.count_linked), (0, 1), log.line_ids.mapped("message"))
        self.assertEqual(no_ref.xero_id, xero_bill["InvoiceID"])
        self.assertFalse(later.xero_id)

    def test_two_candidates_are_reported_not_guessed(self):
        first, second = self.bill(), self.bill()
        xero_bill = self.xero_doc(self.vendor)
        log = self.pull()
        self.assertEqual((log.count_created, log.count_linked, log.count_ambiguous), (0, 0, 1),
                         log.line_ids.mapped("message"))
        line = log.line_ids.filtered(lambda l: l.action == "ambiguous")
        self.assertEqual(line.xero_id, xero_bill["InvoiceID"])
        self.assertIn("2 Odoo records have the same contact, date and amount", line.message)
        self.assertFalse((first | second).filtered("xero_id"))
        self.assertEqual(self.bills_of(self.vendor), first | second)

    def test_bound_document_is_no_candidate(self):
        pushed = self.bill()
        pushed.action_xero_sync()
        twin = self.xero_doc(self.vendor)  # same contact, date, amount: Odoo's only candidate is linked already
        log = self.pull()
        self.assertEqual((log.count_created, log.count_linked, log.count_ambiguous), (1, 0, 0),
                         log.line_ids.mapped("message"))
        self.assertNotEqual(pushed.xero_id, twin["InvoiceID"])

    def test_sales_document_without_number(self):
        draft = self.invoice([{"price_unit": 100.0}], post=False)
        self.assertIn(draft.name, (False, "/"))
        invoice = self.xero_doc(self.customer, doc_type="ACCREC")  # Xero numbers it
        self.assertTrue(invoice["InvoiceNumber"])
        log = self.pull()
        self.assertEqual((log.count_created, log.count_linked), (0, 1), log.line_ids.mapped("message"))
        self.assertEqual(draft.xero_id, invoice["InvoiceID"])
        # a numbered Odoo invoice is Xero's of that number only
        numbered = self.invoice([{"price_unit": 100.0}], invoice_date="2026-11-07")
        self.sandbox.advance(5)
        other = self.xero_doc(self.customer, doc_type="ACCREC", date="2026-11-07")
        log = self.pull()
        self.assertEqual((log.count_created, log.count_linked), (1, 0), log.line_ids.mapped("message"))
        self.assertNotEqual(numbered.xero_id, other["InvoiceID"])

    def test_fetch_and_match_reports(self):
        linked = self.bill(ref="FM-1")
        twins = self.bill(invoice_date="2026-11-04") | self.bill(invoice_date="2026-11-04")
        only_odoo = self.bill(price=999.0, ref="FM-ODOO")
        xero_linked = self.xero_doc(self.vendor, InvoiceNumber="fm-1", date="2026-11-03")
        xero_twin = self.xero_doc(self.vendor, date="2026-11-04")
        xero_only = self.xero_doc(self.vendor, price=55.0, InvoiceNumber="FM-XERO")
        action = self.connection.action_fetch_match()
        log = self.env["xero.sync.log"].search(action["domain"] + [("entity", "=", "invoice")])
        self.assertEqual((log.count_linked, log.count_ambiguous), (1, 1), log.line_ids.mapped("message"))
        self.assertEqual(linked.xero_id, xero_linked["InvoiceID"])
        self.assertFalse(twins.filtered("xero_id") | only_odoo.filtered("xero_id"))
        self.assertEqual(log.line_ids.filtered(lambda l: l.action == "ambiguous").xero_id, xero_twin["InvoiceID"])
        would = log.line_ids.filtered(lambda l: l.action == "would_create")
        self.assertIn(xero_only["InvoiceID"], would.mapped("xero_id"))
        self.assertIn(only_odoo.id, would.mapped("res_id"))
        self.assertEqual(log.count_would_create_odoo, 1)
        # nothing was created on either side
        self.assertEqual(len(self.xero_bills()), 3)
        self.assertEqual(len(self.bills_of(self.vendor)), 4)

    def test_push_of_bill_in_xero_links_it(self):
        xero_bill = self.xero_doc(self.vendor, InvoiceNumber="PUSH-1", date="2026-11-05")
        bill = self.bill(ref=" Push-1")
        seq = self.sandbox.last_seq()
        bill.action_xero_sync()
        bill.invalidate_recordset()
        self.assertEqual((bill.xero_id, bill.xero_sync_state), (xero_bill["InvoiceID"], "synced"), bill.xero_last_error)
        self.assertEqual(len(self.xero_bills()), 1)
        # the index was not complete: the bill's contact and total were looked up, not every bill
        wheres = [r["query"].get("where", "") for r in self.api_requests(seq, "GET", r"/Invoices")]
        self.assertTrue(any(f'Contact.ContactID==Guid("{self.vendor.xero_id}")' in w for w in wheres), wheres)

    def test_push_with_complete_index_and_ambiguous(self):
        SyncEngine(self.connection).fetch_and_match("invoice")  # the index is complete
        xero_bill = self.xero_doc(self.vendor, InvoiceNumber="IDX-1")
        self.xero_doc(self.vendor, date="2026-11-06")
        self.xero_doc(self.vendor, date="2026-11-06")
        found, unclear = self.bill(ref="IDX-1"), self.bill(invoice_date="2026-11-06")
        seq = self.sandbox.last_seq()
        (found | unclear).action_xero_sync()
        (found | unclear).invalidate_recordset()
        self.assertEqual(found.xero_id, xero_bill["InvoiceID"])
        self.assertFalse(unclear.xero_id)
        self.assertIn("2 Xero records have the same contact, date and amount", unclear.xero_last_error)
        self.assertEqual(len(self.xero_bills()), 3)
        # one read of what changed since the index was complete, no look-up
        reads = self.api_requests(seq, "GET", r"/Invoices")
        self.assertEqual(len(reads), 1, [r["query"] for r in reads])
        self.assertNotIn("where", reads[0]["query"])

    def test_matching_costs_the_same_queries_for_2_or_20_documents(self):
        bills = self.env["account.move"]
        for n in range(20):
            bills |= self.bill(price=10.0 + n, ref=f"Q-{n}")
        self.bill(price=500.0)  # another bill of the vendor, not wanted by any
        datas = [{"InvoiceID": f"00000000-0000-4000-8000-{n:012d}", "Type": "ACCPAY", "InvoiceNumber": f"q-{n}",
                  "Contact": {"ContactID": self.vendor.xero_id}, "Date": xc.xero_date("2026-11-20"),
                  "CurrencyCode": bill.currency_id.name, "Total": bill.amount_total, "Status": "AUTHORISED"}
                 for n, bill in enumerate(bills)]

        def cost(chunk):
            self.env.flush_all()
            self.env.invalidate_all()
            mapper = MAPPERS["invoice"](self.env, self.connection)
            before = self.env.cr.sql_log_count
            candidates = mapper.odoo_candidates(self.env.company, [mapper.xero_match_values(d) for d in chunk])
            matcher = Matcher(mapper, candidates, mapper.odoo_match_values, lambda r: r.id)
            found = self.env["account.move"].union(*(matcher.match(mapper.xero_match_values(d))[0] for d in chunk))
            return self.env.cr.sql_log_count - before, found, candidates

        few, found_few, _candidates = cost(datas[:2])
        many, found_many, candidates = cost(datas)
        self.assertEqual(found_few, bills[:2])
        self.assertEqual(found_many, bills)
        self.assertEqual(candidates, bills)  # keyed: the vendor's other bill is not even read
        self.assertEqual(few, many)
