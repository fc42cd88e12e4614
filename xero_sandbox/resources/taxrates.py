"""TaxRates (``/api.xro/2.0/TaxRates``), keyed by ``TaxType``.

Rules ([OAS] TaxRate, TaxComponent; the reference's §6 "Tax rates"):

* ``PUT /TaxRates`` creates; the new rates get the TaxTypes ``TAX001``, ``TAX002``, ...
  (a given TaxType is ignored); ``POST /TaxRates`` updates the rate with the given
  ``TaxType`` (else the one with the same ``Name``) or creates one;
* ``Name`` required and unique among rates that are not DELETED; at least one
  ``TaxComponents`` entry, each with a ``Name`` and a ``Rate`` ≥ 0;
* ``DisplayTaxRate`` = Σ component rates; ``EffectiveRate`` compounds: compound components
  apply to the amount plus the tax of the components before them;
* ``CanApplyTo*`` are read-only: a rate reporting as sales tax (``OUTPUT``-like) cannot apply
  to expenses, a purchases one (``INPUT``-like) not to revenue, others to everything;
* ``GET /TaxRates`` (``where``, ``order``, ``TaxType=``) and ``GET /TaxRates/{TaxType}``.
"""

import copy
import re
from decimal import Decimal, InvalidOperation

from .. import wire
from .base import Collection, field_label

REPORT_TAX_TYPES = frozenset((
    "AVALARA BASEXCLUDED CAPITALSALESOUTPUT CAPITALEXPENSESINPUT ECOUTPUT ECOUTPUTSERVICES ECINPUT "
    "ECACQUISITIONS EXEMPTEXPENSES EXEMPTINPUT EXEMPTOUTPUT GSTONIMPORTS INPUT INPUTTAXED MOSSSALES NONE "
    "NONEOUTPUT OUTPUT PURCHASESINPUT SALESOUTPUT EXEMPTCAPITAL EXEMPTEXPORT CAPITALEXINPUT GSTONCAPIMPORTS "
    "GSTONCAPITALIMPORTS REVERSECHARGES PAYMENTS INVOICE CASH ACCRUAL FLATRATECASH FLATRATEACCRUAL ACCRUALS "
    "TXCA SRCAS DSOUTPUT BLINPUT2 EPINPUT IMINPUT2 MEINPUT IGDSINPUT2 ESN33OUTPUT OPINPUT OSOUTPUT "
    "TXN33INPUT TXESSINPUT TXREINPUT TXPETINPUT NRINPUT ES33OUTPUT ZERORATEDINPUT ZERORATEDOUTPUT "
    "DRCHARGESUPPLY DRCHARGE CAPINPUT CAPIMPORTS IMINPUT INPUT2 CIUINPUT SRINPUT OUTPUT2 SROUTPUT CAPOUTPUT "
    "SROUTPUT2 CIUOUTPUT ZROUTPUT ZREXPORT ACC28PLUS ACCUPTO28 OTHEROUTPUT SHOUTPUT ZRINPUT BADDEBT "
    "OTHERINPUT BADDEBTRELIEF IGDSINPUT3 SROVR TOURISTREFUND TXRCN33 TXRCRE TXRCESS TXRCTS CAPEXINPUT "
    "UNDEFINED CAPEXOUTPUT ZEROEXPOUTPUT GOODSIMPORT NONEINPUT NOTREPORTED SROVRRS SROVRLVG SRLVG IM IMESS "
    "IMN33 IMRE BADDEBTRECOVERY USSALESTAX BLINPUT3").split())
STATUSES = ("ACTIVE", "DELETED", "ARCHIVED", "PENDING")
COMPONENT_FIELDS = ("Name", "Rate", "IsCompound", "IsNonRecoverable")


def _number(value):
    return int(value) if value == value.to_integral_value() else float(value)


def rates_of(components):
    """``(DisplayTaxRate, EffectiveRate)`` of a list of tax components (percentages)."""
    simple = sum((Decimal(str(c.get("Rate") or 0)) for c in components if not c.get("IsCompound")), Decimal(0))
    effective = simple
    for c in components:
        if c.get("IsCompound"):
            effective += Decimal(str(c.get("Rate") or 0)) * (100 + effective) / 100
    display = sum((Decimal(str(c.get("Rate") or 0)) for c in components), Decimal(0))
    return _number(display.quantize(Decimal("0.0001"))), _number(effective.quantize(Decimal("0.0001")))


def applies_to(report_tax_type):
    """The read-only CanApplyTo* flags for a rate reporting as ``report_tax_type``."""
    kind = report_tax_type or "NONE"
    sales = "OUTPUT" in kind or kind in ("SALESOUTPUT", "EXEMPTEXPORT", "ZREXPORT")
    purchases = not sales and ("INPUT" in kind or kind in ("EXEMPTEXPENSES", "GSTONIMPORTS", "PURCHASESINPUT"))
    return {"CanApplyToAssets": True, "CanApplyToEquity": True, "CanApplyToExpenses": not sales,
            "CanApplyToLiabilities": True, "CanApplyToRevenue": not purchases}


def complete(rate):
    """Fill in the computed fields of a stored tax rate."""
    display, effective = rates_of(rate.get("TaxComponents") or [])
    rate["DisplayTaxRate"], rate["EffectiveRate"] = display, effective
    rate.update(applies_to(rate.get("ReportTaxType")))
    return rate


