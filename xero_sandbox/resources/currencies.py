"""Currencies (``/api.xro/2.0/Currencies``): the currencies an organisation is subscribed to.

Rules ([OAS] Currency, CurrencyCode, ``getCurrencies``/``createCurrency``):

* a new organisation has its base currency only; ``PUT /Currencies`` takes one Currency object
  (``{"Code": "EUR", "Description": "Euro"}``) and adds (subscribes to) it; the answer is
  ``{"Currencies": [the currency]}``.  ``Code`` must be one of the OpenAPI's CurrencyCode
  values: ``'<code>' is not a valid currency code.``; a currency already there is refused
  (unconfirmed; the stricter choice): ``The currency EUR has already been added.``;
  an organisation without multi-currency (``multi_currency: false`` on the control API,
  Xero's plans without it) refuses every addition: ``This organisation's plan does not
  include multi-currency.``;
* ``GET /Currencies`` (``where``, ``order``), not paged, ordered by ``Code``;
* documents (invoices, credit notes, purchase orders, bank transactions) in a currency the
  organisation is not subscribed to are refused with Xero's words
  ``Organisation is not subscribed to currency EUR`` (see :mod:`.documents`);
* zero-decimal currencies (:data:`ZERO_DECIMAL`, ISO 4217 minor unit 0, e.g. JPY): line
  amounts, tax, totals and payment amounts are rounded to whole units (unconfirmed; Xero's
  UI shows yen without decimals).
"""

from .. import wire
from .base import Collection

ZERO_DECIMAL = frozenset("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF".split())
NAMES = {
    "AUD": "Australian Dollar", "CAD": "Canadian Dollar", "CHF": "Swiss Franc", "CNY": "Chinese Yuan",
    "DKK": "Danish Krone", "EUR": "Euro", "FJD": "Fiji Dollar", "GBP": "British Pound",
    "HKD": "Hong Kong Dollar", "INR": "Indian Rupee", "JPY": "Japanese Yen", "KRW": "South Korean Won",
    "NOK": "Norwegian Krone", "NZD": "New Zealand Dollar", "SEK": "Swedish Krona", "SGD": "Singapore Dollar",
    "USD": "United States Dollar", "ZAR": "South African Rand",
}


def money_dp(currency):
    """Decimal places of amounts in ``currency``."""
    return 0 if currency in ZERO_DECIMAL else 2


def currency_record(code, description=None):
    return {"Code": code, "Description": description or NAMES.get(code, code)}


def subscribed(ctx):
    """The codes the organisation may use: its base currency and those added."""
    return {ctx.org.base_currency, *ctx.store("Currencies")}


class Currencies(Collection):
    plural = "Currencies"
    id_field = "Code"
    singular = "currency"
    paged = False
    read_scopes = ("accounting.settings.read", "accounting.settings")
    write_scopes = ("accounting.settings",)
    fields = frozenset(("Code", "Description"))
    writable = {"Code": None, "Description": None}
    default_order = ((("Code",), False),)
    error_flag = None

    def handle(self, ctx, req, parts):
        ctx.query = req.query
        if parts or req.method not in ("GET", "PUT"):
            return wire.not_found()
        if req.method == "PUT":
            return self.write(ctx, req, "create")
        self._ensure_base(ctx)
        return self.list(ctx, req)

    def _ensure_base(self, ctx):
        store = ctx.store(self.plural)
        if ctx.org.base_currency not in store:  # organisations of older state files, a changed base
            store[ctx.org.base_currency] = currency_record(ctx.org.base_currency)

    def elements(self, body):
        """PUT /Currencies takes one Currency object (``{"Currencies": [...]}`` is accepted too)."""
        if isinstance(body, dict) and isinstance(body.get("Currencies"), list):
            return body["Currencies"]
        return [body] if isinstance(body, dict) and body else []

    def find(self, ctx, key):
        return ctx.store(self.plural).get(str(key).upper())

    def validate(self, ctx, candidate, existing):
        from .documents import CURRENCIES  # noqa: PLC0415  (documents imports this module)
        code = candidate.get("Code")
        if not isinstance(code, str) or code not in CURRENCIES:
            return [f"'{code}' is not a valid currency code." if code else "The Code must be specified."]
        if code in subscribed(ctx):
            return [f"The currency {code} has already been added."]
        if not getattr(ctx.org, "multi_currency", True):
            return ["This organisation's plan does not include multi-currency."]
        candidate["Description"] = candidate.get("Description") or NAMES.get(code, code)
        return []

    def render(self, record, summary=False, ctx=None):
        return {k: record[k] for k in ("Code", "Description") if record.get(k)}

    def _write_one(self, ctx, element, mode, target):
        """Validate and add one currency (the code is the key: never "does not exist")."""
        if not isinstance(element, dict):
            return {"ValidationErrors": [{"Message": "A currency must be an object."}]}, False
        changes, errors = self.clean(ctx, element)
        candidate = dict(changes)
        errors = errors or self.validate(ctx, candidate, None)
        if errors:
            return dict(self.render(candidate), ValidationErrors=[{"Message": m} for m in errors]), False
        ctx.store(self.plural)[candidate["Code"]] = currency_record(candidate["Code"], candidate["Description"])
        return self.render(candidate), True

    def seed(self, ctx, record):
        record = currency_record(str(record["Code"]).upper(), record.get("Description"))
        ctx.store(self.plural)[record["Code"]] = record
        return record

    def wipe(self, ctx):
        """Back to the base currency only."""
        count = super().wipe(ctx)
        self._ensure_base(ctx)
        return count
