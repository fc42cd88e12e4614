# Run inside `odoo-bin shell` by ./run.sh: connects the main company to the
# sandbox organisation through the real OAuth flow and prepares sample partners.
# Idempotent: a second run keeps what is there.
import os
from urllib.parse import parse_qs, urlparse

from xero_sandbox.control_client import SandboxControl

sandbox = SandboxControl(os.environ["XC_SANDBOX_URL"])
base_url = os.environ["XC_BASE_URL"]
env["ir.config_parameter"].set_param("web.base.url", base_url)
env["ir.config_parameter"].set_param("web.base.url.freeze", "True")
redirect_uri = f"{base_url}/xero/oauth/callback"

orgs = sandbox.call("GET", "organisations")
orgs = orgs.get("organisations", orgs) if isinstance(orgs, dict) else orgs
org = next((o for o in orgs if o["name"] == "Demo Company (Global)"), None) or \
    sandbox.create_org("Demo Company (Global)", base_currency="USD", country_code="US")
connection = env["xero.connection"].search([("company_id", "=", env.company.id)])
admin = env.ref("base.user_admin")

if not connection or connection.state != "connected":
    app = sandbox.create_app([redirect_uri], organisations=[org["tenant_id"]], name="Odoo demo")
    values = {"client_id": app["client_id"], "client_secret": app["client_secret"],
              "login_url": sandbox.url, "identity_url": sandbox.url, "api_url": sandbox.url,
              "web_url": sandbox.url, "responsible_user_id": admin.id}
    if connection:
        connection.write(values)
    else:
        connection = env["xero.connection"].create(dict(values, company_id=env.company.id))
    authorize = connection.with_user(admin).action_connect()["url"]
    location = sandbox.consent(authorize)
    params = {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}
    conn = env["xero.connection"].with_user(admin)._oauth_connection_for_state(params["state"])
    tenants = conn._oauth_finish(params["code"])
    conn._oauth_select_tenant(tenants[0])

partners = env["res.partner"].search([("is_company", "=", True), ("email", "!=", False)], limit=5)
if not partners:
    partners = env["res.partner"].create([
        {"name": "Azure Interior", "is_company": True, "email": "azure.interior24@example.com",
         "phone": "(870)-931-0505", "city": "Fremont", "street": "4557 De Silva St"},
        {"name": "Deco Addict", "is_company": True, "email": "deco.addict82@example.com",
         "city": "Pleasant Hill", "street": "77 Santa Barbara Rd"},
        {"name": "Gemini Furniture", "is_company": True, "email": "gemini.furniture39@example.com",
         "city": "Fairfield", "street": "317 Fairchild Dr"},
    ])
partners.with_user(admin).xero_allow_sync = True
env.cr.commit()

# Xero's demo organisation tracks by region: the sandbox has no web screens to make categories in
if not sandbox.records(org["tenant_id"], "TrackingCategories"):
    sandbox.seed(org["tenant_id"], "TrackingCategories", [{"Name": "Region", "Options": [
        {"Name": name} for name in ("Eastside", "North", "South", "West Coast")]}])

# Xero's chart of accounts, tax rates and branding themes, mapped where they match; the
# demo's main income/expense accounts and sales/purchase taxes mapped to Xero's 200/300 and
# OUTPUT/INPUT when the rates agree, so that posted invoices can be sent at once.
connection.with_user(admin).action_import_accounting_setup()
company = env.company
Account = env["account.account"].with_company(company)
xero_accounts = {a.code: a for a in connection.xero_account_ids}
for kind, code in (("income", "200"), ("expense", "300")):
    account = Account.search([*Account._check_company_domain(company), ("account_type", "=", kind)], limit=1)
    target = xero_accounts.get(code)
    if account and target and not env["xero.account"].search_count(
            [("connection_id", "=", connection.id), ("account_ids", "in", account.id)]):
        target.account_ids = [(4, account.id)]
for use, tax_field, tax_type in (("sale", "account_sale_tax_id", "OUTPUT"), ("purchase", "account_purchase_tax_id", "INPUT")):
    tax = company[tax_field]
    rate = connection.xero_tax_rate_ids.filtered(lambda r, t=tax_type: r.tax_type == t)
    if tax and rate and not rate._tax_problem(tax) and tax not in rate.tax_ids and not env["xero.tax.rate"].search_count(
            [("connection_id", "=", connection.id), ("tax_ids", "in", tax.id)]):
        rate.tax_ids = [(4, tax.id)]
bank = env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", company.id)], limit=1)
if bank and xero_accounts.get("090") and not xero_accounts["090"].journal_id and not env["xero.account"].search_count(
        [("connection_id", "=", connection.id), ("journal_id", "=", bank.id)]):
    xero_accounts["090"].journal_id = bank
env.cr.commit()
print(f"Connected to {connection.tenant_name}; {len(partners)} partners allowed to sync; "
      f"{len(connection.xero_account_ids)} Xero accounts and {len(connection.xero_tax_rate_ids)} tax rates imported.")
