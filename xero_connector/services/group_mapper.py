"""Partner tags (``res.partner.category``) <-> Xero contact groups.

A tag the sync rules send (by default: with *Allow Xero Sync* ticked) is a Xero contact group of
the same name; an archived tag deletes its group.  Xero's groups come back as tags, matched by
name (case-insensitive), linked per connection.  Xero lists groups whole (no paging, no
``If-Modified-Since``, at most 100) and writes them one at a time.

Membership follows the partners pushed: after a contact push, each pushed partner's tags that are
linked to a Xero group are compared with the groups the connection last put it in (kept on its
link), and only the difference is written: one ``PUT /ContactGroups/{id}/Contacts`` per group for
the partners added (up to 50 a call), one ``DELETE`` per partner removed.

Membership also comes back: an import (or Fetch & Match) of contact groups whose rule updates
(Import & Update, Update) reads each linked group once (``GET /ContactGroups/{id}`` lists its
members; at most 100 groups) and, for linked contacts whose group changed in Xero since Odoo last
knew it, adds or removes the tag.  The link's groups follow what Xero has, so the next push sends
nothing back; a partner whose tags changed in Odoo since its last push keeps Odoo's side (its
next push sends it).  Members not linked to an Odoo contact are left alone.
"""

import hashlib
from collections import defaultdict

from odoo import _

from . import xero_client as xc
from .mappers import MAPPERS, Mapper, MappingError, SkipRecord, _norm_text, mapping

MEMBERS_PER_CALL = 50


class ContactGroupMapper(Mapper):
    model = "res.partner.category"
    entity = "ContactGroups"
    id_key = "ContactGroupID"
    number_key = None
    reserved_keys = ("ContactGroupID", "Name", "Status")
    match_keys = ("name",)
    strong_keys = ()
    lookup_fields = {"name": "Name"}
    identity_keys = ("Name",)
    full_fetch = True  # Xero neither pages groups nor says which changed

    @staticmethod
    def write_record(client, payload, idempotency_key):
        return client.write_contact_group(payload, idempotency_key=idempotency_key)

    @mapping("name", "active")
    def group(self, tag):
        name = (tag.name or "").strip()
        if not name:
            raise MappingError(_("The tag has no name; Xero needs one for a contact group."))
        if not tag.active:
            if not (self.binding and self.binding.xero_id):
                raise SkipRecord(_("Archived and never sent: nothing to do in Xero."))
            return {"Name": name, "Status": "DELETED"}
        return {"Name": name, "Status": "ACTIVE"}

    def locked_status(self, data):
        return _("Deleted in Xero.") if data.get("Status") == "DELETED" else None

    # -- Xero -> Odoo ------------------------------------------------------------------
    def read(self, data, tag):
        name = (data.get("Name") or "").strip()
        if not name:
            raise MappingError(_("This Xero contact group has no name."))
        return {"name": name}

    def is_archived(self, data):
        return data.get("Status") == "DELETED"

    def odoo_match_values(self, tag):
        return {"name": _norm_text(tag.name)}

    def after_pull(self, engine):
        if engine.mapping.import_mode in ("import_update", "update"):  # plain Import only creates tags
            pull_memberships(engine)

    def xero_match_values(self, data):
        return {"name": _norm_text(data.get("Name"))}

    def odoo_candidates(self, company, values_list):
        Tag = self.env["res.partner.category"].with_context(active_test=False)
        found = Tag
        for name in sorted({v["name"] for v in values_list if v.get("name")}):
            found |= Tag.search([("name", "=ilike", name)])
        return found


MAPPERS["contact_group"] = ContactGroupMapper


# ------------------------------------------------------------------ contacts' side
def unsent_groups(mapper, partners):
    """The tags of ``partners`` that the contact-group rule sends and Xero does not have yet."""
    tags = partners.category_id
    if not tags:
        return tags
    rule = mapper.env["xero.mapping"]._for(mapper.connection, "contact_group")
    wanted = tags._xero_ticked(mapper.connection) | rule._selected_records(tags).with_env(tags.env)
    bound = mapper.env["xero.binding"].sudo().search([
        ("connection_id", "=", mapper.connection.id), ("res_model", "=", tags._name),
        ("res_id", "in", wanted.ids), ("xero_id", "!=", False)])
    done = set(bound.mapped("res_id"))
    return wanted.filtered(lambda t: t.id not in done)