def find_tax_rate(ctx, tax_type):
    if not tax_type:
        return None
    wanted = str(tax_type).strip().upper()
    return next((r for t, r in ctx.store("TaxRates").items() if t.upper() == wanted), None)


class TaxRates(Collection):
    plural = "TaxRates"
    id_field = "TaxType"
    singular = "tax rate"
    paged = False
    read_scopes = ("accounting.settings.read",)
    write_scopes = ("accounting.settings",)
    writable = {"Name": None, "TaxType": None, "Status": None, "ReportTaxType": None,
                "TaxComponents": COMPONENT_FIELDS}
    fields = frozenset(writable) | {
        "CanApplyToAssets", "CanApplyToEquity", "CanApplyToExpenses", "CanApplyToLiabilities",
        "CanApplyToRevenue", "DisplayTaxRate", "EffectiveRate"}
    default_order = ((("Name",), False), (("TaxType",), False))
    defaults = {"Status": "ACTIVE"}
    error_flag = None

    def handle(self, ctx, req, parts):
        ctx.query = req.query
        if req.method == "POST" and parts:
            return wire.not_found()  # updates go to POST /TaxRates
        return super().handle(ctx, req, parts)

    def find(self, ctx, key):
        return find_tax_rate(ctx, key)

    def filter_records(self, ctx, records, q):
        wanted = (q.get("taxtype") or "").strip().upper()
        return [r for r in records if r.get("TaxType", "").upper() == wanted] if wanted else records

    def render(self, record, summary=False, ctx=None):
        out = super().render(record, summary, ctx)
        out.pop("UpdatedDateUTC", None)  # not a TaxRate field
        return out

    def _write_one(self, ctx, element, mode, target):
        if not isinstance(element, dict):
            return {"ValidationErrors": [{"Message": "A tax rate must be an object."}]}, False
        store = ctx.store(self.plural)
        changes, errors = self.clean(ctx, element)
        given = changes.pop("TaxType", None)
        existing = None
        if mode == "upsert":
            if given:
                existing = find_tax_rate(ctx, given)
                if existing is None:
                    errors.append(f"The TaxType code {given} does not exist or cannot be used for this type "
                                  "of transaction.")
            elif changes.get("Name"):
                wanted = str(changes["Name"]).strip().casefold()
                existing = next((r for r in store.values() if r.get("Status") != "DELETED"
                                 and str(r.get("Name", "")).strip().casefold() == wanted), None)
        candidate = self.merge(copy.deepcopy(existing) if existing else copy.deepcopy(self.defaults), changes)
        if not errors:
            errors = self.validate(ctx, candidate, existing)
        if errors:
            echo = self.render(complete(candidate), ctx=ctx)
            if given:
                echo["TaxType"] = given
            echo["ValidationErrors"] = [{"Message": m} for m in errors]
            return echo, False
        if existing is None:
            numbers = [int(m.group(1)) for t in store for m in [re.fullmatch(r"TAX(\d+)", t)] if m]
            candidate["TaxType"] = f"TAX{max(numbers, default=0) + 1:03d}"
        complete(candidate)
        store[candidate["TaxType"]] = candidate
        return self.render(candidate, ctx=ctx), True

    def validate(self, ctx, candidate, existing):
        errors = []
        name = candidate.get("Name")
        if name is not None and not isinstance(name, str):
            return ["The Name must be text."]
        name = (name or "").strip()
        if not name:
            errors.append("The tax rate Name must be specified.")
        if candidate.get("Status") not in STATUSES:
            errors.append(f"'{candidate.get('Status')}' is not a valid Status.")
        report = candidate.get("ReportTaxType")
        if report is not None and report not in REPORT_TAX_TYPES:
            errors.append(f"'{report}' is not a valid Report Tax Type.")
        components = candidate.get("TaxComponents") or []
        if not components:
            errors.append("At least one tax component is required.")
        for component in components:
            if not str(component.get("Name") or "").strip():
                errors.append("The tax component Name must be specified.")
            try:
                rate = component.get("Rate", 0)
                if isinstance(rate, bool) or Decimal(str(rate)) < 0:
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                errors.append(f"The tax component {field_label('Rate')} must be a number, 0 or more.")
            for flag in ("IsCompound", "IsNonRecoverable"):
                if flag in component and not isinstance(component[flag], bool):
                    errors.append(f"The tax component {field_label(flag)} must be true or false.")
        if name and any(r is not existing and r.get("Status") != "DELETED"
                        and str(r.get("Name", "")).strip().casefold() == name.casefold()
                        for r in ctx.store(self.plural).values()):
            errors.append(f"A tax rate with the name '{name}' already exists.")
        return errors

    def seed(self, ctx, record):
        record = self.merge(copy.deepcopy(self.defaults), wire.strip_nulls(dict(record)))
        if not record.get("TaxType"):
            numbers = [int(m.group(1)) for t in ctx.store(self.plural)
                       for m in [re.fullmatch(r"TAX(\d+)", t)] if m]
            record["TaxType"] = f"TAX{max(numbers, default=0) + 1:03d}"
        complete(record)
        ctx.store(self.plural)[record["TaxType"]] = record
        return record
