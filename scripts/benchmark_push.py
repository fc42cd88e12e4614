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
rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"peak memory of the Odoo process: {rss_mb:.0f} MiB")
assert len(sandbox.records(org["tenant_id"])) == n, "every contact is in Xero exactly once"
