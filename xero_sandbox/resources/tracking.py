"""TrackingCategories (``/api.xro/2.0/TrackingCategories``) and their options.

Rules ([OAS] TrackingCategory, TrackingOption, LineItemTracking; Xero's tracking guide):

* ``PUT /TrackingCategories`` (one TrackingCategory object) creates an ACTIVE category;
  ``POST /TrackingCategories/{id}`` renames it or sets its ``Status`` (ACTIVE, ARCHIVED);
  ``DELETE /TrackingCategories/{id}`` deletes it (and its options);
* ``PUT /TrackingCategories/{id}/Options`` (one TrackingOption) adds an option;
  ``POST`` / ``DELETE /TrackingCategories/{id}/Options/{optionId}`` rename, archive or delete it;
* at most **2 ACTIVE** categories and 4 in all (active and archived): ``You can only have 2
  active tracking categories.``; at most 100 options per category; names required, at most
  100 characters, unique (case-insensitive) among the categories, and among the options of a
  category (``For each specified tracking option the name must be unique.``, Xero's words);
* ``GET`` hides ARCHIVED categories and options unless ``includeArchived=true``; deleted ones
  are never listed (``GET /TrackingCategories/{id}`` of a deleted one shows it DELETED);
* a category or option used on a document cannot be deleted (archive it instead): the
  stricter reading, not confirmed;
* document lines' ``Tracking``: each entry names a category (``TrackingCategoryID`` or
  ``Name``) and one of its options (``TrackingOptionID`` or ``Option``), both ACTIVE
  (``There is no ACTIVE tracking category with the name '<Name>'``, seen from Xero; the
  option's message follows its shape), one option per category; stored by id and rendered
  with the current names.  An option the document already had stays accepted once archived.
"""

import copy
import uuid

from .. import wire
from .base import Collection, parse_body, parse_bool

MAX_ACTIVE = 2
MAX_CATEGORIES = 4
MAX_OPTIONS = 100
MAX_NAME = 100
STATUSES = ("ACTIVE", "ARCHIVED")
DOCUMENT_STORES = ("Invoices", "CreditNotes", "PurchaseOrders", "BankTransactions")
TWO_ACTIVE = f"You can only have {MAX_ACTIVE} active tracking categories."


def _same(a, b):
    return str(a or "").strip().casefold() == str(b or "").strip().casefold()


def _by_id(records, key, value):
    wanted = str(value or "").lower()
    return next((r for r in records if str(r.get(key, "")).lower() == wanted), None) if wanted else None


def used_option_ids(ctx):
    """The TrackingOptionIDs that some document line carries."""
    used = set()
    for plural in DOCUMENT_STORES:
        for doc in ctx.store(plural).values():
            for line in doc.get("LineItems") or []:
                for entry in line.get("Tracking") or []:
                    if entry.get("TrackingOptionID"):
                        used.add(str(entry["TrackingOptionID"]).lower())
    return used


def line_tracking_ref(ctx, entry):
    """A stored line tracking entry with the category's and option's current names."""
    category = ctx.store("TrackingCategories").get(entry.get("TrackingCategoryID"))
    if category is None:
        return dict(entry)
    option = _by_id(category.get("Options") or [], "TrackingOptionID", entry.get("TrackingOptionID"))
    out = {"Name": category["Name"], "Option": option["Name"] if option else entry.get("Option"),
           "TrackingCategoryID": category["TrackingCategoryID"],
           "TrackingOptionID": entry.get("TrackingOptionID")}
    return wire.strip_nulls(out)


