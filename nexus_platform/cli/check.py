"""`nexus check PATH`: the incoming-data checks on any file, from the command line.

Without `--reference` the file is checked against the reference `config/drift.yaml` gives it
(PATH matched as a landing path); with `--reference REF` against that table. Exit code 1
when a blocking check fails (integrity, or drift above its threshold), 0 otherwise. The run
reads the baseline of `reference: previous` but never replaces it: only the pipeline accepts
versions.
"""

from __future__ import annotations

import json
from pathlib import Path

from nexus_platform.settings import NexusPaths


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "check",
        help="integrity and drift checks of a table against its reference (deepchecks)",
        description=__doc__.split("\n\n")[1],
    )
    parser.add_argument("path", help="the table: a landing path, a Parquet/CSV/TSV/JSONL/XLSX file")
    parser.add_argument(
        "--reference", help="compare against this table instead of the configured one"
    )
    parser.add_argument("--label", help="label column (default: from the configuration)")
    parser.add_argument(
        "--text",
        nargs="+",
        action="extend",
        metavar="COL",
        help="text column(s) for embedding drift",
    )
    parser.add_argument("--table", help="which table of a multi-table landed file (e.g. a sheet)")
    parser.add_argument("--config", help="drift configuration (default: config/drift.yaml)")
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object instead of a table"
    )
    parser.set_defaults(func=run_check)


def _landing_relpath(paths: NexusPaths, raw: str) -> str:
    """PATH as the landing folder names it, for matching the configuration's globs."""
    candidate = Path(raw).expanduser()
    if candidate.exists():
        try:
            return candidate.resolve().relative_to(Path(paths.landing.path).resolve()).as_posix()
        except (ValueError, NotImplementedError):
            return candidate.name
    relative = raw.strip().lstrip("/")
    return relative[len("landing/") :] if relative.startswith("landing/") else relative


def _incoming(paths: NexusPaths, raw: str, relpath: str, table: str | None):
    """(frame, where it came from, table name): the converted Parquet when the file has
    landed, else the file itself."""
    from nexus_platform.drift.reference import ledger_table, read_table

    ref = ledger_table(paths, relpath, table)
    if ref is not None:
        return read_table(ref.path), ref.path, ref.name
    candidate = Path(raw).expanduser()
    if not candidate.exists():
        candidate = Path(paths.landing.path) / relpath
    if not candidate.exists():
        raise FileNotFoundError(f"{raw}: no such file, and no converted landing file of that name")
    return read_table(str(candidate.resolve())), str(candidate.resolve()), table or ""


def run_check(args) -> int:
    from nexus_platform.drift.config import CheckSettings, Reference, load_config
    from nexus_platform.drift.reference import ReferenceError, load_reference, table_id
    from nexus_platform.drift.report import check_table

    paths = NexusPaths.from_env()
    relpath = _landing_relpath(paths, args.path)
    incoming, source, table = _incoming(paths, args.path, relpath, args.table)
    tid = table_id(relpath, table)
    rule = load_config(args.config).rule_for(relpath, table or None)
    if args.reference:
        reference_spec = Reference("table", args.reference)
    elif rule is not None:
        reference_spec = rule.reference
    else:
        raise ValueError(
            f"no rule in {args.config or 'config/drift.yaml'} covers {relpath!r}: "
            "pass --reference REF or add a rule"
        )
    label = args.label or (rule.label if rule else None)
    text = tuple(args.text or (rule.text if rule else ()))
    reference = reference_source = error = None
    notes: list[str] = []
    try:
        reference, reference_source, note = load_reference(
            reference_spec, paths, tid, table or None
        )
        notes.append(f"reference: {note}")
    except ReferenceError as exc:
        error = str(exc)
    report = check_table(
        incoming,
        reference,
        table=tid,
        settings=rule.settings if rule else CheckSettings(),
        label=label,
        text=text,
        ignore=rule.ignore if rule else (),
        incoming_source=source,
        reference_source=reference_source,
        reports_root=paths.reports,
        notes=tuple(notes),
        reference_error=error,
    )
    if args.json:
        print(json.dumps(json_result(report), default=str))
    else:
        print(text_result(report))
    return 0 if report.integrity_ok and report.drift_ok else 1


def json_result(report) -> dict:
    """One object: integrity results, per-column drift, label and embedding drift, the
    drifted columns, thresholds and the report path."""
    summary = report.summary()
    return {
        "table": report.table,
        "incoming": report.incoming,
        "reference": report.reference,
        "rows": {"incoming": report.incoming_rows, "reference": report.reference_rows},
        "passed": report.integrity_ok and report.drift_ok,
        "integrity_ok": report.integrity_ok,
        "drift_ok": report.drift_ok,
        "integrity": summary["integrity"],
        "drift_checks": summary["drift"],
        "column_drift": report.column_drift,
        "label_drift": report.label_drift,
        "embedding_drift": report.embedding_drift,
        "drifted_columns": report.drifted_columns,
        "thresholds": report.thresholds,
        "sampling": report.sampling,
        "notes": report.notes,
        "report": report.report_html,
        "summary": report.summary_json,
    }


def text_result(report) -> str:
    rows = [
        (o.name, o.status.upper() if o.failed else o.status, o.message)
        for o in report.integrity + report.drift
    ]
    width = max(len(r[0]) for r in rows) if rows else 10
    lines = [
        f"{report.table}: {report.incoming_rows} rows vs reference {report.reference or '(none)'}"
    ]
    lines += [f"  {name:<{width}}  {status:<15}  {message}" for name, status, message in rows]
    if report.column_drift:
        lines.append("  column drift (score / threshold):")
        for column, d in sorted(
            report.column_drift.items(), key=lambda kv: -(kv[1].get("score") or 0)
        ):
            flag = "  DRIFT" if d.get("drifted") else ""
            score = "-" if d.get("score") is None else f"{d['score']:.3f}"
            lines.append(f"    {column:<{width}}  {score} / {d.get('threshold', '-')}{flag}")
    lines += [f"  note: {n}" for n in report.notes]
    lines.append(f"  drifted columns: {', '.join(report.drifted_columns) or 'none'}")
    lines.append(f"  report: {report.report_html}")
    verdict = "PASSED" if report.integrity_ok and report.drift_ok else "FAILED"
    lines.append(f"  {verdict}")
    return "\n".join(lines)
