"""Declarative mappers: one small class per entity, Odoo record <-> Xero dict.

A mapper composes the structured parts of a Xero record (names, addresses,
phones, persons, status...) in methods decorated with :func:`mapping`, each
naming the Odoo fields it reads so that the engine knows which writes make a
record need a new push, and reads them back in :meth:`Mapper.read`.

Plain field copies are *mapping lines* (``xero.mapping.line``), editable per
connection: the mapper only ships their defaults (:attr:`Mapper.default_lines`).
The engine applies the lines on top of the built-in parts, both ways.

Matching keys (:attr:`Mapper.match_keys`) say how an unlinked record on one
side is recognised on the other, strongest first.
"""

import re
from collections import namedtuple
from datetime import date, datetime

from odoo import _, fields
from odoo.osv import expression
from odoo.tools import email_normalize

from .xero_client import from_xero_date as xero_date_value


class MappingError(Exception):
    """A record cannot be expressed in Xero (or Odoo); the message tells the user what to fix."""


class SkipRecord(Exception):
    """Nothing to send for this record now (the message says why); not an error."""


def mapping(*depends):
    """Mark a mapper method; ``depends`` are the Odoo fields it reads."""
    def decorate(func):
        func._xero_mapping_depends = depends
        return func
    return decorate


# --------------------------------------------------------------------------
# Mapping lines
# --------------------------------------------------------------------------
TRANSFORMS = [
    ("none", "As is"),
    ("upper", "UPPER CASE"),
    ("lower", "lower case"),
    ("strip", "Trim spaces"),
    ("truncate", "Truncate to N characters"),
    ("default", "Default value when empty"),
]

#: One editable field copy, as the engine sees it.
MappingLine = namedtuple("MappingLine", "field ttype key transform arg size")


def apply_transform(value, line):
    if line.transform == "default":
        return line.arg if value in (None, False, "") else value
    if not isinstance(value, str):
        return value
    if line.transform == "upper":
        return value.upper()
    if line.transform == "lower":
        return value.lower()
    if line.transform == "strip":
        return value.strip()
    if line.transform == "truncate":
        return value[:int(line.arg or 0)]
    return value


def _empty(value):
    return value is None or (not isinstance(value, (bool, int, float)) and not value)


def get_path(data, key):
    for part in key.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def set_path(payload, key, value):
    *parents, last = key.split(".")
    for part in parents:
        payload = payload.setdefault(part, {})
    payload[last] = value


def odoo_to_xero_value(record, line):
    value = record[line.field]
    if line.ttype in ("float", "monetary"):
        value = float(value or 0.0)
    elif line.ttype == "integer":
        value = int(value or 0)
    elif line.ttype == "boolean":
        value = bool(value)
    elif line.ttype in ("date", "datetime"):
        value = fields.Datetime.to_string(value) if line.ttype == "datetime" else fields.Date.to_string(value)
    elif value is False:
        value = None
    return apply_transform(value, line)


def xero_to_odoo_value(value, line, record_model):
    value = apply_transform(value, line)
    if value is None:
        return False
    if line.ttype in ("char", "text", "html"):
        value = str(value)
        return value[:line.size] if line.size else value
    if line.ttype in ("float", "monetary"):
        return float(value)
    if line.ttype == "integer":
        return int(float(value))
    if line.ttype == "boolean":
        return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
    if line.ttype == "selection":
        allowed = [key for key, _label in record_model._fields[line.field]._description_selection(record_model.env)]
        if value not in allowed:
            raise MappingError(_("Xero's value '%(value)s' is not one of %(field)s's choices (%(allowed)s).",
                                 value=value, field=line.field, allowed=", ".join(map(str, allowed))))
        return value
    if line.ttype == "date":
        return value.date() if isinstance(value, datetime) else fields.Date.to_date(value)
    if line.ttype == "datetime":
        if isinstance(value, datetime):
            return value.replace(tzinfo=None)
        return fields.Datetime.to_datetime(value) if not isinstance(value, date) else value
    return value


