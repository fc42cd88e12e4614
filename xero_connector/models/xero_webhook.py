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

from odoo import _, api, fields, models

from ..services import xero_client as xc
from ..services.engine import SyncEngine

_logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/xero/webhooks"
CATEGORY_ENTITY = {"CONTACT": "contact", "INVOICE": "invoice", "CREDITNOTE": "credit_note"}


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
    state = fields.Selection([("pending", "Pending"), ("done", "Done"), ("failed", "Failed"),
                              ("ignored", "Ignored")], default="pending", required=True, index=True)
    error = fields.Text()
    processed_date = fields.Datetime()

    @api.model
    def _store(self, connections, payload):
        """Keep the events of ``payload`` for the connections of their tenants; returns them."""
        values = []
        for event in payload.get("events") or []:
            for connection in connections.filtered(lambda c, e=event: c.sudo()._secrets()["tenant_id"] == e.get("tenantId")):
                values.append({
                    "connection_id": connection.id, "tenant_id": event.get("tenantId"),
                    "category": event.get("eventCategory") if event.get("eventCategory") in dict(
                        self._fields["category"].selection) else "SUBSCRIPTION",
                    "event_type": event.get("eventType") or "UPDATE",
                    "resource_id": event.get("resourceId") or "",
                    "event_date": _parse_date(event.get("eventDateUtc")),
                    "state": "pending" if event.get("eventCategory") in CATEGORY_ENTITY else "ignored",
                })
        events = self.sudo().create(values) if values else self.sudo()
        if events.filtered(lambda e: e.state == "pending"):
            self.env.ref("xero_connector.ir_cron_xero_webhook_events").sudo()._trigger()
        return events

    @api.model
    def _process_pending(self, limit=500):
        """Import the records Xero said changed; each record once, however many events it had."""
        self.env.cr.execute("""
            SELECT id FROM xero_webhook_event WHERE state = 'pending' ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED
        """, (limit,))
        events = self.browse([row[0] for row in self.env.cr.fetchall()])
        groups = defaultdict(lambda: self.browse())
        for event in events:
            groups[(event.connection_id, event.category)] |= event
        done = 0
        for (connection, category), group in groups.items():
            entity = CATEGORY_ENTITY[category]
            ids = sorted(set(group.mapped("resource_id")))
            try:
                if connection.state != "connected":
                    raise xc.XeroError(_("the connection is not active"))
                log = SyncEngine(connection, trigger="webhook").pull(entity, ids=ids)
                group.write({"state": "done", "processed_date": fields.Datetime.now(),
                             "error": log.message if log.count_failed else False})
            except xc.XeroError as exc:
                group.write({"state": "failed", "processed_date": fields.Datetime.now(),
                             "error": _("Not imported: %(error)s", error=exc.message)})
            done += len(group)
            remaining = self.search_count([("state", "=", "pending")])
            self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return done


def _parse_date(value):
    if not value:
        return False
    try:
        return fields.Datetime.to_datetime(value.replace("T", " ")[:19])
    except ValueError:
        return False
