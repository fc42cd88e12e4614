"""Sync runs in the background, through Odoo's own cron machinery.

A ``xero.sync.job`` says what to run (entities, direction, window, preview, or
given records); it is queued in the user's transaction and run by the
"Xero: run queued syncs" cron, which is triggered on commit (so nothing runs
inside the user's transaction), reports its progress, commits after each
step, and takes a PostgreSQL advisory lock per connection and entity so that
several Odoo servers sharing the database never run the same sync twice at
once: a second runner skips and says so.

Xero's rate limits: every request holds one of the organisation's 5 concurrency slots
(advisory locks shared by all workers, see ``xero.connection._client``) and waits out a
spent minute window after committing.  A limit that cannot be waited out (Xero's day budget,
or a minute budget taken by other workers) pauses the job: what was done stays committed, the
job waits (state ``waiting``, ``not_before`` = when Xero's budget comes back, said on the job
and the connection), the cron is triggered for then, and the job resumes at the step it was in.

``xero.sync.schedule`` rows own ``ir.cron`` records (no home-made scheduler).
"""

import logging
import zlib
from datetime import datetime, time, timedelta

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_datetime

from ..services import xero_client as xc
from ..services.engine import SyncEngine
from ..services.mappers import MAPPERS

_logger = logging.getLogger(__name__)

JOB_DIRECTIONS = [("export", "Odoo → Xero"), ("import", "Xero → Odoo"), ("both", "Both ways")]
WINDOWS = [("last", "Since the last sync"), ("days", "Modified in the last N days"), ("range", "Date range")]
# the order entities run in: what others refer to first
ENTITY_ORDER = ["contact_group", "contact", "product", "invoice", "credit_note", "receipt", "purchase_order",
                "payment", "overpayment", "allocation", "manual_journal"]
BACKGROUND_THRESHOLD = 20  # "Sync to Xero" on more records than this runs in the background


#: namespace of the session advisory locks held by a job's runner (any int4)
JOB_LOCK_NS = 0x584A4F42  # "XJOB"


def _lock_key(connection_id, entity):
    return zlib.crc32(f"xero_connector:{connection_id}:{entity}".encode()) - 2 ** 31


