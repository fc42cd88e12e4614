from . import test_connection, test_contact_push, test_product_push
