"""Contacts (``/api.xro/2.0/Contacts``): Xero's rules for names, numbers, e-mails.

``Balances`` ([OAS] Balances: "the raw AccountsReceivable (sales invoices) and AccountsPayable
(bills) outstanding and overdue amounts, not converted to base currency", read only) are derived
on every full rendering (not with ``summaryOnly``) of a contact that has AUTHORISED documents:
``Outstanding`` = the AmountDue of its AUTHORISED invoices (ACCREC) / bills (ACCPAY) less the
RemainingCredit of its AUTHORISED credit notes of the same side; ``Overdue`` = the same for
documents whose DueDate is before today.  Netting credit notes is this sandbox's choice (Xero does
not document it).  A seeded ``Balances`` is kept as given.
"""

import re
from decimal import Decimal

from .. import wire
from .base import Collection, field_label
from .contactgroups import groups_of

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
ADDRESS_FIELDS = ("AddressType", "AddressLine1", "AddressLine2", "AddressLine3", "AddressLine4",
                  "City", "Region", "PostalCode", "Country", "AttentionTo")
PHONE_FIELDS = ("PhoneType", "PhoneNumber", "PhoneAreaCode", "PhoneCountryCode")
PERSON_FIELDS = ("FirstName", "LastName", "EmailAddress", "IncludeInEmails")
TRACKING_FIELDS = ("TrackingCategoryName", "TrackingOptionName")

MAX_LENGTHS = {  # [OAS] Contact, Address, Phone
    "Name": 255, "FirstName": 255, "LastName": 255, "EmailAddress": 255,
    "ContactNumber": 50, "AccountNumber": 50, "TaxNumber": 50, "CompanyNumber": 50,
}
ADDRESS_MAX = {"AddressLine1": 500, "AddressLine2": 500, "AddressLine3": 500, "AddressLine4": 500,
               "City": 255, "Region": 255, "PostalCode": 50, "Country": 50, "AttentionTo": 255}
PHONE_MAX = {"PhoneNumber": 50, "PhoneAreaCode": 10, "PhoneCountryCode": 20}
ENUMS = {
    "ContactStatus": ("ACTIVE", "ARCHIVED", "GDPRREQUEST"),
    "TaxNumberType": ("SSN", "EIN", "ITIN", "ATIN"),
    "SalesDefaultLineAmountType": ("INCLUSIVE", "EXCLUSIVE", "NONE"),
    "PurchasesDefaultLineAmountType": ("INCLUSIVE", "EXCLUSIVE", "NONE"),
}
ADDRESS_TYPES = ("POBOX", "STREET")
PHONE_TYPES = ("DEFAULT", "DDI", "MOBILE", "FAX", "OFFICE")


def too_long(label, limit):
    return f"The {label} must not be more than {limit} characters long."


