"""The driver of scripts/chaos.sh: real odoo-bin processes against a running Xero sandbox.

Run with the project's venv python (chaos.sh does): it starts `odoo-bin shell` processes (an
interactive push inside one transaction, committed at the end, like a user's "Sync to Xero") and
`odoo-bin` servers with one cron thread (background runs of queued `xero.sync.job`s), kills them
with SIGKILL at chosen moments, perturbs the sandbox through its control API, retries, and counts
what Xero holds through ``/_sandbox/tenants/<tenant>/<Resource>``.

  duplicates in Xero: Xero records for one Odoo record (same name / number / invoice) beyond one
  lost updates:       Odoo records, or Odoo edits made before the retry, that Xero does not show
                      after it (a record never created counts too)
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import traceback

import psycopg2
import requests

from xero_sandbox.control_client import SandboxControl

API = "/api.xro/2.0/"
FINAL_JOB_STATES = ("done", "partial", "failed")

# ---------------------------------------------------------------------------- odoo-side code
# Every odoo-bin shell script starts with this; CHAOS_PARAMS carries the case's parameters.
PRELUDE = r'''
import json, os
from datetime import timedelta
from urllib.parse import parse_qs, urlparse
from odoo import fields
from xero_sandbox.control_client import SandboxControl

P = json.loads(os.environ.get("CHAOS_PARAMS") or "{}")
sandbox = SandboxControl(os.environ["XC_SANDBOX_URL"])
admin = env.ref("base.user_admin")


def result(**kw):
    print("CHAOS_RESULT " + json.dumps(kw, default=str), flush=True)


def connection():
    return env["xero.connection"].search([("company_id", "=", env.company.id)], limit=1)


def connect(conn):
    """The real OAuth flow: Connect, the user's consent in the sandbox, Odoo's callback code."""
    location = sandbox.consent(conn.with_user(admin).action_connect()["url"])
    q = {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}
    if "code" not in q:
        raise RuntimeError(f"consent refused: {q}")
    c = env["xero.connection"].with_user(admin)._oauth_connection_for_state(q["state"])
    c._oauth_select_tenant(c._oauth_finish(q["code"])[0])


def queue(entity, records):
    conn = connection()
    return env["xero.sync.job"]._queue({
        "connection_id": conn.id, "mapping_ids": [(6, 0, env["xero.mapping"]._for(conn, entity).ids)],
        "direction": "export", "trigger": "button", "res_model": records._name, "res_ids": records.ids,
        "user_id": admin.id})


def records():
    return env[P["model"]].browse(P["ids"]).exists()


def targets():
    """What a push of the case sends: the records, or the paid invoices (their payments follow)."""
    return env["account.move"].browse(P["invoice_ids"]) if P["kind"] == "payments" else records()


def push_now(recs):
    return recs.with_user(admin).with_context(xero_sync_now=True).action_xero_sync()
'''

PREPARE = r'''
base_url = "http://localhost:8069"
env["ir.config_parameter"].set_param("web.base.url", base_url)
org = sandbox.create_org("Chaos Ltd", base_currency="USD", country_code="US")
# an app registered before 2 March 2026 (may still ask for the broad scopes)
app = sandbox.create_app([f"{base_url}/xero/oauth/callback"], organisations=[org["tenant_id"]],
                         name="Chaos", created="2026-01-15")
conn = env["xero.connection"].create({
    "company_id": env.company.id, "client_id": app["client_id"], "client_secret": app["client_secret"],
    "login_url": sandbox.url, "identity_url": sandbox.url, "api_url": sandbox.url, "web_url": sandbox.url,
    "responsible_user_id": admin.id})
connect(conn)
env.cr.commit()  # the engine's write-ahead rows (own cursor) refer to the connection
company = env.company
if not company.chart_template:
    env["account.chart.template"].try_loading("generic_coa", company=company, install_demo=False)
conn.with_user(admin).action_import_accounting_setup()
Account = env["account.account"].with_company(company)
income = Account.search([*Account._check_company_domain(company), ("account_type", "=", "income")], limit=1)
expense = Account.search([*Account._check_company_domain(company), ("account_type", "=", "expense")], limit=1)
conn.xero_account_ids.filtered(lambda a: a.code == "200").account_ids = [(4, income.id)]
conn.xero_account_ids.filtered(lambda a: a.code == "300").account_ids = [(4, expense.id)]
Tax = env["account.tax"]
sale = Tax.create({"name": "Chaos Sales 15%", "amount": 15.0, "type_tax_use": "sale", "company_id": company.id})
buy = Tax.create({"name": "Chaos Purchases 15%", "amount": 15.0, "type_tax_use": "purchase",
                  "company_id": company.id})
conn.xero_tax_rate_ids.filtered(lambda r: r.tax_type == "OUTPUT").tax_ids = [(4, sale.id)]
conn.xero_tax_rate_ids.filtered(lambda r: r.tax_type == "INPUT").tax_ids = [(4, buy.id)]
bank = env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", company.id)], limit=1)
conn.xero_account_ids.filtered(lambda a: a.code == "090").journal_id = bank
customer = env["res.partner"].create({"name": "Chaos Customer Ltd", "is_company": True, "email": "ar@chaos.example"})
vendor = env["res.partner"].create({"name": "Chaos Vendor Ltd", "is_company": True, "email": "ap@chaos.example"})
(customer | vendor).xero_allow_sync = True
env.cr.commit()
push_now(customer | vendor)
env.cr.commit()
left = env["xero.push.intent"].sudo().search_count([]) if "xero.push.intent" in env else 0
result(intents_left=left, tenant_id=org["tenant_id"], customer=customer.id, vendor=vendor.id, income=income.id,
       expense=expense.id, sale_tax=sale.id, purchase_tax=buy.id, bank=bank.id)
'''

# Creates the case's records (committed), then pushes them: interactively in this transaction
# (committed at the end, unless the process is killed first), or by queueing a job for a server.
CREATE_AND_PUSH = r'''
kind, n, slug, label = P["kind"], P["n"], P["slug"], P["label"]
out = {}
if kind == "contacts":
    recs = env["res.partner"].create([{"name": f"{label} {i:03d}", "email": f"{slug}-{i}@chaos.example",
                                       "phone": f"+1 555 {i:04d}"} for i in range(n)])
    recs.xero_allow_sync = True
    entity = "contact"
else:
    S = P["setup"]
    move_type = "in_invoice" if kind == "bills" else "out_invoice"
    partner = S["vendor"] if kind == "bills" else S["customer"]
    account = S["expense"] if kind == "bills" else S["income"]
    tax = S["purchase_tax"] if kind == "bills" else S["sale_tax"]
    recs = env["account.move"].create([{
        "move_type": move_type, "partner_id": partner, "invoice_date": "2026-11-02",
        "ref": f"{slug.upper()}-{i:03d}" if kind == "bills" else False,
        "invoice_line_ids": [(0, 0, {"name": f"{label} work", "quantity": 1, "price_unit": 100.0 + i,
                                     "account_id": account, "tax_ids": [(6, 0, [tax])]})],
    } for i in range(n)])
    recs.action_post()
    recs.xero_allow_sync = True
    entity = "invoice"
    if kind == "payments":
        push_now(recs)  # the invoices are in Xero first
        env.cr.commit()
        for move in recs:
            env["account.payment.register"].with_context(active_model="account.move", active_ids=move.ids).create(
                {"amount": move.amount_total, "payment_date": "2026-11-10", "journal_id": S["bank"]})._create_payments()
        out["invoice_ids"] = recs.ids
        recs = (recs.line_ids.matched_debit_ids | recs.line_ids.matched_credit_ids)
        out["model"] = "account.partial.reconcile"
env.cr.commit()
out.setdefault("model", recs._name)
P.update(out, ids=recs.ids)
if P["mode"] == "interactive":
    result(stage="ready", **out, ids=recs.ids)
    push_now(targets())
    env.cr.commit()
    result(stage="committed")
else:
    job = queue(entity, targets())
    env.cr.commit()
    result(stage="ready", **out, ids=recs.ids, job_ids=job.ids)
    if P["mode"] == "shell-cron":  # the cron's method in this process (commits after each batch)
        env["xero.sync.job"]._cron_run_queued()
        env.cr.commit()
        result(stage="committed")
'''

# Between the crash and the retry: optionally edit, reconnect; tell whether a job is stuck.
BEFORE_RETRY = r'''
notes = []
jobs = env["xero.sync.job"].sudo().browse(P.get("job_ids", [])).exists()
stuck = jobs.filtered(lambda j: j.state == "running")
if stuck:
    notes.append(f"{len(stuck)} job(s) left 'running' by the killed process")
if P.get("edit"):
    if P["kind"] == "contacts":
        for r in records():
            r.write({"email": r.email.replace("@", ".edited@"), "phone": r.phone + " 9"})
    elif P["kind"] == "bills":
        moves = records()
        moves.button_draft()
        for m in moves:
            line = m.invoice_line_ids[:1]
            line.price_unit = line.price_unit + 10
        moves.action_post()
if P.get("reconnect"):
    conn = connection()
    notes.append(f"connection was '{conn.state}'; reconnected")
    connect(conn)
env.cr.commit()
result(notes=notes, stuck=stuck.ids)
'''

RETRY = r'''
notes = []
entity = "invoice" if P["kind"] in ("bills", "payments") else "contact"
if P["mode"] == "interactive":
    push_now(targets())
    env.cr.commit()
else:
    Job = env["xero.sync.job"].sudo()
    if not Job.search_count([("state", "in", ("queued", "waiting")), ("id", "in", P.get("job_ids", []))]):
        job = queue(entity, targets())
        notes.append("retried by a new job (nothing re-queued)")
        P.setdefault("job_ids", []).extend(job.ids)
    else:
        notes.append("the queued (or waiting) job resumed")
    env.cr.commit()
    if P["mode"] == "shell-cron":
        Job._cron_run_queued()
        env.cr.commit()
result(notes=notes, job_ids=P.get("job_ids", []))
'''

VERIFY = r'''
conn = connection()
Binding = env["xero.binding"].sudo()
rows = []
for r in records():
    b = Binding.search([("connection_id", "=", conn.id), ("res_model", "=", r._name), ("res_id", "=", r.id)], limit=1)
    row = {"id": r.id, "xero_id": b.xero_id or None, "state": b.state or None, "error": b.last_error or None}
    if P["kind"] == "contacts":
        row.update(name=r.name, email=r.email)
    elif P["kind"] == "bills":
        row.update(number=r.ref, total=r.amount_total)
    else:
        inv = r.debit_move_id.move_id if r.debit_move_id.move_id.move_type == "out_invoice" else r.credit_move_id.move_id
        ib = Binding.search([("connection_id", "=", conn.id), ("res_model", "=", "account.move"),
                             ("res_id", "=", inv.id)], limit=1)
        row.update(invoice_xero_id=ib.xero_id or None, amount=r.amount)
    rows.append(row)
intents = []
if "xero.push.intent" in env:
    intents = env["xero.push.intent"].sudo().search_read([("connection_id", "=", conn.id)], ["entity", "state", "message"])
jobs = env["xero.sync.job"].sudo().search_read([("id", "in", P.get("job_ids", []))], ["state", "message"])
logs = env["xero.sync.log"].sudo().search_read([("id", ">", P.get("log_from", 0))],
                                               ["entity", "direction", "message", "count_failed"], order="id")
last_log = env["xero.sync.log"].sudo().search([], order="id desc", limit=1).id
result(rows=rows, intents=intents, jobs=jobs, logs=logs, connection=conn.state, last_log=last_log)
'''

SCHEDULE = r'''
recs = env["res.partner"].create([{"name": f"{P['label']} {i:03d}", "email": f"{P['slug']}-{i}@chaos.example"}
                                  for i in range(P["n"])])
recs.xero_allow_sync = True
conn = connection()
schedule = env["xero.sync.schedule"].create({
    "name": "Chaos two servers", "connection_id": conn.id, "mode": "times", "times": "03:00, 15:00",
    "mapping_ids": [(6, 0, env["xero.mapping"]._for(conn, "contact").ids)], "direction": "export"})
schedule.cron_ids.write({"nextcall": fields.Datetime.now() - timedelta(minutes=1)})
env.cr.commit()
result(model="res.partner", ids=recs.ids, schedule=schedule.id, crons=schedule.cron_ids.ids)
'''


# ---------------------------------------------------------------------------- the driver
class CaseError(Exception):
    pass


class Chaos:
    def __init__(self, args):
        self.args = args
        self.sandbox = SandboxControl(os.environ["XC_SANDBOX_URL"])
        self.py = sys.executable
        self.n_proc = 0
        self.setup = None
        self.log_from = 0

    # -- processes ---------------------------------------------------------------
    def _logfile(self, what):
        self.n_proc += 1
        return open(os.path.join(self.args.work, f"{self.n_proc:02d}-{what}.log"), "w")

    def shell_start(self, script, params, what):
        env = dict(os.environ, CHAOS_PARAMS=json.dumps(params))
        log = self._logfile(what)
        proc = subprocess.Popen(
            [self.py, self.args.odoo_bin, "shell", "-d", self.args.db, f"--addons-path={self.args.addons_path}",
             "--no-http", "--log-level=warn"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=env, text=True)
        proc.stdin.write(PRELUDE + script)
        proc.stdin.close()
        proc.stdin = None  # so that communicate() does not flush it
        proc.log_name = log.name
        return proc

    @staticmethod
    def results(proc, timeout=600):
        out, _err = proc.communicate(timeout=timeout)
        with open(proc.log_name + ".out", "w") as f:
            f.write(out)
        found = [json.loads(line[len("CHAOS_RESULT "):]) for line in out.splitlines()
                 if line.startswith("CHAOS_RESULT ")]
        return found

    def shell(self, script, params, what, timeout=600):
        proc = self.shell_start(script, params, what)
        found = self.results(proc, timeout)
        if proc.returncode != 0 or not found:
            raise CaseError(f"odoo-bin shell ({what}) exited {proc.returncode}: {self._tail(proc.log_name)}")
        return found[-1]

    @staticmethod
    def _tail(path, n=6):
        with open(path) as f:
            lines = [line.rstrip() for line in f if line.strip()]
        return " | ".join(lines[-n:])[-800:]

    def server_start(self, what):
        port = self._free_port()
        log = self._logfile(what)
        proc = subprocess.Popen(
            [self.py, self.args.odoo_bin, "-d", self.args.db, f"--addons-path={self.args.addons_path}",
             f"--http-port={port}", "--http-interface=127.0.0.1", "--max-cron-threads=1", "--log-level=info"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        proc.log_name, proc.port = log.name, port
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise CaseError(f"odoo-bin server exited {proc.returncode}: {self._tail(log.name)}")
            try:
                if requests.get(f"http://127.0.0.1:{port}/web/health", timeout=2).ok:
                    return proc
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise CaseError("odoo-bin server did not start within 120 s")

    @staticmethod
    def server_stop(proc):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    @staticmethod
    def _free_port():
        import socket
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    def sql(self, query, args=()):
        with psycopg2.connect(dbname=self.args.db) as cnx, cnx.cursor() as cr:
            cr.execute(query, args)
            return cr.fetchall() if cr.description else None

    def wake_crons(self):
        with psycopg2.connect(dbname=self.args.db) as cnx, cnx.cursor() as cr:
            cr.execute("NOTIFY cron_trigger, %s", (self.args.db,))

    def wait_jobs(self, where, params, count, timeout, servers):
        """Wake the servers' cron threads until ``count`` jobs matching ``where`` are final."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for proc in servers:
                if proc.poll() is not None:
                    raise CaseError(f"odoo-bin server exited {proc.returncode}: {self._tail(proc.log_name)}")
            done = self.sql(f"SELECT count(*) FROM xero_sync_job WHERE ({where}) AND state IN %s",
                            (*params, FINAL_JOB_STATES))[0][0]
            if done >= count:
                return True
            self.wake_crons()
            time.sleep(2)
        return False

    def wait_applied(self, since, resource, proc, timeout=240, wake=False, match=None):
        """Until the sandbox's log shows a write of ``resource`` it processed (answer held or not);
        ``wake``: keep waking the server's cron thread meanwhile; ``match``: a text of its body."""
        deadline = time.monotonic() + timeout
        woken = 0
        while time.monotonic() < deadline:
            if wake and time.monotonic() - woken > 2:
                self.wake_crons()
                woken = time.monotonic()
            for entry in self.sandbox.requests_log(since=since, path_prefix=API + resource):
                if entry["method"] in ("PUT", "POST") and entry["status"] == 200 and not entry["replayed"] and (
                        not match or match in json.dumps(entry["body"])):
                    return entry
            if proc is not None and proc.poll() is not None:
                raise CaseError(f"the Odoo process ended before Xero applied a {resource} write: "
                                f"{self._tail(proc.log_name)}")
            time.sleep(0.2)
        raise CaseError(f"no {resource} write reached Xero within {timeout} s")

    # -- set-up --------------------------------------------------------------------
    def prepare(self):
        self.setup = self.shell(PREPARE, {}, "prepare")
        self.tenant = self.setup["tenant_id"]
        if self.setup["intents_left"]:
            print(f"[chaos] note: {self.setup['intents_left']} create(s) in flight left after a successful, "
                  f"committed interactive push (set-up)", file=sys.stderr)

    def params(self, case, kind, n, mode, **kw):
        return dict(kw, kind=kind, n=n, mode=mode, slug=case.replace("-", ""), label=f"Chaos {case.upper()}",
                    setup=self.setup, log_from=self.log_from)

    @staticmethod
    def match(p):
        """A text only this case's create bodies contain (faults and waits then ignore the
        replays of other cases' creates in flight); payments carry nothing of the case's own."""
        return {"contacts": p["label"] + " ", "bills": p["slug"].upper() + "-"}.get(p["kind"])

    # -- counting ---------------------------------------------------------------------
    def count(self, p, verify):
        rows = verify["rows"]
        dup = lost = 0
        if p["kind"] == "contacts":
            xero = self.sandbox.records(self.tenant, "Contacts")
            for row in rows:
                same = [c for c in xero if (c.get("Name") or "").strip().casefold() == row["name"].casefold()]
                dup += max(0, len(same) - 1)
                lost += not any((c.get("EmailAddress") or "").casefold() == (row["email"] or "").casefold()
                                for c in same)
        elif p["kind"] == "bills":
            xero = [i for i in self.sandbox.records(self.tenant, "Invoices")
                    if i.get("Type") == "ACCPAY" and i.get("Status") not in ("DELETED", "VOIDED")]
            for row in rows:
                same = [i for i in xero if i.get("InvoiceNumber") == row["number"]]
                dup += max(0, len(same) - 1)
                lost += not any(abs(float(i.get("Total") or 0) - row["total"]) < 0.005 for i in same)
        else:
            xero = [x for x in self.sandbox.records(self.tenant, "Payments") if x.get("Status") != "DELETED"]
            by_invoice = {}
            for row in rows:
                by_invoice.setdefault(row["invoice_xero_id"], []).append(row)
            for invoice_id, mine in by_invoice.items():
                theirs = [x for x in xero if (x.get("Invoice") or {}).get("InvoiceID") == invoice_id]
                dup += max(0, len(theirs) - len(mine))
                lost += max(0, len(mine) - len(theirs))
        return dup, lost

    def outcome(self, verify, notes):
        rows = verify["rows"]
        linked = sum(1 for r in rows if r["xero_id"] and r["state"] == "synced")
        parts = [f"{linked}/{len(rows)} linked in Odoo"]
        errors = sorted({(r["error"] or "").splitlines()[0][:90] for r in rows if r["error"]})
        if errors:
            parts.append("errors: " + "; ".join(errors[:2]))
        open_intents = [i for i in verify["intents"] if i["state"] == "open"]
        conflicts = [i for i in verify["intents"] if i["state"] == "conflict"]
        if open_intents or conflicts:
            parts.append(f"creates in flight: {len(open_intents)} open, {len(conflicts)} conflict")
        states = [j["state"] for j in verify["jobs"]]
        if states:
            parts.append("jobs " + "/".join(states))
        linked_logs = [l for l in verify["logs"] if l["direction"] == "export" and "link" in (l["message"] or "").lower()]
        if linked_logs:
            parts.append("log: " + (linked_logs[-1]["message"] or "")[:120])
        if verify["connection"] != "connected":
            parts.append(f"connection {verify['connection']}")
        return "; ".join(notes + parts)

    def finish(self, case, p, notes):
        verify = self.shell(VERIFY, p, f"{case}-verify")
        self.log_from = verify["last_log"]
        dup, lost = self.count(p, verify)
        return {"case": case, "records": len(verify["rows"]), "dup": dup, "lost": lost,
                "outcome": self.outcome(verify, notes), "logs": verify["logs"], "jobs": verify["jobs"]}

    # -- cases ---------------------------------------------------------------------------
    RESOURCE = {"contacts": "Contacts", "bills": "Invoices", "payments": "Payments"}

    def kill_case(self, case, kind, mode, n=5, edit=False):
        """a/b/c: kill -9 after Xero applied a create batch and before Odoo committed; restart; retry."""
        p = self.params(case, kind, n, mode, edit=edit)
        resource = self.RESOURCE[kind]
        notes = []
        match = self.match(p)
        rule = {"match": match} if match else {}
        self.sandbox.fault(method="PUT", path=API + resource, hold=300, **rule)
        seq = self.sandbox.last_seq()
        if mode == "interactive":
            proc = self.shell_start(CREATE_AND_PUSH, p, f"{case}-push")
            self.wait_applied(seq, resource, proc, match=match)
            proc.kill()  # SIGKILL: no rollback handler, no finally, no commit
            found = self.results(proc)
        else:
            found = [self.shell(CREATE_AND_PUSH, p, f"{case}-queue")]
            server = self.server_start(f"{case}-server")
            try:
                self.wait_applied(seq, resource, server, wake=True, match=match)
                server.kill()
                server.wait()
            finally:
                self.server_stop(server)
        self.sandbox.clear_faults()
        ready = next((r for r in found if r.get("stage") == "ready"), None)
        if not ready or any(r.get("stage") == "committed" for r in found):
            raise CaseError("the push was not killed between Xero's write and Odoo's commit")
        p.update({k: ready[k] for k in ("model", "ids", "invoice_ids", "job_ids") if k in ready})
        notes.append(f"kill -9 after Xero applied the {resource} create")
        before = self.shell(BEFORE_RETRY, p, f"{case}-restart")
        notes += before["notes"]
        if mode == "interactive":
            self.shell(RETRY, p, f"{case}-retry")
        else:
            retry = self.shell(RETRY, p, f"{case}-requeue")
            p["job_ids"] = retry["job_ids"]
            notes += retry["notes"]
            server = self.server_start(f"{case}-server2")
            try:
                ok = self.wait_jobs("id = ANY(%s)", (p["job_ids"],), len(p["job_ids"]), 180, [server])
                if not ok:
                    notes.append("the job did not finish within 180 s after the restart")
            finally:
                self.server_stop(server)
        return self.finish(case, p, notes)

    def two_servers(self, case="d", n=12):
        p = self.params(case, "contacts", n, "server")
        made = self.shell(SCHEDULE, p, f"{case}-schedule")
        p.update(model=made["model"], ids=made["ids"])
        self.sandbox.fault(method="PUT", path=API + "Contacts", delay=4, count=2,
                           match=self.match(p))  # the two runs overlap
        servers = []
        try:
            servers = [self.server_start(f"{case}-server{i}") for i in (1, 2)]
            self.wake_crons()
            ok = self.wait_jobs("schedule_id = %s", (made["schedule"],), len(made["crons"]), 180, servers)
        finally:
            for server in servers:
                self.server_stop(server)
        self.sandbox.clear_faults()
        p["job_ids"] = [r[0] for r in self.sql("SELECT id FROM xero_sync_job WHERE schedule_id = %s ORDER BY id",
                                               (made["schedule"],))]
        notes = [f"{len(p['job_ids'])} scheduled runs on 2 servers"] + ([] if ok else ["runs unfinished after 180 s"])
        result = self.finish(case, p, notes)
        skipped = sum("another Odoo worker" in (j["message"] or "") for j in result["jobs"])
        result["outcome"] += f"; {skipped} run(s) skipped by the advisory lock"
        return result

    def fault_case(self, case, fault=None, n=120, during=None, reconnect=False, limits=None, restore=None):
        """e/f/g: a background run (the cron's method in an odoo-bin shell) of 3 create batches with a
        fault on a write, or an action once the first write was applied; then a retry run."""
        p = self.params(case, "contacts", n, "shell-cron", reconnect=reconnect)
        notes = []
        if fault:
            self.sandbox.fault(method="PUT", path=API + "Contacts", match=self.match(p), **fault)
        if limits:
            self.sandbox.limits(**limits)
        seq = self.sandbox.last_seq()
        proc = self.shell_start(CREATE_AND_PUSH, p, f"{case}-run")
        if during:
            self.wait_applied(seq, "Contacts", proc, match=self.match(p))
            self.sandbox.call("POST", during)
            notes.append(f"{during} after write 1")
        found = self.results(proc, timeout=600)
        if proc.returncode != 0:
            notes.append(f"run exited {proc.returncode}")
        self.sandbox.clear_faults()
        ready = next((r for r in found if r.get("stage") == "ready"), None)
        if not ready:
            raise CaseError(f"the run did not start: {self._tail(proc.log_name)}")
        p.update(model=ready["model"], ids=ready["ids"], job_ids=ready["job_ids"])
        log = self.sandbox.requests_log(since=seq, path_prefix=API)
        statuses = [e["status"] if e["status"] is not None else f"drop-{e['dropped']}"
                    for e in log if e["method"] in ("PUT", "POST")]
        notes.append("writes " + ",".join(map(str, statuses)))
        jobs = self.shell(VERIFY, p, f"{case}-after-run")["jobs"]
        notes.append("run " + "/".join(j["state"] for j in jobs) + (
            f" ({(jobs[0]['message'] or '').splitlines()[-1][:100]})" if jobs and jobs[0]["state"] != "done" else ""))
        if restore:
            restore()
        before = self.shell(BEFORE_RETRY, p, f"{case}-before-retry")
        notes += before["notes"]
        retry = self.shell(RETRY, p, f"{case}-retry")
        p["job_ids"] = retry["job_ids"]
        notes += retry["notes"]
        return self.finish(case, p, notes)

    def restore_day(self):
        self.sandbox.advance(86400)  # the next Xero day ...
        self.sandbox.limits(per_day=5000)
        # ... has come for Odoo too: the jobs waiting for Xero's budget are due now
        self.sql("UPDATE xero_sync_job SET not_before = now() at time zone 'UTC' WHERE state = 'waiting'")
        self.sql("UPDATE xero_connection SET day_limit_reset_at = NULL")

    def cases(self):
        return {
            "a-int": lambda: self.kill_case("a-int", "contacts", "interactive"),
            "a-bg": lambda: self.kill_case("a-bg", "contacts", "server"),
            "b-int": lambda: self.kill_case("b-int", "contacts", "interactive", edit=True),
            "b-bg": lambda: self.kill_case("b-bg", "bills", "server", edit=True),
            "c-int": lambda: self.kill_case("c-int", "payments", "interactive", n=3),
            "c-bg": lambda: self.kill_case("c-bg", "payments", "server", n=3),
            "d": self.two_servers,
            "e-5xx": lambda: self.fault_case("e-5xx", {"skip": 1, "status": 503, "count": 4}),
            "e-drop": lambda: self.fault_case("e-drop", {"skip": 1, "drop": "after", "count": 4}),
            "e-timeout": lambda: self.fault_case("e-timeout", {"skip": 1, "hold": 65}),
            "f-expire": lambda: self.fault_case("f-expire", {"hold": 2}, during="tokens/expire"),
            "f-revoke": lambda: self.fault_case("f-revoke", {"hold": 2}, during="tokens/revoke", reconnect=True),
            "g": lambda: self.fault_case("g", limits={"per_day": 2}, restore=self.restore_day),
        }

    def run(self, names):
        started = time.monotonic()
        self.prepare()
        rows = []
        for name in names:
            t0 = time.monotonic()
            print(f"[chaos] {name} ...", file=sys.stderr, flush=True)
            try:
                self.sandbox.clear_faults()
                row = self.cases()[name]()
            except Exception as exc:  # noqa: BLE001 (a broken case is reported, the others still run)
                traceback.print_exc(file=sys.stderr)
                row = {"case": name, "records": "-", "dup": "?", "lost": "?", "outcome": f"HARNESS ERROR: {exc}"[:300]}
                self.sandbox.clear_faults()
                self.sandbox.limits(per_day=5000)
            row["seconds"] = time.monotonic() - t0
            rows.append(row)
            print(f"[chaos] {name}: {row['dup']} duplicates, {row['lost']} lost, {row['seconds']:.0f} s; "
                  f"{row['outcome']}", file=sys.stderr, flush=True)
        print_table(rows)
        print(f"\n{len(rows)} cases in {time.monotonic() - started:.0f} s; logs of every odoo-bin process in "
              f"{self.args.work}")
        bad = [r for r in rows if r["dup"] != 0 or r["lost"] != 0]
        return 1 if bad else 0


def print_table(rows):
    head = ("case", "records", "duplicates in Xero", "lost updates", "outcome")
    table = [head] + [(r["case"], str(r["records"]), str(r["dup"]), str(r["lost"]), r["outcome"]) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    print()
    for n, row in enumerate(table):
        print(" | ".join(cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(row)))
        if n == 0:
            print("-|-".join("-" * w for w in widths) + "-|-" + "-" * 7)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--odoo-bin", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("cases", nargs="*")
    args = parser.parse_args()
    chaos = Chaos(args)
    names = args.cases or list(chaos.cases())
    unknown = set(names) - set(chaos.cases())
    if unknown:
        parser.error(f"unknown cases: {', '.join(sorted(unknown))} (known: {', '.join(chaos.cases())})")
    try:
        sys.exit(chaos.run(names))
    except CaseError as exc:
        print(f"[chaos] set-up failed: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
