"""`nexus kb stats` and `nexus kb show ID`: the knowledge base from the command line."""

from __future__ import annotations

import json

from nexus_platform.settings import NexusPaths


def register(subparsers) -> None:
    kb = subparsers.add_parser("kb", help="the knowledge base (records of tables and documents)")
    commands = kb.add_subparsers(dest="kb_command", metavar="KB_COMMAND")
    stats = commands.add_parser("stats", help="records per top-level folder and file type")
    stats.add_argument("--json", action="store_true", help="print the counts as JSON")
    stats.set_defaults(func=run_stats)
    show = commands.add_parser("show", help="print one record by id")
    show.add_argument("id", help="record id (the `id` field of knowledgebase.jsonl)")
    show.set_defaults(func=run_show)
    kb.set_defaults(func=lambda _args: (kb.print_help(), 2)[1])


def _crosstab(table) -> tuple[dict[str, dict[str, int]], list[str]]:
    from nexus_platform.knowledge.build import counts_by

    types = list(counts_by(table, "file_type"))
    rows: dict[str, dict[str, int]] = {}
    source = table.column("source").to_pylist()
    for item in source:
        topic = item["folders"][0] if item["folders"] else "(root)"
        counts = rows.setdefault(topic, dict.fromkeys(types, 0))
        counts[item["file_type"] or "(none)"] += 1
    return dict(sorted(rows.items())), types


def run_stats(args) -> int:
    from nexus_platform.knowledge.query import load_for_stats

    table = load_for_stats(NexusPaths.from_env())
    rows, types = _crosstab(table)
    duplicates = table.num_rows - table.column("duplicate_of").null_count
    if args.json:
        print(json.dumps({"records": table.num_rows, "duplicates": duplicates, "by_topic": rows}))
        return 0
    width = max([len("top-level folder"), *(len(t) for t in rows)])
    header = f"{'top-level folder':<{width}}  " + "  ".join(f"{t:>7}" for t in types)
    print(header + f"  {'total':>8}")
    print("-" * (len(header) + 10))
    for topic, counts in rows.items():
        cells = "  ".join(f"{counts[t]:>7}" for t in types)
        print(f"{topic:<{width}}  {cells}  {sum(counts.values()):>8}")
    totals = "  ".join(f"{sum(c[t] for c in rows.values()):>7}" for t in types)
    print(f"{'total':<{width}}  {totals}  {table.num_rows:>8}")
    print(f"exact duplicates: {duplicates}")
    return 0


def run_show(args) -> int:
    from nexus_platform.knowledge.query import find_record

    record = find_record(NexusPaths.from_env(), args.id)
    if record is None:
        print(f"nexus kb show: no record with id {args.id!r}")
        return 1
    print(json.dumps(record, ensure_ascii=False, indent=2))
    return 0
