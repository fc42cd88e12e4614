# Run by scripts/benchmark.sh inside `odoo-bin shell`.
import os
import resource
import time
from urllib.parse import parse_qs, urlparse

import odoo.sql_db

from xero_sandbox.control_client import SandboxControl

n = int(os.environ["XC_BENCH_N"])
sandbox = SandboxControl(os.environ["XC_SANDBOX_URL"])
base_url = "http://localhost:8069"
env["ir.config_parameter"].set_param("web.base.url", base_url)
org = sandbox.create_org("Benchmark Ltd")
app = sandbox.create_app([f"{base_url}/xero/oauth/callback"], organisations=[org["tenant_id"]])
admin = env.ref("base.user_admin")
conn = env["xero.connection"].create({
    "company_id": env.company.id, "client_id": app["client_id"], "client_secret": app["client_secret"],
    "login_url": sandbox.url, "identity_url": sandbox.url, "api_url": sandbox.url, "web_url": sandbox.url})
location = sandbox.consent(conn.with_user(admin).action_connect()["url"])
state_code = {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}
c = env["xero.connection"].with_user(admin)._oauth_connection_for_state(state_code["state"])
c._oauth_select_tenant(c._oauth_finish(state_code["code"])[0])

partners = env["res.partner"].create([
    {"name": f"Benchmark Customer {i:05d}", "email": f"customer{i}@bench.example",
     "phone": f"+1 555 {i:04d}", "street": f"{i} Main St", "city": "Springfield", "ref": f"B{i:05d}"}
    for i in range(n)])
partners.xero_allow_sync = True
env.cr.commit()


def run(label):
    seq = sandbox.last_seq()
    queries = odoo.sql_db.sql_counter
    start = time.perf_counter()
    log = partners.with_user(admin).with_context(xero_sync_now=True).action_xero_sync()
    elapsed = time.perf_counter() - start
    calls = sandbox.requests_log(since=seq, path_prefix="/api.xro")
    writes = [r for r in calls if r["method"] in ("PUT", "POST")]
    env.cr.commit()
    print(f"{label:<16} {n} contacts: {elapsed:7.2f} s, {n / elapsed:8.1f} contacts/s, "
          f"{len(calls)} API calls ({len(writes)} writes), {odoo.sql_db.sql_counter - queries} SQL queries; "
          f"{log['params']['message']}")


# what the README tells a user connecting an organisation: Fetch & Match once (here: an empty one),
# so matching the first push is one incremental read instead of look-ups of every record's keys
if not os.environ.get("XC_BENCH_NO_MATCH"):
    from odoo.addons.xero_connector.services.engine import SyncEngine
    seq = sandbox.last_seq()
    SyncEngine(c.sudo()).fetch_and_match("contact")
    env.cr.commit()
    print(f"Fetch & Match    (empty organisation): {len(sandbox.requests_log(since=seq, path_prefix='/api.xro'))} API calls")
run("first push")
if os.environ.get("XC_BENCH_PROFILE"):  # where the time of an unchanged push goes
    import cProfile
    import pstats
    profiler = cProfile.Profile()
    profiler.runcall(run, "unchanged")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
run("unchanged")
partners[: n // 10].write({"phone": "+1 555 9999"})
run("10% changed")
assert len(sandbox.records(org["tenant_id"])) == n, "every contact is in Xero exactly once"

# Invoices: XC_BENCH_INVOICES (default N/5) posted customer invoices of 3 lines each, pushed at once.
n_inv = int(os.environ.get("XC_BENCH_INVOICES") or n // 5)
if n_inv:
    company = env.company
    if not company.chart_template:
        env["account.chart.template"].try_loading("generic_coa", company=company, install_demo=False)
    c.with_user(admin).action_import_accounting_setup()
    Account = env["account.account"].with_company(company)
    income = Account.search([*Account._check_company_domain(company), ("account_type", "=", "income")], limit=1)
    c.xero_account_ids.filtered(lambda a: a.code == "200").account_ids = [(4, income.id)]
    tax = env["account.tax"].create({"name": "Bench 15%", "amount": 15.0, "type_tax_use": "sale"})
    c.xero_tax_rate_ids.filtered(lambda r: r.tax_type == "OUTPUT").tax_ids = [(4, tax.id)]
    moves = env["account.move"].create([{
        "move_type": "out_invoice", "partner_id": partners[i % n].id, "invoice_date": "2026-11-02",
        "invoice_line_ids": [(0, 0, {"name": f"Line {j}", "quantity": j + 1, "price_unit": 10.0 + i % 97 + j / 4,
                                     "account_id": income.id, "tax_ids": [(6, 0, tax.ids)]}) for j in range(3)],
    } for i in range(n_inv)])
    moves.action_post()
    moves.xero_allow_sync = True
    if not os.environ.get("XC_BENCH_NO_MATCH"):
        SyncEngine(c.sudo()).fetch_and_match("invoice")
    env.cr.commit()
    seq = sandbox.last_seq()
    queries = odoo.sql_db.sql_counter
    start = time.perf_counter()
    result = moves.with_user(admin).with_context(xero_sync_now=True).action_xero_sync()
    elapsed = time.perf_counter() - start
    calls = sandbox.requests_log(since=seq, path_prefix="/api.xro")
    writes = [r for r in calls if r["method"] in ("PUT", "POST")]
    env.cr.commit()
    xero = {d["InvoiceID"]: d for d in sandbox.records(org["tenant_id"], "Invoices")}
    off = [m.name for m in moves if abs(xero[m.xero_id]["Total"] - m.amount_total) > 0.001]
    print(f"invoices         {n_inv} invoices: {elapsed:7.2f} s, {n_inv / elapsed:8.1f} invoices/s, "
          f"{len(calls)} API calls ({len(writes)} writes), {odoo.sql_db.sql_counter - queries} SQL queries; "
          f"{len(off)} totals differ; {result['params']['message']}")

rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"peak memory of the Odoo process: {rss_mb:.0f} MiB")
