"""Items (``/api.xro/2.0/Items``): Xero's price-list items.

Rules ([OAS] Item, Purchase; the reference's §6 "Items"):

* ``Code`` is required, at most 30 characters and unique (case-insensitive):
  ``Price List Item with Code '<code>' already exists``; ``Name`` at most 50,
  descriptions at most 4000 characters;
* ``IsSold``/``IsPurchased`` default to true; setting one to false nulls the
  matching description and details;
* unit prices keep 2 decimal places unless the call carries ``unitdp=4``, on
  the way in (rounded half away from zero) and on the way out;
* a POST without an ``ItemID`` updates the item with the same ``Code`` (upsert);
* ``GET /Items/<Code>`` works like ``GET /Items/<ItemID>``;
  ``DELETE /Items/<ItemID>`` answers 204;
* the list is not paged and carries no ``pagination`` nor ``Warnings``.
"""

import copy
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .. import wire
from .base import Collection, field_label

DETAIL_FIELDS = ("UnitPrice", "AccountCode", "COGSAccountCode", "TaxType")
MAX_LENGTHS = {"Code": 30, "Name": 50, "Description": 4000, "PurchaseDescription": 4000}
TEXT_FIELDS = ("Code", "Name", "Description", "PurchaseDescription", "InventoryAssetAccountCode")


def unit_dp(ctx):
    """4 when the call opted in with ``unitdp=4``, else 2."""
    return 4 if ctx is not None and str(ctx.query.get("unitdp", "")).strip() == "4" else 2


def round_money(value, dp):
    """``value`` rounded half away from zero to ``dp`` places, as a JSON number."""
    quantum = Decimal(1).scaleb(-dp)
    rounded = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    return int(rounded) if rounded == rounded.to_integral_value() else float(rounded)


class Items(Collection):
    plural = "Items"
    id_field = "ItemID"
    singular = "item"
    paged = False
    # Xero's items answer to the settings scopes and (since the granular scopes of 2026) to
    # accounting.invoices as well.
    read_scopes = ("accounting.settings.read", "accounting.invoices.read")
    write_scopes = ("accounting.settings", "accounting.invoices")
    writable = {
        **{name: None for name in ("Code", "Name", "Description", "PurchaseDescription",
                                   "IsSold", "IsPurchased", "InventoryAssetAccountCode")},
        "SalesDetails": "object",
        "PurchaseDetails": "object",
    }
    # Every Item property of the OpenAPI schema.
    fields = frozenset(writable) | {
        "ItemID", "IsTrackedAsInventory", "TotalCostPool", "QuantityOnHand", "UpdatedDateUTC",
        "StatusAttributeString", "ValidationErrors",
    }
    alt_key = "Code"
    default_order = ((("Code",), False), (("ItemID",), False))
    defaults = {"IsSold": True, "IsPurchased": True}
    render_defaults = {"SalesDetails": {}, "PurchaseDetails": {}, "IsTrackedAsInventory": False}
    error_flag = None  # an Item has no HasValidationErrors

    def handle(self, ctx, req, parts):
        if req.method == "DELETE" and len(parts) == 1:
            ctx.query = req.query
            record = self.find(ctx, parts[0]) if wire.is_guid(parts[0]) else None
            if record is None:
                return wire.not_found()
            del ctx.store(self.plural)[record[self.id_field]]
            return wire.Response.empty(204)
        return super().handle(ctx, req, parts)

    # ------------------------------------------------------------ hooks
    def clean(self, ctx, element):
        changes, errors = super().clean(ctx, element)
        dp = unit_dp(ctx)
        for name in ("SalesDetails", "PurchaseDetails"):
            if name not in changes:
                continue
            details = {k: v for k, v in changes[name].items() if k in DETAIL_FIELDS}
            price = details.get("UnitPrice")
            if price is not None:
                try:
                    if isinstance(price, bool):
                        raise InvalidOperation
                    details["UnitPrice"] = round_money(price, dp)
                except (InvalidOperation, ValueError, TypeError):
                    errors.append(f"The {field_label(name)} Unit Price must be a number.")
                    details.pop("UnitPrice")
            changes[name] = details
        return changes, errors

    def merge(self, record, changes):
        """Details merge key by key; turning IsSold/IsPurchased off nulls that side."""
        changes = dict(changes)
        for name in ("SalesDetails", "PurchaseDetails"):
            if name in changes:
                record[name] = dict(record.get(name) or {}, **changes.pop(name))
        record = super().merge(record, changes)
        if record.get("IsSold") is False:
            record.pop("Description", None)
            record.pop("SalesDetails", None)
        if record.get("IsPurchased") is False:
            record.pop("PurchaseDescription", None)
            record.pop("PurchaseDetails", None)
        tracked = bool(record.get("InventoryAssetAccountCode"))
        record["IsTrackedAsInventory"] = tracked
        if tracked:
            record.setdefault("QuantityOnHand", 0)
            record.setdefault("TotalCostPool", 0)
        else:
            record.pop("QuantityOnHand", None)
            record.pop("TotalCostPool", None)
        return record

    def match(self, ctx, changes):
        code = changes.get("Code")
        return self.find(ctx, code) if isinstance(code, str) and code.strip() else None

    def find(self, ctx, key):
        if not wire.is_guid(key):
            wanted = key.strip().casefold()
            return next((r for r in ctx.store(self.plural).values()
                         if str(r.get("Code", "")).strip().casefold() == wanted), None)
        return super().find(ctx, key)

    def validate(self, ctx, candidate, existing):
        errors = []
        for name in TEXT_FIELDS:
            value = candidate.get(name)
            if value is not None and not isinstance(value, str):
                errors.append(f"The {field_label(name)} must be text.")
        for name in ("IsSold", "IsPurchased"):
            if not isinstance(candidate.get(name), bool):
                errors.append(f"The {field_label(name)} must be true or false.")
        if errors:
            return errors
        code = (candidate.get("Code") or "").strip()
        if not code:
            errors.append("Item Code must be specified.")
        for name, limit in MAX_LENGTHS.items():
            if len(candidate.get(name) or "") > limit:
                errors.append(f"The {field_label(name)} must not be more than {limit} characters long.")
        if candidate.get("IsTrackedAsInventory") and not (candidate.get("PurchaseDetails") or {}).get("COGSAccountCode"):
            errors.append("A COGS Account Code is required in the Purchase Details of a tracked item.")
        if code and any(str(r.get("Code", "")).strip().casefold() == code.casefold()
                        for r in ctx.store(self.plural).values() if r is not existing):
            errors.append(f"Price List Item with Code '{code}' already exists")
        return errors

    def render(self, record, summary=False, ctx=None):
        out = super().render(record, summary, ctx)
        dp = unit_dp(ctx)
        for name in ("SalesDetails", "PurchaseDetails"):
            details = out.get(name)
            if details and details.get("UnitPrice") is not None:
                out[name] = dict(details, UnitPrice=round_money(details["UnitPrice"], dp))
        return copy.deepcopy(out)