class XeroSyncJob(models.Model):
    _name = "xero.sync.job"
    _description = "Xero Sync Job"
    _order = "id desc"

    name = fields.Char(compute="_compute_name", store=True)
    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True)
    user_id = fields.Many2one("res.users", default=lambda self: self.env.user, required=True)
    mapping_ids = fields.Many2many("xero.mapping", string="Entities")
    direction = fields.Selection(JOB_DIRECTIONS, required=True, default="both")
    window = fields.Selection(WINDOWS, required=True, default="last")
    date_from = fields.Datetime("From")
    date_to = fields.Datetime("To")
    preview = fields.Boolean("Preview Only")
    res_model = fields.Char("Records of")
    res_ids = fields.Json("Record IDs")
    trigger = fields.Selection([("manual", "Manual run"), ("button", "Sync button"), ("cron", "Schedule"),
                                ("auto", "Automatic push")], default="manual", required=True)
    schedule_id = fields.Many2one("xero.sync.schedule", ondelete="set null")
    state = fields.Selection([("queued", "Queued"), ("waiting", "Waiting for Xero's budget"),
                              ("running", "Running"), ("done", "Done"),
                              ("partial", "Done with errors"), ("failed", "Failed")],
                             default="queued", required=True, index=True)
    not_before = fields.Datetime(
        "Resumes At", index=True, copy=False,
        help="When Xero's rate limit budget comes back: the queued-syncs cron runs the job from then on.")
    wait_problem = fields.Selection([("day", "Day limit"), ("minute", "Minute limit"),
                                     ("concurrent", "Concurrent calls"), ("appminute", "App minute limit")],
                                    "Waiting For", copy=False)
    step_notes = fields.Json(copy=False)  # {"notes": [...], "problems": [...]} of the steps run before a pause
    steps_done = fields.Integer()
    steps_total = fields.Integer()
    log_ids = fields.One2many("xero.sync.log", "job_id", string="Runs")
    message = fields.Text("Summary")
    date_start = fields.Datetime()
    date_end = fields.Datetime()

    @api.depends("connection_id", "direction", "create_date")
    def _compute_name(self):
        directions = dict(self._fields["direction"]._description_selection(self.env))
        for job in self:
            job.name = _("Xero sync %(direction)s #%(id)s", direction=directions.get(job.direction, ""),
                         id=job.id or "")

    # ------------------------------------------------------------------ queueing
    @api.model
    def _queue(self, values, at=None):
        """Create a job and trigger the queued-syncs cron (at once after commit, or ``at``)."""
        job = self.sudo().create(values)
        self.env.ref("xero_connector.ir_cron_xero_sync_jobs").sudo()._trigger(at=at)
        return job

    @api.model
    def _cron_run_queued(self, limit=10):
        """Run queued jobs, waiting ones whose time has come, and running ones whose runner died
        (an Odoo process killed mid-run: its session lock on the job is gone), one at a time; each
        job is taken with SKIP LOCKED and held by a session lock while it runs."""
        done = 0
        for _i in range(limit):
            job = self._take_next()
            if not job:
                break
            try:
                resumed = job.state == "running"
                if resumed:
                    _logger.warning("Xero sync job %s: its runner died; resuming it", job.id)
                job.state = "running"
                job._run()
                if resumed:
                    job.message = "\n".join(filter(None, [
                        _("Resumed: the Odoo process running this sync stopped before it finished (what it "
                          "had done is kept; nothing is sent twice)."), job.message]))
                done += 1
                remaining = self.search_count([("state", "in", ("queued", "waiting"))])
                self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
                if self._commits():
                    self.env.cr.commit()
            finally:
                self.env.cr.execute("SELECT pg_advisory_unlock(%s, %s)", (JOB_LOCK_NS, job.id))
        return done

    def _take_next(self):
        """The next job to run, locked (row lock and session lock), or an empty recordset."""
        self.flush_model(["state", "not_before"])
        self.env.cr.execute("""
            SELECT id FROM xero_sync_job
             WHERE (state IN ('queued', 'waiting') AND (not_before IS NULL OR not_before <= %s))
                OR state = 'running'
             ORDER BY id LIMIT 50 FOR UPDATE SKIP LOCKED
        """, [fields.Datetime.now()])
        for (job_id,) in self.env.cr.fetchall():
            self.env.cr.execute("SELECT pg_try_advisory_lock(%s, %s)", (JOB_LOCK_NS, job_id))
            if self.env.cr.fetchone()[0]:
                return self.browse(job_id)
        return self.browse()

    def _commits(self):
        return not getattr(threading_current(), "testing", False)

    # ------------------------------------------------------------------ running
    def _steps(self):
        """[(entity, direction)] in dependency order."""
        self.ensure_one()
        entities = sorted(self.mapping_ids.mapped("entity"), key=lambda e: ENTITY_ORDER.index(e)
                          if e in ENTITY_ORDER else 99)
        if self.res_model and self.res_ids:
            entities = entities or [self.env[self.res_model]._xero_entity]
        directions = ["export", "import"] if self.direction == "both" else [self.direction]
        # imported, contact groups come after contacts: the members they read back are linked by then
        imports = sorted(entities, key=lambda e: e == "contact_group" and "contact" in entities)
        return [(entity, direction) for direction in directions
                for entity in (imports if direction == "import" else entities)
                if direction == "export" or MAPPERS[entity].entity not in ("Allocations",)]

    def _run(self):
        """Run the steps (a job resumed after a pause starts at the step it was in)."""
        self.ensure_one()
        connection = self.connection_id
        steps = self._steps()
        if not self.date_start:
            self.write({"steps_total": len(steps), "steps_done": 0, "date_start": fields.Datetime.now()})
        saved = self.step_notes or {}
        problems, notes = list(saved.get("problems", [])), list(saved.get("notes", []))
        reset_at = connection._xero_day_limit_until()
        if reset_at:  # Xero's day budget is known to be spent: wait without asking Xero again
            return self._wait_for_budget("day", reset_at, connection._xero_day_limit_message())
        for index, (entity, direction) in enumerate(steps):
            if index < self.steps_done:
                continue
            try:
                note = self._run_step(connection, entity, direction)
                if isinstance(note, str):
                    notes.append(note)
            except xc.XeroRateLimitError as exc:
                self.step_notes = {"problems": problems, "notes": notes}
                return self._wait_for_budget(exc.problem, _utc(exc.reset_at), exc.message)
            except xc.XeroError as exc:
                problems.append(_("%(entity)s: %(error)s", entity=entity, error=exc.message))
                if isinstance(exc, (xc.XeroAuthError, xc.XeroForbiddenError)):
                    break
            except UserError as exc:
                problems.append(str(exc))
            self.steps_done += 1
            if self._commits():
                self.env.cr.commit()
        # a step run again after a pause: its latest run decides (the interrupted one stays listed)
        latest = {}
        for log in self.log_ids.sorted("id"):
            latest[(log.entity, log.direction)] = log
        logs = self.env["xero.sync.log"].union(*latest.values()) if latest else self.log_ids
        failed = sum(logs.mapped("count_failed")) + sum(logs.mapped("count_ambiguous"))
        state = "failed" if problems and not logs else "partial" if problems or failed else "done"
        summary = "\n".join([log.name + ": " + (log.message or "") for log in logs.sorted("id")] + notes + problems)
        self.write({"state": state, "message": summary or _("Nothing to do."),
                    "date_end": fields.Datetime.now(), "not_before": False, "wait_problem": False,
                    "step_notes": False})
        self._notify_end()
        return state

    def _wait_for_budget(self, problem, reset_at, reason):
        """Pause: Xero's ``problem`` budget comes back at ``reset_at`` (naive UTC); resume then."""
        self.ensure_one()
        if problem == "day":
            self.connection_id.sudo()._xero_note_day_limit(reset_at)
        when = self._when_words(reset_at)
        self.write({
            "state": "waiting", "not_before": reset_at, "wait_problem": problem if problem in dict(
                self._fields["wait_problem"].selection) else False,
            "message": _("Paused: %(reason)s What was done is saved; the rest (from step %(step)s of %(total)s) "
                         "runs automatically %(when)s.", reason=reason, step=self.steps_done + 1,
                         total=self.steps_total, when=when),
        })
        self.env.ref("xero_connector.ir_cron_xero_sync_jobs").sudo()._trigger(at=reset_at)
        if self.user_id and self.trigger in ("manual", "button", "auto"):
            self.env["bus.bus"]._sendone(self.user_id.partner_id, "simple_notification", {
                "type": "warning", "title": _("Xero sync paused"), "message": self.message, "sticky": False})
        if self._commits():
            self.env.cr.commit()
        return "waiting"

    def _when_words(self, at):
        return _when_words(self.env, at, self.user_id.tz or self.company_id.partner_id.tz)

    def _run_step(self, connection, entity, direction):
        """One entity one way, under the (connection, entity) advisory lock."""
        key = _lock_key(connection.id, entity)
        Log = self.env["xero.sync.log"]
        before = Log.search([], order="id desc", limit=1).id or 0
        self.env.cr.execute("SELECT pg_try_advisory_lock(%s)", (key,))
        if not self.env.cr.fetchone()[0]:
            message = _("%(entity)s %(direction)s skipped: another Odoo worker is syncing it right now.",
                        entity=dict(self.env["xero.sync.log"]._fields["entity"]._description_selection(self.env)).get(
                            entity, entity),
                        direction=dict(self._fields["direction"]._description_selection(self.env))[direction])
            _logger.info(message)
            return message
        try:
            engine = SyncEngine(connection, trigger=self._log_trigger(), commit=self._commits())
            mapping = self.env["xero.mapping"]._for(connection, entity)
            if direction == "export":
                records = self._records_to_push(mapping)
                if not records:
                    return None
                log = engine.push(entity, records, preview=self.preview)
            else:
                if MAPPERS[entity].entity in ("Allocations",):
                    return None
                since, until = self._window()
                log = engine.pull(entity, mapping, since=since, until=until, preview=self.preview)
            return log
        finally:
            # this step's runs (its dependencies' too), also when it stopped on a rate limit
            Log.search([("id", ">", before), ("job_id", "=", False),
                        ("connection_id", "=", connection.id)]).write({"job_id": self.id})
            self.env.cr.execute("SELECT pg_advisory_unlock(%s)", (key,))

    def _log_trigger(self):
        return {"auto": "button", "button": "button"}.get(self.trigger, self.trigger)

    def _window(self):
        if self.window == "days" and self.date_from:
            return self.date_from, None
        if self.window == "range":
            return self.date_from, self.date_to
        return None, None

    def _records_to_push(self, mapping):
        Model = self.env[mapping.model_name]
        if self.res_model == mapping.model_name and self.res_ids:
            records = Model.browse(self.res_ids).exists()
            return records._xero_ticked(self.connection_id) | mapping._selected_records(records).with_env(self.env)
        records = mapping._selected_records()
        since, until = self._window()
        if since or until:
            domain = [("id", "in", records.ids)]
            if since:
                domain.append(("write_date", ">=", since))
            if until:
                domain.append(("write_date", "<=", until))
            return Model.with_context(active_test=False).search(domain)
        if self.window == "last":
            # since the last sync: what changed, never went, or failed
            Binding = self.env["xero.binding"].sudo()
            done = Binding.search([("connection_id", "=", self.connection_id.id), ("res_model", "=", Model._name),
                                   ("res_id", "in", records.ids), ("state", "=", "synced"),
                                   ("need_sync", "=", False)])
            synced = set(done.mapped("res_id"))
            return records.filtered(lambda r: r.id not in synced)
        return records

    # ------------------------------------------------------------------ telling people
    def _notify_end(self):
        self.ensure_one()
        failed = self.state in ("partial", "failed")
        if self.trigger in ("manual", "button") or self.user_id:
            self.env["bus.bus"]._sendone(self.user_id.partner_id, "simple_notification", {
                "type": "danger" if failed else "success",
                "title": _("Xero sync finished") if not failed else _("Xero sync finished with problems"),
                "message": (self.message or "")[:500],
                "sticky": failed,
            })
        schedule = self.schedule_id
        notify = schedule.notify if schedule else ("failures" if failed else "never")
        if failed or notify == "always":
            self.connection_id._notify_sync_result(self, email=schedule.notify_email if schedule else False,
                                                   send=notify == "always" or failed)

    def action_open_logs(self):
        self.ensure_one()
        return {"type": "ir.actions.act_window", "res_model": "xero.sync.log", "name": self.name,
                "view_mode": "list,form", "domain": [("job_id", "=", self.id)]}


