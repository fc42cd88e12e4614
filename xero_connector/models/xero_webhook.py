"""Xero webhooks: Xero says what changed; a cron fetches it.

The controller only verifies the signature and stores the thin events (Xero
wants an answer within 5 seconds); the "Xero: process webhook events" cron,
triggered on each delivery, takes pending events with SKIP LOCKED (several
Odoo servers share the work) and imports just those records.
"""

import base64
import hashlib
import hmac
import logging
from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models

from ..services.engine import SyncEngine

_logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/xero/webhooks"
CATEGORY_ENTITY = {"CONTACT": "contact", "INVOICE": "invoice", "CREDITNOTE": "credit_note"}


# Xero's list endpoints that take an ``IDs`` filter; the others (CreditNotes) are filtered with ``where``
def signature_of(body, key):
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


class XeroConnectionWebhooks(models.Model):
    _inherit = "xero.connection"

    webhook_key = fields.Char(
        "Webhook Key", groups="base.group_system", copy=False,
        help="The webhook key Xero shows for your app's webhook subscription; it signs every delivery.")
    webhook_url = fields.Char("Webhook URL", compute="_compute_webhook_url",
                              help="Register this URL as the webhook delivery URL of your Xero app.")

    def _compute_webhook_url(self):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "").rstrip("/")
        for connection in self:
            connection.webhook_url = f"{base}{WEBHOOK_PATH}"

    @api.model
    def _webhook_connections(self, body, signature):
        """The connections whose webhook key signed ``body`` (constant-time comparisons)."""
        matched = self.browse()
        for connection in self.sudo().search([("webhook_key", "!=", False)]):
            expected = signature_of(body, connection.webhook_key)
            if hmac.compare_digest(expected.encode(), (signature or "").encode()):
                matched |= connection
        return matched


