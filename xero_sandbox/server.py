"""HTTP serving: the :class:`App` that routes requests, and :class:`SandboxServer`.

One origin serves everything: the consent page and token endpoints (Xero's
login and identity hosts), ``/connections`` and ``/api.xro/2.0`` (Xero's API
host), and the control API under ``/_sandbox/``.
"""

import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from . import wire
from .api import API_PREFIX, AccountingApi
from .control import Control
from .faults import FaultQueue
from .idempotency import IdempotencyStore
from .limits import RateLimiter
from .oauth import OAuth
from .requestlog import RequestLog
from .resources.attachments import MAX_BYTES as ATTACHMENT_MAX_BYTES
from .state import State

MAX_BODY = 3_500_000  # Xero refuses requests over 3.5 MB
# An attachment upload's body is the file: read up to this, the resource answers Xero's 413 beyond
# its own limit (resources/attachments.py)
MAX_ATTACHMENT_BODY = 3 * ATTACHMENT_MAX_BYTES
CONTROL_PREFIX = "/_sandbox/"


class App:
    """The whole sandbox, independent of sockets: ``handle(Request) -> Response``."""

    def __init__(self, state_file=None):
        self.state = State(state_file)
        self.limiter = RateLimiter(self.state)
        self.faults = FaultQueue(self.state.lock)
        self.idempotency = IdempotencyStore(self.state)
        self.log = RequestLog(self.state.lock)
        self.oauth = OAuth(self)
        self.api = AccountingApi(self)
        self.control = Control(self)

    @staticmethod
    def is_control(path):
        return (path + "/").startswith(CONTROL_PREFIX)

    def take_fault(self, method, path, body=b""):
        """The injected fault for this request, if any (never for the control API)."""
        return None if self.is_control(path) else self.faults.take(method, path, body)

    def handle(self, req, fault=None):
        try:
            if self.is_control(req.path):
                resp = self.control.handle(req)
            elif req.path.lower().startswith(API_PREFIX.lower()):
                resp = self.api.handle(req, fault)
            else:
                resp = self._identity(req, fault)
        except Exception:  # a bug: answer 500 as Xero would, and say why on stderr
            traceback.print_exc(file=sys.stderr)
            resp = wire.Response.json(500, wire.problem(500, "An error occurred", "Internal sandbox error"))
        if fault and fault.drop == "after":
            resp.drop = True
        if not self.is_control(req.path):
            self.log.add(req, None if resp.drop else resp.status, self.state.now(),
                         replayed=resp.replayed, dropped="after" if resp.drop else None)
        if req.method != "GET":
            self.state.save()
        if fault and fault.hold:
            time.sleep(fault.hold)  # applied, logged and saved: the answer waits
        return resp

    def _identity(self, req, fault):
        if fault and fault.delay:
            time.sleep(fault.delay)
        if fault and fault.status:
            return fault.response()
        return self.oauth.handle(req) or wire.not_found()

    def log_dropped(self, req):
        """A request whose connection was dropped before it was read."""
        self.log.add(req, None, self.state.now(), dropped="before")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "XeroSandbox/1.0"
    timeout = 300  # seconds an idle keep-alive connection keeps its thread

    def _serve(self):
        app = self.server.app
        split = urlsplit(self.path)
        req = wire.Request(self.command, split.path, split.query, dict(self.headers.items()),
                           client_ip=self.client_address[0])
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._send(wire.Response.text(411, "Length Required"), close=True)
        length = int(self.headers.get("Content-Length") or 0)
        if length > (MAX_ATTACHMENT_BODY if "/attachments/" in split.path.lower() else MAX_BODY):
            return self._send(wire.Response.text(413, "Request Entity Too Large"), close=True)
        req.body = self.rfile.read(length)
        fault = app.take_fault(req.method, req.path, req.body)  # after the body: rules may match on it
        if fault and fault.drop == "before":
            app.log_dropped(req)
            self.close_connection = True
            return
        resp = app.handle(req, fault)
        if resp.drop:
            self.close_connection = True
            return
        self._send(resp)

    def _send(self, resp, close=False):
        self.send_response(resp.status)
        for name, value in resp.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(resp.body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(resp.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve

    def log_message(self, format, *args):  # noqa: A002 (signature from the base class)
        if self.server.verbose:
            super().log_message(format, *args)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class SandboxServer:
    """The sandbox on a port; ``start()`` serves it from a background thread.

    >>> srv = SandboxServer(port=0); srv.start(); srv.url
    'http://127.0.0.1:54321'
    """

    def __init__(self, host="127.0.0.1", port=0, state_file=None, verbose=False):
        self.app = App(state_file)
        self._httpd = _HTTPServer((host, port), _Handler)
        self._httpd.app = self.app
        self._httpd.verbose = verbose
        self.host, self.port = host, self._httpd.server_address[1]
        self._thread = None

    @property
    def url(self):
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def state(self):
        return self.app.state

    def start(self):
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="xero-sandbox", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self):
        self._httpd.serve_forever()

    def stop(self):
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()
