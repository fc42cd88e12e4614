"""A client of the sandbox's control API and of its consent page.

For tests and demos: ``SandboxControl(url).create_org(...)``, ``.consent(authorize_url)``
plays the user who presses "Allow access".  Needs ``requests``.
"""

from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

import requests


class _FormParser(HTMLParser):
    """Collects the consent form: action, hidden inputs and checked checkboxes."""

    def __init__(self):
        super().__init__()
        self.action = None
        self.fields = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = attrs.get("action", "")
        elif tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind in ("hidden", "text") or (kind == "checkbox" and "checked" in attrs):
                self.fields.append((attrs["name"], attrs.get("value", "")))


class SandboxControl:
    """Thin client of the sandbox's control API (``/_sandbox/``)."""

    def __init__(self, url):
        self.url = url

    def call(self, method, path, timeout=30, **kw):
        resp = requests.request(method, f"{self.url}/_sandbox/{path.lstrip('/')}", timeout=timeout, **kw)
        resp.raise_for_status()
        return resp.json() if resp.content else None

    def reset(self):
        return self.call("POST", "reset")

    def create_org(self, name, **kw):
        return self.call("POST", "organisations", json=dict(kw, name=name))

    def create_app(self, redirect_uris, organisations=None, **kw):
        body = dict(kw, redirect_uris=redirect_uris)
        if organisations is not None:
            body["organisations"] = organisations
        return self.call("POST", "apps", json=body)

    def records(self, tenant_id, resource="Contacts"):
        return self.call("GET", f"tenants/{tenant_id}/{resource}")[resource]

    def wipe(self, tenant_id, resource):
        return self.call("DELETE", f"tenants/{tenant_id}/{resource}")

    def seed(self, tenant_id, resource, records):
        return self.call("POST", f"tenants/{tenant_id}/{resource}", json={resource: records})

    def bulk_seed(self, tenant_id, resource, records=None, *, template=None, count=0, start=0):
        """Seed fast: these records, or ``count`` copies of ``template`` (``{i}`` numbered);
        returns ``{"count", "ids", "UpdatedDateUTC"}``."""
        body = {resource: records} if records is not None else {"template": template, "count": count,
                                                                 "start": start}
        return self.call("POST", f"tenants/{tenant_id}/{resource}/bulk", json=body, timeout=600)

    def requests_log(self, since=0, path_prefix=None):
        params = {"since": since}
        if path_prefix:
            params["path_prefix"] = path_prefix
        return self.call("GET", "requests", params=params)["requests"]

    def last_seq(self):
        """The newest request's sequence number, without reading the log (which holds the bodies
        of up to 10,000 requests: tens of MB after a big push)."""
        return self.call("GET", "requests/last")["seq"]

    def fault(self, **rule):
        return self.call("POST", "faults", json=rule)

    def clear_faults(self):
        return self.call("DELETE", "faults")

    def clear_idempotency(self):
        return self.call("DELETE", "idempotency")

    def webhook_subscribe(self, url, key, tenant_id=None, fmt="current"):
        return self.call("POST", "webhooks", json={"url": url, "key": key, "tenant_id": tenant_id, "format": fmt})

    def webhook_deliver(self, bad_signature=False):
        return self.call("POST", "webhooks/deliver", json={"bad_signature": bad_signature})["deliveries"]

    def webhook_intent(self, url, key):
        return self.call("POST", "webhooks/intent", json={"url": url, "key": key})

    def webhooks_clear(self, url=None):
        return self.call("DELETE", "webhooks", json={"url": url} if url else None)

    def webhooks(self):
        return self.call("GET", "webhooks")

    def limits(self, **values):
        return self.call("POST", "limits", json=values)

    def advance(self, seconds):
        return self.call("POST", "clock", json={"advance": seconds})

    def consent(self, authorize_url, tenant_ids=None):
        """Play the user on Xero's consent page; return the redirect URL with code and state."""
        page = requests.get(authorize_url, timeout=30)
        page.raise_for_status()
        parser = _FormParser()
        parser.feed(page.text)
        fields = [(k, v) for k, v in parser.fields if k != "tenant_ids"]
        chosen = tenant_ids if tenant_ids is not None else [v for k, v in parser.fields if k == "tenant_ids"]
        fields += [("tenant_ids", t) for t in chosen]
        action = urljoin(authorize_url, parser.action or urlparse(authorize_url).path)
        resp = requests.post(action, data=fields, allow_redirects=False, timeout=30)
        assert resp.status_code in (302, 303), f"consent answered {resp.status_code}: {resp.text[:500]}"
        return resp.headers["Location"]