class XeroWebhookEvent(models.Model):
    _name = "xero.webhook.event"
    _description = "Xero Webhook Event"
    _order = "id desc"

    connection_id = fields.Many2one("xero.connection", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True)
    tenant_id = fields.Char(required=True)
    category = fields.Selection([("CONTACT", "Contact"), ("INVOICE", "Invoice"), ("CREDITNOTE", "Credit Note"),
                                 ("SUBSCRIPTION", "Subscription")], required=True)
    event_type = fields.Char(required=True)
    resource_id = fields.Char("Xero ID", required=True, index=True)
    event_date = fields.Datetime()
    payload_format = fields.Selection(
        [("classic", "Thin event"), ("data", "Event with data")], string="Shape", default="classic",
        help="Thin event: what changed (Xero's classic shape). Event with data: Xero's credit-note events since "
             "December 2025 also say the document's type and status. Either way the record is read from Xero.")
    document_type = fields.Char("Xero Type", help="The document type the event's data gave (e.g. ACCPAYCREDIT).")
    xero_status = fields.Char("Status in Xero", help="The status the event's data gave when the event happened.")
    state = fields.Selection([("pending", "Pending"), ("done", "Done"), ("failed", "Failed"),
                              ("ignored", "Ignored")], default="pending", required=True, index=True)
    error = fields.Text()
    processed_date = fields.Datetime()

    @api.model
    def _store(self, connections, payload):
        """Keep the events of ``payload`` for the connections of their tenants; returns them.

        An event for a record that already has a pending event (not being
        processed right now) adds nothing: the record is fetched once anyway.
        """
        Event = self.sudo()
        categories = dict(self._fields["category"].selection)
        by_tenant = defaultdict(list)
        for connection in connections.sudo():
            by_tenant[connection._secrets()["tenant_id"]].append(connection)
        values, seen = [], {}
        for event in payload.get("events") or []:
            if not isinstance(event, dict):
                continue
            category = event.get("eventCategory")
            data = _event_data(event)
            for connection in by_tenant.get(event.get("tenantId") or "", []):
                key = (connection.id, category, event.get("resourceId") or "")
                if category in CATEGORY_ENTITY and key in seen:
                    seen[key].update(data)  # the later event of the record says its type and status now
                    continue
                seen[key] = dict(data, **{
                    "connection_id": connection.id, "tenant_id": event.get("tenantId"),
                    "category": category if category in categories else "SUBSCRIPTION",
                    "event_type": event.get("eventType") or "UPDATE",
                    "resource_id": key[2],
                    "event_date": _parse_date(event.get("eventDateUtc")),
                    "state": "pending" if category in CATEGORY_ENTITY and key[2] else "ignored",
                })
                values.append(seen[key])
        pending = [v for v in values if v["state"] == "pending"]
        if pending:
            # pending events nobody is processing (SKIP LOCKED: a record being imported now
            # may have changed again, so it gets a new event)
            self.env.cr.execute("""
                SELECT connection_id, category, resource_id FROM xero_webhook_event
                 WHERE state = 'pending' AND connection_id IN %s AND resource_id IN %s
                   FOR UPDATE SKIP LOCKED
            """, (tuple({v["connection_id"] for v in pending}), tuple({v["resource_id"] for v in pending})))
            waiting = set(self.env.cr.fetchall())
            values = [v for v in values if v["state"] != "pending"
                      or (v["connection_id"], v["category"], v["resource_id"]) not in waiting]
        events = Event.create(values) if values else Event
        if pending:  # also when all were waiting already: the cron may have skipped them while we held them
            self.env.ref("xero_connector.ir_cron_xero_webhook_events").sudo()._trigger()
        return events

    @api.model
    def _process_pending(self, limit=500):
        """Import the records Xero said changed; each record once, however many events it had.

        Pending events are taken with ``FOR UPDATE SKIP LOCKED``, so several Odoo
        servers (or cron workers) share the work without importing a record twice.
        Returns the number of events handled.
        """
        self.env.cr.execute("""
            SELECT id FROM xero_webhook_event WHERE state = 'pending' ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED
        """, (limit,))
        events = self.sudo().browse([row[0] for row in self.env.cr.fetchall()])
        groups = defaultdict(lambda: self.sudo().browse())
        for event in events:
            groups[(event.connection_id, event.category)] |= event
        done = 0
        for (connection, category), group in groups.items():
            entity = CATEGORY_ENTITY[category]
            ids = sorted(set(group.mapped("resource_id")))
            now = fields.Datetime.now()
            try:
                with self.env.cr.savepoint():
                    log = SyncEngine(connection, trigger="webhook", commit=False).pull(entity, ids=ids)
                    errors = {}
                    for line in log.line_ids.filtered(lambda l: l.state == "error" and l.xero_id):
                        errors.setdefault(line.xero_id, line.message)
            except Exception as exc:  # noqa: BLE001 - one group's failure must not block the others
                _logger.info("Xero webhook events of %s (%s) not imported: %s", connection.display_name, category,
                             _error_text(exc))
                group.write({"state": "failed", "processed_date": now,
                             "error": _("Not imported: %(error)s", error=_error_text(exc))})
            else:
                failed = group.filtered(lambda e: e.resource_id in errors)
                for event in failed:
                    event.write({"state": "failed", "processed_date": now, "error": errors[event.resource_id]})
                (group - failed).write({"state": "done", "processed_date": now, "error": False})
            done += len(group)
            remaining = self.sudo().search_count([("state", "=", "pending")])
            self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return done

    @api.autovacuum
    def _gc_old_events(self):
        """Handled events go with the sync logs (Settings › Xero › Keep Sync Logs); pending ones stay."""
        days = int(self.env["ir.config_parameter"].sudo().get_param("xero_connector.log_retention_days", 90) or 0)
        if days <= 0:
            return
        limit = fields.Datetime.now() - timedelta(days=days)
        self.sudo().search([("create_date", "<", limit), ("state", "!=", "pending")]).unlink()


def _event_data(event):
    """What an event's ``data`` says (Xero's credit-note events since December 2025: ``{"Type",
    "Status"}``); a thin event, or data of another shape, says nothing more than what changed."""
    data = event.get("data")
    if not isinstance(data, dict):
        return {}
    values = {"payload_format": "data"}
    for key, field in (("Type", "document_type"), ("Status", "xero_status")):
        if isinstance(data.get(key), str) and data[key]:
            values[field] = data[key][:32]
    return values


def _error_text(exc):
    """An exception in plain words (Xero's message, a user error's text)."""
    message = getattr(exc, "message", None) or (exc.args[0] if exc.args else "") or exc.__class__.__name__
    return str(message)


def _parse_date(value):
    if not value:
        return False
    try:
        return fields.Datetime.to_datetime(value.replace("T", " ")[:19])
    except ValueError:
        return False
