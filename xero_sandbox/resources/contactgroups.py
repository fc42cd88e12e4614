"""ContactGroups (``/api.xro/2.0/ContactGroups``): named groups of contacts.

[OAS] ContactGroup: ``Name`` (required on create), ``Status`` ACTIVE or DELETED (a group is deleted
by setting DELETED; only ACTIVE groups are returned on GETs), ``Contacts`` (ContactID and Name,
returned when the group's id is in the URL).  Not paged, no ``If-Modified-Since`` (the group has no
``UpdatedDateUTC``).  ``PUT`` creates (at most 100 groups: ``You’ve reached the limit of 100
contact groups.``, an OAS example), ``POST /{id}`` renames or deletes.  Members:
``PUT /{id}/Contacts`` ``{"Contacts": [{"ContactID"}]}`` adds (answering the added contacts),
``DELETE /{id}/Contacts/{ContactID}`` removes one and ``DELETE /{id}/Contacts`` all (204).
A contact's ``ContactGroups`` (on GET of one contact) lists its active groups.
Messages Xero does not document are marked ``(wording not documented)``.
"""

from .. import wire
from .base import Collection, no_data, parse_body

MAX_GROUPS = 100


def groups_of(ctx, contact_id):
    """The active groups ``contact_id`` is in, as a contact shows them."""
    return [{"ContactGroupID": g["ContactGroupID"], "Name": g.get("Name"), "Status": g["Status"], "Contacts": []}
            for g in ctx.store("ContactGroups").values()
            if g.get("Status") == "ACTIVE" and contact_id in g.get("ContactIDs", [])]


class ContactGroups(Collection):
    plural = "ContactGroups"
    id_field = "ContactGroupID"
    singular = "contact group"
    paged = False
    read_scopes = ("accounting.contacts.read",)
    write_scopes = ("accounting.contacts",)
    writable = {"Name": None, "Status": None}
    fields = frozenset(("Name", "Status", "ContactGroupID", "Contacts"))
    status_field = "Status"
    default_order = ((("Name",), False), (("ContactGroupID",), False))
    defaults = {"Status": "ACTIVE"}
    error_flag = None

    def visible(self, record, include_archived):
        return record.get("Status") == "ACTIVE"

    def handle(self, ctx, req, parts):
        ctx.query = req.query
        if len(parts) >= 2 and parts[1].lower() == "contacts":
            group = self.find(ctx, parts[0])
            if group is None or group.get("Status") != "ACTIVE":
                return wire.not_found()
            if req.method == "PUT" and len(parts) == 2:
                return self.add_contacts(ctx, req, group)
            if req.method == "DELETE" and len(parts) == 2:
                group["ContactIDs"] = []
                return wire.Response.empty(204)
            if req.method == "DELETE" and len(parts) == 3:
                return self.remove_contact(group, parts[2])
            return wire.not_found()
        return super().handle(ctx, req, parts)

    def get(self, ctx, req, key):
        record = self.find(ctx, key)
        if record is None or record.get("Status") != "ACTIVE":
            return wire.not_found()
        return ctx.ok(self.plural, [self.render(record, ctx=ctx)])

    def add_contacts(self, ctx, req, group):
        body, invalid = parse_body(req)
        if invalid:
            return invalid
        given = body.get("Contacts") if isinstance(body, dict) else None
        if not isinstance(given, list) or not given:
            return no_data("Contact")
        contacts = ctx.store("Contacts")
        found, errors = [], []
        for item in given:
            contact_id = str((item or {}).get("ContactID") or "").lower() if isinstance(item, dict) else ""
            contact = next((c for i, c in contacts.items() if i.lower() == contact_id), None) if contact_id else None
            if contact is None:
                errors.append({"ContactID": (item or {}).get("ContactID") if isinstance(item, dict) else None,
                               "ValidationErrors": [{"Message": "The contact does not exist."}]})  # (wording not documented)
            else:
                found.append(contact)
        if errors:
            return wire.Response.json(400, wire.validation_exception(elements=errors))
        members = group.setdefault("ContactIDs", [])
        for contact in found:
            if contact["ContactID"] not in members:
                members.append(contact["ContactID"])
        return ctx.ok("Contacts", [{"ContactID": c["ContactID"], "Name": c.get("Name"), "HasValidationErrors": False}
                                   for c in found])

    @staticmethod
    def remove_contact(group, contact_id):
        members = group.setdefault("ContactIDs", [])
        wanted = contact_id.lower()
        kept = [m for m in members if m.lower() != wanted]
        if len(kept) == len(members):
            return wire.Response.json(400, wire.validation_exception(
                "The contact is not a member of this contact group."))  # (wording not documented)
        group["ContactIDs"] = kept
        return wire.Response.empty(204)

    def validate(self, ctx, candidate, existing):
        name = str(candidate.get("Name") or "").strip()
        if not name:
            return ["Contact group name cannot be empty."]  # (wording not documented)
        if candidate.get("Status") not in ("ACTIVE", "DELETED"):
            return [f"'{candidate.get('Status')}' is not a valid Status."]
        if existing is not None and existing.get("Status") != "ACTIVE":
            return ["The contact group has been deleted."]  # (wording not documented)
        active = [g for g in ctx.store(self.plural).values() if g.get("Status") == "ACTIVE"
                  and g.get(self.id_field) != (existing or {}).get(self.id_field)]
        if candidate.get("Status") == "ACTIVE":
            if any(str(g.get("Name") or "").strip().casefold() == name.casefold() for g in active):
                return [f"A contact group with the name '{name}' already exists."]  # (wording not documented)
            if existing is None and len(active) >= MAX_GROUPS:
                return ["You’ve reached the limit of 100 contact groups."]
        return []

    def render(self, record, summary=False, ctx=None):
        out = super().render(record, summary, ctx)
        ids = out.pop("ContactIDs", [])
        out.pop("UpdatedDateUTC", None)  # kept for the store's order; a group shows none
        if ctx is not None:
            contacts = ctx.store("Contacts")
            out["Contacts"] = [{"ContactID": i, "Name": contacts[i].get("Name")} for i in ids if i in contacts]
        return out

    def list_omit(self, q, paged):
        return ("Contacts",)
