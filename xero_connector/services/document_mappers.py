"""Mappers of accounting documents: invoices and bills, credit notes.

Lines carry Xero account codes and tax types through the connection's
accounting mappings (``xero.account`` / ``xero.tax.rate``); products go as
item codes once they are Xero items.  A document Odoo cannot express exactly
(unmapped account, a tax whose rate differs from Xero's, tax-included and
tax-excluded prices on one document) is refused with a message that says
what to fix, never sent approximately.
"""

from decimal import Decimal

from odoo import _
from odoo.tools import float_compare, float_round

from . import xero_client as xc
from .mappers import MAPPERS, Mapper, MappingError, SkipRecord, mapping

XERO_TYPES = {"out_invoice": "ACCREC", "in_invoice": "ACCPAY",
              "out_refund": "ACCRECCREDIT", "in_refund": "ACCPAYCREDIT"}
# Xero refuses edits of these, in these words
LOCK_HINTS = (
    "not of valid status for modification",
    "cannot be edited as it has a payment or credit note allocated",
    "lock date",
)


_d = xc.xero_date
SALES_MOVE_TYPES = ("out_invoice", "out_refund")


def _norm_ref(value):
    """A reference compared case- and space-insensitively."""
    return "".join((value or "").split()).casefold() or None
#: Xero's credits an allocation uses up: collection -> the allocation's key naming it
CREDIT_KEYS = {"CreditNotes": "CreditNote", "Overpayments": "Overpayment", "Prepayments": "Prepayment"}


def xero_bank_account(mapper, journal):
    """The Xero bank account (``{"Code"}`` or ``{"AccountID"}``) of an Odoo payment journal."""
    account = mapper.connection.xero_account_ids.filtered(lambda a: a.journal_id == journal and a.active)[:1]
    if not account:
        raise MappingError(mapper.env._(
            "The journal %(journal)s is not mapped to a Xero bank account, so its payments cannot be "
            "recorded in Xero. Map it in Xero › Configuration › Chart of Accounts.",
            journal=journal.display_name))
    return {"Code": account.code} if account.code else {"AccountID": account.xero_id}


def odoo_journal(mapper, account_ref):
    """The Odoo journal of a Xero bank account (``{"AccountID", "Code"}``); MappingError when unmapped."""
    account_id = (account_ref or {}).get("AccountID")
    xero_account = mapper.connection.with_context(active_test=False).xero_account_ids.filtered(
        lambda a: a.xero_id == account_id)[:1]
    if not xero_account.journal_id:
        raise MappingError(mapper.env._("Xero's bank account %(account)s is not mapped to an Odoo journal. Map it in Xero › "
                             "Configuration › Chart of Accounts.",
                             account=xero_account.display_name or (account_ref or {}).get("Code")))
    return xero_account.journal_id


def follow_removed_allocations(mapper, credit, allocations):
    """Allocations of the Xero credit ``credit`` ("CreditNotes/<id>", ...) that Odoo reconciled and that
    are no longer in Xero's ``allocations``: removed in Xero, so unreconciled in Odoo. Returns what
    was done, in words."""
    env = mapper.env
    current = {a.get("AllocationID") for a in allocations or []}
    bindings = env["xero.binding"].sudo().search([
        ("connection_id", "=", mapper.connection.id), ("res_model", "=", "account.partial.reconcile"),
        ("xero_credit", "=", credit), ("xero_id", "!=", False)])
    changes = []
    for binding in bindings.filtered(lambda b: b.xero_id not in current):
        partial = env["account.partial.reconcile"].browse(binding.res_id).exists()
        binding.unlink()  # first: removing the reconciliation must not ask Xero to remove it again
        if partial:
            amount = partial.amount
            partial.unlink()
            changes.append(env._("allocation of %(amount)s removed (removed in Xero)", amount=amount))
    return changes