def threading_current():
    import threading
    return threading.current_thread()


def _when_words(env, at, tz=None):
    """``at 24 Nov 2026, 00:00:05 (Europe/Brussels), in 5 h 3 min`` for a naive UTC datetime."""
    tz = tz or env.user.tz or "UTC"
    seconds = (at - fields.Datetime.now()).total_seconds()
    return env._("at %(at)s (%(tz)s), in %(delay)s", at=format_datetime(env, at, tz=tz), tz=tz,
             delay=xc._wait_words(max(0, seconds), env._))


def _utc(timestamp):
    """POSIX time -> naive UTC datetime (as Odoo stores them), rounded up to the second."""
    return datetime.utcfromtimestamp(int(timestamp) + 1)


class XeroSyncLogJob(models.Model):
    _inherit = "xero.sync.log"

    job_id = fields.Many2one("xero.sync.job", ondelete="set null", index=True)

    @api.autovacuum
    def _gc_old_logs(self):
        """Old runs go after the configured number of days (Settings › Xero)."""
        days = int(self.env["ir.config_parameter"].sudo().get_param("xero_connector.log_retention_days", 90) or 0)
        if days <= 0:
            return
        limit = fields.Datetime.now() - timedelta(days=days)
        self.sudo().search([("date_start", "<", limit), ("state", "!=", "running")]).unlink()

    def action_retry(self):
        """Run the failed records of these runs again."""
        return self.failed_line_ids.action_retry()


