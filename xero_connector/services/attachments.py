"""Files of documents, both ways, run by the engine after a document's write or import.

Push (after the documents of a chunk are in Xero): per document, its PDF (*Send the PDF*) and
its chatter files (*Send Attachments*) that Xero does not have yet go to Xero's Attachments
API, one call a file; ``xero.attachment`` remembers what went (checksum, Xero's id, the name
used), so an unchanged file never goes again, a changed one goes under the same name (Xero
replaces it), and Xero's limits (10 files, 10 MB a file) are checked before calling: a file
past them is a warning on the document's log line that names it, the others still go.

Pull (after a chunk of documents is imported, *Attachments From Xero*): a document that changed
and whose ``HasAttachments`` is true has its files listed (one call); the ones Odoo has not seen
are read (one call each) and posted in the document's chatter.
"""

import hashlib
import re

from odoo import _
from odoo.exceptions import UserError

from . import xero_client as xc


# The report that makes the PDF of a document, per model; bills have none (theirs is the vendor's, an attachment)
PDF_REPORTS = {"account.move": "account.account_invoices", "purchase.order": "purchase.action_report_purchase_order"}
PDF_MOVE_TYPES = ("out_invoice", "out_refund")
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
MAX_NAME = 120  # characters of a file name sent to Xero (the extension kept)


def file_name(name, fallback="file"):
    """A name Xero takes in its URL path: no path separators or control characters, ≤ MAX_NAME."""
    name = _UNSAFE.sub("_", (name or "").strip()).strip(" .") or fallback
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        ext = ext if dot and len(ext) <= 10 else ""
        name = (stem if ext else name)[:MAX_NAME - len(ext) - 1].rstrip() + (f".{ext}" if ext else "")
    return name


def _unique(name, taken):
    """``name``, or ``name (2)``… when another file of the document already has it in Xero."""
    if name.casefold() not in taken:
        return name
    stem, dot, ext = name.rpartition(".")
    stem, ext = (stem, f".{ext}") if dot else (name, "")
    n = 2
    while f"{stem} ({n}){ext}".casefold() in taken:
        n += 1
    return f"{stem} ({n}){ext}"


def _size_words(size):
    return f"{size / (1024 * 1024):.1f} MB"


class _Candidate:
    """One file a document should have in Xero."""

    def __init__(self, key, kind, name, checksum, size, attachment=None, content=None, online=False):
        self.key, self.kind, self.name, self.checksum = key, kind, name, checksum
        self.size, self.attachment, self.content, self.online = size, attachment, content, online

    def bytes(self):
        return self.content if self.content is not None else self.attachment.raw


