"""The command line.

Run:  python emulator/meshgov_emulator --host 127.0.0.1 --port 5000
  or, with emulator/ on the path:  python -m meshgov_emulator --host 127.0.0.1 --port 5000
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from typing import Any

if not __package__:
    # Run as a directory (`python emulator/meshgov_emulator`): Python put the package's own
    # directory first on sys.path, where its modules would be importable by their bare names and
    # could shadow others. Its parent goes there instead, so that it is imported as a package.
    sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

from meshgov_emulator.app import make_app  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="moto with AWS-like behaviour for meshgov tests")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000, help="0 picks a free port")
    parser.add_argument("--log-requests", action="store_true", help="log every HTTP request to stderr")
    args = parser.parse_args(argv)

    from werkzeug.serving import make_server
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if not args.log_requests:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)

    app = make_app()
    # make_server(threaded=True) is the server werkzeug's run_simple(threaded=True)
    # starts; used directly so the ready line is printed once the socket is bound
    # and --port 0 can report the port it got.
    server = make_server(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)
    port = server.server_address[1]
    os.environ.setdefault("MOTO_PORT", str(port))

    def stop(signum: int, frame: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"meshgov-emulator ready on http://{args.host}:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