def resolve_line_tracking(ctx, tracking, kept=frozenset(), lenient=False):
    """``(entries, errors)`` for a line's ``Tracking``: each entry resolved to its category and
    option (by id, else by name) and stored as ids and names.  ``kept``: option ids the document
    already carried (accepted even when archived since)."""
    if tracking in (None, []):
        return [], []
    if not isinstance(tracking, list) or not all(isinstance(t, dict) for t in tracking):
        return ([], []) if lenient else ([], ["The Tracking of a line item must be a list of tracking categories."])
    categories = [c for c in ctx.store("TrackingCategories").values() if c.get("Status") != "DELETED"]
    entries, errors, seen = [], [], set()
    for given in tracking:
        if given.get("TrackingCategoryID"):
            category = _by_id(categories, "TrackingCategoryID", given["TrackingCategoryID"])
            label = ("the TrackingCategoryID", given["TrackingCategoryID"])
        else:
            category = next((c for c in categories if _same(c["Name"], given.get("Name"))
                             and (c["Status"] == "ACTIVE" or not lenient)), None)
            label = ("the name", given.get("Name") or "")
        options = (category or {}).get("Options") or []
        if given.get("TrackingOptionID"):
            option = _by_id(options, "TrackingOptionID", given["TrackingOptionID"])
        else:
            option = next((o for o in options if _same(o["Name"], given.get("Option"))
                           and o.get("Status") != "DELETED"), None)
        if lenient:
            entries.append(wire.strip_nulls({
                "Name": category["Name"] if category else given.get("Name"),
                "Option": option["Name"] if option else given.get("Option"),
                "TrackingCategoryID": category["TrackingCategoryID"] if category else given.get("TrackingCategoryID"),
                "TrackingOptionID": option["TrackingOptionID"] if option else given.get("TrackingOptionID")}))
            continue
        was_kept = option is not None and str(option["TrackingOptionID"]).lower() in kept
        if category is None or (category["Status"] != "ACTIVE" and not was_kept):
            errors.append(f"There is no ACTIVE tracking category with {label[0]} '{label[1]}'")
            continue
        if not given.get("TrackingOptionID") and not str(given.get("Option") or "").strip():
            errors.append(f"A tracking option must be given for the tracking category '{category['Name']}'")
            continue
        if option is None or option.get("Status") == "DELETED" or (option["Status"] != "ACTIVE" and not was_kept):
            errors.append(f"There is no ACTIVE tracking option '{given.get('Option') or given.get('TrackingOptionID')}'"
                          f" in the tracking category '{category['Name']}'")
            continue
        if category["TrackingCategoryID"] in seen:
            errors.append(f"Only one option of the tracking category '{category['Name']}' can be given on a "
                          "line item.")
            continue
        seen.add(category["TrackingCategoryID"])
        entries.append({"Name": category["Name"], "Option": option["Name"],
                        "TrackingCategoryID": category["TrackingCategoryID"],
                        "TrackingOptionID": option["TrackingOptionID"]})
    return entries, errors