def push_memberships(engine, partners):
    """Put each pushed partner in the Xero groups of its linked tags, and out of the others it was put
    in; only the difference is written."""
    connection = engine.connection
    Binding = engine.Binding
    tag_links = Binding.search([("connection_id", "=", connection.id), ("res_model", "=", "res.partner.category"),
                                ("res_id", "in", partners.category_id.ids), ("xero_id", "!=", False),
                                ("xero_status", "!=", "DELETED")])
    groups = {b.res_id: b.xero_id for b in tag_links}
    names = {b.xero_id: b.record_name for b in tag_links}
    if not groups and not Binding.search_count([
            ("connection_id", "=", connection.id), ("res_model", "=", partners._name),
            ("res_id", "in", partners.ids), ("xero_group_ids", "!=", False)], limit=1):
        return  # no tag is a Xero group and no contact is in one: nothing to compare
    bindings = Binding._bindings_of(connection, partners)
    adds, removes = defaultdict(list), []
    for partner in partners:
        binding = bindings.get(partner.id)
        if not binding or not binding.xero_id:
            continue
        wanted = {groups[t.id] for t in partner.category_id if t.id in groups}
        known = set((binding.xero_group_ids or "").split())
        for group_id in sorted(wanted - known):
            adds[group_id].append((partner, binding))
        removes += [(group_id, partner, binding) for group_id in sorted(known - wanted)]
    try:
        _write_memberships(engine, adds, removes, names)
    except (xc.XeroAuthError, xc.XeroForbiddenError, xc.XeroRateLimitError):
        # what was not written yet waits for the next push of these contacts
        for binding in {b for members in adds.values() for _p, b in members} | {b for _g, _p, b in removes}:
            binding.need_sync = True
        engine._end()
        raise


def _write_memberships(engine, adds, removes, names):
    connection = engine.connection
    for group_id, members in adds.items():
        for start in range(0, len(members), MEMBERS_PER_CALL):
            chunk = members[start:start + MEMBERS_PER_CALL]
            contact_ids = sorted(b.xero_id for _p, b in chunk)
            # with what the contacts were known to be in: adding them again after a removal is a new request
            material = f"{connection.id}:{group_id}:" + ",".join(sorted(f"{b.xero_id}/{b.xero_group_ids or ''}"
                                                                         for _p, b in chunk))
            key = hashlib.sha256(material.encode()).hexdigest()
            error = _member_call(lambda c=contact_ids, g=group_id, k=key: engine.client.add_group_contacts(
                g, c, idempotency_key=k))
            for partner, binding in chunk:
                _membership_done(engine, partner, binding, group_id, True, error,
                                 names.get(group_id) or group_id)
    for group_id, partner, binding in removes:
        error = _member_call(lambda g=group_id, b=binding: engine.client.remove_group_contact(g, b.xero_id),
                             gone_ok=True)
        _membership_done(engine, partner, binding, group_id, False, error, names.get(group_id) or group_id)


def _member_call(call, gone_ok=False):
    """Run one membership call; None when done, else Xero's words."""
    try:
        call()
    except (xc.XeroAuthError, xc.XeroForbiddenError, xc.XeroRateLimitError):
        raise
    except xc.XeroNotFoundError as exc:
        return None if gone_ok else exc.message  # the group is gone: nothing to remove from
    except xc.XeroValidationError as exc:
        if gone_ok and "not a member" in exc.message:
            return None
        return exc.message
    except xc.XeroError as exc:
        return exc.message
    return None


def _membership_done(engine, partner, binding, group_id, added, error, label):
    if error:
        binding.need_sync = True  # the next push of this contact tries again
        engine._line(partner, binding, "warning", engine.env._(
            "Contact group '%(group)s' not updated in Xero: %(error)s. The next push tries again.",
            group=label, error=error), state="warning")
        return
    known = set((binding.xero_group_ids or "").split())
    known = known | {group_id} if added else known - {group_id}
    binding.xero_group_ids = " ".join(sorted(known)) or False
    engine._line(partner, binding, "update", engine.env._("Added to the Xero contact group '%(group)s'.", group=label)
                 if added else engine.env._("Removed from the Xero contact group '%(group)s'.", group=label))


