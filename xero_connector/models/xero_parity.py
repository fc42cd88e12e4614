"""Xero › Reporting › Parity Report: do the two sets of books agree for a period?

A report (``xero.parity.report``) is computed once and stored, so it can be reopened, printed and
exported: per month, document kind and currency the counts and totals on both sides
(``xero.parity.month``), the receivable and payable balance of each contact of the period on both
sides (``xero.parity.balance``), and every difference with what the connector knows of its cause
and links to both records (``xero.parity.difference``).

What it costs Xero: one paged read per entity filtered by Xero on the period's dates (invoices
and bills lightweight, ``summaryOnly``), one read of the Balances of the period's contacts (by
their ids, paged), and targeted reads of the few linked records that the period's reads did not return.
Nothing grows with the documents outside the period.  Odoo's figures are SQL aggregates; the
records of the period are read in one query per kind, with their links.
"""

import io
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, float_round

from ..services import xero_client as xc
from .account_move import _DEEP_LINKS

KINDS = [("invoice", "Invoices"), ("bill", "Bills"), ("credit_note", "Credit Notes"), ("payment", "Payments")]
REASONS = [
    ("not_synced", "Not synced"),
    ("failed", "Sync failed"),
    ("locked", "Locked in Xero"),
    ("only_xero", "Only in Xero"),
    ("missing", "Missing in Xero"),
    ("date", "Dated differently"),
    ("amount", "Amount differs"),
    ("status", "Status differs"),
    ("balance", "Balance differs"),
]
MOVE_KINDS = {"out_invoice": "invoice", "in_invoice": "bill", "out_refund": "credit_note", "in_refund": "credit_note"}
XERO_KINDS = {"ACCREC": "invoice", "ACCPAY": "bill", "ACCRECCREDIT": "credit_note", "ACCPAYCREDIT": "credit_note"}
XERO_MOVE_TYPES = {"ACCREC": "out_invoice", "ACCPAY": "in_invoice", "ACCRECCREDIT": "out_refund",
                   "ACCPAYCREDIT": "in_refund"}
POSTED = ("AUTHORISED", "PAID")
# entity, id key, number key, type key of the documents read from Xero
DOCUMENT_READS = (("Invoices", "InvoiceID", "InvoiceNumber"), ("CreditNotes", "CreditNoteID", "CreditNoteNumber"))


def _money(value, currency=None):
    text = f"{value:,.2f}"
    return f"{text} {currency}" if currency else text


