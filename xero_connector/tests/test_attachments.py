"""Files of documents both ways: the invoice PDF and chatter files to Xero, files added in Xero to the chatter."""

from odoo.tests import tagged

from ..services import xero_client as xc
from ..services.engine import SyncEngine
from .accounting_common import AccountingXeroCase

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@tagged("post_install", "-at_install")
class TestAttachments(AccountingXeroCase):

    def setUp(self):
        super().setUp()
        self.rules = self.env["xero.mapping"]._for(self.connection, "invoice")
        self.rules.write({"send_pdf": True, "send_attachments": True, "import_attachments": True})

    def attach(self, record, name, content):
        return self.env["ir.attachment"].create({"name": name, "raw": content, "res_model": record._name,
                                                 "res_id": record.id})

    def stored_pdf(self, move):
        """The PDF that Odoo's Send & Print keeps on the invoice (invoice_pdf_report_file)."""
        return self.env["ir.attachment"].create({
            "name": f"{move.name.replace('/', '_')}.pdf", "raw": PDF, "mimetype": "application/pdf",
            "res_model": "account.move", "res_id": move.id, "res_field": "invoice_pdf_report_file"})

    def xero_change(self, invoice_id):
        """A change made in Xero (a new due date)."""
        [result] = self.connection._client().write("Invoices", [{"InvoiceID": invoice_id,
                                                                 "DueDate": xc.xero_date("2026-12-31")}],
                                                   create=False, idempotency_key=f"{self._testMethodName}-due")
        self.assertFalse(result.get("ValidationErrors"), result)

    def in_xero(self, entity, xero_id):
        return self.connection._client().list_attachments(entity, xero_id)

    def uploads(self, seq):
        return [r for r in self.api_requests(seq, method="PUT") if "/Attachments/" in r["path"]]

    def file_lines(self, move):
        lines = self.env["xero.sync.log.line"].search([("res_model", "=", move._name), ("res_id", "=", move.id)],
                                                       order="id")
        return [line.message for line in lines if "File" in (line.message or "") or "PDF" in (line.message or "")]

    def test_pdf_online_and_files_sent_once_and_a_changed_file_again(self):
        move = self.invoice([{"price_unit": 100.0}])
        self.stored_pdf(move)
        contract = self.attach(move, "contract.pdf", PDF + b"contract")
        seq = self.sandbox.last_seq()
        move.action_xero_sync()
        move.invalidate_recordset()
        self.assertEqual(move.xero_sync_state, "synced", move.xero_last_error)
        files = {a["FileName"]: a for a in self.in_xero("Invoices", move.xero_id)}
        pdf_name = f"{move.name.replace('/', '_')}.pdf"
        self.assertEqual(set(files), {pdf_name, "contract.pdf"})
        self.assertTrue(files[pdf_name].get("IncludeOnline"))  # the customer sees it online
        self.assertFalse(files["contract.pdf"].get("IncludeOnline"))
        self.assertEqual(files["contract.pdf"]["ContentLength"], len(PDF) + len(b"contract"))
        self.assertEqual(len(self.uploads(seq)), 2)
        self.assertEqual(next(r["query"] for r in self.uploads(seq) if pdf_name in r["path"]).get("IncludeOnline"),
                         "True")
        self.assertIn(f"File '{pdf_name}' sent to Xero, shown on the online invoice.", self.file_lines(move))
        doc = next(d for d in self.xero_documents() if d["InvoiceID"] == move.xero_id)
        self.assertTrue(doc["HasAttachments"])

        # a second push sends nothing: Xero has both files
        seq = self.sandbox.last_seq()
        move.action_xero_sync()
        self.assertEqual(self.uploads(seq), [])

        # the file changed in Odoo: it goes again under its name, and Xero replaces it
        contract.raw = PDF + b"contract, signed"
        seq = self.sandbox.last_seq()
        move.action_xero_sync()
        uploads = self.uploads(seq)
        self.assertEqual([r["path"].rsplit("/", 1)[1] for r in uploads], ["contract.pdf"])
        files = {a["FileName"]: a for a in self.in_xero("Invoices", move.xero_id)}
        self.assertEqual(len(files), 2)
        self.assertEqual(files["contract.pdf"]["ContentLength"], len(PDF) + len(b"contract, signed"))

        # the files that went are known: when the invoice changes in Xero, its import posts none of them back
        self.xero_change(move.xero_id)
        log = SyncEngine(self.connection, trigger="manual").pull("invoice")
        self.assertEqual(log.count_failed, 0, log.line_ids.mapped("message"))
        self.assertFalse(move.message_ids.filtered("attachment_ids"))

    def test_limits_warn_per_file_and_the_rest_still_goes(self):
        move = self.invoice([{"price_unit": 50.0}])
        self.stored_pdf(move)
        self.attach(move, "scan.tiff", b"x" * (11 * 1024 * 1024))
        for n in range(1, 12):
            self.attach(move, f"page{n:02}.pdf", PDF + str(n).encode())
        seq = self.sandbox.last_seq()
        move.action_xero_sync()
        move.invalidate_recordset()
        self.assertEqual(move.xero_sync_state, "synced", move.xero_last_error)  # the document itself is fine
        names = [a["FileName"] for a in self.in_xero("Invoices", move.xero_id)]
        self.assertEqual(len(names), xc.MAX_ATTACHMENTS)
        self.assertEqual(names[1:], [f"page{n:02}.pdf" for n in range(1, 10)])
        self.assertEqual(len(self.uploads(seq)), 10)  # nothing past the limits was sent
        lines = self.file_lines(move)
        self.assertIn("File 'scan.tiff' not sent: it is 11.0 MB and Xero takes files up to 10.0 MB.", lines)
        for name in ("page10.pdf", "page11.pdf"):
            self.assertIn(f"File '{name}' not sent: the document already has 10 files in Xero, the most Xero "
                          "takes.", lines)
        log = self.env["xero.sync.log"].search([("entity", "=", "invoice")], limit=1)
        self.assertEqual((log.count_failed, log.count_warning), (0, 3))

    def test_no_pdf_renderer_is_a_warning_and_the_files_still_go(self):
        move = self.invoice([{"price_unit": 20.0}])  # never sent or printed: no stored PDF
        self.attach(move, "terms.txt", b"Pay within 30 days.")
        move.action_xero_sync()
        move.invalidate_recordset()
        self.assertEqual(move.xero_sync_state, "synced", move.xero_last_error)
        self.assertEqual([a["FileName"] for a in self.in_xero("Invoices", move.xero_id)], ["terms.txt"])
        self.assertTrue(any(m.startswith("The PDF was not sent: Odoo rendered the report as html")
                            for m in self.file_lines(move)), self.file_lines(move))

    def test_files_off_by_default_send_nothing(self):
        self.rules.write({"send_pdf": False, "send_attachments": False})
        move = self.invoice([{"price_unit": 20.0}])
        self.stored_pdf(move)
        self.attach(move, "terms.txt", b"Pay within 30 days.")
        seq = self.sandbox.last_seq()
        move.action_xero_sync()
        self.assertEqual(self.uploads(seq), [])
        self.assertFalse([r for r in self.api_requests(seq) if "/Attachments" in r["path"]])

    def test_bill_receipt_added_in_xero_comes_into_the_chatter_once(self):
        client = self.connection._client()
        [bill] = client.write("Invoices", [{
            "Type": "ACCPAY", "Contact": {"Name": "Receipt Supplier"}, "Date": xc.xero_date("2026-11-04"),
            "DueDate": xc.xero_date("2026-12-04"), "InvoiceNumber": "SUP-991", "Status": "AUTHORISED",
            "LineAmountTypes": "Exclusive", "LineItems": [{"Description": "Toner", "Quantity": 1,
                                                           "UnitAmount": 80.0, "AccountCode": "300",
                                                           "TaxType": "INPUT"}]}],
            create=True, idempotency_key=f"{self._testMethodName}-bill")
        receipt = b"\xff\xd8\xff\xe0 a photo of the receipt"
        client.put_attachment("Invoices", bill["InvoiceID"], "receipt.jpg", receipt, idempotency_key="rcpt-1")
        log = SyncEngine(self.connection, trigger="manual").pull("invoice")
        self.assertEqual(log.count_failed, 0, log.line_ids.mapped("message"))
        binding = self.env["xero.binding"].search([("connection_id", "=", self.connection.id),
                                                   ("res_model", "=", "account.move"), ("xero_id", "=", bill["InvoiceID"])])
        move = self.env["account.move"].browse(binding.res_id)
        self.assertEqual(move.move_type, "in_invoice")
        posted = move.message_ids.filtered(lambda m: m.attachment_ids)
        self.assertEqual(len(posted), 1)
        self.assertEqual(posted.attachment_ids.name, "receipt.jpg")
        self.assertEqual(posted.attachment_ids.raw, receipt)
        self.assertIn("File added in Xero: receipt.jpg", posted.body)

        # another file is added in Xero, and the bill changes: only the new file comes in
        client.put_attachment("Invoices", bill["InvoiceID"], "delivery-note.pdf", PDF, idempotency_key="rcpt-2")
        self.xero_change(bill["InvoiceID"])
        SyncEngine(self.connection, trigger="manual").pull("invoice")
        posted = move.message_ids.filtered(lambda m: m.attachment_ids)
        self.assertEqual(sorted(posted.attachment_ids.mapped("name")), ["delivery-note.pdf", "receipt.jpg"])
        # nothing changed in Xero: nothing is read
        seq = self.sandbox.last_seq()
        SyncEngine(self.connection, trigger="manual").pull("invoice")
        self.assertFalse([r for r in self.api_requests(seq) if "/Attachments" in r["path"]])
        self.assertEqual(len(move.message_ids.filtered(lambda m: m.attachment_ids)), 2)
        # the files from Xero are not sent back to it
        seq = self.sandbox.last_seq()
        SyncEngine(self.connection, trigger="manual").push("invoice", move)
        self.assertEqual(self.uploads(seq), [])

    def test_purchase_order_files(self):
        self.env["xero.mapping"]._for(self.connection, "purchase_order").write({"send_attachments": True})
        product = self.env["product.product"].create({
            "name": "Ink", "default_code": "INK-1", "purchase_ok": True,
            "property_account_expense_id": self.expense_account.id})
        order = self.env["purchase.order"].create({"partner_id": self.vendor.id, "order_line": [
            (0, 0, {"product_id": product.id, "product_qty": 3, "price_unit": 9.0,
                    "taxes_id": [(6, 0, self.purchase_tax.ids)]})]})
        order.button_confirm()
        order.xero_allow_sync = True
        self.attach(order, "quote.pdf", PDF)
        order.action_xero_sync()
        order.invalidate_recordset()
        self.assertEqual(order.xero_sync_state, "synced", order.xero_last_error)
        [sent] = self.in_xero("PurchaseOrders", order.xero_id)
        self.assertEqual((sent["FileName"], sent.get("IncludeOnline")), ("quote.pdf", None))

    def test_without_the_attachments_scope_the_document_still_goes(self):
        self.connection.sudo().scopes = " ".join(
            s for s in xc.DEFAULT_SCOPES.split() if s != "accounting.attachments")
        self._connect()
        self.assertEqual(self.connection.missing_scopes, "accounting.attachments")
        move = self.invoice([{"price_unit": 30.0}])
        self.attach(move, "terms.txt", b"Pay within 30 days.")
        move.action_xero_sync()
        move.invalidate_recordset()
        self.assertEqual(move.xero_sync_state, "synced", move.xero_last_error)
        [line] = [m for m in self.file_lines(move) if "terms.txt" in m]
        self.assertIn("File 'terms.txt' not sent: Xero refused access to attachments", line)
        self.assertIn("accounting.attachments", line)
        self.assertIn("Re-consent", line)
        self.connection.invalidate_recordset()
        self.assertEqual(self.connection.state, "connected")