# --------------------------------------------------------------------------
# Mappers
# --------------------------------------------------------------------------
class Mapper:
    #: Odoo model and Xero entity (a key of xero_client.ENTITIES)
    model = None
    entity = None
    id_key = None
    number_key = None
    #: Xero keys only the built-in parts may set (identity, status)
    reserved_keys = ()
    #: (odoo field, Xero key, direction, transform, transform value): shipped mapping lines
    default_lines = []
    #: (code, label) of the statuses a user can choose; the defaults chosen
    statuses = [("active", "Active"), ("archived", "Archived")]
    default_statuses = ("active",)
    #: further fields whose change matters (e.g. what a stored computed field reads)
    also_depends = ()
    #: {Xero key: max length}, checked with a clear message after the lines applied
    limits = {}
    #: matching keys, strongest first, and the ones whose disagreement vetoes a match
    match_keys = ()
    strong_keys = ()
    #: read the whole list on every import (Xero cannot say what was deleted)
    full_fetch = False
    #: match key -> Xero field, for targeted ``where`` look-ups while the index is incomplete
    lookup_fields = {}
    #: match keys looked up upper-case (the others lower-case)
    upper_keys = ()
    #: payload paths that identify a record Xero created (found again when the answer was lost)
    identity_keys = ()

    def __init__(self, env, connection=None):
        self.env = env
        self.connection = connection

    @classmethod
    def _mapping_methods(cls):
        if "_methods" not in cls.__dict__:  # once per class: dir() is not cheap per record
            cls._methods = [getattr(cls, name) for name in dir(cls)
                            if hasattr(getattr(cls, name, None), "_xero_mapping_depends")]
        return cls._methods

    @classmethod
    def tracked_fields(cls):
        """Odoo fields whose change makes the Xero record stale (besides mapping lines)."""
        if "_tracked" not in cls.__dict__:
            tracked = set(cls.also_depends)
            for method in cls._mapping_methods():
                tracked.update(method._xero_mapping_depends)
            cls._tracked = frozenset(f.split(".")[0] for f in tracked)
        return cls._tracked

    # -- Odoo -> Xero --------------------------------------------------------
    def to_xero(self, record, lines=(), binding=None):
        """Xero's dict for ``record`` (``binding``: its link, when it has one)."""
        self.binding = binding
        payload = {}
        for method in self._mapping_methods():
            payload.update(method(self, record) or {})
        for line in lines:
            value = odoo_to_xero_value(record, line)
            if not _empty(value):
                set_path(payload, line.key, value)
        self.finalize(payload, record)
        self.check_limits(payload, record, lines)
        # false and 0 are values (IsSold false, a free item); nothing else empty is sent
        return {k: v for k, v in payload.items() if not _empty(v)}

    def finalize(self, payload, record):
        """Last touches on a payload (hook)."""

    def check_limits(self, payload, record, lines):
        for key, limit in self.limits.items():
            value = get_path(payload, key)
            if isinstance(value, str) and len(value) > limit:
                line = next((ln for ln in lines if ln.key == key), None)
                raise MappingError(_(
                    "%(record)s: the %(key)s '%(value)s' has %(count)s characters; Xero allows %(max)s. "
                    "Shorten it, or set the '%(key)s' mapping line to 'Truncate to N characters'.",
                    record=record.display_name, key=key, value=value, count=len(value), max=limit)
                    if line else _("%(record)s: the %(key)s '%(value)s' has %(count)s characters; "
                                   "Xero allows %(max)s.", record=record.display_name, key=key,
                                   value=value, count=len(value), max=limit))

    def clearable_keys(self, lines):
        """Keys to send as "" on update when Odoo has no value, so Xero forgets them."""
        return [line.key for line in lines if "." not in line.key and line.ttype in ("char", "text", "html")]

    # -- Xero -> Odoo --------------------------------------------------------
    def from_xero(self, data, lines=(), record=None):
        """Odoo values for a Xero record (``record``: the linked one, on update)."""
        values = self.read(data, record)
        Model = self.env[self.model]
        for line in lines:
            raw = get_path(data, line.key)
            if raw is None and line.transform != "default":
                continue  # Xero did not send it: keep Odoo's value
            values[line.field] = xero_to_odoo_value(raw, line, Model)
        return values

    def read(self, data, record):
        """Values of the built-in parts (hook)."""
        return {}

    def create_defaults(self, data):
        return {}

    #: entities pulled before this one (what its records refer to)
    import_dependencies = ()
    #: ``callable(client, payload, idempotency_key) -> result`` for records Xero takes one at a time
    write_record = None

    def import_create(self, Model, values, data):
        """Create the Odoo record of a Xero record (hook; e.g. payments are registered, not created)."""
        return Model.create(values)

    def after_import(self, record, data):
        """Related records (e.g. contact persons) after a create/update from Xero (hook); may return
        a list of what it changed, in words."""

    def is_archived(self, data):
        return False

    # -- statuses ------------------------------------------------------------
    @classmethod
    def base_domain(cls):
        """The records of the model that are this entity's (e.g. only invoices of account.move)."""
        return []

    @classmethod
    def rule_domain(cls, rule):
        """The records a sync rule (``xero.mapping``) chooses beyond the statuses (hook; e.g. journals)."""
        return []

    @classmethod
    def status_domain(cls, codes):
        domains = []
        if "active" in codes:
            domains.append([("active", "=", True)])
        if "archived" in codes:
            domains.append([("active", "=", False)])
        return expression.OR(domains) if domains else expression.FALSE_DOMAIN

    # -- matching ------------------------------------------------------------
    def odoo_match_values(self, record):
        return {}

    def xero_match_values(self, data):
        return {}

    def odoo_candidates(self, company, values_list):
        """Odoo records that might match any of ``values_list`` (dicts of key -> value)."""
        return self.env[self.model]

    def lookup_clause(self, key, value):
        """A ``where`` clause finding the Xero records of a key with no single Xero field (composite
        keys); None: the key's :attr:`lookup_fields` field is compared."""
        return None

    def match_scope(self, company):
        """The Odoo records a Xero record can be matched with or created as."""
        return [("company_id", "in", (False, company.id))] if "company_id" in self.env[self.model]._fields else []

    # -- documents ----------------------------------------------------------------
    def dependencies(self, records):
        """``[(entity, records)]`` that must be in Xero before ``records`` are sent."""
        return []

    def followers(self, records):
        """``[(entity, records)]`` to send after ``records`` (e.g. their payments)."""
        return []

    def after_push(self, engine, records):
        """Further writes for ``records`` once they are in step with Xero, in the same run (hook;
        e.g. contact group membership)."""

    def after_pull(self, engine):
        """Hook: after an import (or Fetch & Match) of the entity, in the same run and log."""

    def check_result(self, record, result):
        """A warning about Xero's answer to a successful write (e.g. totals differ), or None."""
        return None

    def locked_reason(self, errors):
        """When Xero refused an update because the record is locked there: why, in plain words."""
        return None

    def locked_status(self, data):
        """When a Xero record read back is locked against edits: why, in plain words."""
        return None

    # -- conflicts on create ---------------------------------------------------
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

    # -- links ---------------------------------------------------------------------
    def binding_values(self, data, payload=None):
        """Further values of the link to the Xero record ``data`` (written or read; ``payload``:
        what was sent) (hook)."""
        return {}

    #: ``iter_import(client, **params)``: the Xero records an import reads, when not the entity's list
    iter_import = None
    #: ``delete_orphan(client, binding)``: deletes in Xero the record of an Odoo record deleted since
    #: its push (bindings flagged ``delete_in_xero`` and matching ``orphan_domain``); None: never
    delete_orphan = None
    orphan_domain = []

    # -- creates whose answer was lost ---------------------------------------------
    def changed_since(self, client, since, payloads, params):
        """Xero's records of the entity changed since ``since``: where a lost create would be."""
        return client.iter_all(self.entity, if_modified_since=since, **params)

    def same_created(self, data, payload):
        """Whether the Xero record ``data`` is the one created from ``payload``: every identifying
        value both sides have is equal (and at least one is)."""
        compared = 0
        for path in self.identity_keys:
            mine, theirs = _identity_value(get_path(payload, path)), _identity_value(get_path(data, path))
            if mine is None or theirs is None:
                continue
            if mine != theirs:
                return False
            compared += 1
        return compared > 0


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([T ].*)?")


