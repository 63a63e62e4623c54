"""`nexus search "query" [-k 10] [--folder a/b] [--file-type pdf] [--json]`."""

from __future__ import annotations

import argparse
import json
import os
import sys


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "search",
        help="semantic search over the knowledge base",
        description="Find the knowledge records closest in meaning to a query.",
    )
    parser.add_argument("query", help="what to look for, in plain words")
    parser.add_argument("-k", type=int, default=10, help="number of results (default 10)")
    parser.add_argument("--folder", help="only records at or below this landing folder (a/b)")
    parser.add_argument("--file-type", dest="file_type", help="only records from this file type")
    parser.add_argument("--json", action="store_true", help="one JSON object per line, best first")
    parser.set_defaults(func=handle_search)


def _snippet(text: str, width: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def handle_search(args: argparse.Namespace) -> int:
    from nexus_platform.embeddings.index import IndexLocation
    from nexus_platform.embeddings.search import search
    from nexus_platform.settings import NexusPaths

    paths = NexusPaths.from_env()
    # A Qdrant server (production) when configured, the local collection otherwise.
    url = os.environ.get("QDRANT_URL")
    location = IndexLocation(url=url, api_key=os.environ.get("QDRANT_API_KEY")) if url else None
    try:
        hits = search(
            args.query,
            k=args.k,
            folder=args.folder,
            file_type=args.file_type,
            paths=paths,
            location=location,
        )
    except (LookupError, ValueError, OSError, RuntimeError) as exc:
        print(f"nexus search: {exc}", file=sys.stderr)
        return 2
    if args.json:
        for hit in hits:
            print(json.dumps(hit.to_dict(), ensure_ascii=False, default=str))
        return 0
    if not hits:
        print("no matching records")
        return 0
    for rank, hit in enumerate(hits, 1):
        source = hit.source
        folders = "/".join(source.get("folders") or []) or "-"
        print(f"{rank:>2}. {hit.score:.3f}  {source.get('path')}  [{folders}]")
        print(f"    {_snippet(hit.text)}")
    return 0
