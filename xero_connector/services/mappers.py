"""Declarative mappers: one small class per entity, Odoo record -> Xero dict.

A mapper lists its direct field copies in ``direct`` and composes the rest in
methods decorated with :func:`mapping`, each naming the Odoo fields it reads so
that the engine knows which writes make a record need a new push.
"""

from odoo import _


class MappingError(Exception):
    """A record cannot be expressed in Xero; the message tells the user what to fix."""


def mapping(*depends):
    """Mark a mapper method; ``depends`` are the Odoo fields it reads."""
    def decorate(func):
        func._xero_mapping_depends = depends
        return func
    return decorate


class Mapper:
    #: (odoo field, Xero key) pairs copied as they are (empty values omitted)
    direct = []
    #: Odoo model and Xero entity (a key of xero_client.ENTITIES)
    model = None
    entity = None
    id_key = None
    number_key = None
    #: further fields whose change matters (e.g. what a stored computed field reads)
    also_depends = ()

    def __init__(self, env):
        self.env = env

    @classmethod
    def _mapping_methods(cls):
        return [getattr(cls, name) for name in dir(cls)
                if hasattr(getattr(cls, name, None), "_xero_mapping_depends")]

    @classmethod
    def tracked_fields(cls):
        """Odoo fields whose change makes the Xero record stale."""
        if "_tracked" not in cls.__dict__:
            fields = {odoo_field for odoo_field, _key in cls.direct} | set(cls.also_depends)
            for method in cls._mapping_methods():
                fields.update(method._xero_mapping_depends)
            cls._tracked = frozenset(f.split(".")[0] for f in fields)
        return cls._tracked

    def to_xero(self, record):
        payload = {}
        for odoo_field, key in self.direct:
            value = record[odoo_field]
            if value not in (False, None, ""):
                payload[key] = value
        for method in self._mapping_methods():
            payload.update(method(self, record) or {})
        return {k: v for k, v in payload.items() if v not in (False, None, "", [], {})}

    #: substring of Xero's message when a create collides with an existing record
    conflict_hint = None

    def conflict_where(self, payload):
        """A Xero ``where`` finding the records a refused create collided with."""
        return None

    def is_same(self, candidate, payload):
        """Whether the colliding Xero record is this Odoo record (then we link to it)."""
        return False

    def conflict_message(self, payload):
        """What to tell the user when the collision is with another record (None: Xero's words)."""
        return None

    def clearable_keys(self):
        """Keys to send as "" on update when Odoo has no value, so Xero forgets them."""
        return [key for _field, key in self.direct]


def _quote(value):
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _split_name(name):
    parts = (name or "").strip().split()
    if len(parts) < 2:
        return {"FirstName": parts[0]} if parts else {}
    return {"FirstName": " ".join(parts[:-1]), "LastName": parts[-1]}


