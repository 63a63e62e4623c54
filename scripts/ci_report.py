"""The pull-request report: key metrics of a headless run and how they moved against main.

After `make demo` has refreshed NEXUS_HOME, this collects
  - landing files converted / quarantined / pending (`nexus status --json`),
  - the knowledge base's size (NEXUS_HOME/knowledgebase/knowledgebase.jsonl),
  - the latest drift summary of every checked table (NEXUS_HOME/reports/<table>/<stamp>.json),
  - the latest model version of every task (`nexus models list --json`),
writes them as JSON (the artifact main keeps for later comparisons) and renders markdown with
the change against a baseline JSON from main. A section whose source is missing (a command
this build does not have, no knowledge base yet) says so instead of failing the report.

Standard library only: it runs before, and independently of, the project's environment.

    python scripts/ci_report.py --home .nexus --baseline main/metrics.json \
        --metrics-out metrics.json --out report.md
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

MAX_QUARANTINED_LISTED = 20
COMMAND_TIMEOUT_S = 600


class CommandMissing(Exception):
    """The `nexus` build has no such sub-command (argparse's `invalid choice`)."""


def run_json_lines(command: list[str], env: dict[str, str] | None = None) -> list[dict]:
    """Run a command that prints one JSON object per line; parse its output."""
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, env=env, timeout=COMMAND_TIMEOUT_S
        )
    except FileNotFoundError as exc:
        raise CommandMissing(f"{command[0]} not found") from exc
    if done.returncode != 0:
        if "invalid choice" in done.stderr:
            raise CommandMissing(f"`{shlex.join(command)}` is not available in this build")
        raise RuntimeError(
            f"`{shlex.join(command)}` exited {done.returncode}: {done.stderr.strip()[-500:]}"
        )
    return parse_json_lines(done.stdout, source=shlex.join(command))


def parse_json_lines(text: str, source: str) -> list[dict]:
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{source}: line {number} is not JSON: {exc.msg}") from exc
        if not isinstance(record, dict):
            raise ValueError(f"{source}: line {number} is not a JSON object")
        records.append(record)
    return records


def summarise_files(lines: list[dict]) -> dict[str, Any]:
    counts = Counter(str(line.get("status", "unknown")) for line in lines)
    quarantined = [
        {
            "path": line.get("path"),
            "class": (line.get("error") or {}).get("class"),
            "message": (line.get("error") or {}).get("message"),
        }
        for line in lines
        if line.get("status") == "quarantined"
    ]
    return {
        "total": len(lines),
        "converted": counts.get("converted", 0),
        "quarantined": counts.get("quarantined", 0),
        "pending": counts.get("pending", 0),
        "tables": sum(len(line.get("tables") or []) for line in lines),
        "quarantined_files": quarantined,
    }


def knowledgebase_size(home: Path) -> dict[str, int] | None:
    jsonl = home / "knowledgebase" / "knowledgebase.jsonl"
    if not jsonl.is_file():
        return None
    with jsonl.open("rb") as fh:
        records = sum(1 for line in fh if line.strip())
    parquet = jsonl.with_suffix(".parquet")
    return {
        "records": records,
        "jsonl_bytes": jsonl.stat().st_size,
        "parquet_bytes": parquet.stat().st_size if parquet.is_file() else 0,
    }


