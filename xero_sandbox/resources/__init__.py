"""Accounting API resources, keyed by their URL segment (matched case-insensitively).

To add one: write a :class:`~xero_sandbox.resources.base.Collection` subclass
in its own module and list an instance here.
"""

from .contacts import Contacts
from .items import Items
from .organisation import Organisation

RESOURCES = {r.path.lower(): r for r in (Contacts(), Items(), Organisation())}
COLLECTIONS = {r.plural.lower(): r for r in RESOURCES.values() if hasattr(r, "seed")}