class ContactMapper(Mapper):
    model = "res.partner"
    entity = "Contacts"
    id_key = "ContactID"
    number_key = "ContactNumber"
    direct = [
        ("email_normalized", "EmailAddress"),
        ("ref", "ContactNumber"),
        ("vat", "TaxNumber"),
    ]
    also_depends = ("email",)
    # Xero keeps at most this many contact persons per contact.
    MAX_PERSONS = 5
    conflict_hint = "is already assigned to another contact"

    def conflict_where(self, payload):
        return f'Name=="{_quote(payload.get("Name", ""))}"'

    def is_same(self, candidate, payload):
        email = (payload.get("EmailAddress") or "").lower()
        number = payload.get("ContactNumber")
        return bool((email and (candidate.get("EmailAddress") or "").lower() == email)
                    or (number and candidate.get("ContactNumber") == number))

    def conflict_message(self, payload):
        return _("Xero already has an active contact named '%(name)s' with a different e-mail and "
                 "number, so this one was not created. Rename one of them, or give them the same "
                 "e-mail or reference to link them.", name=payload.get("Name"))

    @mapping("name", "is_company")
    def name(self, partner):
        name = (partner.name or "").strip()
        if not name:
            raise MappingError(_("The contact has no name; Xero needs one."))
        values = {"Name": name}
        if not partner.is_company:
            values.update(_split_name(name))
        return values

    @mapping("active")
    def status(self, partner):
        return {"ContactStatus": "ACTIVE" if partner.active else "ARCHIVED"}

    @mapping("phone", "mobile")
    def phones(self, partner):
        phones = []
        if partner.phone:
            phones.append({"PhoneType": "DEFAULT", "PhoneNumber": partner.phone})
        if partner.mobile:
            phones.append({"PhoneType": "MOBILE", "PhoneNumber": partner.mobile})
        return {"Phones": phones}

    @mapping("street", "street2", "city", "state_id", "zip", "country_id", "child_ids")
    def addresses(self, partner):
        def address(kind, p):
            values = {
                "AddressType": kind,
                "AddressLine1": p.street, "AddressLine2": p.street2, "City": p.city,
                "Region": p.state_id.name, "PostalCode": p.zip, "Country": p.country_id.name,
            }
            values = {k: v for k, v in values.items() if v}
            return values if len(values) > 1 else None

        invoice = partner.child_ids.filtered(lambda c: c.type == "invoice" and c.active)[:1] or partner
        result = [a for a in (address("STREET", partner), address("POBOX", invoice)) if a]
        return {"Addresses": result}

    @mapping("child_ids")
    def persons(self, partner):
        people = partner.child_ids.filtered(
            lambda c: c.type == "contact" and c.active and not c.is_company and c.name)
        persons = []
        for person in people[: self.MAX_PERSONS]:
            values = _split_name(person.name)
            if person.email_normalized:
                values["EmailAddress"] = person.email_normalized
            values["IncludeInEmails"] = bool(person.email_normalized)
            persons.append(values)
        return {"ContactPersons": persons}


class ItemMapper(Mapper):
    """product.product -> Xero Item.  Accounts and taxes join with the accounting mappings."""

    model = "product.product"
    entity = "Items"
    id_key = "ItemID"
    number_key = "Code"
    NAME_MAX = 50
    conflict_hint = "already exists"

    @mapping("default_code")
    def code(self, product):
        code = (product.default_code or "").strip()
        if not code:
            raise MappingError(_("Product '%(name)s' has no Internal Reference; Xero needs an item code.",
                                 name=product.display_name))
        if len(code) > 30:
            raise MappingError(_("The Internal Reference '%(code)s' is longer than Xero's 30 characters "
                                 "for an item code.", code=code))
        return {"Code": code}

    @mapping("name")
    def name(self, product):
        name = (product.name or "").strip()
        if len(name) > self.NAME_MAX:
            raise MappingError(_("The name '%(name)s' has %(count)s characters; Xero allows %(max)s for an item.",
                                 name=name, count=len(name), max=self.NAME_MAX))
        return {"Name": name}

    @mapping("description_sale", "description_purchase", "sale_ok", "purchase_ok")
    def descriptions(self, product):
        return {
            "Description": product.description_sale or product.name,
            "PurchaseDescription": product.description_purchase or product.name,
            "IsSold": bool(product.sale_ok),
            "IsPurchased": bool(product.purchase_ok),
        }

    @mapping("lst_price", "list_price", "standard_price", "sale_ok", "purchase_ok")
    def prices(self, product):
        values = {}
        if product.sale_ok:
            values["SalesDetails"] = {"UnitPrice": product.lst_price}
        if product.purchase_ok:
            values["PurchaseDetails"] = {"UnitPrice": product.standard_price}
        return values

    def conflict_where(self, payload):
        return f'Code=="{_quote(payload.get("Code", ""))}"'

    def is_same(self, candidate, payload):
        # an item code identifies the product
        return (candidate.get("Code") or "").lower() == (payload.get("Code") or "").lower()


MAPPERS = {"contact": ContactMapper, "product": ItemMapper}
