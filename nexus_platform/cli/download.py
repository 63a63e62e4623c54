"""`nexus download oekobaudat`: fetch ÖKOBAUDAT into the landing folder without the UI."""

from __future__ import annotations

import os
import sys

from nexus_platform.settings import NexusPaths


def register(subparsers) -> None:
    download = subparsers.add_parser("download", help="download an external source into landing/")
    sources = download.add_subparsers(dest="source", metavar="SOURCE", required=True)
    oeko = sources.add_parser(
        "oekobaudat",
        help="ÖKOBAUDAT process list (soda4LCA API) -> landing/external/oekobaudat/",
    )
    oeko.add_argument(
        "--base-url",
        default=os.environ.get("OEKOBAUDAT_BASE_URL"),
        help="soda4LCA resource URL (default: OEKOBAUDAT_BASE_URL or the public ÖKOBAUDAT)",
    )
    oeko.add_argument(
        "--datastock",
        default=os.environ.get("OEKOBAUDAT_DATASTOCK"),
        help="data stock UUID (default: the newest ÖKOBAUDAT release listed by the service)",
    )
    oeko.add_argument("--page-size", type=int, default=500)
    oeko.add_argument(
        "--extended",
        action="store_true",
        help="also fetch each process's full data set for the LCIA indicators (one request each)",
    )
    oeko.add_argument("--limit", type=int, help="with --extended: at most this many processes")
    oeko.set_defaults(func=run_oekobaudat)


def run_oekobaudat(args) -> int:
    from nexus_platform.sources.oekobaudat import (
        CITATION,
        DEFAULT_BASE_URL,
        OekobaudatConfig,
        OekobaudatError,
        download_processes,
    )
    from nexus_platform.sources.oekobaudat_lcia import download_lcia

    paths = NexusPaths.from_env()
    config = OekobaudatConfig(
        base_url=args.base_url or DEFAULT_BASE_URL,
        datastock=args.datastock,
        page_size=args.page_size,
    )
    try:
        result = download_processes(paths, config)
        state = "unchanged" if result.unchanged else "written"
        print(
            f"ÖKOBAUDAT data stock {result.data_stock.short_name or result.data_stock.uuid}: "
            f"{result.rows} processes {state} to {result.path} "
            f"({result.pages_fetched} pages fetched, {result.pages_from_cache} from cache)"
        )
        for note in result.notes:
            print(f"  note: {note}")
        if args.extended:
            lcia = download_lcia(paths, config, limit=args.limit)
            print(
                f"LCIA: {lcia.rows} indicator values of {lcia.processes} processes to {lcia.path} "
                f"({lcia.processes_without_lcia} without LCIA results)"
            )
    except OekobaudatError as exc:
        print(f"nexus download oekobaudat: {exc}", file=sys.stderr)
        return 1
    print(f"Source: {CITATION}")
    return 0