class AttachmentSync:
    """The files of one engine run (``engine``: a started SyncEngine of a document entity)."""

    def __init__(self, engine):
        self.engine = engine
        self.env = engine.env
        self.entity = engine.mapper.entity
        self.mapping = engine.mapping
        self.Sent = self.env["xero.attachment"].sudo()

    @staticmethod
    def wanted(engine, direction):
        mapping = engine.mapping
        if engine.mapper.entity not in xc.ATTACHMENT_ENTITIES:
            return False
        return (mapping.send_pdf or mapping.send_attachments) if direction == "push" else mapping.import_attachments

    # ------------------------------------------------------------------ push
    def push(self, records):
        """Send the files ``records`` (documents now in step with Xero) lack in Xero."""
        engine = self.engine
        bindings = engine.Binding._for_records(engine.connection, records)
        bindings = {rid: b for rid, b in bindings.items() if b.xero_id}
        if not bindings:
            return
        rows = self.Sent.search([("binding_id", "in", [b.id for b in bindings.values()])])
        sent_by = {}
        for row in rows:
            sent_by.setdefault(row.binding_id.id, []).append(row)
        files = {}
        if self.mapping.send_attachments:
            for att in self.env["ir.attachment"].sudo().search([
                    ("res_model", "=", records._name), ("res_id", "in", list(bindings)), ("res_field", "=", False),
                    ("type", "=", "binary")], order="id"):
                files.setdefault(att.res_id, []).append(att)
        for record in records:
            binding = bindings.get(record.id)
            if not binding:
                continue
            candidates = []
            rows = sent_by.setdefault(binding.id, [])
            if self.mapping.send_pdf:
                pdf = self._pdf(record, binding, rows)
                if isinstance(pdf, str):
                    self._line(record, binding, pdf, warning=True)
                elif pdf:
                    candidates.append(pdf)
            candidates += [_Candidate(att.id, "file", file_name(att.name), att.checksum, att.file_size, att)
                           for att in files.get(record.id, [])]
            self._push_record(record, binding, candidates, rows)

    def _push_record(self, record, binding, candidates, rows):
        by_key = {("pdf" if r.kind == "pdf" else r.attachment_id.id): r for r in rows}
        for cand in candidates:
            row = by_key.get(cand.key)
            if row and row.checksum == cand.checksum:
                continue  # Xero has it
            if cand.size > xc.MAX_ATTACHMENT_BYTES:
                self._line(record, binding, _(
                    "File '%(name)s' not sent: it is %(size)s and Xero takes files up to %(max)s.",
                    name=cand.name, size=_size_words(cand.size), max=_size_words(xc.MAX_ATTACHMENT_BYTES)),
                    warning=True)
                continue
            if row is None and len(rows) >= xc.MAX_ATTACHMENTS:
                self._line(record, binding, _(
                    "File '%(name)s' not sent: the document already has %(max)s files in Xero, the most Xero "
                    "takes.", name=cand.name, max=xc.MAX_ATTACHMENTS), warning=True)
                continue
            name = row.file_name if row else _unique(cand.name, {r.file_name.casefold() for r in rows})
            self._send(record, binding, cand, name, row, rows)

    def _send(self, record, binding, cand, name, row, rows):
        engine = self.engine
        key = hashlib.sha256(f"{engine.connection.id}:{binding.xero_id}:{name}:{cand.checksum}".encode()).hexdigest()
        try:
            result = engine.client.put_attachment(self.entity, binding.xero_id, name, cand.bytes(),
                                                  include_online=cand.online, idempotency_key=f"att-{key}")
        except (xc.XeroAuthError, xc.XeroForbiddenError, xc.XeroRateLimitError) as exc:
            if isinstance(exc, xc.XeroRateLimitError):
                binding.need_sync = True  # the files go with the next run
                self._line(record, binding, _("Files not sent yet: waiting for Xero's rate limit: %(error)s",
                                              error=exc.message), warning=True)
            engine._end()
            raise
        except xc.XeroError as exc:
            self._line(record, binding, _("File '%(name)s' not sent: %(error)s", name=name, error=exc.message),
                       warning=True, detail=exc.detail)
            return False
        values = {"binding_id": binding.id, "kind": cand.kind, "attachment_id": cand.attachment.id if cand.attachment else False,
                  "file_name": result.get("FileName") or name, "checksum": cand.checksum,
                  "xero_attachment_id": result.get("AttachmentID"), "include_online": bool(result.get("IncludeOnline")),
                  "file_size": cand.size}
        if row:
            row.write(values)
        else:
            rows.append(self.Sent.create(values))
        if values["include_online"]:
            message = _("File '%(name)s' sent to Xero, shown on the online invoice.", name=values["file_name"])
        elif row:
            message = _("File '%(name)s' sent to Xero again: it changed in Odoo.", name=values["file_name"])
        else:
            message = _("File '%(name)s' sent to Xero.", name=values["file_name"])
        self._line(record, binding, message)

    def _pdf(self, record, binding, rows):
        """The document's PDF as a candidate, None when it has none, or a message why it cannot be made."""
        report = PDF_REPORTS.get(record._name)
        if not report or (record._name == "account.move" and record.move_type not in PDF_MOVE_TYPES):
            return None
        stored = record.invoice_pdf_report_id.sudo() if record._name == "account.move" else None
        if stored:
            return _Candidate("pdf", "pdf", file_name(stored.name, "document.pdf"), stored.checksum,
                              stored.file_size, stored, online=True)
        checksum = f"render:{binding.payload_hash}"
        if any(r.kind == "pdf" and r.checksum == checksum for r in rows):
            return None  # sent for this version of the document: no need to render it again
        try:
            content, report_type = self.env["ir.actions.report"].sudo()._render_qweb_pdf(report, [record.id])
        except UserError as exc:  # e.g. wkhtmltopdf missing on the server
            return _("The PDF was not sent: Odoo could not make it (%(error)s). Send or print the invoice once "
                     "(Send & Print stores its PDF) or install wkhtmltopdf on the Odoo server.",
                     error=exc.args[0] if exc.args else exc)
        if report_type != "pdf" or not content:
            return _("The PDF was not sent: Odoo rendered the report as %(type)s, not as a PDF (no PDF "
                     "renderer here). Send or print the invoice once (Send & Print stores its PDF).",
                     type=report_type)
        name = (record._get_invoice_report_filename() if record._name == "account.move"
                else f"{record.name}.pdf")
        return _Candidate("pdf", "pdf", file_name(name, "document.pdf"), checksum, len(content),
                          content=content, online=True)

    # ------------------------------------------------------------------ pull
    def pull(self, todo):
        """Post in the chatter the files Xero has that Odoo has not seen: ``todo`` = [(record, binding)]."""
        todo = [(r, b) for r, b in todo if r.exists() and b.exists() and b.xero_id]
        for index, (record, binding) in enumerate(todo):
            try:
                self._pull_record(record, binding)
            except (xc.XeroAuthError, xc.XeroForbiddenError, xc.XeroRateLimitError):
                # read again next time: the documents whose files were not read are not "up to date"
                for _rec, later in todo[index:]:
                    later.xero_updated = False
                raise
            except xc.XeroError as exc:
                self._line(record, binding, _("Files added in Xero were not read: %(error)s", error=exc.message),
                           warning=True, detail=exc.detail)

    def _pull_record(self, record, binding):
        engine = self.engine
        listed = engine.client.list_attachments(self.entity, binding.xero_id)
        known = set(self.Sent.search([("binding_id", "=", binding.id)]).mapped("xero_attachment_id"))
        for meta in listed:
            if meta.get("AttachmentID") in known:
                continue
            content = engine.client.get_attachment(self.entity, binding.xero_id, meta["AttachmentID"],
                                                   meta.get("MimeType"))
            name = meta.get("FileName") or "file"
            attachment = self.env["ir.attachment"].sudo().create({
                "name": name, "raw": content, "res_model": record._name, "res_id": record.id,
                **({"mimetype": meta["MimeType"]} if meta.get("MimeType") else {})})
            record.sudo().message_post(
                body=_("File added in Xero: %(name)s", name=name), attachment_ids=attachment.ids,
                message_type="notification", subtype_xmlid="mail.mt_note")
            self.Sent.create({"binding_id": binding.id, "kind": "xero", "attachment_id": attachment.id,
                              "file_name": name, "checksum": attachment.checksum,
                              "xero_attachment_id": meta["AttachmentID"], "file_size": len(content)})
            self._line(record, binding, _("File '%(name)s' added in Xero: posted in the chatter.", name=name))

    # ------------------------------------------------------------------ log
    def _line(self, record, binding, message, warning=False, detail=None):
        """A line on the run's log for ``record``: a warning counts as one; a file sent is no record updated."""
        self.engine._line(record, binding, "warning" if warning else "update", message, detail=detail,
                          state="warning" if warning else "ok")
        if not warning:
            self.engine.counts["update"] -= 1
