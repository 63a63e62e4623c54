"""`nexus search "query" [-k 10] [--mode hybrid|dense|lexical] [--where key=value ...] [--json]`.

Uses the running search service (`nexus serve`) when there is one for this NEXUS_HOME, and
loads the indexes and the model in this process otherwise (`--local` forces that). Filters
are checked before the model loads: a filter that matches nothing answers at once.
"""

from __future__ import annotations

import argparse
import json
import os
import sys


def register(subparsers) -> None:
    from nexus_platform.search.engine import DEFAULT_MODE, MODES

    parser = subparsers.add_parser(
        "search",
        help="hybrid search over the knowledge base",
        description="Find the knowledge records that match a query, by exact words (BM25) and "
        "by meaning (embeddings), fused.",
    )
    parser.add_argument("query", help="what to look for, in plain words or exact codes")
    parser.add_argument("-k", type=int, default=10, help="number of results (default 10)")
    parser.add_argument(
        "--mode", choices=MODES, default=DEFAULT_MODE, help=f"default {DEFAULT_MODE}"
    )
    parser.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="filter, repeatable (AND): folder=a/b, file_type=pdf, topic=<label>, "
        "<task>=<label> (e.g. esg_sentiment=negative)",
    )
    parser.add_argument("--folder", help="same as --where folder=FOLDER")
    parser.add_argument("--file-type", dest="file_type", help="same as --where file_type=TYPE")
    parser.add_argument("--json", action="store_true", help="one JSON object per line, best first")
    parser.add_argument(
        "--local", action="store_true", help="do not use the running service (load the model here)"
    )
    parser.set_defaults(func=handle_search)


def _snippet(text: str, width: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _labels(annotations: dict) -> str:
    parts = []
    for name, value in annotations.items():
        if name == "topics":
            parts += [f"topic:{t['label']}" for t in value]
        elif isinstance(value, dict) and value.get("label"):
            parts.append(f"{name}:{value['label']}")
    return "  ".join(parts)


def _via_service(paths, args, where: list[str]) -> dict | None:
    """The service's answer, or None when no service runs for this NEXUS_HOME."""
    from nexus_platform.search.service import ServiceError, discover

    client = discover(paths, os.environ.get("NEXUS_API_KEY") or None)
    if client is None:
        return None
    try:
        return client.search(args.query, args.k, args.mode, where)
    except ServiceError as exc:
        if exc.status in (401, 403):
            print(
                f"nexus search: the service at {client.url} refused the request ({exc}); "
                "searching in this process",
                file=sys.stderr,
            )
            return None
        raise


def handle_search(args: argparse.Namespace) -> int:
    import requests

    from nexus_platform.search.engine import NotReady, SearchEngine
    from nexus_platform.search.filters import FilterError, parse_where
    from nexus_platform.search.service import ServiceError, location_from_env
    from nexus_platform.settings import NexusPaths

    paths = NexusPaths.from_env()
    where = list(args.where)
    where += [f"folder={args.folder}"] if args.folder else []
    where += [f"file_type={args.file_type}"] if args.file_type else []
    try:
        where = [str(w) for w in parse_where(where)]
        answer = None if args.local else _via_service(paths, args, where)
        if answer is None:
            engine = SearchEngine(paths, location_from_env())
            answer = engine.search(args.query, k=args.k, mode=args.mode, where=where).to_dict()
    except (
        NotReady,
        FilterError,
        ValueError,
        OSError,
        ServiceError,
        requests.RequestException,
    ) as exc:
        print(f"nexus search: {exc}", file=sys.stderr)
        return 2
    results = answer["results"]
    if answer.get("empty_reason"):
        print(f"no results: {answer['empty_reason']}", file=sys.stderr)
    if answer.get("stale"):
        print(
            f"note: the {' and '.join(answer['stale'])} index is older than the knowledge base",
            file=sys.stderr,
        )
    if args.json:
        for result in results:
            print(json.dumps(result, ensure_ascii=False, default=str))
        return 0
    if not results:
        if not answer.get("empty_reason"):
            print("no matching records")
        return 0
    for rank, hit in enumerate(results, 1):
        source = hit["source"]
        folders = "/".join(source.get("folders") or []) or "-"
        place = "".join(
            f" {name} {source[name]}" for name in ("page", "row") if source.get(name) is not None
        )
        print(f"{rank:>2}. {hit['score']:.3f}  {source.get('path')}{place}  [{folders}]")
        print(f"    {_snippet(hit['text'])}")
        labels = _labels(hit.get("annotations") or {})
        if labels:
            print(f"    {labels}")
    return 0
