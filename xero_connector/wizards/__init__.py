from . import xero_tenant_picker, xero_sync_wizard