class TrackingCategories(Collection):
    plural = "TrackingCategories"
    id_field = "TrackingCategoryID"
    singular = "tracking category"
    paged = False
    read_scopes = ("accounting.settings.read",)
    write_scopes = ("accounting.settings",)
    fields = frozenset(("TrackingCategoryID", "Name", "Status", "TrackingOptionID", "Option"))
    status_field = "Status"
    archived_statuses = ("ARCHIVED",)
    default_order = ((("Name",), False), (("TrackingCategoryID",), False))
    error_flag = None

    # ------------------------------------------------------------ dispatch
    def handle(self, ctx, req, parts):
        ctx.query = req.query
        method, n = req.method, len(parts)
        if n >= 2 and parts[1].lower() != "options":
            return wire.not_found()
        if method == "GET" and n == 0:
            return self.list(ctx, req)
        if method == "GET" and n == 1:
            return self.get(ctx, req, parts[0])
        if method == "PUT" and n == 0:
            return self.write_category(ctx, req, None)
        category = self.find(ctx, parts[0]) if n else None
        if category is None or (category["Status"] == "DELETED" and method != "GET"):
            return wire.not_found()
        if method == "POST" and n == 1:
            return self.write_category(ctx, req, category)
        if method == "DELETE" and n == 1:
            return self.delete_category(ctx, category)
        if method == "PUT" and n == 2:
            return self.write_option(ctx, req, category, None)
        if n == 3 and method in ("POST", "DELETE"):
            option = _by_id(category.get("Options") or [], "TrackingOptionID", parts[2])
            if option is None or option["Status"] == "DELETED":
                return wire.not_found()
            if method == "DELETE":
                return self.delete_option(ctx, category, option)
            return self.write_option(ctx, req, category, option)
        return wire.not_found()

    def visible(self, record, include_archived):
        return record.get("Status") != "DELETED" and super().visible(record, include_archived)

    def render(self, record, summary=False, ctx=None):
        out = copy.deepcopy(super().render(record, summary, ctx))
        out.pop("UpdatedDateUTC", None)  # not a TrackingCategory field
        archived = parse_bool((ctx.query if ctx else {}).get("includearchived"), False)
        if out.get("Status") != "DELETED":
            out["Options"] = [o for o in out.get("Options") or []
                              if o["Status"] == "ACTIVE" or (archived and o["Status"] == "ARCHIVED")]
        return out

    # ------------------------------------------------------------ writing
    @staticmethod
    def _element(req, key):
        """The one object of a write body (``{...}`` or ``{"<key>": [{...}]}``), or an error Response."""
        body, invalid = parse_body(req)
        if invalid:
            return None, invalid
        if isinstance(body, dict) and isinstance(body.get(key), list) and body[key]:
            body = body[key][0]
        if not isinstance(body, dict) or not body:
            return None, wire.Response.json(400, wire.api_exception(
                17, "NoDataProcessedException", "No data has been processed for this endpoint."))
        return body, None

    @staticmethod
    def _name_errors(name, what):
        if name is not None and not isinstance(name, str):
            return [f"The {what} Name must be text."]
        name = (name or "").strip()
        if not name:
            return [f"The {what} Name must be specified."]
        if len(name) > MAX_NAME:
            return [f"The {what} Name must not be more than {MAX_NAME} characters long."]
        return []

    def _apply(self, given, candidate, existing, what):
        """Put the given ``Name`` (required on create) and ``Status`` (updates only) on ``candidate``;
        returns the messages for what cannot be."""
        errors = []
        if given.get("Name") is not None or existing is None:
            errors += self._name_errors(given.get("Name"), what)
            if not errors:
                candidate["Name"] = given["Name"].strip()
        if existing is not None and given.get("Status") is not None:
            if given["Status"] not in STATUSES:
                errors.append(f"'{given['Status']}' is not a valid Status.")
            else:
                candidate["Status"] = given["Status"]
        return errors

    @staticmethod
    def _refuse(echo, errors):
        echo = dict(echo, ValidationErrors=[{"Message": m} for m in errors])
        return wire.Response.json(400, wire.validation_exception(elements=[echo]))

    def write_category(self, ctx, req, existing):
        given, invalid = self._element(req, self.plural)
        if invalid:
            return invalid
        store = ctx.store(self.plural)
        candidate = copy.deepcopy(existing) if existing else {
            "TrackingCategoryID": str(uuid.uuid4()), "Status": "ACTIVE", "Options": []}
        errors = self._apply(given, candidate, existing, "tracking category")
        others = [c for c in store.values() if c is not existing and c["Status"] != "DELETED"]
        if not errors:
            if any(_same(c["Name"], candidate["Name"]) for c in others):
                errors.append("For each specified tracking category the name must be unique.")
            if candidate["Status"] == "ACTIVE" and (existing is None or existing["Status"] != "ACTIVE") \
                    and sum(c["Status"] == "ACTIVE" for c in others) >= MAX_ACTIVE:
                errors.append(TWO_ACTIVE)
            if existing is None and len(others) >= MAX_CATEGORIES:
                errors.append(f"You can only have {MAX_CATEGORIES} tracking categories, archived ones included.")
        if errors:
            echo = self.render(dict(candidate, Name=candidate.get("Name") or given.get("Name")), ctx=ctx)
            return self._refuse(echo, errors)
        store[candidate["TrackingCategoryID"]] = candidate
        return ctx.ok(self.plural, [self.render(candidate, ctx=ctx)])

    def write_option(self, ctx, req, category, existing):
        given, invalid = self._element(req, "Options")
        if invalid:
            return invalid
        options = category.setdefault("Options", [])
        candidate = copy.deepcopy(existing) if existing else {
            "TrackingOptionID": str(uuid.uuid4()), "Status": "ACTIVE"}
        errors = self._apply(given, candidate, existing, "tracking option")
        live = [o for o in options if o is not existing and o["Status"] != "DELETED"]
        if not errors and any(_same(o["Name"], candidate["Name"]) for o in live):
            errors.append("For each specified tracking option the name must be unique.")
        if existing is None and len(live) >= MAX_OPTIONS:
            errors.append(f"A tracking category can have at most {MAX_OPTIONS} options.")
        if errors:
            echo = dict(candidate, Name=candidate.get("Name") or given.get("Name"))
            return self._refuse(wire.strip_nulls(echo), errors)
        if existing is None:
            options.append(candidate)
        else:
            existing.update(candidate)
        return ctx.ok("Options", [dict(existing or candidate)])

    # ------------------------------------------------------------ deleting
    def delete_category(self, ctx, category):
        used = used_option_ids(ctx)
        if any(str(o["TrackingOptionID"]).lower() in used for o in category.get("Options") or []):
            return self._refuse(self.render(category, ctx=ctx), [
                f"The tracking category '{category['Name']}' has been used on transactions and cannot be "
                "deleted; archive it instead."])
        category["Status"] = "DELETED"
        for option in category.get("Options") or []:
            option["Status"] = "DELETED"
        return ctx.ok(self.plural, [self.render(category, ctx=ctx)])

    def delete_option(self, ctx, category, option):
        if str(option["TrackingOptionID"]).lower() in used_option_ids(ctx):
            return self._refuse(dict(option), [
                f"The tracking option '{option['Name']}' has been used on transactions and cannot be deleted; "
                "archive it instead."])
        option["Status"] = "DELETED"
        return ctx.ok("Options", [dict(option)])

    # ------------------------------------------------------------ seeding
    def seed(self, ctx, record):
        """Store a category as given (control API), its options with ids and statuses filled in."""
        record = wire.strip_nulls(copy.deepcopy(dict(record)))
        record.setdefault("TrackingCategoryID", str(uuid.uuid4()))
        record.setdefault("Status", "ACTIVE")
        record.pop("UpdatedDateUTC", None)
        for option in record.setdefault("Options", []):
            option.setdefault("TrackingOptionID", str(uuid.uuid4()))
            option.setdefault("Status", "ACTIVE")
        ctx.store(self.plural)[record["TrackingCategoryID"]] = record
        return record

