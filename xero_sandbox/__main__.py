"""``python -m xero_sandbox --host 127.0.0.1 --port 8071 [--state FILE] [--verbose]``."""

import argparse
import signal
import sys

from .server import SandboxServer


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m xero_sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8071, help="0 picks a free port")
    parser.add_argument("--state", metavar="FILE",
                        help="load state from FILE at start, save it after every change")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    server = SandboxServer(args.host, args.port, state_file=args.state, verbose=args.verbose)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"xero_sandbox listening on {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
