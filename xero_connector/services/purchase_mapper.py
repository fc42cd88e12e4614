"""Purchase orders -> Xero PurchaseOrders.

The same rules as bills: lines carry the product's expense account mapped to
a Xero code, one Xero tax rate per line, tax-included or tax-excluded per
document; the vendor and the items go first.  Xero's statuses follow Odoo's:
RFQ -> DRAFT, to approve -> SUBMITTED, confirmed/locked -> AUTHORISED,
cancelled -> DELETED.  A BILLED order is Xero's: Odoo stops sending it.
"""

from odoo import _
from odoo.osv import expression
from odoo.tools import float_round

from .document_mappers import DocumentMapper, _d
from .mappers import MAPPERS, MappingError, SkipRecord, mapping

PO_STATUS = {"draft": "DRAFT", "sent": "DRAFT", "to approve": "SUBMITTED", "purchase": "AUTHORISED",
             "done": "AUTHORISED"}


class PurchaseOrderMapper(DocumentMapper):
    model = "purchase.order"
    entity = "PurchaseOrders"
    id_key = "PurchaseOrderID"
    number_key = "PurchaseOrderNumber"
    statuses = [("draft", "RFQ"), ("purchase", "Purchase Order"), ("done", "Locked"), ("cancelled", "Cancelled")]
    default_statuses = ("purchase", "done")
    also_depends = ("order_line", "state")

    @classmethod
    def base_domain(cls):
        return []

    @classmethod
    def status_domain(cls, codes):
        states = {"draft": ["draft", "sent", "to approve"], "purchase": ["purchase"], "done": ["done"],
                  "cancelled": ["cancel"]}
        wanted = [state for code in codes for state in states.get(code, [])]
        return [("state", "in", wanted)] if wanted else expression.FALSE_DOMAIN

    def dependencies(self, orders):
        products = orders.order_line.filtered(lambda l: not l.display_type).product_id
        return [("contact", self._unsent(orders.partner_id.commercial_partner_id)),
                ("product", self._unsent(products.filtered("default_code")))]

    def followers(self, orders):
        return []

    @mapping("partner_id", "currency_id", "date_order", "date_planned", "name", "partner_ref")
    def header(self, order):
        partner = order.partner_id.commercial_partner_id
        contact_id = self._xero_id_of(partner)
        if not contact_id:
            raise MappingError(_("%(partner)s is not in Xero yet (its own sync failed; see its Xero tab).",
                                 partner=partner.display_name))
        self._check_currency(order.currency_id)
        taxes = order.order_line.filtered(lambda l: not l.display_type).taxes_id
        rate = {"CurrencyRate": float_round(order.currency_rate, precision_digits=6)} \
            if order.currency_id != order.company_id.currency_id and order.currency_rate else {}
        return {
            **rate,
            "Contact": {"ContactID": contact_id},
            "Date": _d(order.date_order.date() if order.date_order else None),
            "DeliveryDate": _d(order.date_planned.date() if order.date_planned else None),
            "PurchaseOrderNumber": order.name,
            "Reference": order.partner_ref or None,
            "CurrencyCode": order.currency_id.name,
            "LineAmountTypes": self._line_amount_types(order, taxes),
        }

    @mapping("state")
    def status(self, order):
        if order.state == "cancel":
            if not (self.binding and self.binding.xero_id):
                raise SkipRecord(_("Cancelled and never sent: nothing to do in Xero."))
            return {"Status": "DELETED"}
        return {"Status": PO_STATUS.get(order.state, "DRAFT")}

    @mapping("order_line")
    def lines(self, order):
        lines = []
        for line in order.order_line.sorted("sequence"):
            if line.display_type:
                if line.name:
                    lines.append({"Description": line.name})
                continue
            lines.append(self._po_line(order, line))
        if not any("AccountCode" in ln for ln in lines):
            raise MappingError(_("%(order)s has no line with an amount.", order=order.display_name))
        return {"LineItems": lines}

    def _po_line(self, order, line):
        product = line.product_id
        account = product.product_tmpl_id.with_company(order.company_id)._get_product_accounts()["expense"] \
            if product else self.env["account.account"]
        code = self.connection._xero_account_code(account) if account else None
        if not code:
            raise MappingError(_(
                "The expense account %(account)s of %(product)s is not mapped to a Xero account. Map it in "
                "Xero › Configuration › Chart of Accounts.", account=account.display_name or _("(none)"),
                product=product.display_name or line.name))
        values = {
            "Description": line.name or product.display_name or "-",
            "Quantity": line.product_qty,
            "UnitAmount": float_round(line.price_unit, precision_digits=4),
            "AccountCode": code,
            "TaxType": self._tax_type(order, line, line.taxes_id),
        }
        if line.discount:
            # Xero takes discounts on purchase orders (unlike bills): folding them into a 4-decimal
            # unit price would make Xero's line amount differ from Odoo's by cents on large quantities
            values["DiscountRate"] = float_round(line.discount, precision_digits=2)
        if product and product.default_code and self._xero_id_of(product):
            values["ItemCode"] = product.default_code.strip()
        self._add_tracking(values, line)
        return values

    def locked_status(self, data):
        if data.get("Status") == "BILLED":
            return _("Billed in Xero: Xero no longer accepts changes to it.")
        if data.get("Status") == "DELETED":
            return _("Deleted in Xero.")
        return None

    def locked_reason(self, errors):
        text = " ".join(errors)
        if "BILLED" in text.upper() or "cannot be edited" in text or "not of valid status" in text:
            return _("Xero no longer accepts changes to this purchase order (%(why)s). Xero is king: Odoo stops "
                     "sending it.", why=text.strip())
        return None


MAPPERS["purchase_order"] = PurchaseOrderMapper