def _identity_value(value):
    """A comparable form of a payload or Xero value: dates as dates, amounts to 4 decimals, text folded."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return round(float(value), 4)
    if hasattr(value, "year"):
        return xero_date_value(value)
    if isinstance(value, str):
        if value.startswith("/Date(") or _ISO_DATE.fullmatch(value):
            return xero_date_value(value)
        return " ".join(value.split()).casefold()
    return value


def _quote(value):
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _split_name(name):
    parts = (name or "").strip().split()
    if len(parts) < 2:
        return {"FirstName": parts[0]} if parts else {}
    return {"FirstName": " ".join(parts[:-1]), "LastName": parts[-1]}


def _norm_text(value):
    return " ".join((value or "").split()).casefold() or None


def _norm_vat(value):
    return re.sub(r"[^0-9A-Za-z]", "", value or "").upper() or None


class ContactMapper(Mapper):
    model = "res.partner"
    entity = "Contacts"
    id_key = "ContactID"
    number_key = "ContactNumber"
    reserved_keys = ("ContactID", "Name", "FirstName", "LastName", "ContactStatus")
    default_lines = [
        ("email", "EmailAddress", "both", None, None),
        ("ref", "ContactNumber", "both", None, None),
        ("vat", "TaxNumber", "both", None, None),
        ("website", "Website", "from_xero", None, None),
    ]
    # Xero keeps at most this many contact persons per contact.
    MAX_PERSONS = 5
    match_keys = ("email", "number", "name", "vat")
    strong_keys = ("email", "number", "vat")
    lookup_fields = {"email": "EmailAddress", "number": "ContactNumber", "name": "Name", "vat": "TaxNumber"}
    upper_keys = ("vat",)
    identity_keys = ("Name",)  # unique among Xero's active contacts
    conflict_hint = "is already assigned to another contact"
    also_depends = ("category_id",)  # tags: contact group membership

    # -- contact groups (services/group_mapper.py) -------------------------------------
    def dependencies(self, partners):
        from .group_mapper import unsent_groups  # noqa: PLC0415 (group_mapper imports this module)
        return [("contact_group", unsent_groups(self, partners))]

    def after_push(self, engine, partners):
        from .group_mapper import push_memberships  # noqa: PLC0415
        push_memberships(engine, partners)

    # -- conflicts --------------------------------------------------------------
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

    # -- Odoo -> Xero -------------------------------------------------------------
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
        """A company's people: the oldest is Xero's primary person (FirstName/LastName),
        the next five its ContactPersons."""
        if not partner.is_company:
            return {}
        people = partner.child_ids.filtered(
            lambda c: c.type == "contact" and c.active and not c.is_company and c.name).sorted("id")
        if not people:
            return {}
        persons = []
        for person in people[1: self.MAX_PERSONS + 1]:
            values = _split_name(person.name)
            if person.email_normalized:
                values["EmailAddress"] = person.email_normalized
            values["IncludeInEmails"] = bool(person.email_normalized)
            persons.append(values)
        return dict(_split_name(people[0].name), ContactPersons=persons)

    def clearable_keys(self, lines):
        # a company whose people left forgets its primary person
        return super().clearable_keys(lines) + ["FirstName", "LastName"]

    def finalize(self, payload, partner):
        # Odoo keeps "Name <a@b.c>" forms; Xero wants the bare address.
        if payload.get("EmailAddress"):
            payload["EmailAddress"] = email_normalize(payload["EmailAddress"]) or payload["EmailAddress"]

    # -- Xero -> Odoo ---------------------------------------------------------------
    def read(self, data, partner):
        first, last = (data.get("FirstName") or "").strip(), (data.get("LastName") or "").strip()
        name = (data.get("Name") or "").strip()
        if not name:
            raise MappingError(_("This Xero contact has no name."))
        person_name = " ".join(p for p in (first, last) if p)
        values = {"name": name, "is_company": bool(data.get("ContactPersons")) or name != person_name}
        phones = {p.get("PhoneType"): p for p in data.get("Phones") or [] if p.get("PhoneNumber")}
        for kind, field in (("DEFAULT", "phone"), ("MOBILE", "mobile")):
            phone = phones.get(kind)
            if phone:
                prefix = f"+{phone['PhoneCountryCode'].lstrip('+')} " if phone.get("PhoneCountryCode") else ""
                area = f"{phone['PhoneAreaCode']} " if phone.get("PhoneAreaCode") else ""
                values[field] = f"{prefix}{area}{phone['PhoneNumber']}"
        addresses = {a.get("AddressType"): a for a in data.get("Addresses") or []}
        address = addresses.get("STREET") or addresses.get("POBOX")
        if address and any(address.get(k) for k in ("AddressLine1", "City", "PostalCode", "Country")):
            country = self._country(address.get("Country"))
            values.update({
                "street": address.get("AddressLine1") or False,
                "street2": " ".join(filter(None, (address.get(k) for k in
                                                  ("AddressLine2", "AddressLine3", "AddressLine4")))) or False,
                "city": address.get("City") or False,
                "zip": address.get("PostalCode") or False,
                "country_id": country.id,
                "state_id": self._state(country, address.get("Region")).id,
            })
        if data.get("IsCustomer") and not (partner and partner.customer_rank):
            values["customer_rank"] = 1
        if data.get("IsSupplier") and not (partner and partner.supplier_rank):
            values["supplier_rank"] = 1
        return values

    def create_defaults(self, data):
        return {"company_id": False}

    def _country(self, text):
        text = (text or "").strip()
        Country = self.env["res.country"]
        if not text:
            return Country
        return (Country.search([("code", "=ilike", text)], limit=1) if len(text) == 2 else Country) or \
            Country.search([("name", "=ilike", text)], limit=1)

    def _state(self, country, text):
        State = self.env["res.country.state"]
        if not country or not (text or "").strip():
            return State
        return State.search([("country_id", "=", country.id), "|", ("code", "=ilike", text.strip()),
                             ("name", "=ilike", text.strip())], limit=1)

    def after_import(self, partner, data):
        """Xero's primary person and contact persons become (or update) the company's people."""
        if not partner.is_company:
            return
        persons = list(data.get("ContactPersons") or [])
        if (data.get("FirstName") or "").strip() or (data.get("LastName") or "").strip():
            persons.insert(0, {"FirstName": data.get("FirstName"), "LastName": data.get("LastName")})
        if not persons:
            return
        children = partner.child_ids.filtered(lambda c: c.type == "contact")
        for person in persons:
            name = " ".join(p for p in ((person.get("FirstName") or "").strip(),
                                        (person.get("LastName") or "").strip()) if p)
            email = email_normalize(person.get("EmailAddress") or "") or False
            if not name and not email:
                continue
            child = (email and children.filtered(lambda c, e=email: c.email_normalized == e)[:1]) or \
                children.filtered(lambda c, n=name: _norm_text(c.name) == _norm_text(n))[:1]
            values = {"name": name or email, "email": email or (child.email if child else False)}
            if child:
                if any(child[k] != v for k, v in values.items()):
                    child.write(values)
            else:
                children |= partner.env["res.partner"].create(dict(values, parent_id=partner.id, type="contact"))

    def is_archived(self, data):
        return data.get("ContactStatus") == "ARCHIVED"

    # -- matching ------------------------------------------------------------------
    def odoo_match_values(self, partner):
        return {"email": partner.email_normalized or None, "number": _norm_text(partner.ref),
                "name": _norm_text(partner.name), "vat": _norm_vat(partner.vat)}

    def xero_match_values(self, data):
        return {"email": email_normalize(data.get("EmailAddress") or "") or None,
                "number": _norm_text(data.get("ContactNumber")),
                "name": _norm_text(data.get("Name")), "vat": _norm_vat(data.get("TaxNumber"))}

    def match_scope(self, company):
        return [("parent_id", "=", False), ("company_id", "in", (False, company.id))]

    def odoo_candidates(self, company, values_list):
        Partner = self.env["res.partner"].with_context(active_test=False)
        found = Partner
        emails = {v["email"] for v in values_list if v.get("email")}
        if emails:
            found |= Partner.search(expression.AND([self.match_scope(company),
                                                    [("email_normalized", "in", list(emails))]]))
        for key, column in (("number", "ref"), ("name", "name"), ("vat", "vat")):
            wanted = sorted({v[key].lower() for v in values_list if v.get(key)})
            if not wanted:
                continue
            # case-insensitive equality on an expression index (res.partner's init): a keyed
            # look-up, where ILIKE read every partner once per batch
            self.env.cr.execute(f"SELECT id FROM res_partner WHERE lower({column}) = ANY(%s)", [wanted])
            ids = [row[0] for row in self.env.cr.fetchall()]
            if ids:
                found |= Partner.search(expression.AND([self.match_scope(company), [("id", "in", ids)]]))
        return found


class ItemMapper(Mapper):
    """product.product <-> Xero Item.  Accounts and taxes join with the accounting mappings."""

    model = "product.product"
    entity = "Items"
    id_key = "ItemID"
    number_key = "Code"
    reserved_keys = ("ItemID", "Code", "IsSold", "IsPurchased")
    default_lines = [
        ("name", "Name", "both", None, None),
        ("description_sale", "Description", "both", None, None),
        ("description_purchase", "PurchaseDescription", "both", None, None),
        ("lst_price", "SalesDetails.UnitPrice", "to_xero", None, None),
        ("list_price", "SalesDetails.UnitPrice", "from_xero", None, None),
        ("standard_price", "PurchaseDetails.UnitPrice", "both", None, None),
    ]
    also_depends = ("list_price",)
    limits = {"Name": 50}
    match_keys = ("code",)
    strong_keys = ()
    lookup_fields = {"code": "Code"}
    identity_keys = ("Code",)
    full_fetch = True
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

    @mapping("sale_ok", "purchase_ok", "active")
    def usage(self, product):
        # Xero items have no archive: an archived product is neither sold nor bought there.
        return {"IsSold": bool(product.sale_ok and product.active),
                "IsPurchased": bool(product.purchase_ok and product.active)}

    def check_limits(self, payload, record, lines):
        name = payload.get("Name") or ""
        if len(name) > 50 and not any(ln.key == "Name" and ln.transform == "truncate" for ln in lines):
            raise MappingError(_(
                "The name '%(name)s' has %(count)s characters; Xero allows %(max)s for an item. "
                "Shorten it, or set the Name mapping line to 'Truncate to N characters' (50).",
                name=name, count=len(name), max=50))
        super().check_limits(payload, record, lines)

    def read(self, data, product):
        code = (data.get("Code") or "").strip()
        values = {"default_code": code}
        if "IsSold" in data:
            values["sale_ok"] = bool(data["IsSold"])
        if "IsPurchased" in data:
            values["purchase_ok"] = bool(data["IsPurchased"])
        return values

    def create_defaults(self, data):
        return {"type": "consu", "company_id": False}

    # -- conflicts / matching ----------------------------------------------------------
    def conflict_where(self, payload):
        return f'Code=="{_quote(payload.get("Code", ""))}"'

    def is_same(self, candidate, payload):
        # an item code identifies the product
        return (candidate.get("Code") or "").lower() == (payload.get("Code") or "").lower()

    def odoo_match_values(self, product):
        return {"code": _norm_text(product.default_code)}

    def xero_match_values(self, data):
        return {"code": _norm_text(data.get("Code"))}

    def odoo_candidates(self, company, values_list):
        Product = self.env["product.product"].with_context(active_test=False)
        wanted = sorted({v["code"].lower() for v in values_list if v.get("code")})
        if not wanted:
            return Product
        self.env.cr.execute("SELECT id FROM product_product WHERE lower(default_code) = ANY(%s)", [wanted])
        ids = [row[0] for row in self.env.cr.fetchall()]
        return Product.search(expression.AND([self.match_scope(company), [("id", "in", ids)]])) if ids else Product


MAPPERS = {"contact": ContactMapper, "product": ItemMapper}

from . import document_mappers  # noqa: E402,F401  (registers the document mappers)
