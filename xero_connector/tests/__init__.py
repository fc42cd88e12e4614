from . import test_connection, test_contact_push, test_contact_pull, test_product_push, test_product_pull, test_mapping
