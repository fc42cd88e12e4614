"""A stateful local Xero: identity (OAuth2) and Accounting API, for xero-python clients.

    from xero_sandbox import SandboxServer
    srv = SandboxServer(host="127.0.0.1", port=0).start()
    ...  # srv.url is the base URL of login, identity and API alike
    srv.stop()

See README.md for what is implemented and the ``/_sandbox/`` control API.
"""

from .server import App, SandboxServer

__all__ = ["App", "SandboxServer"]