class XeroSyncLogLineRetry(models.Model):
    _inherit = "xero.sync.log.line"

    def action_retry(self):
        logs = self.env["xero.sync.log"]
        lines = self.filtered(lambda l: l.state in ("error", "warning") and l.log_id)
        by_run = {}
        for line in lines:
            by_run.setdefault((line.log_id.connection_id, line.log_id.entity, line.log_id.direction), []).append(line)
        for (connection, entity, direction), group in by_run.items():
            engine = SyncEngine(connection, trigger="manual")
            if direction == "export":
                records = self.env[MAPPERS[entity].model].browse([l.res_id for l in group if l.res_id]).exists()
                if records:
                    logs |= engine.push(entity, records)
            elif direction == "import":
                ids = [l.xero_id for l in group if l.xero_id]
                if ids:
                    logs |= engine.pull(entity, ids=ids)
        if not logs:
            raise UserError(_("Nothing to retry."))
        return {"type": "ir.actions.act_window", "res_model": "xero.sync.log", "name": _("Retry"),
                "view_mode": "list,form", "domain": [("id", "in", logs.ids)]}


class XeroSyncSchedule(models.Model):
    _name = "xero.sync.schedule"
    _description = "Xero Sync Schedule"
    _order = "connection_id, id"

    name = fields.Char(required=True, default=lambda self: _("Scheduled Xero sync"))
    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True)
    active = fields.Boolean(default=True)
    mode = fields.Selection([("times", "At set times each day"), ("interval", "Every N minutes")],
                            required=True, default="times")
    times = fields.Char("Times", default="00:00, 08:00, 12:00, 16:00",
                        help="Comma-separated hours (HH:MM) in the company's time zone.")
    interval_minutes = fields.Integer("Every (minutes)", default=60)
    mapping_ids = fields.Many2many("xero.mapping", string="Entities", required=True)
    direction = fields.Selection(JOB_DIRECTIONS, required=True, default="both")
    start_from = fields.Selection([("last", "The last sync"), ("first", "The first scheduled run")],
                                  required=True, default="last")
    first_run = fields.Datetime(readonly=True)
    notify = fields.Selection([("never", "Never"), ("failures", "On failures"), ("always", "After every run")],
                              required=True, default="failures")
    notify_email = fields.Char("Notify E-mail", help="Also e-mailed to this address (besides the followers).")
    cron_ids = fields.One2many("ir.cron", "xero_schedule_id", string="Scheduled Actions",
                               context={"active_test": False})
    job_ids = fields.One2many("xero.sync.job", "schedule_id")

    @api.constrains("times", "mode", "interval_minutes")
    def _check_times(self):
        for schedule in self:
            if schedule.mode == "times":
                times = schedule._parsed_times()
                if not 1 <= len(times) <= 24:
                    raise ValidationError(_("Give between 1 and 24 times a day, e.g. 00:00, 08:00, 12:00, 16:00."))
            elif schedule.interval_minutes < 5:
                raise ValidationError(_("Run at most every 5 minutes (Xero allows 60 calls a minute)."))

    def _claim_first_run(self):
        """Record the schedule's first run, in a transaction of its own, and return it (the first
        server to get here sets it; the others read it).  Written from the run's own transaction,
        the row would be flushed at the run's first commit, after its first write to Xero: when a
        second server ran another of the schedule's crons meanwhile, that commit failed on the
        concurrent update and the run was lost after Xero had applied it."""
        self.ensure_one()
        with self.env.registry.cursor() as cr:
            cr.execute("UPDATE xero_sync_schedule SET first_run = now() AT TIME ZONE 'UTC' "
                       "WHERE id = %s AND first_run IS NULL", (self.id,))
            cr.execute("SELECT first_run FROM xero_sync_schedule WHERE id = %s", (self.id,))
            first_run = cr.fetchone()[0]
        return first_run

    def _parsed_times(self):
        result = []
        for part in (self.times or "").replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            try:
                hour, minute = (int(x) for x in part.split(":")) if ":" in part else (int(part), 0)
                result.append(time(hour, minute))
            except ValueError as exc:
                raise ValidationError(_("'%(value)s' is not a time (HH:MM).", value=part)) from exc
        return sorted(set(result))

    @api.model_create_multi
    def create(self, vals_list):
        schedules = super().create(vals_list)
        schedules._sync_crons()
        return schedules

    def write(self, vals):
        result = super().write(vals)
        if {"times", "mode", "interval_minutes", "active", "name", "connection_id"} & set(vals):
            self._sync_crons()
        return result

    def unlink(self):
        self.cron_ids.unlink()
        return super().unlink()

    def _sync_crons(self):
        """Create, update or remove this schedule's ir.cron records."""
        Cron = self.env["ir.cron"].sudo().with_context(active_test=False)
        model = self.env["ir.model"]._get("xero.sync.schedule")
        for schedule in self:
            tz = pytz.timezone(schedule.company_id.partner_id.tz or self.env.user.tz or "UTC")
            if schedule.mode == "interval":
                specs = [(schedule.interval_minutes, "minutes", fields.Datetime.now())]
            else:
                specs = [(1, "days", schedule._next_utc(t, tz)) for t in schedule._parsed_times()]
            crons = schedule.cron_ids
            for index, (number, unit, nextcall) in enumerate(specs):
                values = {
                    "name": _("Xero: %(schedule)s (%(connection)s)", schedule=schedule.name,
                              connection=schedule.connection_id.name)
                            + (f" {schedule._parsed_times()[index].strftime('%H:%M')}" if unit == "days" else ""),
                    "model_id": model.id, "state": "code", "code": f"model._run_schedule({schedule.id})",
                    "interval_number": number, "interval_type": unit, "nextcall": nextcall,
                    "active": schedule.active, "xero_schedule_id": schedule.id,
                    "user_id": self.env.ref("base.user_root").id,
                }
                if index < len(crons):
                    crons[index].write(values)
                else:
                    Cron.create(values)
            crons[len(specs):].unlink()

    @staticmethod
    def _next_utc(at, tz):
        now_local = datetime.now(pytz.utc).astimezone(tz)
        candidate = tz.localize(datetime.combine(now_local.date(), at))
        if candidate <= now_local:
            candidate = tz.localize(datetime.combine(now_local.date() + timedelta(days=1), at))
        return candidate.astimezone(pytz.utc).replace(tzinfo=None)

    @api.model
    def _run_schedule(self, schedule_id):
        schedule = self.browse(schedule_id).exists()
        if not schedule or not schedule.active or schedule.connection_id.state != "connected":
            return False
        first_run = schedule.first_run or schedule._claim_first_run()
        values = {"connection_id": schedule.connection_id.id, "mapping_ids": [(6, 0, schedule.mapping_ids.ids)],
                  "direction": schedule.direction, "trigger": "cron", "schedule_id": schedule.id,
                  "user_id": self.env.ref("base.user_root").id}
        if schedule.start_from == "first":
            values.update(window="range", date_from=first_run)
        job = self.env["xero.sync.job"].sudo().create(values)
        job.state = "running"
        return job._run()

    def action_run_now(self):
        self.ensure_one()
        self._run_schedule(self.id)
        return {"type": "ir.actions.act_window", "res_model": "xero.sync.job", "view_mode": "list,form",
                "domain": [("schedule_id", "=", self.id)], "name": self.name}


