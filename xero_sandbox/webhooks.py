"""Xero webhooks, as the sandbox sends them.

Subscriptions (URL + webhook key, optionally for one tenant) are set through
the control API.  Every CREATE/UPDATE of a Contact, Invoice or CreditNote made
through the API queues a thin event (a payment or allocation that changes
what a document has paid or credited is an UPDATE of the document, as in
Xero); ``deliver`` sends the queue, one signed
payload per subscription (``x-xero-signature`` = base64(HMAC-SHA256(raw body,
key))), and ``intent`` runs Xero's intent-to-receive check: one correctly
signed empty payload (expects 200) and one wrongly signed (expects 401).
Delivery is explicit so that tests are deterministic.

Credit-note events come in two shapes, per subscription (``format``):
``"current"`` (the default) is what Xero documents for credit notes since
December 2025 (``CreditNoteWebhookEvent`` in ``xero-webhooks.yaml``): each
event also carries ``data`` with the credit note's ``Type`` and ``Status``;
``"classic"`` plays a subscription that gets the thin events only, as
contacts and invoices still are.  Both are signed the same way.
"""

import base64
import hashlib
import hmac
import json
import secrets
import urllib.error
import urllib.request

from . import wire

CATEGORIES = {"Contacts": "CONTACT", "Invoices": "INVOICE", "CreditNotes": "CREDITNOTE"}
TIMEOUT = 5  # Xero gives an endpoint 5 seconds
FORMATS = ("current", "classic")  # credit-note events with ``data`` {Type, Status}, or thin only


def hub(state):
    """The webhook subscriptions and queue of a sandbox (kept beside its state, not persisted)."""
    found = getattr(state, "_webhooks", None)
    if found is None:
        found = state._webhooks = {"subscriptions": [], "queue": [], "sequence": 0}
    return found


def reset(state):
    state._webhooks = None


def unsubscribe(state, url=None):
    """Remove the subscriptions of ``url`` (all when None); returns how many went.

    Events queued only for removed subscriptions are dropped with them.
    """
    webhooks = hub(state)
    kept = [s for s in webhooks["subscriptions"] if url is not None and s["url"] != url]
    removed = len(webhooks["subscriptions"]) - len(kept)
    webhooks["subscriptions"] = kept
    webhooks["queue"] = [e for e in webhooks["queue"]
                         if any(s["tenant_id"] in (None, e["tenantId"]) for s in kept)]
    return removed


def record(ctx, plural, record_id, created, if_not_queued=False, document=None):
    """Queue the event of a stored change (called with the state lock held).

    ``if_not_queued``: a derived change (a payment or allocation settling a
    document) adds nothing when the document already has an event waiting.
    ``document``: the stored record, for the ``data`` of credit-note events
    (its type and status when the event happened).
    """
    data = ({"Type": document.get("Type"), "Status": document.get("Status")}
            if plural == "CreditNotes" and document else None)
    category = CATEGORIES.get(plural)
    if not category or ctx.app is None:  # control-API seeding and wiping are not Xero changes
        return
    webhooks = hub(ctx.state)
    if not any(s["tenant_id"] in (None, ctx.tenant_id) for s in webhooks["subscriptions"]):
        return
    if if_not_queued and any(e["resourceId"] == record_id and e["tenantId"] == ctx.tenant_id
                             for e in webhooks["queue"]):
        return
    webhooks["sequence"] += 1
    webhooks["queue"].append({
        "resourceUrl": f"https://api.xero.com/api.xro/2.0/{plural}/{record_id}",
        "resourceId": record_id,
        "eventDateUtc": wire.iso(ctx.now).replace("+00:00", ""),
        "eventType": "CREATE" if created else "UPDATE",
        "eventCategory": category,
        "tenantId": ctx.tenant_id,
        "tenantType": "ORGANISATION",
        "_sequence": webhooks["sequence"],
        "_data": data,
    })


def shown(event, fmt="current"):
    """An event as a subscription of format ``fmt`` receives it."""
    out = {k: v for k, v in event.items() if not k.startswith("_")}
    if event.get("_data") and fmt != "classic":
        out["data"] = dict(event["_data"])
    return out


def sign(body, key):
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def post(url, body, signature):
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "x-xero-signature": signature, "User-Agent": "Xero Webhooks (sandbox)"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return None


def take(state):
    """The payloads to send now, per subscription; the queue is emptied."""
    webhooks = hub(state)
    queue, webhooks["queue"] = webhooks["queue"], []
    out = []
    for sub in webhooks["subscriptions"]:
        events = [e for e in queue if sub["tenant_id"] in (None, e["tenantId"])]
        if not events:
            continue
        payload = {
            "events": [shown(e, sub.get("format")) for e in events],
            "firstEventSequence": events[0]["_sequence"], "lastEventSequence": events[-1]["_sequence"],
            "entropy": secrets.token_hex(10).upper(),
        }
        out.append((sub, payload))
    return out


def deliver(state, lock, bad_signature=False):
    """Send the queued events (outside the state lock); returns what was sent and the answers."""
    with lock:
        batches = take(state)
    results = []
    for sub, payload in batches:
        body = json.dumps(payload, separators=(",", ":")).encode()
        key = sub["key"] if not bad_signature else sub["key"] + "-wrong"
        status = post(sub["url"], body, sign(body, key))
        results.append({"url": sub["url"], "status": status, "events": len(payload["events"]),
                        "signature_valid": not bad_signature})
    return results


def intent(url, key):
    """Xero's intent-to-receive check: 200 for the good signature, 401 for the bad one."""
    results = {}
    for name, signing_key in (("valid", key), ("invalid", key + "-not-the-key")):
        body = json.dumps({"events": [], "firstEventSequence": 0, "lastEventSequence": 0,
                           "entropy": secrets.token_hex(10).upper()}, separators=(",", ":")).encode()
        results[name] = post(url, body, sign(body, signing_key))
    results["passed"] = results["valid"] == 200 and results["invalid"] == 401
    return results
