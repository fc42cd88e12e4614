"""PurchaseOrders (``/api.xro/2.0/PurchaseOrders``).

Lines and totals as for bills (``documents.py``; purchase side of items, INPUT tax by
default, discounts allowed).  ``PurchaseOrderNumber`` generated ``PO-0001``… when missing,
unique (case-insensitive): ``Order number must be unique``.  Statuses DRAFT, SUBMITTED,
AUTHORISED, BILLED, DELETED: created DRAFT (default), SUBMITTED or AUTHORISED;
DRAFT/SUBMITTED → DRAFT, SUBMITTED, AUTHORISED, DELETED; AUTHORISED → DRAFT, SUBMITTED,
BILLED, DELETED; BILLED and DELETED are final.  Not posted to the ledger: no lock dates, no
account code needed.  ``GET /PurchaseOrders``: ``Status``, ``DateFrom``, ``DateTo``, ``order``,
``page``/``pageSize``, ``If-Modified-Since``; ``GET /PurchaseOrders/{PurchaseOrderNumber}``.
"""

from .. import wire
from .documents import Document, parse_date

PO_FIELDS = (
    "Contact", "LineItems", "Date", "DeliveryDate", "LineAmountTypes", "PurchaseOrderNumber", "Reference",
    "BrandingThemeID", "CurrencyCode", "Status", "SentToContact", "DeliveryAddress", "AttentionTo", "Telephone",
    "DeliveryInstructions", "ExpectedArrivalDate", "PurchaseOrderID", "CurrencyRate", "SubTotal", "TotalTax",
    "Total", "TotalDiscount", "HasAttachments", "UpdatedDateUTC", "StatusAttributeString", "ValidationErrors",
    "Warnings", "Attachments")


class PurchaseOrders(Document):
    plural = "PurchaseOrders"
    id_field = "PurchaseOrderID"
    singular = "purchase order"
    label = "Purchase Order"
    read_scopes = ("accounting.transactions.read", "accounting.invoices.read")
    write_scopes = ("accounting.transactions", "accounting.invoices")
    writable = {
        **{name: None for name in ("Date", "DeliveryDate", "LineAmountTypes", "PurchaseOrderNumber", "Reference",
                                   "BrandingThemeID", "CurrencyCode", "CurrencyRate", "Status", "SentToContact",
                                   "DeliveryAddress", "AttentionTo", "Telephone", "DeliveryInstructions",
                                   "ExpectedArrivalDate")},
        "Contact": "object",
        "LineItems": tuple(Document.line_writable),
    }
    fields = frozenset(PO_FIELDS)
    alt_key = "PurchaseOrderNumber"
    default_order = ((("UpdatedDateUTC",), False), (("PurchaseOrderID",), False))
    defaults = {"Status": "DRAFT"}
    render_defaults = {"HasAttachments": False}
    error_flag = None
    number_field = "PurchaseOrderNumber"
    number_prefix = "PO-"
    numbered_types = ("PO",)
    duplicate_number_message = "Order number must be unique"
    discount_types = ("PO",)
    branded_types = ("PO",)
    statuses = ("DRAFT", "SUBMITTED", "AUTHORISED", "BILLED", "DELETED")
    create_statuses = ("DRAFT", "SUBMITTED", "AUTHORISED")
    editable_statuses = ("DRAFT", "SUBMITTED", "AUTHORISED")
    posted_statuses = ()
    transitions = {"DRAFT": ("SUBMITTED", "AUTHORISED", "DELETED"),
                   "SUBMITTED": ("DRAFT", "AUTHORISED", "DELETED"),
                   "AUTHORISED": ("DRAFT", "SUBMITTED", "BILLED", "DELETED")}

    def doc_type(self, doc):
        return "PO"

    def settled_amount(self, doc):
        return 0

    def match(self, ctx, changes):
        number = str(changes.get("PurchaseOrderNumber") or "").strip()
        return self.find(ctx, number) if number else None

    def filter_records(self, ctx, records, q):
        status = (q.get("status") or "").strip().upper()
        if status:
            records = [r for r in records if r.get("Status") == status]
        for name, keep in (("datefrom", lambda d, b: d >= b), ("dateto", lambda d, b: d <= b)):
            if q.get(name):
                bound = parse_date(q[name])
                if bound is None:
                    return wire.Response.json(400, wire.validation_exception(f"'{q[name]}' is not a valid date."))
                records = [r for r in records if keep(wire.parse_ms_date(r.get("Date")) or 0, bound)]
        return records
