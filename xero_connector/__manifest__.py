{
    "name": "Xero Connector",
    "version": "18.0.1.0.0",
    "summary": "Keep an Odoo company and its Xero organisation in step: contacts, products, "
               "invoices, bills, payments, taxes and accounts.",
    "category": "Accounting/Accounting",
    "author": "xero_connector contributors",
    "license": "LGPL-3",
    "depends": ["base_setup", "mail", "contacts", "product", "account"],
    "external_dependencies": {"python": ["xero-python"]},
    "data": [
        "security/xero_security.xml",
        "security/ir.model.access.csv",
        "data/xero_sync_status_data.xml",
        "views/xero_connection_views.xml",
        "views/xero_binding_views.xml",
        "views/xero_sync_log_views.xml",
        "views/xero_mapping_views.xml",
        "views/xero_accounting_views.xml",
        "views/res_partner_views.xml",
        "views/product_views.xml",
        "views/account_move_views.xml",
        "views/res_config_settings_views.xml",
        "wizards/xero_tenant_picker_views.xml",
        "views/xero_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "xero_connector/static/tests/tours/*.js",
        ],
    },
    "application": True,
    "installable": True,
}
