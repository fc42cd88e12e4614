from . import (
    xero_connection, xero_binding, xero_sync_log, xero_mapping, xero_accounting, xero_sync_mixin, xero_sync_job, xero_webhook, xero_remote, res_partner, product, account_move, purchase,
    res_config_settings, xero_record_history, xero_sync_overview, xero_attachment, xero_tracking,
)
from . import xero_parity
