"""`nexus serve [--host 127.0.0.1] [--port 8700]`: the search service (API + web page)."""

from __future__ import annotations

import argparse
import os
import sys


def register(subparsers) -> None:
    from nexus_platform.search.service import DEFAULT_HOST, DEFAULT_PORT

    parser = subparsers.add_parser(
        "serve",
        help="the search service: HTTP API and web page, model loaded once",
        description="Serve hybrid search over the knowledge base: a web page at /, the API "
        "under /api (OpenAPI at /docs). With NEXUS_API_KEY set, every path but /health needs "
        "'Authorization: Bearer <key>'. `nexus search` uses the running service.",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address (default {DEFAULT_HOST})")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any)"
    )
    parser.set_defaults(func=handle_serve)


def handle_serve(args: argparse.Namespace) -> int:
    from nexus_platform.search.service import serve
    from nexus_platform.settings import NexusPaths

    # Requests alternate between torch's thread pool (the query embedding) and the vector scan:
    # OpenMP threads that spin while idle steal the CPU the next step needs. Passive waiting
    # took a query embedding + 100k-vector scan from 338 ms to 23 ms (median) on a busy 2-core
    # machine. Read when OpenMP starts, so it is set before torch is imported.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    api_key = os.environ.get("NEXUS_API_KEY") or None
    if args.host not in ("127.0.0.1", "localhost", "::1") and not api_key:
        print(
            f"nexus serve: warning: listening on {args.host} without NEXUS_API_KEY: anyone "
            "who reaches this machine can read the knowledge base",
            file=sys.stderr,
        )
    try:
        serve(NexusPaths.from_env(), host=args.host, port=args.port, api_key=api_key)
    except OSError as exc:
        print(f"nexus serve: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: uvicorn has shut down cleanly and re-raised it
        pass
    return 0
