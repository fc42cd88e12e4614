from . import test_connection, test_contact_push, test_contact_pull, test_product_push, test_product_pull, test_mapping, test_accounting_setup, test_invoice_push, test_payments, test_invoice_pull