class DocumentMapper(Mapper):
    """Shared by invoices/bills and credit notes."""

    #: what identifies a document Xero created (compared where the payload has it)
    identity_keys = ("Type", "Contact.ContactID", "InvoiceNumber", "CreditNoteNumber", "PurchaseOrderNumber",
                     "Reference", "Date", "DueDate", "CurrencyCode", "BankAccount.AccountID", "BankAccount.Code")

    model = "account.move"
    move_types = ()
    number_field = None
    reserved_keys = ()
    default_lines = []
    statuses = [("draft", "Draft"), ("posted", "Posted"), ("paid", "Paid"), ("cancelled", "Cancelled")]
    default_statuses = ("posted", "paid")
    also_depends = ("invoice_line_ids", "line_ids", "state", "payment_state")

    @classmethod
    def status_domain(cls, codes):
        from odoo.osv import expression
        parts = []
        if "draft" in codes:
            parts.append([("state", "=", "draft")])
        if "posted" in codes:
            parts.append([("state", "=", "posted"), ("payment_state", "not in", ("paid", "in_payment"))])
        if "paid" in codes:
            parts.append([("state", "=", "posted"), ("payment_state", "in", ("paid", "in_payment"))])
        if "cancelled" in codes:
            parts.append([("state", "=", "cancel")])
        return expression.OR(parts) if parts else expression.FALSE_DOMAIN

    @classmethod
    def base_domain(cls):
        return [("move_type", "in", cls.move_types)]

    # -- dependencies -------------------------------------------------------------
    def dependencies(self, moves):
        partners = moves.commercial_partner_id
        products = moves.invoice_line_ids.filtered(lambda l: l.display_type == "product").product_id
        return [("contact", self._unsent(partners)),
                ("product", self._unsent(products.filtered("default_code")))]

    def _unsent(self, records):
        """Records without a current Xero version on this connection."""
        if not records:
            return records
        bindings = self.env["xero.binding"].sudo().search([
            ("connection_id", "=", self.connection.id), ("res_model", "=", records._name),
            ("res_id", "in", records.ids), ("xero_id", "!=", False), ("need_sync", "=", False)])
        done = set(bindings.mapped("res_id"))
        return records.filtered(lambda r: r.id not in done)

    def _xero_id_of(self, record):
        binding = self.env["xero.binding"].sudo().search([
            ("connection_id", "=", self.connection.id), ("res_model", "=", record._name),
            ("res_id", "=", record.id)], limit=1)
        return binding.xero_id or None

    # -- Odoo -> Xero ------------------------------------------------------------------
    @mapping("move_type", "partner_id", "currency_id", "invoice_date", "invoice_date_due", "ref",
             "payment_reference", "name")
    def header(self, move):
        contact_id = self._xero_id_of(move.commercial_partner_id)
        if not contact_id:
            raise MappingError(_("%(partner)s is not in Xero yet (its own sync failed; see its Xero tab).",
                                 partner=move.commercial_partner_id.display_name))
        self._check_currency(move.currency_id)
        values = {
            "Type": XERO_TYPES[move.move_type],
            "Contact": {"ContactID": contact_id},
            "Date": _d(move.invoice_date or move.date),
            "CurrencyCode": move.currency_id.name,
            "LineAmountTypes": self._line_amount_types(move),
        }
        if move.currency_id != move.company_id.currency_id and move.invoice_currency_rate:
            # Odoo's rate "from company currency to document currency" is Xero's CurrencyRate as is:
            # units of the document's currency per unit of the base currency (no inversion).
            values["CurrencyRate"] = float_round(move.invoice_currency_rate, precision_digits=6)
        return values

    def _check_currency(self, currency):
        problem = self.connection._xero_currency_problem(currency)
        if problem:
            raise MappingError(problem)

    @mapping("state", "payment_state")
    def status(self, move):
        mapping = getattr(self, "mapping", None)
        posted_status = (mapping.post_status if mapping and mapping.post_status else None) or "AUTHORISED"
        if move.state == "cancel":
            if not (self.binding and self.binding.xero_id):
                raise SkipRecord(_("Cancelled and never sent: nothing to do in Xero."))
            was = self.binding.xero_status
            return {"Status": "DELETED" if was in ("DRAFT", "SUBMITTED") else "VOIDED"}
        if move.state == "draft":
            if self.binding and self.binding.xero_status in ("AUTHORISED", "PAID"):
                raise MappingError(_("It was approved in Xero; Xero cannot turn it back into a draft. "
                                     "Cancel it instead (Xero voids it) and create a new one."))
            return {"Status": "DRAFT"}
        return {"Status": posted_status}

    def _line_amount_types(self, move, taxes=None):
        taxes = move.invoice_line_ids.tax_ids if taxes is None else taxes
        if not taxes:
            return "NoTax"
        included = set(taxes.mapped("price_include"))
        if len(included) > 1:
            raise MappingError(_(
                "%(move)s mixes tax-included and tax-excluded taxes (%(taxes)s). Xero prices a whole "
                "document either tax-inclusive or tax-exclusive (item tax vs total tax): use taxes of one "
                "kind on this document.", move=move.display_name, taxes=", ".join(taxes.mapped("name"))))
        return "Inclusive" if included.pop() else "Exclusive"

    @mapping("invoice_line_ids")
    def lines(self, move):
        lines = []
        for line in move.invoice_line_ids.sorted("sequence"):
            if line.display_type in ("line_section", "line_note"):
                if line.name:
                    lines.append({"Description": line.name})
                continue
            if line.display_type != "product":
                continue
            lines.append(self._line(move, line))
        if not any("AccountCode" in ln for ln in lines):
            raise MappingError(_("%(move)s has no line with an amount.", move=move.display_name))
        return {"LineItems": lines}

    def _account_code(self, line, label):
        """The Xero code of the line's account; an error naming the line (``label`` without a name)
        when the account is not mapped."""
        code = self.connection._xero_account_code(line.account_id)
        if not code:
            raise MappingError(_(
                "The Odoo account %(account)s (line '%(line)s') is not mapped to a Xero account. Map it "
                "in Xero › Configuration › Chart of Accounts.", account=line.account_id.display_name,
                line=line.name or label))
        return code

    def _line(self, move, line):
        code = self._account_code(line, line.product_id.display_name)
        values = {
            "Description": line.name or line.product_id.display_name or "-",
            "Quantity": line.quantity,
            "UnitAmount": float_round(line.price_unit, precision_digits=4),
            "AccountCode": code,
            "TaxType": self._tax_type(move, line),
        }
        if line.discount:
            if move.move_type in ("out_invoice", "out_refund"):
                values["DiscountRate"] = float_round(line.discount, precision_digits=2)
            else:
                # Xero has no discounts on bills: send the discounted unit price.
                values["UnitAmount"] = float_round(line.price_unit * (1 - line.discount / 100.0),
                                                   precision_digits=4)
        product = line.product_id
        if product and product.default_code:
            item_id = self._xero_id_of(product)
            if item_id:
                values["ItemCode"] = product.default_code.strip()
        self._add_tracking(values, line)
        return values

    def _add_tracking(self, values, line):
        """The line's analytic distribution as Xero's ``Tracking`` (one option per mapped plan)."""
        mapping = getattr(self, "mapping", None)
        binding = getattr(self, "binding", None)
        tracking = self.connection._xero_line_tracking(
            line.analytic_distribution, line.name or line.product_id.display_name or "-",
            largest=bool(mapping) and mapping.analytic_split == "largest",
            new_document=not (binding and binding.xero_id))
        if tracking:
            values["Tracking"] = tracking

    def _tax_type(self, move, line, taxes=None):
        taxes = line.tax_ids if taxes is None else taxes
        taxes = taxes.flatten_taxes_hierarchy() if hasattr(taxes, "flatten_taxes_hierarchy") else taxes
        if len(taxes) > 1:
            raise MappingError(_(
                "Line '%(line)s' has %(count)s taxes (%(taxes)s); Xero takes one tax rate per line. Map a "
                "combined Xero tax rate to a single Odoo tax.", line=line.name, count=len(taxes),
                taxes=", ".join(taxes.mapped("name"))))
        if not taxes:
            none = self.connection.xero_tax_rate_ids.filtered(lambda r: r.tax_type == "NONE" and r.active)
            return none.tax_type if none else None
        rate = self.connection._xero_tax_rate(taxes)
        if not rate:
            raise MappingError(_("The Odoo tax %(tax)s is not mapped to a Xero tax rate. Map it in Xero › "
                                 "Configuration › Tax Rates.", tax=taxes.display_name))
        problem = rate._tax_problem(taxes)
        if problem:
            raise MappingError(problem)
        return rate.tax_type

    def _numbers(self, move, sales_type):
        """Number, reference and branding theme: Odoo's number on sales documents, the vendor's
        reference as the number of purchase documents (Xero keeps references for sales only)."""
        values = {}
        if move.move_type == sales_type:
            if move.name and move.name != "/":
                values[self.number_key] = move.name
            values["Reference"] = move.ref or (move.payment_reference if move.payment_reference != move.name
                                               else None)
            theme = move.xero_branding_theme_id or self.connection.branding_theme_id
            if theme:
                values["BrandingThemeID"] = theme.xero_id
        else:
            values[self.number_key] = move.ref or (move.name if move.name != "/" else None)
        return values

    def finalize(self, payload, move):
        if payload.get("Status") in ("VOIDED", "DELETED"):
            # voiding or deleting changes nothing else
            status = payload["Status"]
            payload.clear()
            payload["Status"] = status
            return
        payload["LineItems"] = [{k: v for k, v in ln.items() if v is not None} for ln in payload["LineItems"]]

    def followers(self, moves):
        """Payments of these documents follow them to Xero."""
        partials = self.env["account.partial.reconcile"]
        for move in moves:
            receivable = move.line_ids.filtered(
                lambda l: l.account_id.account_type in ("asset_receivable", "liability_payable"))
            partials |= receivable.matched_debit_ids | receivable.matched_credit_ids
        mapper = PaymentMapper(self.env, self.connection)
        allocations = AllocationMapper(self.env, self.connection)
        payments = partials.filtered(mapper.is_payment)
        # what a payment brought beyond these documents goes as an overpayment, after their payments
        return [("payment", payments),
                ("overpayment", mapper.payments_of(payments).filtered(lambda p: not p.is_reconciled)),
                ("allocation", partials.filtered(allocations.is_allocation))]

    # -- after the write --------------------------------------------------------------
    def check_result(self, move, result):
        """Xero computes its own totals: a difference with Odoo's is a warning with the amounts."""
        total, tax = result.get("Total"), result.get("TotalTax")
        if total is None:
            return None
        digits = move.currency_id.decimal_places
        if float_compare(total, move.amount_total, precision_digits=digits) or \
                float_compare(tax or 0.0, move.amount_tax, precision_digits=digits):
            return _("Rounding difference: Odoo's total is %(odoo_total)s (tax %(odoo_tax)s), Xero's is "
                     "%(xero_total)s (tax %(xero_tax)s), in %(currency)s.",
                     odoo_total="%.*f" % (digits, move.amount_total), odoo_tax="%.*f" % (digits, move.amount_tax),
                     xero_total="%.*f" % (digits, total), xero_tax="%.*f" % (digits, tax or 0.0),
                     currency=move.currency_id.name)
        return None

    def locked_reason(self, errors):
        text = " ".join(errors)
        if any(hint in text for hint in LOCK_HINTS):
            return _("Xero no longer accepts changes to this document (%(why)s). Xero is king: Odoo stops "
                     "sending it; change it in Xero if needed.", why=text.strip())
        return None

    def locked_status(self, data):
        if data.get("Status") == "PAID":
            return _("Paid in Xero: Xero no longer accepts changes to it.")
        if data.get("Status") in ("VOIDED", "DELETED"):
            return _("%(status)s in Xero.", status=data["Status"].capitalize())
        return None