def drift_scores(home: Path) -> dict[str, dict[str, Any]]:
    """The newest drift summary of each table (file names are sortable UTC stamps)."""
    out: dict[str, dict[str, Any]] = {}
    reports = home / "reports"
    if not reports.is_dir():
        return out
    for folder in sorted(p for p in reports.iterdir() if p.is_dir()):
        for summary_file in sorted(folder.glob("*.json"), reverse=True):
            try:
                summary = json.loads(summary_file.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                continue
            if not isinstance(summary, dict) or "column_drift" not in summary:
                continue  # another kind of report in the same folder
            scores = {
                column: float(d["score"])
                for column, d in (summary.get("column_drift") or {}).items()
                if isinstance(d, dict) and d.get("score") is not None
            }
            label = summary.get("label_drift") or {}
            if label.get("score") is not None:
                scores[f"label:{label.get('column', 'label')}"] = float(label["score"])
            for column, d in (summary.get("embedding_drift") or {}).items():
                if isinstance(d, dict) and d.get("drift_score") is not None:
                    scores[f"embedding:{column}"] = float(d["drift_score"])
            out[str(summary.get("table") or folder.name)] = {
                "drift_ok": bool(summary.get("drift_ok", True)),
                "integrity_ok": bool(summary.get("integrity_ok", True)),
                "drifted_columns": list(summary.get("drifted_columns") or []),
                "max_score": max(scores.values()) if scores else None,
                "scores": scores,
            }
            break
    return out


def latest_models(lines: list[dict]) -> dict[str, dict[str, Any]]:
    """The newest version of each task with its metrics and worst robustness drop."""
    out: dict[str, dict[str, Any]] = {}
    for line in lines:
        task = str(line.get("task"))
        version = line.get("version") or 0
        if task in out and out[task]["version"] >= version:
            continue
        drops = line.get("robustness_drop") or {}
        out[task] = {
            "version": version,
            "kind": line.get("kind"),
            "metrics": {k: float(v) for k, v in (line.get("metrics") or {}).items()},
            "worst_robustness_drop": max(drops.values()) if drops else None,
        }
    return out


def collect(home: Path, nexus: list[str]) -> dict[str, Any]:
    env = {**os.environ, "NEXUS_HOME": str(home)}
    metrics: dict[str, Any] = {"home": str(home), "skipped": {}}
    try:
        metrics["files"] = summarise_files(run_json_lines([*nexus, "status", "--json"], env))
    except CommandMissing as exc:
        metrics["skipped"]["files"] = str(exc)
    kb = knowledgebase_size(home)
    if kb is None:
        metrics["skipped"]["knowledgebase"] = "no knowledgebase/knowledgebase.jsonl"
    else:
        metrics["knowledgebase"] = kb
    metrics["drift"] = drift_scores(home)
    if not metrics["drift"]:
        metrics["skipped"]["drift"] = "no drift summaries under reports/"
    try:
        metrics["models"] = latest_models(run_json_lines([*nexus, "models", "list", "--json"], env))
    except CommandMissing as exc:
        metrics["skipped"]["models"] = str(exc)
    return metrics


# --- markdown ------------------------------------------------------------------------------


def _number(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.{digits}f}"


def _change(current: Any, base: Any, digits: int = 3) -> str:
    if base is None or current is None or isinstance(current, bool):
        return ""
    diff = current - base
    if diff == 0:
        return "="
    text = f"{diff:+,}" if isinstance(diff, int) else f"{diff:+.{digits}f}"
    return text


def _row(name: str, current: Any, base: Any, digits: int = 3) -> str:
    return f"| {name} | {_number(current, digits)} | {_number(base, digits)} | {_change(current, base, digits)} |"


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _skipped(metrics: dict, section: str) -> str | None:
    reason = (metrics.get("skipped") or {}).get(section)
    return f"_Skipped: {_cell(reason)}._" if reason else None


def render(current: dict, baseline: dict | None = None, baseline_label: str = "main") -> str:
    base = baseline or {}
    lines = ["## Nexus Platform: metrics of this change", ""]
    lines.append(
        f"Compared with the last run on `{baseline_label}`."
        if baseline
        else f"No report from `{baseline_label}` to compare with yet: absolute values only."
    )
    header = ["", f"| metric | this change | {baseline_label} | change |", "|---|---:|---:|---:|"]

    lines += ["", "### Landing files"]
    files, base_files = current.get("files"), base.get("files") or {}
    if files is None:
        lines += ["", _skipped(current, "files") or "_No data._"]
    else:
        lines += header
        for key in ("total", "converted", "quarantined", "pending", "tables"):
            lines.append(_row(key, files.get(key), base_files.get(key)))
        quarantined = files.get("quarantined_files") or []
        if quarantined:
            lines += ["", "Quarantined:"]
            for item in quarantined[:MAX_QUARANTINED_LISTED]:
                lines.append(
                    f"- `{_cell(item.get('path'))}`: {_cell(item.get('class'))}: {_cell(item.get('message'))}"
                )
            if len(quarantined) > MAX_QUARANTINED_LISTED:
                lines.append(f"- … and {len(quarantined) - MAX_QUARANTINED_LISTED} more")

    lines += ["", "### Knowledge base"]
    kb, base_kb = current.get("knowledgebase"), base.get("knowledgebase") or {}
    if kb is None:
        lines += ["", _skipped(current, "knowledgebase") or "_No data._"]
    else:
        lines += header
        lines.append(_row("records", kb.get("records"), base_kb.get("records")))
        for key, label in (
            ("jsonl_bytes", "JSONL size (MB)"),
            ("parquet_bytes", "Parquet size (MB)"),
        ):
            now, before = kb.get(key), base_kb.get(key)
            lines.append(
                _row(
                    label,
                    None if now is None else now / 1e6,
                    None if before is None else before / 1e6,
                    2,
                )
            )

    lines += ["", "### Drift (latest report per table)"]
    drift, base_drift = current.get("drift") or {}, base.get("drift") or {}
    if not drift:
        lines += ["", _skipped(current, "drift") or "_No data._"]
    else:
        lines += [
            "",
            f"| table | drift ok | max score | {baseline_label} | change | drifted columns |",
            "|---|:---:|---:|---:|---:|---|",
        ]
        for table, d in sorted(drift.items()):
            before = (base_drift.get(table) or {}).get("max_score")
            change = (
                "new"
                if baseline and table not in base_drift
                else _change(d.get("max_score"), before)
            )
            lines.append(
                f"| `{_cell(table)}` | {'✅' if d.get('drift_ok') else '❌'} | "
                f"{_number(d.get('max_score'))} | {_number(before)} | {change} | "
                f"{_cell(', '.join(d.get('drifted_columns') or [])) or '–'} |"
            )

    lines += ["", "### Models (latest version per task)"]
    models, base_models = current.get("models"), base.get("models") or {}
    if models is None:
        lines += ["", _skipped(current, "models") or "_No data._"]
    elif not models:
        lines += ["", "_No promoted models._"]
    else:
        lines += [
            "",
            f"| task | version | metric | this change | {baseline_label} | change |",
            "|---|---:|---|---:|---:|---:|",
        ]
        for task, m in sorted(models.items()):
            before = base_models.get(task) or {}
            rows = dict(m.get("metrics") or {})
            rows["worst robustness drop"] = m.get("worst_robustness_drop")
            before_rows = dict(before.get("metrics") or {})
            before_rows["worst robustness drop"] = before.get("worst_robustness_drop")
            for metric, value in rows.items():
                change = (
                    "new"
                    if baseline and task not in base_models
                    else _change(value, before_rows.get(metric))
                )
                lines.append(
                    f"| `{_cell(task)}` | {m.get('version')} | {_cell(metric)} | {_number(value)} | "
                    f"{_number(before_rows.get(metric))} | {change} |"
                )
    return "\n".join(lines) + "\n"


def load_baseline(path: Path | None) -> dict | None:
    if path is None or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SystemExit(f"ci_report: baseline {path} is not JSON: {exc.msg}") from exc
    return data if isinstance(data, dict) else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--home",
        default=os.environ.get("NEXUS_HOME", ".nexus"),
        help="NEXUS_HOME of the run (default: $NEXUS_HOME or .nexus)",
    )
    parser.add_argument(
        "--nexus", default=".venv/bin/nexus", help="the nexus command (default: .venv/bin/nexus)"
    )
    parser.add_argument(
        "--metrics", type=Path, help="render these collected metrics instead of collecting"
    )
    parser.add_argument("--baseline", type=Path, help="metrics JSON of main to compare with")
    parser.add_argument("--baseline-label", default="main")
    parser.add_argument("--metrics-out", type=Path, help="write the collected metrics here")
    parser.add_argument("--out", type=Path, help="write the markdown here (default: stdout)")
    args = parser.parse_args(argv)

    if args.metrics:
        current = json.loads(args.metrics.read_text(encoding="utf-8"))
    else:
        current = collect(Path(args.home).resolve(), shlex.split(args.nexus))
    if args.metrics_out:
        args.metrics_out.write_text(json.dumps(current, indent=2, sort_keys=True), encoding="utf-8")
    report = render(current, load_baseline(args.baseline), args.baseline_label)
    if args.out:
        args.out.write_text(report, encoding="utf-8")
    else:
        sys.stdout.write(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