class IrCron(models.Model):
    _inherit = "ir.cron"

    xero_schedule_id = fields.Many2one("xero.sync.schedule", ondelete="cascade", index=True)


class XeroConnectionJobs(models.Model):
    _inherit = "xero.connection"

    schedule_ids = fields.One2many("xero.sync.schedule", "connection_id", string="Schedules",
                                   context={"active_test": False})
    job_ids = fields.One2many("xero.sync.job", "connection_id", string="Sync Jobs")
    failures_24h = fields.Integer("Failures (24 h)", compute="_compute_health")
    records_waiting = fields.Integer("Waiting to Sync", compute="_compute_health")
    last_run = fields.Datetime("Last Run", compute="_compute_health")
    api_minute_left = fields.Integer("API Calls Left (minute)", compute="_compute_health")
    api_day_left = fields.Integer("API Calls Left (day)", compute="_compute_health")
    day_limit_reset_at = fields.Datetime(
        "Day Limit Resets At", readonly=True, copy=False,
        help="Xero said this organisation's daily API budget is used up until then; sync runs wait for it.")
    day_limit_message = fields.Char("Xero Day Limit", compute="_compute_day_limit_message")

    @api.depends("day_limit_reset_at")
    def _compute_day_limit_message(self):
        for connection in self:
            connection.day_limit_message = connection._xero_day_limit_message() or False

    def _xero_day_limit_until(self):
        """When Xero's spent day budget comes back (naive UTC), or None when it is not known to be spent."""
        self.ensure_one()
        reset_at = self.sudo().day_limit_reset_at
        return reset_at if reset_at and reset_at > fields.Datetime.now() else None

    def _xero_day_limit_message(self):
        reset_at = self._xero_day_limit_until()
        if not reset_at:
            return ""
        tz = self.env.user.tz or self.responsible_user_id.tz or self.company_id.partner_id.tz
        return _("Xero's daily API limit for this organisation is used up; it comes back %(when)s. Sync runs "
                 "waiting for it resume then by themselves.", when=_when_words(self.env, reset_at, tz))

    def _xero_note_day_limit(self, reset_at):
        """Xero answered 429 'day': remember until when, and say it once on the connection."""
        self.ensure_one()
        if self.day_limit_reset_at and abs((self.day_limit_reset_at - reset_at).total_seconds()) < 120:
            return
        self.day_limit_reset_at = reset_at
        self.message_post(body=self._xero_day_limit_message(), message_type="notification",
                          subtype_xmlid="mail.mt_note")

    def _compute_health(self):
        since = fields.Datetime.now() - timedelta(hours=24)
        Log = self.env["xero.sync.log"].sudo()
        for connection in self:
            logs = Log.search([("connection_id", "=", connection.id), ("date_start", ">=", since)])
            last = Log.search([("connection_id", "=", connection.id), ("api_calls", ">", 0)], limit=1)
            connection.failures_24h = sum(logs.mapped("count_failed"))
            connection.records_waiting = self.env["xero.binding"].sudo().search_count([
                ("connection_id", "=", connection.id), "|", ("need_sync", "=", True),
                ("state", "in", ("pending", "error"))])
            connection.last_run = last.date_start or False
            connection.api_minute_left = last.limit_minute_remaining
            connection.api_day_left = last.limit_day_remaining

    def _notify_sync_result(self, job, email=False, send=True):
        """Tell the connection's people how a run went: a note, an activity on failures, an e-mail."""
        self.ensure_one()
        failed = job.state in ("partial", "failed")
        body = _("%(job)s: %(state)s.\n%(summary)s", job=job.name,
                 state=dict(job._fields["state"]._description_selection(self.env))[job.state], summary=job.message or "")
        self.message_post(body=body, message_type="notification", subtype_xmlid="mail.mt_note")
        user = self.responsible_user_id or self.connected_by_id
        if failed and user:
            self.activity_schedule("mail.mail_activity_data_warning", user_id=user.id,
                                   summary=_("Xero sync problems"), note=body)
        if send:
            template = self.env.ref("xero_connector.mail_template_sync_report", raise_if_not_found=False)
            if template:
                recipients = [email] if email else []
                recipients += [p.email for p in self.message_partner_ids if p.email]
                if user and user.email:
                    recipients.append(user.email)
                if recipients:
                    template.sudo().send_mail(job.id, force_send=False,
                                              email_values={"email_to": ",".join(sorted(set(recipients)))})

    def action_open_sync_wizard(self):
        self.ensure_one()
        return {"type": "ir.actions.act_window", "res_model": "xero.sync.wizard", "view_mode": "form",
                "target": "new", "name": _("Sync with Xero"), "context": {"default_connection_id": self.id}}

    def action_reset_sync(self):
        """Forget every link, cursor, log and queued run of this connection; keep Odoo's business data."""
        self.ensure_one()
        self.env["xero.binding"].sudo().search([("connection_id", "=", self.id)]).unlink()
        self.env["xero.sync.job"].sudo().search([("connection_id", "=", self.id)]).unlink()
        self.env["xero.sync.log"].sudo().search([("connection_id", "=", self.id)]).unlink()
        self.env["xero.mapping"].sudo().search([("connection_id", "=", self.id)]).write({"last_import_date": False})
        for model in ("xero.remote.record", "xero.remote.index", "xero.push.intent"):
            self.env[model].sudo().search([("connection_id", "=", self.id)]).unlink()
        if "xero.webhook.event" in self.env:
            self.env["xero.webhook.event"].sudo().search([("connection_id", "=", self.id)]).unlink()
        self.sudo().xero_account_ids.unlink()
        self.sudo().xero_tax_rate_ids.unlink()
        self.sudo().branding_theme_ids.unlink()
        self.sudo().with_context(active_test=False).xero_currency_ids.unlink()
        self.message_post(body=_("Synchronisation reset by %(user)s: links, cursors and logs cleared.",
                                 user=self.env.user.name), message_type="notification")
        if self.state == "connected":
            return self.action_import_accounting_setup()
        return True


