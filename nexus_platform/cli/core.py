"""`nexus refresh` and `nexus status`: the platform without the UI."""

from __future__ import annotations

import json
import sys
from collections import Counter

from nexus_platform.settings import NexusPaths


def register(subparsers) -> None:
    refresh = subparsers.add_parser(
        "refresh", help="convert new/changed landing files and refresh everything stale, once"
    )
    refresh.add_argument("-q", "--quiet", action="store_true", help="only the summary")
    refresh.set_defaults(func=run_refresh)
    status = subparsers.add_parser("status", help="one line per landing file")
    status.add_argument("--json", action="store_true", help="one JSON object per line")
    status.set_defaults(func=run_status)
    seed = subparsers.add_parser(
        "seed", help="copy the sample landing folder into NEXUS_HOME if its landing is empty"
    )
    seed.add_argument("--source", help="folder to copy (default: the repo's sample_data/landing)")
    seed.set_defaults(func=run_seed)


def run_refresh(args) -> int:
    from nexus_platform.definitions import build_definitions
    from nexus_platform.refresh import open_instance, refresh

    defs = build_definitions(with_warehouse=True)
    assert defs.resources is not None  # build_definitions always wires the resources
    paths: NexusPaths = defs.resources["storage"].paths()
    _print_configuration_errors(paths)
    with open_instance(paths) as instance:
        log = (lambda *_: None) if args.quiet else print
        summary = refresh(defs, instance, log=log, quiet=args.quiet)
    print(
        f"converted: {len(summary.converted)}  unchanged: {summary.unchanged}  "
        f"quarantined: {len(summary.quarantined)}  pending: {len(summary.pending)}  "
        f"deleted: {summary.deleted}  runs: {summary.runs}"
    )
    for entry in summary.quarantined:
        error = entry.error or {}
        print(f"  quarantined {entry.path}: {error.get('class')}: {error.get('message')}")
    for key, why in summary.pending:
        print(f"  pending {key}: {why} (tried again later)")
    if summary.downstream:
        print(f"downstream refreshed: {', '.join(summary.downstream)}")
    if summary.failed_runs:
        print(f"failed runs (see the Dagster UI): {', '.join(summary.failed_runs)}")
        return 1
    # Quarantined files are the data's problem, not the platform's: exit 0.
    return 0


def run_status(args) -> int:
    from nexus_platform.refresh import status_lines

    paths = NexusPaths.from_env()
    _print_configuration_errors(paths, to=sys.stderr if args.json else sys.stdout)
    lines = status_lines(paths)
    if args.json:
        for line in lines:
            print(json.dumps(line, ensure_ascii=False))
        return 0
    for line in lines:
        error = line["error"]
        if line["status"] == "pending":
            detail = f"{line['reason']} (attempt {line['attempts']} of {line['max_attempts']})"
        elif error:
            detail = f"{error['class']}: {error['message']}"
        else:
            detail = f"{len(line['tables'])} table(s), {line.get('reader') or '?'}"
            if line.get("ocr"):
                detail += f", OCR {line['ocr']['engine']} {line['ocr']['version']}"
            if line.get("members"):
                detail += f", {len(line['members'])} member(s)"
        print(f"{line['status']:<12} {line['path']}  {detail}")
    counts = Counter(line["status"] for line in lines)
    print(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "no landing files")
    return 0


def _print_configuration_errors(paths: NexusPaths, to=None) -> None:
    """Files that do not validate come first: what they define is missing from what follows."""
    from nexus_platform.configuration import check_configuration, error_lines

    for line in error_lines(check_configuration(paths)):
        print(line, file=to)


def run_seed(args) -> int:
    import shutil
    from pathlib import Path

    from nexus_platform.refresh import open_instance

    paths = NexusPaths.from_env()
    source = (
        Path(args.source)
        if args.source
        else Path(__file__).resolve().parents[2] / "sample_data" / "landing"
    )
    landing = Path(paths.landing.path)
    if landing.is_dir() and any(landing.iterdir()):
        print(f"landing folder {landing} already has files: left as it is")
    elif not source.is_dir():
        print(f"nexus: error: no sample folder at {source}", file=__import__("sys").stderr)
        return 2
    else:
        shutil.copytree(source, landing, dirs_exist_ok=True)
        count = sum(1 for p in landing.rglob("*") if p.is_file())
        print(f"copied {count} sample files into {landing}")
    open_instance(paths).dispose()  # creates DAGSTER_HOME and its dagster.yaml
    return 0
