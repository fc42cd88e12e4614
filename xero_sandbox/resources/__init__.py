"""Accounting API resources, keyed by their URL segment (matched case-insensitively).

To add one: write a :class:`~xero_sandbox.resources.base.Collection` subclass
in its own module and list an instance here.
"""

from .accounts import Accounts
from .banktransactions import BankTransactions
from .branding import BrandingThemes
from .contactgroups import ContactGroups
from .contacts import Contacts
from .creditnotes import CreditNotes
from .currencies import Currencies
from .invoices import Invoices
from .items import Items
from .manualjournals import ManualJournals
from .organisation import Organisation
from .overpayments import Overpayments, Prepayments
from .payments import Payments
from .purchaseorders import PurchaseOrders
from .taxrates import TaxRates
from .tracking import TrackingCategories

RESOURCES = {r.path.lower(): r for r in (
    Contacts(), Items(), Organisation(), Accounts(), TaxRates(), BrandingThemes(),
    Invoices(), Payments(), CreditNotes(), PurchaseOrders(), BankTransactions(), Currencies(), TrackingCategories(),
    ManualJournals(), ContactGroups(), Overpayments(), Prepayments())}
COLLECTIONS = {r.plural.lower(): r for r in RESOURCES.values() if hasattr(r, "seed")}