class DocumentImport:
    """Xero -> Odoo for documents (mixed into the document mappers)."""

    import_dependencies = ("contact", "product")
    #: sales documents by number; purchase documents by reference (Xero's number = Odoo's ``ref``),
    #: contact and amount; any document one side has no number/reference for by contact, date and amount
    match_keys = ("number", "reference", "dated_total")
    #: a number or reference on both sides that differs: not the same document, whatever else agrees
    strong_keys = ("number", "ref")

    @property
    def lookup_fields(self):
        return {"number": self.number_key}

    # -- matching ------------------------------------------------------------------------
    def odoo_match_values(self, move):
        sales = move.move_type in SALES_MOVE_TYPES
        number = move.name.strip().casefold() if sales and move.name and move.name != "/" else None
        ref = _norm_ref(move.ref) if not sales else None
        if move.state == "cancel":
            return {"number": number, "ref": ref}
        # Xero numbers every sales document: a numbered Odoo one can only be the Xero one of that number
        return dict(self._document_keys(
            XERO_TYPES[move.move_type], self._contact_of(move), move.currency_id.name, move.amount_total,
            ref, move.invoice_date, dated=not number), number=number, ref=ref)

    def xero_match_values(self, data):
        sales = data.get("Type") in ("ACCREC", "ACCRECCREDIT")
        number = (data.get(self.number_key) or "").strip().casefold() or None
        ref = _norm_ref(data.get(self.number_key)) if not sales else None
        values = {"number": number if sales else None, "ref": ref}
        if data.get("Status") in ("VOIDED", "DELETED"):
            return values  # a voided or deleted Xero document is never matched by its amounts
        currency = data.get("CurrencyCode") or self.connection.company_id.currency_id.name
        return dict(self._document_keys(
            data.get("Type"), (data.get("Contact") or {}).get("ContactID"), currency, data.get("Total"), ref,
            xc.from_xero_date(data.get("Date"))), **values)

    @staticmethod
    def _document_keys(doc_type, contact, currency, total, ref, day, dated=True):
        """The composite keys: ``type|contact|currency|total|reference`` and ``…|date``."""
        if not (doc_type and contact and currency) or total is None:
            return {"reference": None, "dated_total": None}
        head = f"{doc_type}|{str(contact).lower()}|{currency}|{float_round(float(total), precision_digits=2):.2f}"
        return {"reference": f"{head}|{ref}" if ref else None,
                "dated_total": f"{head}|{day.isoformat()}" if day and dated else None}

    def lookup_clause(self, key, value):
        """Xero's documents of a composite key's type, contact and total (the index then compares)."""
        if key not in ("reference", "dated_total"):
            return None
        doc_type, contact, _currency, total = value.split("|", 4)[:4]
        return f'(Type=="{doc_type}"&&Contact.ContactID==Guid("{contact}")&&Total=={total})'

    def _contact_of(self, move):
        """The Xero contact id of the move's commercial partner; one query for all the moves read
        with it (their prefetch set), not one per move."""
        cache = self.__dict__.setdefault("_contact_ids", {})
        partner = move.commercial_partner_id
        if partner.id not in cache:
            partners = (move.browse(move._prefetch_ids).commercial_partner_id | partner).filtered(
                lambda p: p.id not in cache)
            cache.update(dict.fromkeys(partners.ids))
            bindings = self.env["xero.binding"].sudo().search_read([
                ("connection_id", "=", self.connection.id), ("res_model", "=", "res.partner"),
                ("res_id", "in", partners.ids), ("xero_id", "!=", False)], ["res_id", "xero_id"])
            cache.update({b["res_id"]: b["xero_id"] for b in bindings})
        return cache[partner.id]

    def odoo_candidates(self, company, values_list):
        """One keyed query for a chunk: the moves of the numbers, and the moves of the contacts'
        partners with the totals of the composite keys (the matcher then compares every key)."""
        numbers = sorted({v["number"] for v in values_list if v.get("number")})
        heads = [v[key].split("|", 4) for v in values_list for key in ("reference", "dated_total") if v.get(key)]
        contacts, totals = sorted({h[1] for h in heads}), sorted({Decimal(h[3]) for h in heads})
        if not numbers and not heads:
            return self.env["account.move"]
        self.env["account.move"].flush_model(["company_id", "move_type", "name", "state", "amount_total",
                                              "commercial_partner_id"])
        self.env["xero.binding"].flush_model(["connection_id", "res_model", "res_id", "xero_id"])
        # a UNION of two keyed look-ups (an OR would read every move of the company)
        self.env.cr.execute("""
            SELECT m.id FROM account_move m
             WHERE m.company_id = %(company)s AND m.move_type = ANY(%(types)s) AND m.name = ANY(%(numbers)s)
            UNION
            SELECT m.id FROM xero_binding b JOIN account_move m ON m.commercial_partner_id = b.res_id
             WHERE b.connection_id = %(connection)s AND b.res_model = 'res.partner' AND b.xero_id = ANY(%(contacts)s)
               AND m.company_id = %(company)s AND m.move_type = ANY(%(types)s) AND m.state != 'cancel'
               AND m.xero_invoice_type IS DISTINCT FROM 'receipt' AND round(m.amount_total, 2) = ANY(%(totals)s)
        """, {"company": company.id, "types": list(self.move_types), "connection": self.connection.id,
              "numbers": [n.upper() for n in numbers] + numbers, "contacts": contacts, "totals": totals})
        moves = self.env["account.move"].browse([row[0] for row in self.env.cr.fetchall()])
        wanted = set(numbers)
        return moves.filtered(lambda m: m.state != "cancel" or (m.name or "").casefold() in wanted)

    def is_archived(self, data):
        return data.get("Status") in ("VOIDED", "DELETED")

    # -- reading -----------------------------------------------------------------------
    def read(self, data, move):
        if move:
            return {}  # a linked document is brought up to date by after_import
        values = self._header_values(data)
        values["invoice_line_ids"] = [(0, 0, line) for line in self._line_values(data)]
        return values

    def _header_values(self, data):
        move_type = {v: k for k, v in XERO_TYPES.items()}[data["Type"]]
        sales = move_type in ("out_invoice", "out_refund")
        values = {
            "move_type": move_type,
            "partner_id": self._partner(data).id,
            "invoice_date": xc.from_xero_date(data.get("Date")),
            "currency_id": self._currency(data).id,
        }
        company_currency = self.connection.company_id.currency_id.name
        if data.get("CurrencyRate") and data.get("CurrencyCode") not in (None, company_currency):
            # Xero's rate is kept on the document (Odoo's invoice_currency_rate is writable and has
            # Xero's meaning): its amounts in the company currency are Xero's, whatever Odoo's rate table says.
            values["invoice_currency_rate"] = float(data["CurrencyRate"])
        if data.get("DueDate") and move_type in ("out_invoice", "in_invoice"):
            values["invoice_date_due"] = xc.from_xero_date(data["DueDate"])
        values["ref"] = (data.get("Reference") if sales else data.get(self.number_key)) or False
        theme = data.get("BrandingThemeID") and self.connection.branding_theme_ids.filtered(
            lambda t: t.xero_id == data["BrandingThemeID"])
        if sales and theme:
            values["xero_branding_theme_id"] = theme[:1].id
        return values

    def _partner(self, data):
        contact = data.get("Contact") or {}
        binding = self.env["xero.binding"].sudo().search([
            ("connection_id", "=", self.connection.id), ("res_model", "=", "res.partner"),
            ("xero_id", "=", contact.get("ContactID"))], limit=1)
        partner = self.env["res.partner"].browse(binding.res_id).exists() if binding else None
        if not partner:
            raise MappingError(_("Its Xero contact '%(name)s' is not in Odoo; import contacts (Import or "
                                 "Import & Update) first.", name=contact.get("Name") or contact.get("ContactID")))
        return partner

    def _currency(self, data):
        code = data.get("CurrencyCode") or self.connection.company_id.currency_id.name
        currency = self.env["res.currency"].with_context(active_test=False).search([("name", "=", code)], limit=1)
        if not currency:
            raise MappingError(_("Odoo has no currency %(code)s.", code=code))
        if not currency.active:
            raise MappingError(_("The currency %(code)s (%(name)s) is not active in Odoo. Activate it in Accounting "
                                 "› Configuration › Currencies, then import again.", code=code,
                                 name=currency.full_name or code))
        return currency

    def _line_values(self, data):
        sales = data["Type"] in ("ACCREC", "ACCRECCREDIT")
        inclusive = data.get("LineAmountTypes") == "Inclusive"
        no_tax = data.get("LineAmountTypes") == "NoTax"
        lines = []
        for index, item in enumerate(data.get("LineItems") or []):
            if not item.get("AccountCode") and not item.get("UnitAmount") and not item.get("ItemCode"):
                if item.get("Description"):
                    lines.append({"display_type": "line_note", "name": item["Description"], "sequence": index})
                continue
            values = {
                "sequence": index,
                "name": item.get("Description") or item.get("ItemCode") or "-",
                "quantity": item.get("Quantity") or 0.0,
                "price_unit": item.get("UnitAmount") or 0.0,
                "discount": item.get("DiscountRate") or 0.0,
                "account_id": self._odoo_account(item.get("AccountCode")).id,
                "tax_ids": [(6, 0, [] if no_tax else self._odoo_taxes(item.get("TaxType"), sales, inclusive).ids)],
            }
            product = self._product(item.get("ItemCode"))
            if product:
                values["product_id"] = product.id
            distribution = self._distribution(item.get("Tracking"))
            if distribution:
                values["analytic_distribution"] = distribution
            lines.append(values)
        return lines

    def _distribution(self, tracking):
        """The analytic distribution of a Xero line's tracking; a category or option Odoo has not seen
        (made in Xero since the last import) makes the run import the tracking categories once."""
        if tracking and not getattr(self, "_tracking_refreshed", False) and self.connection._tracking_unknown(tracking):
            self._tracking_refreshed = True
            self.connection._import_tracking_categories(self.connection._client())
        return self.connection._odoo_distribution(tracking)

    def _odoo_account(self, code):
        xero_account = self.connection.with_context(active_test=False).xero_account_ids.filtered(
            lambda a: a.code == code)[:1]
        if not xero_account.account_ids:
            raise MappingError(_("The Xero account %(code)s %(name)s is not mapped to an Odoo account. Map it in "
                                 "Xero › Configuration › Chart of Accounts (or create it there from Xero).",
                                 code=code or "?", name=xero_account.name or ""))
        return xero_account.account_ids[:1]

    def _odoo_taxes(self, tax_type, sales, inclusive):
        if not tax_type:
            return self.env["account.tax"]
        rate = self.connection.with_context(active_test=False).xero_tax_rate_ids.filtered(
            lambda r: r.tax_type == tax_type)[:1]
        use = "sale" if sales else "purchase"
        taxes = rate.tax_ids.filtered(lambda t: t.type_tax_use == use and t.price_include == inclusive)[:1]
        if taxes:
            return taxes
        if rate and not rate.rate:
            return self.env["account.tax"]  # a 0% Xero rate needs no Odoo tax
        raise MappingError(_(
            "The Xero tax rate %(rate)s has no %(kind)s %(use)s tax mapped in Odoo. Map one in Xero › "
            "Configuration › Tax Rates.", rate=rate.display_name if rate else tax_type,
            kind=_("tax-included") if inclusive else _("tax-excluded"),
            use=_("sales") if sales else _("purchase")))

    def _product(self, code):
        if not code:
            return None
        return self.env["product.product"].search([("default_code", "=ilike", code.strip())], limit=1) or None

    # -- applying ------------------------------------------------------------------------
    #: the lines a Xero version replaces, and the Xero statuses that post the Odoo document
    lines_field = "invoice_line_ids"
    xero_posted_statuses = ("AUTHORISED", "PAID")

    def _after_rewrite(self, move, data):
        """Checks once the lines were replaced from Xero (hook)."""

    def after_import(self, move, data):
        """Bring a linked document to Xero's version: lines, dates, status."""
        changes = []
        status = data.get("Status")
        wanted = self._header_values(data)
        wanted.pop("move_type", None)
        lines = self._line_values(data)
        if status in ("VOIDED", "DELETED"):
            if move.state != "cancel":
                if move.state == "posted":
                    move.button_draft()
                move.button_cancel()
                changes.append(_("cancelled (%(status)s in Xero)", status=status.lower()))
            return changes
        differs = self._differs_from(move, wanted, lines)
        if differs:
            was_posted = move.state == "posted"
            if was_posted:
                move.button_draft()
            move.write(dict(wanted, **{self.lines_field: [(5, 0, 0)] + [(0, 0, line) for line in lines]}))
            self._after_rewrite(move, data)
            changes.append(_("lines and details"))
            if was_posted:
                move.action_post()
        if status in self.xero_posted_statuses and move.state == "draft":
            move.action_post()
            changes.append(_("posted"))
        return changes

    def _differs_from(self, move, wanted, lines):
        for name, value in wanted.items():
            current = move[name]
            current = current.id if hasattr(current, "_name") else current
            if (current or False) != (value or False):
                return True
        def signature(rows):
            return sorted((r.get("display_type") or "product", r.get("name"), round(r.get("quantity", 0.0), 4),
                           round(r.get("price_unit", 0.0), 4), round(r.get("discount", 0.0), 2),
                           r.get("account_id"), tuple(sorted(r["tax_ids"][0][2])) if r.get("tax_ids") else (),
                           tuple(sorted((k, round(v, 2)) for k, v in (r.get("analytic_distribution") or {}).items())))
                          for r in rows)
        current = [{"display_type": None if l.display_type == "product" else l.display_type, "name": l.name,
                    "quantity": l.quantity, "price_unit": l.price_unit, "discount": l.discount,
                    "account_id": l.account_id.id if l.display_type == "product" else None,
                    "tax_ids": [(6, 0, l.tax_ids.ids)] if l.display_type == "product" else None,
                    "analytic_distribution": self.connection._tracked_distribution(l.analytic_distribution)}
                   for l in move.invoice_line_ids if l.display_type in ("product", "line_note")]
        wanted_rows = [dict(r, account_id=None, tax_ids=None) if r.get("display_type") else r for r in lines]
        return signature(current) != signature(wanted_rows)

    def import_create(self, Model, values, data):
        move = Model.with_context(default_move_type=values["move_type"]).create(values)
        return move


