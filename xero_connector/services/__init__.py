"""Plain-Python services: the Xero client, the mappers and the generic sync engine."""
