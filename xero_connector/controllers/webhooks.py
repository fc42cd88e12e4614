import json
import logging

from odoo import http
from odoo.http import request

from ..models.xero_webhook import WEBHOOK_PATH

_logger = logging.getLogger(__name__)


class XeroWebhookController(http.Controller):

    @http.route(WEBHOOK_PATH, type="http", auth="none", methods=["POST"], csrf=False, save_session=False,
                readonly=False)
    def xero_webhooks(self, **_kw):
        """Verify Xero's signature and keep the events; the work is done by a cron (5 s budget)."""
        body = request.httprequest.get_data()
        signature = request.httprequest.headers.get("x-xero-signature", "")
        env = request.env(user=request.env.ref("base.user_root").id)
        connections = env["xero.connection"]._webhook_connections(body, signature)
        if not connections:
            _logger.info("Xero webhook with an invalid signature refused")
            return request.make_response("", status=401)
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            return request.make_response("", status=401)
        env["xero.webhook.event"]._store(connections, payload)
        return request.make_response("", status=200)