class InvoiceMapper(DocumentImport, DocumentMapper):
    entity = "Invoices"
    id_key = "InvoiceID"
    number_key = "InvoiceNumber"
    move_types = ("out_invoice", "in_invoice")

    @classmethod
    def base_domain(cls):
        return [("move_type", "in", cls.move_types), ("xero_invoice_type", "!=", "receipt")]

    @mapping("name", "ref", "payment_reference", "move_type", "invoice_date_due")
    def numbers(self, move):
        return dict(self._numbers(move, "out_invoice"), DueDate=_d(move.invoice_date_due or move.invoice_date))


class CreditNoteMapper(DocumentImport, DocumentMapper):
    entity = "CreditNotes"
    id_key = "CreditNoteID"
    number_key = "CreditNoteNumber"
    move_types = ("out_refund", "in_refund")

    @mapping("name", "ref", "payment_reference", "move_type")
    def numbers(self, move):
        return self._numbers(move, "out_refund")

    def after_import(self, move, data):
        changes = super().after_import(move, data)
        return changes + follow_removed_allocations(self, f"CreditNotes/{data['CreditNoteID']}",
                                                    data.get("Allocations"))


MAPPERS.update({"invoice": InvoiceMapper, "credit_note": CreditNoteMapper})


class PaymentMapper(Mapper):
    """An Odoo reconciliation of a synced invoice with a payment = one Xero payment.

    ``account.partial.reconcile`` is the exact counterpart of a Xero payment: one
    document, one amount, one date, one bank account (the payment journal's
    mapped Xero account).  Xero payments cannot be edited, only deleted; a
    removed reconciliation deletes its Xero payment.
    """

    model = "account.partial.reconcile"
    entity = "Payments"
    id_key = "PaymentID"
    number_key = None
    statuses = []
    default_statuses = ()
    identity_keys = ("Invoice.InvoiceID", "CreditNote.CreditNoteID", "Amount", "Date", "Reference",
                     "Account.Code", "Account.AccountID")

    def sides(self, partial):
        """(invoice line, counterpart line) when one side is an invoice, else (None, None)."""
        for line, other in ((partial.debit_move_id, partial.credit_move_id),
                            (partial.credit_move_id, partial.debit_move_id)):
            if line.move_id.move_type in XERO_TYPES:
                return line, other
        return None, None

    def is_payment(self, partial):
        line, other = self.sides(partial)
        return bool(line) and other.move_id.move_type == "entry" and not self.is_credit_allocation(partial)

    def _binding_of(self, record):
        return self.env["xero.binding"].sudo().search([
            ("connection_id", "=", self.connection.id), ("res_model", "=", record._name),
            ("res_id", "=", record.id)], limit=1)

    def credit_of(self, partial):
        """The Xero credit ("Overpayments/<id>") of the Odoo payment that ``partial`` applies, when that
        payment is in Xero as an overpayment or prepayment."""
        _line, other = self.sides(partial)
        payment = other.move_id.origin_payment_id if other else None
        return self._binding_of(payment).xero_credit if payment else False

    def is_credit_allocation(self, partial):
        """A payment applied to an invoice after the payment went to Xero as an overpayment or
        prepayment: a Xero allocation of that credit (one already sent as a Xero payment stays one)."""
        binding = self._binding_of(partial)
        if binding.xero_id:
            return bool(binding.xero_credit) and not binding.xero_credit.startswith("CreditNotes/")
        return bool(self.credit_of(partial))

    def payments_of(self, partials):
        """The customer receipts and vendor payments on the payment side of ``partials``."""
        payments = self.env["account.payment"]
        for partial in partials:
            _line, other = self.sides(partial)
            payments |= other.move_id.origin_payment_id
        return payments.filtered(lambda p: (p.payment_type, p.partner_type) in (("inbound", "customer"),
                                                                                 ("outbound", "supplier")))

    #: the Xero payments of reconciliations removed in Odoo are deleted (allocations: AllocationMapper)
    orphan_domain = [("xero_credit", "=", False)]

    def delete_orphan(self, client, binding):
        client.delete_payment(binding.xero_id, idempotency_key=f"delete-{binding.xero_id}")

    def orphan_messages(self):
        return (_("Deleted in Xero: the payment was removed in Odoo."),
                _("The payment was removed in Odoo but Xero refused to delete it: %(error)s"))

    def dependencies(self, partials):
        return []

    @mapping("amount", "debit_move_id", "credit_move_id")
    def payment(self, partial):
        if self.binding and self.binding.xero_id:
            raise SkipRecord(_("Xero payments cannot be changed; it stays as sent."))
        line, other = self.sides(partial)
        if not line:
            raise SkipRecord(_("Not a payment of an invoice."))
        move = line.move_id
        if other.move_id.move_type != "entry":
            raise SkipRecord(_("A credit note applied to an invoice: sent as a credit note allocation."))
        if self.is_credit_allocation(partial):
            raise SkipRecord(_("The payment is in Xero as an overpayment: sent as an allocation of it."))
        invoice_id = self._xero_id_of(move)
        if not invoice_id:
            raise MappingError(_("%(move)s is not in Xero; send it first.", move=move.display_name))
        journal = other.move_id.origin_payment_id.journal_id or other.move_id.journal_id
        bank_account = xero_bank_account(self, journal)
        amount = partial.debit_amount_currency if line == partial.debit_move_id else partial.credit_amount_currency
        key = "CreditNote" if move.move_type in ("out_refund", "in_refund") else "Invoice"
        id_key = "CreditNoteID" if key == "CreditNote" else "InvoiceID"
        values = {
            key: {id_key: invoice_id},
            "Account": bank_account,
            "Date": _d(max(partial.max_date, other.date) if partial.max_date else other.date),
            "Amount": float_round(amount, precision_digits=move.currency_id.decimal_places),
            "Reference": (other.move_id.origin_payment_id.name or other.move_id.ref or other.move_id.name or None),
        }
        if move.currency_id != move.company_id.currency_id:
            values["CurrencyRate"] = self._payment_rate(move, other)
        return values

    def _payment_rate(self, move, other):
        """Odoo's rate at the payment's date: units of the document's currency per company currency
        unit, which is Xero's CurrencyRate as is."""
        return float_round(self.env["res.currency"]._get_conversion_rate(
            move.company_id.currency_id, move.currency_id, move.company_id, other.date), precision_digits=6)

    def _xero_id_of(self, record):
        binding = self.env["xero.binding"].sudo().search([
            ("connection_id", "=", self.connection.id), ("res_model", "=", record._name),
            ("res_id", "=", record.id)], limit=1)
        return binding.xero_id or None


    # -- Xero -> Odoo ------------------------------------------------------------------
    import_dependencies = ("invoice", "credit_note")

    def is_archived(self, data):
        return data.get("Status") == "DELETED"

    def read(self, data, partial):
        return {}

    def _document(self, data):
        for key, id_key in (("Invoice", "InvoiceID"), ("CreditNote", "CreditNoteID")):
            xero_id = (data.get(key) or {}).get(id_key)
            if xero_id:
                binding = self.env["xero.binding"].sudo().search([
                    ("connection_id", "=", self.connection.id), ("res_model", "=", "account.move"),
                    ("xero_id", "=", xero_id)], limit=1)
                return self.env["account.move"].browse(binding.res_id).exists() if binding else None
        return None

    def import_create(self, Model, values, data):
        move = self._document(data)
        if not move:
            raise SkipRecord(_("Not a payment of a document that is in Odoo."))
        if move.state != "posted":
            raise MappingError(_("%(move)s is not posted in Odoo, so Xero's payment cannot be registered.",
                                 move=move.display_name))
        journal = odoo_journal(self, data.get("Account"))
        self._keep_xero_rate(move, data)
        before = self._partials(move)
        wizard = self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=move.ids).create({
                "amount": data.get("Amount") or 0.0,
                "payment_date": xc.from_xero_date(data.get("Date")),
                "journal_id": journal.id,
                "communication": data.get("Reference") or move.name,
            })
        wizard._create_payments()
        created = self._partials(move) - before
        if len(created) != 1:
            raise MappingError(_("Registering Xero's payment of %(amount)s on %(move)s did not reconcile it "
                                 "in Odoo.", amount=data.get("Amount"), move=move.display_name))
        return created

    def _keep_xero_rate(self, move, data):
        """Xero's rate of a foreign-currency payment becomes Odoo's rate of that day when Odoo has none
        for that day (a payment's journal entry takes the rate table's); a rate of Odoo's own is kept."""
        company = move.company_id
        rate, day = data.get("CurrencyRate"), xc.from_xero_date(data.get("Date"))
        if move.currency_id == company.currency_id or not rate or not day:
            return
        Rate = self.env["res.currency.rate"]
        if not Rate.search_count([("currency_id", "=", move.currency_id.id), ("name", "=", day),
                                  ("company_id", "in", (company.root_id.id, False))], limit=1):
            Rate.create({"currency_id": move.currency_id.id, "name": day, "company_id": company.root_id.id,
                         "company_rate": float(rate)})

    @staticmethod
    def _partials(move):
        lines = move.line_ids.filtered(lambda l: l.account_id.account_type in ("asset_receivable", "liability_payable"))
        return lines.matched_debit_ids | lines.matched_credit_ids

    def after_import(self, partial, data):
        if data.get("Status") != "DELETED":
            return []
        line, other = self.sides(partial)
        payment = other.move_id.origin_payment_id if other else None
        label = payment.name if payment else partial.display_name
        if payment and len(self._partials_of_payment(payment)) == 1:
            payment.action_draft()
            payment.action_cancel()
        else:
            partial.unlink()
        return [_("Payment %(name)s removed: it was deleted in Xero.", name=label)]

    @staticmethod
    def _partials_of_payment(payment):
        lines = payment.move_id.line_ids
        return lines.matched_debit_ids | lines.matched_credit_ids