class Contacts(Collection):
    plural = "Contacts"
    id_field = "ContactID"
    singular = "contact"
    read_scopes = ("accounting.contacts.read",)
    write_scopes = ("accounting.contacts",)
    writable = {
        **{name: None for name in (
            "ContactNumber", "AccountNumber", "ContactStatus", "Name", "FirstName", "LastName",
            "CompanyNumber", "EmailAddress", "BankAccountDetails", "TaxNumber", "TaxNumberType",
            "AccountsReceivableTaxType", "AccountsPayableTaxType", "DefaultCurrency",
            "SalesDefaultAccountCode", "PurchasesDefaultAccountCode", "SalesDefaultLineAmountType",
            "PurchasesDefaultLineAmountType", "XeroNetworkKey")},
        "ContactPersons": PERSON_FIELDS,
        "Addresses": ADDRESS_FIELDS,
        "Phones": PHONE_FIELDS,
        "SalesTrackingCategories": TRACKING_FIELDS,
        "PurchasesTrackingCategories": TRACKING_FIELDS,
        "PaymentTerms": "object",
        "BrandingTheme": "object",
        "BatchPayments": "object",
    }
    # Every Contact property of the OpenAPI schema.
    fields = frozenset(writable) | {
        "ContactID", "MergedToContactID", "IsSupplier", "IsCustomer", "TrackingCategoryName",
        "TrackingCategoryOption", "UpdatedDateUTC", "ContactGroups", "Website", "Discount",
        "Balances", "Attachments", "HasAttachments", "ValidationErrors", "HasValidationErrors",
        "StatusAttributeString",
    }
    search_fields = ("Name", "FirstName", "LastName", "ContactNumber", "EmailAddress")
    alt_key = "ContactNumber"
    status_field = "ContactStatus"
    archived_statuses = ("ARCHIVED",)
    default_order = ((("Name",), False), (("ContactID",), False))
    summary_omit = ("Addresses", "Phones", "ContactPersons", "ContactGroups", "PaymentTerms",
                    "Balances", "BatchPayments", "BrandingTheme", "SalesTrackingCategories",
                    "PurchasesTrackingCategories")
    defaults = {"ContactStatus": "ACTIVE", "IsSupplier": False, "IsCustomer": False}
    render_defaults = {"HasAttachments": False, "HasValidationErrors": False}

    def render(self, record, summary=False, ctx=None):
        out = super().render(record, summary, ctx)
        if not summary and ctx is not None and "Balances" not in out:
            balances = self._balances(ctx).get(record.get("ContactID"))
            if balances:
                out["Balances"] = balances
        return out

    @staticmethod
    def _balances(ctx):
        """{ContactID: Balances} of every contact with AUTHORISED documents, computed once a request."""
        cached = getattr(ctx, "_contact_balances", None)
        if cached is not None:
            return cached
        today = ctx.now // 86400 * 86400 if ctx.now else 0
        sums = {}
        for plural, amount_field, sides in (
                ("Invoices", "AmountDue", {"ACCREC": ("AccountsReceivable", 1), "ACCPAY": ("AccountsPayable", 1)}),
                ("CreditNotes", "RemainingCredit", {"ACCRECCREDIT": ("AccountsReceivable", -1),
                                                    "ACCPAYCREDIT": ("AccountsPayable", -1)})):
            for doc in ctx.store(plural).values():
                side = sides.get(doc.get("Type"))
                contact_id = (doc.get("Contact") or {}).get("ContactID")
                if not side or not contact_id or doc.get("Status") != "AUTHORISED":
                    continue
                name, sign = side
                amount = sign * Decimal(str(doc.get(amount_field) or 0))
                due = wire.parse_ms_date(doc.get("DueDate"))
                figures = sums.setdefault(contact_id, {}).setdefault(name, [Decimal(0), Decimal(0)])
                figures[0] += amount
                if due is not None and due < today:
                    figures[1] += amount
        cached = ctx._contact_balances = {
            contact_id: {name: {"Outstanding": _number(sides.get(name, [0, 0])[0]),
                                "Overdue": _number(sides.get(name, [0, 0])[1])}
                         for name in ("AccountsReceivable", "AccountsPayable")}
            for contact_id, sides in sums.items()}
        return cached

    def get(self, ctx, req, key):
        """One contact, with the active contact groups it is in."""
        record = self.find(ctx, key)
        if record is None:
            return wire.not_found()
        return ctx.ok(self.plural, [dict(self.render(record, ctx=ctx), ContactGroups=groups_of(ctx, record["ContactID"]))])

    def merge(self, record, changes):
        """Addresses and phones are one per type: a given type replaces that type only."""
        changes = dict(changes)
        for name, key in (("Addresses", "AddressType"), ("Phones", "PhoneType")):
            if name in changes:
                by_type = {item.get(key): item for item in record.get(name, [])}
                by_type.update({item.get(key): item for item in changes.pop(name)})
                record[name] = list(by_type.values())
        return super().merge(record, changes)

    def match(self, ctx, changes):
        number = changes.get("ContactNumber")
        return self.find(ctx, number) if number and number.strip() else None

    def validate(self, ctx, candidate, existing):
        errors = []
        for name in self.writable:
            value = candidate.get(name)
            if self.writable[name] is None and value is not None and not isinstance(value, str):
                errors.append(f"The {field_label(name)} must be text.")
        if errors:
            return errors
        name = (candidate.get("Name") or "").strip()
        if not name:
            errors.append("Contact Name cannot be empty.")
        for field, limit in MAX_LENGTHS.items():
            if len(candidate.get(field) or "") > limit:
                errors.append(too_long("Contact Name" if field == "Name" else field_label(field), limit))
        for field, allowed in ENUMS.items():
            if candidate.get(field) and candidate[field] not in allowed:
                errors.append(f"'{candidate[field]}' is not a valid {field_label(field)}.")
        currency = candidate.get("DefaultCurrency")
        if currency and not re.fullmatch(r"[A-Z]{3}", currency):
            errors.append(f"'{currency}' is not a valid currency code.")
        emails = [candidate.get("EmailAddress")] + [p.get("EmailAddress") for p in candidate.get("ContactPersons", [])]
        if any(e and not EMAIL_RE.match(e) for e in emails):
            errors.append("Email address must be valid.")
        errors += self._validate_lists(candidate)
        names, numbers = self._keys(ctx)
        others = {id(existing)} if existing is not None else set()
        if name and candidate.get("ContactStatus") == "ACTIVE" and names.get(name.casefold(), set()) - others:
            errors.append(f"The contact name {candidate['Name']} is already assigned to another contact. "
                          "The contact name must be unique across all active contacts.")
        number = (candidate.get("ContactNumber") or "").strip().casefold()
        if number and numbers.get(number, set()) - others:
            errors.append("Another contact has this contact number. Please enter a different contact number.")
        if not errors:  # the write path stores a candidate that passed: keep the index in step
            self._index_keys(ctx, existing, -1)
            self._index_keys(ctx, candidate, +1, stored=existing is None)
        return errors

    # The unique-name and unique-number checks look each key up in an index of the organisation's
    # contacts instead of scanning them all, so a 100,000-contact organisation takes 50 contacts a
    # call about as fast as an empty one.  The index (object ids by key) is kept per organisation on
    # the state, updated by the write path (a candidate that passes validation is stored), dropped by
    # seeding, and rebuilt whenever the store is another object or does not hold the number of
    # contacts it expects (contacts created by other paths: invoices naming a new contact, wipes).
    @staticmethod
    def _contact_keys(record):
        name = (record.get("Name") or "").strip().casefold() if record.get("ContactStatus") == "ACTIVE" else ""
        return name, (record.get("ContactNumber") or "").strip().casefold()

    @staticmethod
    def _memos(ctx):
        memos = getattr(ctx.state, "_contact_index", None)
        if memos is None:
            memos = ctx.state._contact_index = {}
        return memos

    def _keys(self, ctx):
        store = ctx.store(self.plural)
        memos = self._memos(ctx)
        memo = memos.get(ctx.tenant_id)
        if memo is None or memo["store"] is not store or memo["size"] != len(store):
            names, numbers = {}, {}
            for record in store.values():
                name, number = self._contact_keys(record)
                if name:
                    names.setdefault(name, set()).add(id(record))
                if number:
                    numbers.setdefault(number, set()).add(id(record))
            memo = memos[ctx.tenant_id] = {"store": store, "size": len(store), "names": names, "numbers": numbers}
        return memo["names"], memo["numbers"]

    def _index_keys(self, ctx, record, sign, stored=False):
        memo = self._memos(ctx).get(ctx.tenant_id)
        if record is None or memo is None:
            return
        name, number = self._contact_keys(record)
        for index, key in ((memo["names"], name), (memo["numbers"], number)):
            if key:
                ids = index.setdefault(key, set())
                (ids.add if sign > 0 else ids.discard)(id(record))
        if stored:
            memo["size"] += 1

    def seed(self, ctx, record):
        self._memos(ctx).pop(ctx.tenant_id, None)
        return super().seed(ctx, record)

    @staticmethod
    def _validate_lists(candidate):
        errors = []
        for address in candidate.get("Addresses", []):
            if address.get("AddressType") not in ADDRESS_TYPES:
                errors.append(f"'{address.get('AddressType', '')}' is not a valid Address Type.")
            errors += [too_long(field_label(f), n) for f, n in ADDRESS_MAX.items()
                       if len(str(address.get(f) or "")) > n]
        for phone in candidate.get("Phones", []):
            if phone.get("PhoneType") not in PHONE_TYPES:
                errors.append(f"'{phone.get('PhoneType', '')}' is not a valid Phone Type.")
            errors += [too_long(field_label(f), n) for f, n in PHONE_MAX.items()
                       if len(str(phone.get(f) or "")) > n]
        return errors


def _number(value):
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)
