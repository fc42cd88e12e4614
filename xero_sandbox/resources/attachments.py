"""Attachments of documents: ``/{Invoices|CreditNotes|PurchaseOrders}/{Guid}/Attachments[...]``.

[OAS] ``getInvoiceAttachments``, ``getInvoiceAttachmentById``, ``getInvoiceAttachmentByFileName``,
``createInvoiceAttachmentByFileName`` (PUT, ``IncludeOnline``), ``updateInvoiceAttachmentByFileName``
(POST) and the same for credit notes and purchase orders (whose PUT takes no ``IncludeOnline``);
scopes ``accounting.attachments`` (``.read`` for GET); schema ``Attachments``/``Attachment``
(``AttachmentID``, ``FileName``, ``Url``, ``MimeType``, ``ContentLength``, ``IncludeOnline``).

Rules played here:

* the body is the file's raw bytes (the SDK sends ``application/octet-stream``); the MIME type
  comes from the file name's extension; an empty body is refused;
* a file name already on the document (case-insensitive) is replaced (third-party Xero
  documentation: "you can replace any attachment already uploaded by specifying the name of the
  file"); the replacement gets a new ``AttachmentID`` (unconfirmed; the stricter choice: a
  client must use the id of the last answer);
* at most ``MAX_ATTACHMENTS`` (10) files per document through the API ("up to 10 attachments");
  the 11th name is refused with a ValidationException (its wording is unconfirmed);
* at most ``MAX_BYTES`` per file: Xero answers 413 ``{"Title":"RequestEntityTooLarge",
  "Detail":"PayloadTooLarge"}`` (seen for a 14 MB file, XeroAPI/Xero-Java#349).  Xero's pages
  have said 3 MB for the API and 25 MB for the web app; integrators reported 10 MB in April 2026
  (codat-docs#1802): 10 MB, the strictest current figure, is played;
* ``IncludeOnline=true`` counts on sales invoices and sales credit notes only (Xero shows those
  online); ``IncludeOnline`` is echoed only when true;
* the document gets ``HasAttachments: true``; its ``UpdatedDateUTC`` stays (unconfirmed; the
  stricter choice for clients: an incremental read does not see a document whose only change is
  a new file, and a client's own upload never makes its document look changed in Xero).
"""

import base64
import mimetypes
import uuid
from urllib.parse import quote

from .. import wire

MAX_ATTACHMENTS = 10
MAX_BYTES = 10 * 1024 * 1024
READ_SCOPES = ("accounting.attachments.read",)
WRITE_SCOPES = ("accounting.attachments",)
STORE = "Attachments"  # per tenant: AttachmentID -> metadata, parent and base64 content
ONLINE_TYPES = ("ACCREC", "ACCRECCREDIT")
PUBLIC_FIELDS = ("AttachmentID", "FileName", "Url", "MimeType", "ContentLength", "IncludeOnline")


def is_attachments_path(parts):
    """True for ``<id>/Attachments[/...]`` (the parts after the resource's segment)."""
    return len(parts) >= 2 and parts[1].lower() == "attachments"


def scopes_for(method):
    return READ_SCOPES + WRITE_SCOPES if method == "GET" else WRITE_SCOPES


def render(meta):
    out = {k: meta[k] for k in PUBLIC_FIELDS if k in meta}
    if not out.get("IncludeOnline"):
        out.pop("IncludeOnline", None)
    return out


def of_document(ctx, plural, doc_id):
    """The stored attachments of one document, in upload order."""
    return [a for a in ctx.store(STORE).values() if a["Parent"] == [plural, doc_id]]


def handle(resource, ctx, req, parts):
    """Serve ``parts`` = ``[<doc id>, "Attachments", ...]`` for ``resource`` (a Document)."""
    doc = resource.find(ctx, parts[0]) if wire.is_guid(parts[0]) else None
    if doc is None:
        return wire.not_found()
    rest = parts[2:]
    if req.method == "GET" and not rest:
        items = [render(a) for a in of_document(ctx, resource.plural, doc[resource.id_field])]
        return ctx.ok("Attachments", items)
    if len(rest) != 1:
        return wire.not_found()
    if req.method == "GET":
        return _content(ctx, resource, doc, rest[0])
    if req.method in ("PUT", "POST"):
        return _upload(ctx, req, resource, doc, rest[0])
    return wire.not_found()


def _find(ctx, resource, doc, key):
    attachments = of_document(ctx, resource.plural, doc[resource.id_field])
    if wire.is_guid(key):
        found = next((a for a in attachments if a["AttachmentID"].lower() == key.lower()), None)
        if found:
            return found
    wanted = key.casefold()
    return next((a for a in attachments if a["FileName"].casefold() == wanted), None)


def _content(ctx, resource, doc, key):
    meta = _find(ctx, resource, doc, key)
    if meta is None:
        return wire.not_found()
    return wire.Response(200, [("Content-Type", meta["MimeType"])], base64.b64decode(meta["Content"]))


def _upload(ctx, req, resource, doc, file_name):
    name = file_name.strip()
    if not name:
        return wire.not_found()
    body = req.body or b""
    if len(body) > MAX_BYTES:
        return wire.Response.json(413, wire.problem(413, "RequestEntityTooLarge", "PayloadTooLarge"))
    if not body:
        return wire.Response.json(400, wire.validation_exception("The file is empty: an attachment needs content."))
    doc_id = doc[resource.id_field]
    existing = _find(ctx, resource, doc, name)
    if existing is None and len(of_document(ctx, resource.plural, doc_id)) >= MAX_ATTACHMENTS:
        return wire.Response.json(400, wire.validation_exception(
            f"This {resource.singular} already has {MAX_ATTACHMENTS} attachments, the most the API allows."))
    store = ctx.store(STORE)
    if existing is not None:
        del store[existing["AttachmentID"]]
    online = req.method == "PUT" and str(req.query.get("includeonline", "")).lower() == "true" \
        and resource.doc_type(doc) in ONLINE_TYPES
    meta = {
        "AttachmentID": str(uuid.uuid4()),
        "FileName": name,
        "Url": f"https://api.xero.com/api.xro/2.0/{resource.plural}/{doc_id}/Attachments/{quote(name)}",
        "MimeType": mimetypes.guess_type(name)[0] or "application/octet-stream",
        "ContentLength": len(body),
        "IncludeOnline": online,
        "Parent": [resource.plural, doc_id],
        "Content": base64.b64encode(body).decode("ascii"),
    }
    store[meta["AttachmentID"]] = meta
    doc["HasAttachments"] = True
    return ctx.ok("Attachments", [render(meta)])