class AllocationMapper(PaymentMapper):
    """A credit note applied to an invoice in Odoo = a Xero credit note allocation; a payment
    applied to an invoice after it went to Xero as an overpayment = an allocation of that
    overpayment (or prepayment)."""

    entity = "Allocations"
    id_key = "AllocationID"
    import_dependencies = ()
    identity_keys = ("Invoice.InvoiceID", "CreditNote.CreditNoteID", "Overpayment.OverpaymentID",
                     "Prepayment.PrepaymentID", "Amount", "Date")

    def changed_since(self, client, since, payloads, params):
        """Allocations have no list of their own: they are read with their credits."""
        for credits, key in CREDIT_KEYS.items():
            ids = sorted({p[key][f"{key}ID"] for p in payloads if p.get(key)})
            for start in range(0, len(ids), 40):
                where = " OR ".join(f'{key}ID==Guid("{i}")' for i in ids[start:start + 40])
                for credit in client.iter_all(credits, where=where, if_modified_since=since):
                    for allocation in credit.get("Allocations") or []:
                        yield dict(allocation, **{key: {f"{key}ID": credit[f"{key}ID"]}})

    def is_allocation(self, partial):
        debit, credit = partial.debit_move_id.move_id, partial.credit_move_id.move_id
        return {debit.move_type, credit.move_type} in ({"out_invoice", "out_refund"}, {"in_invoice", "in_refund"}) \
            or (bool(self.sides(partial)[0]) and self.is_credit_allocation(partial))

    @staticmethod
    def _credit_in(payload):
        """``(collection, id)`` of the credit an allocation payload uses up."""
        return next(((credits, payload[key][f"{key}ID"]) for credits, key in CREDIT_KEYS.items()
                     if (payload.get(key) or {}).get(f"{key}ID")), (None, None))

    def binding_values(self, data, payload=None):
        credits, credit_id = self._credit_in(payload or data)
        return {"xero_credit": f"{credits}/{credit_id}"} if credits else {}

    orphan_domain = [("xero_credit", "!=", False)]

    def delete_orphan(self, client, binding):
        credits, credit_id = binding.xero_credit.split("/", 1)
        client.delete_allocation(credits, credit_id, binding.xero_id)

    def orphan_messages(self):
        return (_("Removed in Xero: the allocation was removed in Odoo."),
                _("Xero does not allow removing this allocation (%(error)s); remove it in Xero."))

    @mapping("amount", "debit_move_id", "credit_move_id")
    def payment(self, partial):
        if self.binding and self.binding.xero_id:
            raise SkipRecord(_("Xero allocations cannot be changed; it stays as sent."))
        if not self.is_allocation(partial):
            raise SkipRecord(_("Not a credit note applied to an invoice."))
        credit = self.credit_of(partial) if self.sides(partial)[1].move_id.move_type == "entry" else None
        if credit:
            return self._credit_allocation(partial, credit)
        moves = partial.debit_move_id.move_id | partial.credit_move_id.move_id
        invoice = moves.filtered(lambda m: m.move_type in ("out_invoice", "in_invoice"))
        note = moves - invoice
        invoice_id, note_id = self._xero_id_of(invoice), self._xero_id_of(note)
        if not invoice_id or not note_id:
            missing = invoice if not invoice_id else note
            raise MappingError(_("%(move)s is not in Xero; send it first.", move=missing.display_name))
        line = partial.debit_move_id if partial.debit_move_id.move_id == invoice else partial.credit_move_id
        amount = partial.debit_amount_currency if line == partial.debit_move_id else partial.credit_amount_currency
        return {
            "Invoice": {"InvoiceID": invoice_id},
            "CreditNote": {"CreditNoteID": note_id},
            "Amount": float_round(amount, precision_digits=invoice.currency_id.decimal_places),
            "Date": _d(partial.max_date or invoice.invoice_date),
        }

    def _credit_allocation(self, partial, credit):
        line, _other = self.sides(partial)
        invoice = line.move_id
        invoice_id = self._xero_id_of(invoice)
        if not invoice_id:
            raise MappingError(_("%(move)s is not in Xero; send it first.", move=invoice.display_name))
        credits, credit_id = credit.split("/", 1)
        key = CREDIT_KEYS[credits]
        amount = partial.debit_amount_currency if line == partial.debit_move_id else partial.credit_amount_currency
        return {
            "Invoice": {"InvoiceID": invoice_id},
            key: {f"{key}ID": credit_id},
            "Amount": float_round(amount, precision_digits=invoice.currency_id.decimal_places),
            "Date": _d(partial.max_date or invoice.invoice_date),
        }

    @classmethod
    def write_record(cls, client, payload, idempotency_key):
        credits, credit_id = cls._credit_in(payload)
        payload = {k: v for k, v in payload.items() if k != CREDIT_KEYS[credits]}
        [result] = client.allocate(credits, credit_id, [payload], idempotency_key=idempotency_key) or [{}]
        return result

    def import_create(self, Model, values, data):
        raise SkipRecord(_("Allocations are read with their credit notes."))