# ------------------------------------------------------------------ Xero -> Odoo membership
def pull_memberships(engine):
    """Bring each linked group's membership changes made in Xero onto the linked partners' tags:
    one read per group, never one per contact."""
    Binding = engine.Binding
    tag_links = Binding.search([("connection_id", "=", engine.connection.id),
                                ("res_model", "=", "res.partner.category"),
                                ("xero_id", "!=", False), ("xero_status", "!=", "DELETED")])
    tags = engine.env["res.partner.category"].with_context(active_test=False)
    for link in tag_links:
        tag = tags.browse(link.res_id).exists()
        if not tag or not tag.active:
            continue  # archived in Odoo: its group goes on the next push
        try:
            group = engine.client.get_contact_group(link.xero_id)
        except (xc.XeroAuthError, xc.XeroForbiddenError, xc.XeroRateLimitError):
            raise
        except xc.XeroNotFoundError:
            continue  # deleted in Xero since it was listed: the next import unlinks it
        except xc.XeroError as exc:
            engine._line(tag, link, "warning", engine.env._(
                "Members of the Xero contact group not read: %(error)s. The next import tries again.",
                error=exc.message), state="warning")
            continue
        members = {c["ContactID"] for c in group.get("Contacts") or [] if c.get("ContactID")}
        _apply_members(engine, tag, link, members)


def _apply_members(engine, tag, link, members):
    group_id = link.xero_id
    # the members, and the contacts Odoo last knew in the group: bounded by the group, not the database
    bindings = engine.Binding.search([
        ("connection_id", "=", engine.connection.id), ("res_model", "=", "res.partner"), ("xero_id", "!=", False),
        "|", ("xero_id", "in", sorted(members)), ("xero_group_ids", "ilike", group_id)])
    unlinked = len(members - set(bindings.mapped("xero_id")))
    if unlinked:
        engine._line(tag, link, "skip", engine.env._(
            "%(count)s member(s) of the Xero contact group are not linked to Odoo contacts: left alone.",
            count=unlinked))
    Partner = engine.env["res.partner"].with_context(active_test=False, xero_importing=True)
    joined, left = {}, {}  # binding -> partner
    for binding in bindings:
        partner = Partner.browse(binding.res_id).exists()
        in_xero = binding.xero_id in members
        known = set((binding.xero_group_ids or "").split())
        if not partner or in_xero == (group_id in known):
            continue  # no change in Xero since Odoo last knew
        # the link follows Xero: the next push compares Odoo's tags with what Xero really has
        binding.xero_group_ids = " ".join(sorted(known | {group_id} if in_xero else known - {group_id})) or False
        if (tag in partner.category_id) == in_xero:
            continue  # both sides agree already
        if binding.need_sync:
            engine._line(partner, binding, "skip", engine.env._(
                "Tag '%(tag)s' kept as in Odoo: the contact joined the Xero contact group in Xero, but its tags "
                "were changed in Odoo since its last push; the next push sends Odoo's side.", tag=tag.name)
                if in_xero else engine.env._(
                "Tag '%(tag)s' kept as in Odoo: the contact left the Xero contact group in Xero, but its tags "
                "were changed in Odoo since its last push; the next push sends Odoo's side.", tag=tag.name),
                state="warning")
            continue
        (joined if in_xero else left)[binding] = partner
    _write_tag(engine, tag, joined, True)
    _write_tag(engine, tag, left, False)


def _write_tag(engine, tag, partners_by_binding, added):
    if not partners_by_binding:
        return
    partners = engine.env["res.partner"].with_context(active_test=False, xero_importing=True).union(
        *partners_by_binding.values())
    partners.write({"category_id": [(4 if added else 3, tag.id)]})
    bindings = engine.Binding.union(*partners_by_binding)
    bindings.need_sync = False  # the change came from Xero: nothing to send back
    for binding, partner in partners_by_binding.items():
        engine._line(partner, binding, "update", engine.env._(
            "Added to tag '%(tag)s' (joined the Xero contact group in Xero).", tag=tag.name) if added
            else engine.env._("Removed from tag '%(tag)s' (left the Xero contact group in Xero).", tag=tag.name))
