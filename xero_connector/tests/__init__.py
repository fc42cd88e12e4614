from . import test_connection, test_contact_push, test_contact_pull, test_product_push, test_product_pull, test_mapping, test_accounting_setup, test_invoice_push, test_payments, test_invoice_pull, test_invoice_totals, test_sync_jobs, test_purchase_orders, test_purchase_push, test_webhooks, test_scopes, test_rate_limits
from . import test_scale_safety  # noqa: E402
from . import test_overview
from . import test_parity
from . import test_document_matching
from . import test_attachments  # noqa: E402
from . import test_currencies  # noqa: E402
from . import test_translations
from . import test_tracking
from . import test_journals_groups
from . import test_overpayments  # noqa: E402
