# Run by `scripts/benchmark.sh --scale` inside `odoo-bin shell`, once per phase (XC_BENCH_PHASE),
# each phase in its own Odoo process so that its peak-memory growth is its own.  Results go to the
# JSON file XC_BENCH_OUT; the phase "report" prints them as one table.
#
# The sandbox plays Xero with Xero's limits (60 calls a minute, 5 at once, 5,000 a day) on a time
# scale: with time_scale S a Xero minute lasts 60/S real seconds.
import json
import math
import os
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import odoo.sql_db
from odoo import fields

from odoo.addons.xero_connector.services.engine import SyncEngine
from xero_sandbox.control_client import SandboxControl

PHASE = os.environ["XC_BENCH_PHASE"]
OUT = os.environ["XC_BENCH_OUT"]
N_CONTACTS = int(os.environ.get("XC_BENCH_CONTACTS", 100000))
N_INVOICES = int(os.environ.get("XC_BENCH_INVOICES", 10000))
N_IMPORT = int(os.environ.get("XC_BENCH_IMPORT", N_CONTACTS // 5))
N_UNIT = 1000  # records per "calls per 1,000 records" figure
TIME_SCALE = float(os.environ.get("XC_BENCH_TIME_SCALE", 60))  # for the background run
FAST_SCALE = 600.0  # elsewhere: the limits never bind, calls are only counted
XERO_LIMITS = {"per_minute": 60, "concurrent": 5, "per_day": 5000}
BATCH = 500

sandbox = SandboxControl(os.environ["XC_SANDBOX_URL"])
admin = env.ref("base.user_admin")
results = json.load(open(OUT)) if os.path.exists(OUT) else {}


def save():
    with open(OUT, "w") as f:
        json.dump(results, f, indent=1, default=str)


def vm_hwm_mb():
    """Peak resident memory of this process so far (VmHWM), MiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def vm_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def limits(time_scale):
    sandbox.limits(time_scale=time_scale, **XERO_LIMITS)
    # the addon paces itself on Xero's minute: at this time scale it lasts 60/S seconds
    env["ir.config_parameter"].sudo().set_param("xero_connector.rate_limit_minute_seconds", str(60.0 / time_scale))
    env.cr.commit()


class Measure:
    """Xero calls (from the sandbox's request log), 429s, SQL queries and wall time of a block."""

    def __enter__(self):
        self.seq = sandbox.last_seq()
        self.queries = odoo.sql_db.sql_counter
        self.cpu = os.times()
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.elapsed = time.perf_counter() - self.start
        now = os.times()
        self.cpu_s = (now.user - self.cpu.user) + (now.system - self.cpu.system)
        self.sql = odoo.sql_db.sql_counter - self.queries
        self.hwm = vm_hwm_mb()  # before reading the log, which this process then holds
        log = sandbox.requests_log(since=self.seq, path_prefix="/api.xro")
        self.calls = sum(1 for r in log if r["status"] != 429)
        self.throttled = sum(1 for r in log if r["status"] == 429)
        self.writes = sum(1 for r in log if r["method"] in ("PUT", "POST") and r["status"] != 429)
        self.reads = self.calls - self.writes
        del log
        return False

    def figures(self, **more):
        return dict(calls=self.calls, writes=self.writes, reads=self.reads, throttled=self.throttled,
                    sql=self.sql, seconds=round(self.elapsed, 2), cpu_seconds=round(self.cpu_s, 2), **more)


def connection():
    return env["xero.connection"].search([("company_id", "=", env.company.id)], limit=1)


def engine(commit=True):
    return SyncEngine(connection(), trigger="manual", commit=commit)


def fetch_and_match(entity):
    """What the README tells a user to do once per entity before the first push."""
    eng = engine()
    if not hasattr(eng, "fetch_and_match"):
        return None
    with Measure() as m:
        eng.fetch_and_match(entity)
    env.cr.commit()
    return m.figures()


def failures(logs):
    return sum(logs.mapped("count_failed")) + sum(logs.mapped("count_ambiguous"))


def sql_partners(count, prefix, start=0):
    """``count`` partners created in one INSERT (the ORM would take minutes for 100,000)."""
    company = env.company
    env.cr.execute("""
        INSERT INTO res_partner (name, complete_name, email, phone, street, city, ref, active, type,
                                 is_company, lang, create_uid, write_uid, create_date, write_date,
                                 autopost_bills)
        SELECT %(p)s || ' ' || lpad(i::text, 6, '0'), %(p)s || ' ' || lpad(i::text, 6, '0'),
               lower(%(p)s) || i || '@bench.example', '+1 555 ' || lpad((i %% 10000)::text, 4, '0'),
               i || ' Main St', 'Springfield', left(%(p)s, 2) || i, true, 'contact', true, 'en_US',
               %(uid)s, %(uid)s, now() at time zone 'UTC', now() at time zone 'UTC', 'ask'
          FROM generate_series(%(a)s, %(b)s) AS i
        RETURNING id
    """, {"p": prefix, "uid": env.uid, "a": start, "b": start + count - 1})
    ids = [r[0] for r in env.cr.fetchall()]
    env.cr.execute("UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)", (ids,))
    env.invalidate_all()
    del company
    return env["res.partner"].browse(ids)


# ---------------------------------------------------------------------------------------- phases
def phase_setup():
    """Connect the company to a fresh sandbox organisation (the real OAuth2 flow), accounting set-up."""
    base_url = "http://localhost:8069"
    env["ir.config_parameter"].set_param("web.base.url", base_url)
    org = sandbox.create_org("Benchmark Ltd")
    # XC_BENCH_APP_CREATED=2026-01-01: an app registered before Xero's granular scopes (older addons)
    created = {"created": os.environ["XC_BENCH_APP_CREATED"]} if os.environ.get("XC_BENCH_APP_CREATED") else {}
    app = sandbox.create_app([f"{base_url}/xero/oauth/callback"], organisations=[org["tenant_id"]], **created)
    conn = env["xero.connection"].create({
        "company_id": env.company.id, "client_id": app["client_id"], "client_secret": app["client_secret"],
        "login_url": sandbox.url, "identity_url": sandbox.url, "api_url": sandbox.url, "web_url": sandbox.url})
    location = sandbox.consent(conn.with_user(admin).action_connect()["url"])
    state_code = {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}
    c = env["xero.connection"].with_user(admin)._oauth_connection_for_state(state_code["state"])
    c._oauth_select_tenant(c._oauth_finish(state_code["code"])[0])
    limits(FAST_SCALE)
    company = env.company
    if not company.chart_template:
        env["account.chart.template"].try_loading("generic_coa", company=company, install_demo=False)
    c.with_user(admin).action_import_accounting_setup()
    Account = env["account.account"].with_company(company)
    income = Account.search([*Account._check_company_domain(company), ("account_type", "=", "income")], limit=1)
    c.xero_account_ids.filtered(lambda a: a.code == "200").account_ids = [(4, income.id)]
    tax = env["account.tax"].create({"name": "Bench 15%", "amount": 15.0, "type_tax_use": "sale"})
    c.xero_tax_rate_ids.filtered(lambda r: r.tax_type == "OUTPUT").tax_ids = [(4, tax.id)]
    results["setup"] = {"tenant_id": org["tenant_id"], "income": income.id, "tax": tax.id}
    env.cr.commit()
    save()


def make_invoices(count, partners, products, tag):
    """Posted three-line customer invoices, created and posted in batches."""
    income = env["account.account"].browse(results["setup"]["income"])
    tax = env["account.tax"].browse(results["setup"]["tax"])
    moves = env["account.move"]
    for start in range(0, count, BATCH):
        batch = env["account.move"].with_context(tracking_disable=True).create([{
            "move_type": "out_invoice", "partner_id": partners[i % len(partners)].id,
            "invoice_date": "2026-11-02", "ref": f"{tag}-{i}",
            "invoice_line_ids": [(0, 0, {
                "name": f"Line {j}", "quantity": j + 1, "price_unit": 10.0 + i % 97 + j / 4,
                "product_id": products[(i + j) % len(products)].id if products else False,
                "account_id": income.id, "tax_ids": [(6, 0, tax.ids)]}) for j in range(3)],
        } for i in range(start, min(count, start + BATCH))])
        batch.action_post()
        env.cr.commit()
        moves |= batch
    return moves


def three_pushes(entity, records, change):
    """First push, unchanged re-push, 10 % changed: figures per 1,000 records."""
    out = {"fetch_and_match": fetch_and_match(entity)}
    for label in ("first", "unchanged", "changed"):
        if label == "changed":
            change(records[: len(records) // 10])
            env.cr.commit()
        with Measure() as m:
            log = engine().push(entity, records)
        env.cr.commit()
        out[label] = m.figures(failed=failures(log), per_1000=round(m.calls * N_UNIT / len(records), 1))
        print(f"  {entity:8} {label:9} {len(records)}: {out[label]}", flush=True)
    return out


def phase_per_1000():
    partners = env["res.partner"].create([
        {"name": f"Unit Customer {i:05d}", "email": f"unit{i}@bench.example", "phone": f"+1 555 {i:04d}",
         "street": f"{i} Main St", "city": "Springfield", "ref": f"U{i:05d}"} for i in range(N_UNIT)])
    products = env["product.product"].create([
        {"name": f"Unit Product {i:05d}", "default_code": f"UP{i:05d}", "list_price": 5 + i % 50,
         "standard_price": 2 + i % 20, "type": "consu"} for i in range(N_UNIT)])
    env.cr.commit()
    results["per_1000"] = {
        "contact": three_pushes("contact", partners, lambda p: p.write({"phone": "+1 555 9999"})),
        "product": three_pushes("product", products, lambda p: p.write({"list_price": 99.5})),
    }
    save()
    start = time.perf_counter()
    moves = make_invoices(N_UNIT, partners, env["product.product"], "U")
    print(f"  {len(moves)} posted invoices made in {time.perf_counter() - start:.0f} s", flush=True)

    def change(some):  # what a user does to a posted invoice: reset to draft, edit, post again
        some.button_draft()
        for move in some:
            line = move.invoice_line_ids[:1]
            line.price_unit = line.price_unit + 1
        some.action_post()

    results["per_1000"]["invoice"] = three_pushes("invoice", moves, change)
    save()


def phase_background():
    """10,000 posted invoices (2,000 contacts, 100 products) pushed by a queued sync job, run by
    its cron method in commit mode as a scheduled sync is."""
    n_partners, n_products = max(1, N_INVOICES // 5), max(1, N_INVOICES // 100)
    partners = env["res.partner"].create([
        {"name": f"Scale Customer {i:05d}", "email": f"scale{i}@bench.example", "ref": f"S{i:05d}"}
        for i in range(n_partners)])
    products = env["product.product"].create([
        {"name": f"Scale Product {i:04d}", "default_code": f"SP{i:04d}", "list_price": 10 + i,
         "type": "consu"} for i in range(n_products)])
    start = time.perf_counter()
    moves = make_invoices(N_INVOICES, partners, products, "S")
    partners.xero_allow_sync = True
    products.xero_allow_sync = True
    moves.xero_allow_sync = True
    env.cr.commit()
    made = time.perf_counter() - start
    print(f"  {len(moves)} posted invoices made in {made:.0f} s", flush=True)
    conn = connection()
    Mapping = env["xero.mapping"]
    mappings = Mapping.browse()
    for entity in ("contact", "product", "invoice"):
        mapping = Mapping._for(conn, entity)
        if mapping.select_mode != "ticked":
            mapping.select_mode = "ticked"
        mappings |= mapping
    job = env["xero.sync.job"].sudo().create({
        "connection_id": conn.id, "mapping_ids": [(6, 0, mappings.ids)], "direction": "export",
        "window": "last", "trigger": "cron", "user_id": admin.id})
    env.cr.commit()
    limits(TIME_SCALE)
    with Measure() as m:
        env["xero.sync.job"]._cron_run_queued()
    env.cr.commit()
    limits(FAST_SCALE)
    job.invalidate_recordset()
    xero_minutes = m.elapsed * TIME_SCALE / 60
    tenant = results["setup"]["tenant_id"]
    in_xero = {d["InvoiceID"]: d for d in sandbox.records(tenant, "Invoices")}
    off = sum(1 for mv in moves if not mv.xero_id or abs(in_xero[mv.xero_id]["Total"] - mv.amount_total) > 0.001)
    results["background"] = m.figures(
        invoices=len(moves), contacts=len(partners), products=len(products), state=job.state,
        failed=failures(job.log_ids), not_in_xero_or_total_differs=off, time_scale=TIME_SCALE,
        xero_minutes=round(xero_minutes, 2),
        calls_per_xero_minute=round(m.calls / xero_minutes, 1) if xero_minutes else None,
        invoices_made_seconds=round(made))
    print(f"  background: {results['background']}", flush=True)
    save()


def phase_push_big():
    """Peak memory growth of this process pushing N_CONTACTS new contacts; leaves an organisation
    holding them all, synced (what the next phase works on)."""
    partners = sql_partners(N_CONTACTS, "Org Contact")
    env.cr.commit()
    env.invalidate_all()
    # as the README tells users (and per_1000 did when it ran first): without it, a connection's
    # first push looks up its records' keys (about 1 GET per 20 contacts), not what this measures
    if not env["xero.remote.index"].sudo()._of(connection(), "contact").complete:
        fetch_and_match("contact")
    base_rss, base_hwm = vm_rss_mb(), vm_hwm_mb()
    with Measure() as m:
        log = engine().push("contact", partners)
    env.cr.commit()
    results["push_big"] = m.figures(contacts=len(partners), failed=failures(log), rss_before=round(base_rss),
                                    hwm_before=round(base_hwm), hwm_after=round(m.hwm),
                                    growth_mb=round(m.hwm - base_hwm))
    print(f"  push {len(partners)}: {results['push_big']}", flush=True)
    results["org"] = {"first_id": partners[:1].id, "last_id": partners[-1:].id}
    save()


def phase_org():
    """An organisation holding N_CONTACTS synced contacts: 10 edited + 10 new partners pushed, then
    10 contacts changed in Xero imported."""
    out = {"fetch_and_match": fetch_and_match("contact")}
    Partner = env["res.partner"]
    held = Partner.search([("id", ">=", results["org"]["first_id"]), ("id", "<=", results["org"]["last_id"])],
                          order="id")
    edited = held[:: max(1, len(held) // 10)][:10]
    edited.write({"phone": "+1 555 4242"})
    new = Partner.create([{"name": f"Newcomer {i}", "email": f"new{i}@bench.example"} for i in range(10)])
    env.cr.commit()
    with Measure() as m:
        log = engine().push("contact", edited | new)
    env.cr.commit()
    out["push_20"] = m.figures(failed=failures(log), created=log.count_created, updated=log.count_updated)
    print(f"  10 edited + 10 new: {out['push_20']}", flush=True)
    # Xero -> Odoo: the changes since the last import (the cursor set as an earlier import leaves it)
    mapping = env["xero.mapping"]._for(connection(), "contact")
    mapping.last_import_date = fields.Datetime.now() - timedelta(seconds=1)
    env.cr.commit()
    time.sleep(1.5)
    tenant = results["setup"]["tenant_id"]
    changed_ids = [b.xero_id for b in env["xero.binding"].search(
        [("res_model", "=", "res.partner"), ("res_id", "in", held[5::max(1, len(held) // 10)][:10].ids)])]
    in_xero = {c["ContactID"]: c for c in sandbox.records(tenant, "Contacts") if c["ContactID"] in set(changed_ids)}
    sandbox.seed(tenant, "Contacts", [dict(c, UpdatedDateUTC=None, EmailAddress=f"changed{i}@xero.example")
                                      for i, c in enumerate(in_xero.values())])
    with Measure() as m:
        log = engine().pull("contact", mapping)
    env.cr.commit()
    got = Partner.search_count([("email", "like", "@xero.example"), ("id", "in", held.ids)])
    out["import_10"] = m.figures(changed_in_xero=len(in_xero), applied=got, failed=failures(log))
    print(f"  import 10 changed in Xero: {out['import_10']}", flush=True)
    results["org"].update(out)
    save()


def phase_import_big():
    """Peak memory growth of this process importing N_IMPORT contacts new in Xero."""
    tenant = results["setup"]["tenant_id"]
    for start in range(0, N_IMPORT, 10000):
        sandbox.bulk_seed(tenant, "Contacts", template={
            "Name": "Xero Only {i:06d}", "EmailAddress": "xo{i}@xero.example", "IsCustomer": True,
            "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": "555 {i}"}],
            "Addresses": [{"AddressType": "STREET", "AddressLine1": "{i} Xero Road", "City": "Wellington"}]},
            count=min(10000, N_IMPORT - start), start=start)
    mapping = env["xero.mapping"]._for(connection(), "contact")
    env.invalidate_all()
    base_hwm = vm_hwm_mb()
    with Measure() as m:
        log = engine().pull("contact", mapping)
    env.cr.commit()
    results["import_big"] = m.figures(contacts=N_IMPORT, created=log.count_created, failed=failures(log),
                                      hwm_before=round(base_hwm), hwm_after=round(m.hwm),
                                      growth_mb=round(m.hwm - base_hwm))
    print(f"  import {N_IMPORT}: {results['import_big']}", flush=True)
    save()


def phase_report():
    r = results
    rows = []

    def row(what, value, goal="", ok=None):
        mark = "" if ok is None else ("ok" if ok else "MISSED")
        rows.append((what, value, goal, mark))

    def fm(figures):
        return f", Fetch & Match {figures['calls']} calls" if figures else ", no Fetch & Match"

    for entity, label in (("contact", "contacts"), ("product", "items"), ("invoice", "posted invoices")):
        f = r.get("per_1000", {}).get(entity)
        if not f:
            continue
        first, unchanged, changed = f["first"], f["unchanged"], f["changed"]
        row(f"{label}: first push, calls per 1,000{fm(f['fetch_and_match'])}",
            f"{first['per_1000']:g} ({first['writes']} writes, {first['sql']} SQL, {first['seconds']} s)",
            "<= 21", first["per_1000"] <= 21 and not first["failed"])
        row(f"{label}: unchanged re-push, calls per 1,000",
            f"{unchanged['per_1000']:g} ({unchanged['sql']} SQL, {unchanged['seconds']} s)", "0",
            unchanged["per_1000"] == 0)
        row(f"{label}: 10 % changed, calls per 1,000",
            f"{changed['per_1000']:g} ({changed['writes']} writes, {changed['sql']} SQL, {changed['seconds']} s)",
            "<= 21", changed["per_1000"] <= 21 and not changed["failed"])
    b = r.get("background")
    if b:
        ratio = b["calls_per_xero_minute"] / 60 if b["calls_per_xero_minute"] else 0
        head = f"{b['invoices']:,} posted invoices ({b['contacts']:,} contacts, {b['products']} products), " \
               f"background job, time scale {b['time_scale']:g}"
        row(head + ": API calls", f"{b['calls']} ({b['writes']} writes, {b['sql']:,} SQL)")
        row(" … 429s received", b["throttled"])
        row(" … Xero-minutes taken", f"{b['xero_minutes']:.1f} ({b['seconds']:.0f} s real, "
                                      f"Odoo CPU {b['cpu_seconds']:.0f} s)")
        row(" … achieved calls/min ÷ 60", f"{ratio:.2f}", ">= 0.9", ratio >= 0.9)
        row(" … failures (job " + b["state"] + ")", f"{b['failed']} (+{b['not_in_xero_or_total_differs']} "
            "missing/total off)", "0", b["failed"] == 0 and b["not_in_xero_or_total_differs"] == 0)
    o = r.get("org", {})
    if o.get("push_20"):
        n = r["push_big"]["contacts"]
        f, p, i = o["fetch_and_match"], o["push_20"], o["import_10"]
        if f:
            row(f"org of {n:,} synced contacts: Fetch & Match (once, set-up)",
                f"{f['calls']} calls, {f['seconds']} s")
        row(f"org of {n:,}: 10 edited + 10 new partners pushed: API calls", f"{p['calls']} "
            f"({p['reads']} reads, {p['writes']} writes; {p['created']} created, {p['updated']} updated)",
            "<= 3", p["calls"] <= 3 and not p["failed"])
        row(" … local time", f"{p['seconds']:.2f} s ({p['sql']} SQL)", "< 2 s", p["seconds"] < 2)
        row(f"org of {n:,}: import of 10 contacts changed in Xero: API calls",
            f"{i['calls']} ({i['applied']} applied, {i['sql']} SQL, {i['seconds']} s)", "<= 3",
            i["calls"] <= 3 and i["applied"] == 10)
    pb, ib = r.get("push_big"), r.get("import_big")
    if pb:
        row(f"peak RSS growth pushing {pb['contacts']:,} contacts",
            f"{pb['growth_mb']} MB ({pb['calls']} calls, {pb['seconds']:.0f} s, {pb['sql']:,} SQL, "
            f"{pb['failed']} failed)", "< 300 MB", pb["growth_mb"] < 300)
    if ib:
        row(f"peak RSS growth importing {ib['contacts']:,} contacts",
            f"{ib['growth_mb']} MB ({ib['calls']} calls, {ib['seconds']:.0f} s, {ib['sql']:,} SQL, "
            f"{ib['created']} created)", "< 300 MB", ib["growth_mb"] < 300)
    widths = [max(len(str(x[k])) for x in rows + [("measure", "result", "goal", "")]) for k in range(4)]
    line = "+".join("-" * (w + 2) for w in widths)
    print(line)
    for values in [("measure", "result", "goal", "")] + rows:
        print(" | ".join(str(v).ljust(w) for v, w in zip(values, widths)))
        if values[0] == "measure":
            print(line)
    print(line)


{"setup": phase_setup, "per_1000": phase_per_1000, "background": phase_background, "push_big": phase_push_big,
 "org": phase_org, "import_big": phase_import_big, "report": phase_report}[PHASE]()
env.cr.commit()