class ReceiptMapper(DocumentMapper):
    """A paid cash sale (or purchase) sent as a Xero bank transaction (RECEIVE / SPEND)."""

    entity = "BankTransactions"
    id_key = "BankTransactionID"
    number_key = None
    move_types = ("out_invoice", "in_invoice")
    statuses = [("posted", "Posted"), ("paid", "Paid"), ("cancelled", "Cancelled")]
    default_statuses = ("paid",)

    @classmethod
    def base_domain(cls):
        return [("move_type", "in", cls.move_types), ("xero_invoice_type", "=", "receipt")]

    @mapping("move_type", "partner_id", "currency_id", "invoice_date", "ref", "name", "payment_state")
    def header(self, move):
        values = super().header(move)
        values["Type"] = "RECEIVE" if move.move_type == "out_invoice" else "SPEND"
        values["Reference"] = move.name if move.name != "/" else (move.ref or None)
        if move.state == "posted":
            values["BankAccount"] = self._bank_account(move)
        return values

    def _bank_account(self, move):
        payments = move._get_reconciled_payments()
        journal = payments.journal_id[:1] or move._get_reconciled_statement_lines().journal_id[:1]
        if not journal or move.payment_state not in ("paid", "in_payment"):
            raise MappingError(_("%(move)s is a receipt: Xero records it as money received into a bank account, "
                                 "so it must be fully paid in Odoo first (its payment journal gives the account).",
                                 move=move.display_name))
        return xero_bank_account(self, journal)

    @mapping("state", "payment_state")
    def status(self, move):
        if move.state == "cancel":
            if not (self.binding and self.binding.xero_id):
                raise SkipRecord(_("Cancelled and never sent: nothing to do in Xero."))
            return {"Status": "DELETED"}
        if move.state != "posted":
            raise SkipRecord(_("A receipt is sent once it is posted and paid."))
        return {"Status": "AUTHORISED"}

    def finalize(self, payload, move):
        if payload.get("Status") == "DELETED":
            payload.clear()
            payload["Status"] = "DELETED"
            return
        super().finalize(payload, move)

    def followers(self, moves):
        return []  # the payment is the receipt itself

    def locked_status(self, data):
        if data.get("IsReconciled"):
            return _("Reconciled in Xero: Xero no longer accepts changes to it.")
        return super().locked_status(data) if data.get("Status") == "DELETED" else None


MAPPERS["payment"] = PaymentMapper
MAPPERS["allocation"] = AllocationMapper
MAPPERS["receipt"] = ReceiptMapper

from . import purchase_mapper  # noqa: E402,F401  (registers the purchase order mapper)
from . import journal_mapper  # noqa: E402,F401  (registers the manual journal mapper)
from . import group_mapper  # noqa: E402,F401  (registers the contact group mapper)
from . import credit_mapper  # noqa: E402,F401  (registers the overpayment mapper)