class XeroParityReport(models.Model):
    _name = "xero.parity.report"
    _description = "Xero Parity Report"
    _order = "date_to desc, id desc"

    name = fields.Char(compute="_compute_name", store=True)
    connection_id = fields.Many2one(
        "xero.connection", required=True, ondelete="cascade",
        default=lambda self: self.env["xero.connection"]._for_company(raise_if_missing=False))
    company_id = fields.Many2one(related="connection_id.company_id", store=True)
    date_from = fields.Date("From", required=True,
                            default=lambda self: fields.Date.context_today(self).replace(day=1))
    date_to = fields.Date("To", required=True, default=lambda self: fields.Date.context_today(self))
    state = fields.Selection([("draft", "Not computed"), ("done", "Computed")], default="draft", required=True,
                             readonly=True)
    computed_at = fields.Datetime("Computed On", readonly=True)
    computed_by = fields.Many2one("res.users", readonly=True)
    xero_calls = fields.Integer("Xero Calls", readonly=True, help="Calls made to Xero to compute the report.")
    month_ids = fields.One2many("xero.parity.month", "report_id", "Monthly Figures", readonly=True)
    balance_ids = fields.One2many("xero.parity.balance", "report_id", "Contact Balances", readonly=True)
    difference_ids = fields.One2many("xero.parity.difference", "report_id", "Differences", readonly=True)
    difference_count = fields.Integer(compute="_compute_difference_count")
    in_agreement = fields.Boolean("Books Agree", compute="_compute_difference_count")

    @api.depends("connection_id", "date_from", "date_to")
    def _compute_name(self):
        for report in self:
            report.name = _("%(connection)s: %(start)s to %(end)s",
                            connection=report.connection_id.display_name or "",
                            start=report.date_from or "", end=report.date_to or "")

    @api.depends("state", "difference_ids")
    def _compute_difference_count(self):
        for report in self:
            report.difference_count = len(report.difference_ids)
            report.in_agreement = report.state == "done" and not report.difference_ids

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for report in self:
            if report.date_from > report.date_to:
                raise ValidationError(_("The period of a parity report must start before it ends."))

    # ------------------------------------------------------------------ compute
    def action_compute(self):
        for report in self:
            report._compute_parity()
        return True

    def _compute_parity(self):
        self.ensure_one()
        connection = self.connection_id
        if connection.state != "connected":
            raise UserError(_("The Xero connection %(name)s is not connected.", name=connection.display_name))
        client = connection.sudo()._client()
        try:
            collector = _Collector(self, client)
            collector.run()
        except xc.XeroError as exc:
            raise UserError(_("Xero could not be read: %(error)s", error=exc.message)) from exc
        self.month_ids.unlink()
        self.balance_ids.unlink()
        self.difference_ids.unlink()
        self.write({
            "state": "done", "computed_at": fields.Datetime.now(), "computed_by": self.env.uid,
            "xero_calls": client.calls,
            "month_ids": [(0, 0, values) for values in collector.months()],
            "balance_ids": [(0, 0, values) for values in collector.balances],
            "difference_ids": [(0, 0, values) for values in collector.differences],
        })

    # ------------------------------------------------------------------ exports
    def action_print_pdf(self):
        self.ensure_one()
        return self.env.ref("xero_connector.action_report_xero_parity").report_action(self)

    def action_export_xlsx(self):
        self.ensure_one()
        attachment = self.env["ir.attachment"].create({
            "name": _("Xero parity %(start)s %(end)s.xlsx", start=self.date_from, end=self.date_to),
            "raw": self._xlsx(), "res_model": self._name, "res_id": self.id,
            "mimetype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        })
        return {"type": "ir.actions.act_url", "url": f"/web/content/{attachment.id}?download=true",
                "target": "self"}

    def _xlsx(self):
        import xlsxwriter  # in Odoo's requirements

        out = io.BytesIO()
        book = xlsxwriter.Workbook(out, {"in_memory": True})
        bold = book.add_format({"bold": True})
        money = book.add_format({"num_format": "#,##0.00"})
        kinds, reasons = dict(KINDS), dict(REASONS)
        sheets = (
            (_("Monthly Figures"), [_("Month"), _("Kind"), _("Currency"), _("Odoo Count"), _("Odoo Total"),
                                    _("Xero Count"), _("Xero Total"), _("Count Difference"), _("Total Difference")],
             [(m.month, kinds[m.kind], m.currency, m.odoo_count, m.odoo_total, m.xero_count, m.xero_total,
               m.count_difference, m.total_difference) for m in self.month_ids]),
            (_("Contact Balances"), [_("Contact"), _("Xero Contact"), _("Odoo Receivable"), _("Xero Receivable"),
                                     _("Odoo Payable"), _("Xero Payable"), _("Receivable Difference"),
                                     _("Payable Difference")],
             [(b.partner_id.display_name or "", b.xero_contact_name or "", b.odoo_receivable, b.xero_receivable,
               b.odoo_payable, b.xero_payable, b.receivable_difference, b.payable_difference)
              for b in self.balance_ids]),
            (_("Differences"), [_("Kind"), _("Reason"), _("Explanation"), _("Odoo Record"), _("Xero Number"),
                                _("Date"), _("Currency"), _("Odoo Amount"), _("Xero Amount"), _("Xero Link")],
             [(kinds.get(d.kind, ""), reasons[d.reason], d.message, d.record_name or "", d.xero_number or "",
               str(d.date or ""), d.currency or "", d.odoo_amount, d.xero_amount, d.xero_url or "")
              for d in self.difference_ids]),
        )
        head = book.add_worksheet(_("Report"))
        for row, (label, value) in enumerate(((_("Connection"), self.connection_id.display_name),
                                              (_("Company"), self.company_id.display_name),
                                              (_("From"), str(self.date_from)), (_("To"), str(self.date_to)),
                                              (_("Computed On"), str(self.computed_at or "")),
                                              (_("Differences"), len(self.difference_ids)))):
            head.write(row, 0, label, bold)
            head.write(row, 1, value)
        for title, header, rows in sheets:
            sheet = book.add_worksheet(title[:31])
            sheet.write_row(0, 0, header, bold)
            for index, values in enumerate(rows, start=1):
                for col, value in enumerate(values):
                    sheet.write(index, col, value, money if isinstance(value, float) else None)
            sheet.set_column(0, len(header) - 1, 16)
        book.close()
        return out.getvalue()


class XeroParityMonth(models.Model):
    _name = "xero.parity.month"
    _description = "Xero Parity: Monthly Figures"
    _order = "month, kind, currency"

    report_id = fields.Many2one("xero.parity.report", required=True, ondelete="cascade", index=True)
    month = fields.Char(required=True, help="YYYY-MM")
    kind = fields.Selection(KINDS, required=True)
    currency = fields.Char()
    odoo_count = fields.Integer("Odoo Count")
    odoo_total = fields.Float("Odoo Total", digits=(16, 2))
    xero_count = fields.Integer("Xero Count")
    xero_total = fields.Float("Xero Total", digits=(16, 2))
    count_difference = fields.Integer(compute="_compute_difference", store=True)
    total_difference = fields.Float(compute="_compute_difference", store=True, digits=(16, 2))
    agrees = fields.Boolean(compute="_compute_difference", store=True)

    @api.depends("odoo_count", "odoo_total", "xero_count", "xero_total")
    def _compute_difference(self):
        for row in self:
            row.count_difference = row.odoo_count - row.xero_count
            row.total_difference = float_round(row.odoo_total - row.xero_total, 2)
            row.agrees = not row.count_difference and not row.total_difference


class XeroParityBalance(models.Model):
    _name = "xero.parity.balance"
    _description = "Xero Parity: Contact Balance"
    _order = "agrees, id"

    report_id = fields.Many2one("xero.parity.report", required=True, ondelete="cascade", index=True)
    partner_id = fields.Many2one("res.partner", "Contact")
    xero_contact_id = fields.Char("Xero Contact ID")
    xero_contact_name = fields.Char("Xero Contact")
    xero_url = fields.Char("Xero Link")
    odoo_receivable = fields.Float(digits=(16, 2))
    xero_receivable = fields.Float(digits=(16, 2))
    odoo_payable = fields.Float(digits=(16, 2))
    xero_payable = fields.Float(digits=(16, 2))
    receivable_difference = fields.Float(compute="_compute_difference", store=True, digits=(16, 2))
    payable_difference = fields.Float(compute="_compute_difference", store=True, digits=(16, 2))
    agrees = fields.Boolean(compute="_compute_difference", store=True)

    @api.depends("odoo_receivable", "xero_receivable", "odoo_payable", "xero_payable")
    def _compute_difference(self):
        for row in self:
            row.receivable_difference = float_round(row.odoo_receivable - row.xero_receivable, 2)
            row.payable_difference = float_round(row.odoo_payable - row.xero_payable, 2)
            row.agrees = not row.receivable_difference and not row.payable_difference


class XeroParityDifference(models.Model):
    _name = "xero.parity.difference"
    _description = "Xero Parity: Difference"
    _order = "kind, date, id"

    report_id = fields.Many2one("xero.parity.report", required=True, ondelete="cascade", index=True)
    kind = fields.Selection(KINDS + [("balance", "Contact Balance")], required=True)
    reason = fields.Selection(REASONS, required=True)
    message = fields.Text("Explanation", required=True)
    res_model = fields.Char("Model")
    res_id = fields.Many2oneReference("Record ID", model_field="res_model")
    record_name = fields.Char("Odoo Record")
    partner_id = fields.Many2one("res.partner", "Contact")
    date = fields.Date()
    currency = fields.Char()
    odoo_amount = fields.Float(digits=(16, 2))
    xero_amount = fields.Float(digits=(16, 2))
    xero_id = fields.Char("Xero ID")
    xero_number = fields.Char("Xero Number")
    xero_url = fields.Char("Xero Link")

    def action_open_record(self):
        self.ensure_one()
        if not self.res_model or not self.res_id:
            raise UserError(_("This difference has no Odoo record."))
        record = self.env[self.res_model].browse(self.res_id)
        if self.res_model == "account.partial.reconcile":  # a payment: open the invoice it pays
            record = (record.debit_move_id.move_id | record.credit_move_id.move_id).filtered(
                lambda m: m.move_type in MOVE_KINDS)[:1] or record
        return {"type": "ir.actions.act_window", "res_model": record._name, "res_id": record.id,
                "view_mode": "form", "target": "current"}

    def action_open_xero(self):
        self.ensure_one()
        if not self.xero_url:
            raise UserError(_("Xero has no page for this record."))
        return {"type": "ir.actions.act_url", "url": self.xero_url, "target": "new"}


class _Collector:
    """Reads both sides of one report's period and lists what differs (plain Python, no ORM writes)."""

    def __init__(self, report, client):
        self.report = report
        self.env = report.env
        self.client = client
        self.connection = report.connection_id
        self.company = report.company_id
        self.start, self.end = report.date_from, report.date_to
        self.figures = defaultdict(lambda: [0, 0.0, 0, 0.0])  # (month, kind, currency) -> odoo n, t, xero n, t
        self.balances = []
        self.differences = []
        self.partner_ids = set()
        self.xero_contacts = {}  # ContactID -> name
        self.base_currency = self.company.currency_id.name

    # ------------------------------------------------------------------ the run
    def run(self):
        self._odoo_figures()
        xero_docs = self._xero_documents()
        self._compare(self._odoo_documents(), xero_docs, "account.move")
        self._compare(self._odoo_payments(), self._xero_payments(), "account.partial.reconcile")
        self._balances()

    def months(self):
        return [{"month": month, "kind": kind, "currency": currency, "odoo_count": f[0],
                 "odoo_total": float_round(f[1], 2), "xero_count": f[2], "xero_total": float_round(f[3], 2)}
                for (month, kind, currency), f in sorted(self.figures.items())]

    # ------------------------------------------------------------------ Odoo
    def _query(self, query):
        self.env.flush_all()
        self.env.cr.execute(query)
        columns = [c.name for c in self.env.cr.description]
        return [dict(zip(columns, row)) for row in self.env.cr.fetchall()]

    def _move_filter(self):
        return SQL("""m.company_id = %(company)s AND m.move_type IN %(types)s
                      AND m.invoice_date BETWEEN %(start)s AND %(end)s
                      AND m.xero_invoice_type IS DISTINCT FROM 'receipt'""",
                   company=self.company.id, types=tuple(MOVE_KINDS), start=self.start, end=self.end)

    def _payment_sql(self):
        """The period's Odoo payments of documents: partials between a document and a payment entry."""
        return SQL("""
            SELECT p.id, p.max_date AS date, inv.move_type, inv.commercial_partner_id AS partner_id,
                   cur.name AS currency, inv.name AS document,
                   CASE WHEN dm.id = inv.id THEN p.debit_amount_currency ELSE p.credit_amount_currency END AS total
              FROM account_partial_reconcile p
              JOIN account_move_line dl ON dl.id = p.debit_move_id
              JOIN account_move dm ON dm.id = dl.move_id
              JOIN account_move_line cl ON cl.id = p.credit_move_id
              JOIN account_move cm ON cm.id = cl.move_id
              JOIN account_move inv ON inv.id = CASE WHEN dm.move_type IN %(types)s THEN dm.id ELSE cm.id END
              JOIN res_currency cur ON cur.id = inv.currency_id
             WHERE p.company_id = %(company)s AND p.max_date BETWEEN %(start)s AND %(end)s
               AND ((dm.move_type IN %(types)s AND cm.move_type = 'entry')
                    OR (cm.move_type IN %(types)s AND dm.move_type = 'entry'))
               AND inv.xero_invoice_type IS DISTINCT FROM 'receipt'
        """, company=self.company.id, types=tuple(MOVE_KINDS), start=self.start, end=self.end)

    def _odoo_figures(self):
        """Posted documents and payments per month, kind and currency: SQL aggregates."""
        rows = self._query(SQL("""
            SELECT to_char(m.invoice_date, 'YYYY-MM') AS month, m.move_type, cur.name AS currency,
                   count(*) AS n, sum(m.amount_total) AS total
              FROM account_move m JOIN res_currency cur ON cur.id = m.currency_id
             WHERE %(filter)s AND m.state = 'posted'
             GROUP BY 1, 2, 3
        """, filter=self._move_filter()))
        rows += self._query(SQL("""
            SELECT to_char(pay.date, 'YYYY-MM') AS month, 'payment' AS move_type, pay.currency,
                   count(*) AS n, sum(pay.total) AS total
              FROM (%(payments)s) pay GROUP BY 1, 2, 3
        """, payments=self._payment_sql()))
        for row in rows:
            figures = self.figures[(row["month"], MOVE_KINDS.get(row["move_type"], "payment"), row["currency"])]
            figures[0] += row["n"]
            figures[1] += float(row["total"] or 0.0)

    def _with_bindings(self, query, model):
        """Rows of ``query`` (an ``id`` column of ``model``) with their binding on this connection."""
        return self._query(SQL("""
            SELECT r.*, b.id AS binding_id, b.state AS binding_state, b.xero_id, b.last_error, b.xero_locked
              FROM (%(query)s) r
              LEFT JOIN xero_binding b ON b.connection_id = %(connection)s AND b.res_model = %(model)s
                                      AND b.res_id = r.id
        """, query=query, connection=self.connection.id, model=model))

    def _odoo_documents(self):
        rows = self._with_bindings(SQL("""
            SELECT m.id, m.move_type, m.state, m.payment_state, m.invoice_date AS date, m.name AS document,
                   m.amount_total AS total, cur.name AS currency, m.commercial_partner_id AS partner_id
              FROM account_move m JOIN res_currency cur ON cur.id = m.currency_id
             WHERE %(filter)s AND m.state IN ('posted', 'cancel')
        """, filter=self._move_filter()), "account.move")
        # a cancelled document is in the comparison only when it is (or was) in Xero
        rows = [r for r in rows if r["state"] == "posted" or r["xero_id"]]
        for row in rows:
            row["kind"] = MOVE_KINDS[row["move_type"]]
            if row["state"] == "cancel":
                row["expected"] = ("VOIDED", "DELETED")
            elif row["payment_state"] in ("paid", "in_payment", "reversed"):
                row["expected"] = ("PAID",)
            else:
                row["expected"] = ("AUTHORISED",)
            self.partner_ids.add(row["partner_id"])
        return rows

    def _odoo_payments(self):
        rows = self._with_bindings(self._payment_sql(), "account.partial.reconcile")
        for row in rows:
            row.update(kind="payment", expected=("AUTHORISED",), state="posted",
                       document=_("Payment of %(document)s", document=row["document"]))
        return rows

    # ------------------------------------------------------------------ Xero
    def _xero_row(self, data, id_key, number_key, total_key="Total"):
        contact = data.get("Contact") or {}
        kind = "payment" if id_key == "PaymentID" else XERO_KINDS.get(data.get("Type"))
        if contact.get("ContactID"):
            self.xero_contacts[contact["ContactID"]] = contact.get("Name")
        return {"xero_id": data.get(id_key), "kind": kind, "type": data.get("Type"),
                "number": data.get(number_key) if number_key else data.get("Reference"),
                "date": xc.from_xero_date(data.get("Date")), "status": data.get("Status"),
                "total": float(data.get(total_key) or 0.0),
                "currency": data.get("CurrencyCode") or self.base_currency,
                "contact_id": contact.get("ContactID"), "contact_name": contact.get("Name")}

    def _count_xero(self, row):
        if row["status"] in POSTED and row["date"]:
            figures = self.figures[(row["date"].strftime("%Y-%m"), row["kind"], row["currency"])]
            figures[2] += 1
            figures[3] += row["total"]

    def _xero_documents(self):
        rows = []
        for entity, id_key, number_key in DOCUMENT_READS:
            for data in self.client.iter_period(entity, self.start, self.end):
                row = self._xero_row(data, id_key, number_key)
                if row["kind"] and row["status"] != "DELETED":
                    rows.append(row)
                    self._count_xero(row)
        return rows

    def _xero_payments(self):
        rows = []
        for data in self.client.iter_period("Payments", self.start, self.end):
            document = data.get("Invoice") or data.get("CreditNote") or {}
            row = self._xero_row(dict(data, Contact=document.get("Contact"),
                                      CurrencyCode=document.get("CurrencyCode")), "PaymentID", None, "Amount")
            row["number"] = document.get("InvoiceNumber") or document.get("CreditNoteNumber") or data.get("Reference")
            row["type"] = document.get("Type")
            if row["status"] != "DELETED":
                rows.append(row)
                self._count_xero(row)
        return rows

    def _xero_elsewhere(self, model, xero_ids):
        """{Xero id: row} of linked Xero records the period's read did not return (read by id)."""
        if not xero_ids:
            return {}
        if model == "account.partial.reconcile":
            reads = (("Payments", "PaymentID", None),)
        else:
            reads = DOCUMENT_READS
        found = {}
        for entity, id_key, number_key in reads:
            for data in self.client.iter_ids(entity, id_key, sorted(xero_ids - set(found)),
                                             **({"summary_only": True} if entity == "Invoices" else {})):
                found[data[id_key]] = self._xero_row(data, id_key, number_key,
                                                     "Amount" if entity == "Payments" else "Total")
        return found

    # ------------------------------------------------------------------ comparing
    def _compare(self, odoo_rows, xero_rows, model):
        by_xero_id = {r["xero_id"]: r for r in xero_rows}
        linked = {r["xero_id"] for r in odoo_rows if r["xero_id"]}
        elsewhere = self._xero_elsewhere(model, linked - set(by_xero_id))
        for row in odoo_rows:
            xero = by_xero_id.get(row["xero_id"]) or elsewhere.get(row["xero_id"]) if row["xero_id"] else None
            self._compare_one(row, xero, model)
        unlinked = [r for r in xero_rows if r["xero_id"] not in linked and r["status"] in POSTED]
        self._only_in_xero(unlinked, model)

    def _difference(self, reason, message, kind, model=None, odoo=None, xero=None):
        odoo, xero = odoo or {}, xero or {}
        values = {
            "kind": kind, "reason": reason, "message": message,
            "res_model": model if odoo.get("id") else False, "res_id": odoo.get("id") or False,
            "record_name": odoo.get("document"), "partner_id": odoo.get("partner_id") or False,
            "date": odoo.get("date") or xero.get("date"), "currency": odoo.get("currency") or xero.get("currency"),
            "odoo_amount": odoo.get("total") or 0.0, "xero_amount": xero.get("total") or 0.0,
            "xero_id": xero.get("xero_id") or odoo.get("xero_id"), "xero_number": xero.get("number"),
            "xero_url": self._xero_url(xero or odoo, odoo),
        }
        self.differences.append(values)

    def _xero_url(self, xero, odoo):
        xero_id = xero.get("xero_id")
        move_type = XERO_MOVE_TYPES.get(xero.get("type")) or odoo.get("move_type")
        if not xero_id or xero.get("kind") == "payment" or odoo.get("kind") == "payment":
            return False
        path = _DEEP_LINKS.get(move_type)
        return self.connection._deep_link(path.format(id=xero_id)) if path else False

    def _compare_one(self, odoo, xero, model):
        kind = odoo["kind"]
        if not odoo["xero_id"]:
            if odoo["binding_state"] == "error":
                self._difference("failed", _("The last sync failed: %(error)s",
                                             error=odoo["last_error"] or _("no reason given")), kind, model, odoo)
            elif odoo["state"] == "posted":
                self._difference("not_synced", _("Not in Xero: %(document)s was never sent to Xero (or is "
                                                 "waiting to be sent).", document=odoo["document"]),
                                 kind, model, odoo)
            return
        if xero is None:
            self._difference("missing", _("Linked to a Xero record that Xero no longer has."), kind, model, odoo)
            return
        problems = []
        if xero["status"] not in odoo["expected"]:
            problems.append(("status", _("Status differs: %(odoo)s in Odoo, %(xero)s in Xero.",
                                         odoo=self._odoo_status(odoo), xero=xero["status"])))
        elif xero["status"] in POSTED:
            cents = round((odoo["total"] - xero["total"]) * 100)
            if cents:
                problems.append(("amount", _(
                    "Amount differs by %(cents)s cents: %(odoo)s in Odoo, %(xero)s in Xero.", cents=abs(cents),
                    odoo=_money(odoo["total"], odoo["currency"]), xero=_money(xero["total"], xero["currency"]))))
        if xero["date"] and not (self.start <= xero["date"] <= self.end):
            problems.append(("date", _("Dated %(date)s in Xero, outside the period.", date=xero["date"])))
        for reason, message in problems:
            if odoo["xero_locked"]:
                reason, message = "locked", _("%(problem)s Locked in Xero: %(why)s", problem=message,
                                              why=odoo["xero_locked"])
            elif odoo["binding_state"] == "error":
                message = _("%(problem)s The last sync failed: %(error)s", problem=message,
                            error=odoo["last_error"] or _("no reason given"))
            self._difference(reason, message, kind, model, odoo, xero)

    def _odoo_status(self, odoo):
        if odoo["state"] == "cancel":
            return _("cancelled")
        return _("paid") if odoo["expected"] == ("PAID",) else _("posted, not paid")

    def _only_in_xero(self, rows, model):
        if not rows:
            return
        # linked to an Odoo record dated outside the period?
        bound = self._query(SQL("""
            SELECT b.xero_id, b.res_id FROM xero_binding b
             WHERE b.connection_id = %s AND b.res_model = %s AND b.xero_id IN %s
        """, self.connection.id, model, tuple(r["xero_id"] for r in rows)))
        bound = {b["xero_id"]: b["res_id"] for b in bound}
        records = self.env[model].browse(bound.values()).exists()
        for row in rows:
            record = records.browse(bound.get(row["xero_id"])).exists() if bound.get(row["xero_id"]) else None
            if record:
                when = record.invoice_date if model == "account.move" else record.max_date
                odoo = {"id": record.id, "document": record.display_name, "date": when, "kind": row["kind"]}
                if model == "account.move" and record.state != "posted":
                    state = dict(record._fields["state"]._description_selection(self.env))[record.state]
                    self._difference("status", _("Status differs: %(state)s in Odoo, %(status)s in Xero.",
                                                 state=state, status=row["status"]), row["kind"], model, odoo, row)
                else:
                    self._difference("date", _("Dated %(date)s in Odoo, outside the period.", date=when),
                                     row["kind"], model, odoo, row)
            else:
                label = row["number"] or row["xero_id"]
                self._difference("only_xero", _("Only in Xero: %(number)s of %(contact)s is linked to no Odoo "
                                                "record.", number=label, contact=row["contact_name"] or "?"),
                                 row["kind"], xero=row)

    # ------------------------------------------------------------------ balances
    def _balances(self):
        """Receivable and payable now, per contact of the period: Odoo's open documents against the
        Balances Xero shows for the contact (one read of the period's contacts by their ids, paged)."""
        Binding = self.env["xero.binding"].sudo()
        partner_links = Binding.search([("connection_id", "=", self.connection.id), ("res_model", "=", "res.partner"),
                                        "|", ("res_id", "in", list(self.partner_ids)),
                                        ("xero_id", "in", list(self.xero_contacts))])
        partner_of = {b.xero_id: b.res_id for b in partner_links if b.xero_id}
        self.partner_ids |= set(partner_of.values())
        contact_of = {partner: xero_id for xero_id, partner in partner_of.items()}
        contact_ids = set(self.xero_contacts) | set(partner_of)
        xero = {}
        for data in self.client.iter_ids("Contacts", "ContactID", sorted(contact_ids)):
            balances = data.get("Balances") or {}
            xero[data["ContactID"]] = {
                "name": data.get("Name"),
                "receivable": float((balances.get("AccountsReceivable") or {}).get("Outstanding") or 0.0),
                "payable": float((balances.get("AccountsPayable") or {}).get("Outstanding") or 0.0)}
        odoo = {row["partner_id"]: row for row in self._query(SQL("""
            SELECT m.commercial_partner_id AS partner_id,
                   sum(CASE m.move_type WHEN 'out_invoice' THEN m.amount_residual
                                        WHEN 'out_refund' THEN -m.amount_residual ELSE 0 END) AS receivable,
                   sum(CASE m.move_type WHEN 'in_invoice' THEN m.amount_residual
                                        WHEN 'in_refund' THEN -m.amount_residual ELSE 0 END) AS payable
              FROM account_move m
             WHERE m.company_id = %(company)s AND m.state = 'posted' AND m.move_type IN %(types)s
               AND m.xero_invoice_type IS DISTINCT FROM 'receipt' AND m.commercial_partner_id IN %(partners)s
             GROUP BY 1
        """, company=self.company.id, types=tuple(MOVE_KINDS), partners=tuple(self.partner_ids) or (0,)))}
        partners = self.env["res.partner"].browse(self.partner_ids).exists()
        rows = [(p.id, contact_of.get(p.id), p.display_name) for p in partners.sorted("name")]
        rows += [(False, cid, xero[cid]["name"]) for cid in sorted(xero) if cid not in partner_of]
        for partner_id, contact_id, name in rows:
            mine = odoo.get(partner_id) or {}
            theirs = xero.get(contact_id) or {}
            values = {
                "partner_id": partner_id, "xero_contact_id": contact_id, "xero_contact_name": theirs.get("name"),
                "xero_url": self.connection._deep_link(f"/Contacts/View/{contact_id}") if contact_id else False,
                "odoo_receivable": float_round(float(mine.get("receivable") or 0.0), 2),
                "xero_receivable": float_round(theirs.get("receivable", 0.0), 2),
                "odoo_payable": float_round(float(mine.get("payable") or 0.0), 2),
                "xero_payable": float_round(theirs.get("payable", 0.0), 2),
            }
            self.balances.append(values)
            for side, label in (("receivable", _("Receivable")), ("payable", _("Payable"))):
                ours, other = values[f"odoo_{side}"], values[f"xero_{side}"]
                if float_round(ours - other, 2):
                    why = "" if contact_id else _(" The contact is not linked to a Xero contact.")
                    self.differences.append({
                        "kind": "balance", "reason": "balance",
                        "message": _("%(side)s of %(name)s differs by %(amount)s: %(odoo)s in Odoo, %(xero)s in "
                                     "Xero.%(why)s", side=label, name=name, amount=_money(abs(ours - other)),
                                     odoo=_money(ours), xero=_money(other), why=why),
                        "res_model": "res.partner" if partner_id else False, "res_id": partner_id or False,
                        "record_name": name if partner_id else False, "partner_id": partner_id or False,
                        "odoo_amount": ours, "xero_amount": other, "xero_id": contact_id or False,
                        "xero_number": theirs.get("name"), "xero_url": values["xero_url"]})