class XeroSyncMixinBackground(models.AbstractModel):
    _inherit = "xero.sync.mixin"

    def action_xero_sync(self):
        """Many records go in the background (a queued job); a handful right away.

        A push right away never waits long on Xero's rate limits: a limit it cannot wait out in
        a few seconds (the interactive wait budget) hands the records not sent yet over to a
        background job that runs when Xero's budget is back, and the user is told so.
        """
        if len(self) <= BACKGROUND_THRESHOLD or self.env.context.get("xero_sync_now"):
            try:
                return super().action_xero_sync()
            except UserError as exc:
                if not isinstance(exc.__cause__, xc.XeroRateLimitError):
                    raise
                return self._xero_hand_over(exc.__cause__)
        connection = self.env["xero.connection"]._for_company()
        jobs = self.env["xero.sync.job"]
        for entity, records in self._xero_entity_groups():
            mapping = self.env["xero.mapping"]._for(connection, entity)
            jobs |= jobs._queue({"connection_id": connection.id, "mapping_ids": [(6, 0, mapping.ids)],
                                 "direction": "export", "trigger": "button", "res_model": records._name,
                                 "res_ids": records.ids})
        return {"type": "ir.actions.client", "tag": "display_notification", "params": {
            "type": "info", "title": _("Sync to Xero"),
            "message": _("%(count)s records are being sent to Xero in the background; you will be told when "
                         "it is done.", count=len(self)),
            "next": {"type": "ir.actions.client", "tag": "soft_reload"}}}

    def _xero_hand_over(self, limit):
        """Queue the records of ``self`` not in Xero yet for when ``limit`` (a XeroRateLimitError) ends."""
        connection = self.env["xero.connection"]._for_company()
        reset_at = _utc(limit.reset_at)
        if limit.problem == "day":
            connection.sudo()._xero_note_day_limit(reset_at)
        Job = self.env["xero.sync.job"]
        sent = waiting = 0
        for entity, records in self._xero_entity_groups():
            mapping = self.env["xero.mapping"]._for(connection, entity)
            allowed = records._xero_ticked(connection) | mapping._selected_records(records).with_env(self.env)
            allowed = records.filtered(lambda r, a=allowed: r in a)
            bindings = allowed._xero_bindings(connection)
            rest = allowed.filtered(lambda r: not (bindings.get(r.id) and bindings[r.id].state == "synced"
                                                   and not bindings[r.id].need_sync))
            sent += len(allowed) - len(rest)
            if not rest:
                continue
            waiting += len(rest)
            Job._queue({"connection_id": connection.id, "mapping_ids": [(6, 0, mapping.ids)],
                        "direction": "export", "trigger": "button", "res_model": rest._name,
                        "res_ids": rest.ids, "user_id": self.env.user.id, "state": "waiting",
                        "not_before": reset_at, "wait_problem": limit.problem if limit.problem in (
                            "day", "minute", "concurrent", "appminute") else False,
                        "message": limit.message}, at=reset_at)
        when = _when_words(self.env, reset_at)
        return {"type": "ir.actions.client", "tag": "display_notification", "params": {
            "type": "warning", "title": _("Sync to Xero continues in the background"),
            "message": _("%(reason)s %(sent)s of these records are in Xero; the other %(waiting)s will be sent in the "
                         "background %(when)s, and you will be told when it is done.",
                         reason=limit.message, sent=sent, waiting=waiting, when=when),
            "sticky": True, "next": {"type": "ir.actions.client", "tag": "soft_reload"}}}

    # -- automatic push: queued in the user's transaction, run by the cron after commit ---------
    def _xero_changed(self):
        super()._xero_changed()
        self._xero_auto_push()

    def _xero_auto_push(self):
        if not self or not self._xero_entity or self.env.context.get("xero_importing"):
            return
        connection = self.env["xero.connection"]._for_company(raise_if_missing=False)
        if not connection or connection.state != "connected":
            return
        Job = self.env["xero.sync.job"].sudo()
        for entity, records in self._xero_entity_groups():
            mapping = self.env["xero.mapping"].sudo().search([("connection_id", "=", connection.id),
                                                              ("entity", "=", entity), ("auto_push", "=", True)])
            if not mapping:
                continue
            wanted = records._xero_ticked(connection) | mapping._selected_records(records).with_env(self.env)
            if not wanted:
                continue
            queued = Job.search([("connection_id", "=", connection.id), ("state", "=", "queued"),
                                 ("trigger", "=", "auto"), ("res_model", "=", records._name),
                                 ("mapping_ids", "in", mapping.ids)], limit=1)
            if queued:
                queued.res_ids = sorted(set(queued.res_ids or []) | set(wanted.ids))
            else:
                Job._queue({"connection_id": connection.id, "mapping_ids": [(6, 0, mapping.ids)],
                            "direction": "export", "trigger": "auto", "res_model": records._name,
                            "res_ids": wanted.ids, "user_id": self.env.user.id})


class XeroMappingAuto(models.Model):
    _inherit = "xero.mapping"

    auto_push = fields.Boolean(
        "Send Automatically",
        help="Records are sent to Xero in the background when they are created, changed or posted "
             "(after the change is saved, never inside it).")
