"""The quarantine at a glance: which landing files did not convert, and why."""

from __future__ import annotations

from collections import Counter

import dagster as dg

from nexus_platform.asset_keys import PARQUET_TABLES, QUARANTINE_LEDGER
from nexus_platform.automation import FROM_CONVERTED_FILES
from nexus_platform.ingest.ledger import MAX_ATTEMPTS, Ledger
from nexus_platform.resources.storage import NexusStorage

CHECK_NAME = "no_quarantined_files"
_LISTED = 200  # rows shown in the UI; the whole ledger is in ledger.parquet


@dg.asset(
    key=QUARANTINE_LEDGER,
    deps=[PARQUET_TABLES],
    automation_condition=FROM_CONVERTED_FILES,
    check_specs=[
        dg.AssetCheckSpec(
            CHECK_NAME,
            asset=QUARANTINE_LEDGER,
            description="Warns while any landing file is quarantined or waiting for a retry, "
            "listing each with its reason.",
        )
    ],
    group_name="ingest",
    kinds={"parquet"},
)
def quarantine_ledger(storage: NexusStorage):
    """Every landing file the platform could not convert (quarantined, with the class and the
    message of the error) and every file waiting for a retry after a passing error (disk full,
    permissions), in one table: `ledger/ledger.parquet`. The partitions of `parquet_tables`
    show the same per file; this is the list to work through."""
    paths = storage.paths()
    ledger = Ledger(paths)
    table = ledger.compact()
    rows = table.to_pylist()
    quarantined = [r for r in rows if r["status"] == "quarantined"]
    pending = ledger.pending_attempts()
    by_class = Counter(r["error_class"] for r in quarantined)
    metadata = {
        "dagster/row_count": len(quarantined),
        "files": len(rows),
        "converted": sum(r["status"] == "converted" for r in rows),
        "quarantined": len(quarantined),
        "pending": len(pending),
        "by_error_class": dg.MetadataValue.json(dict(sorted(by_class.items()))),
        "quarantined_files": dg.MetadataValue.md(_markdown(quarantined)),
        "path": dg.MetadataValue.path(str(paths.ledger / "ledger.parquet")),
    }
    if pending:
        metadata["pending_files"] = dg.MetadataValue.md(
            "| file | reason | attempt |\n|---|---|---|\n"
            + "\n".join(
                f"| {a.path} | {a.reason}: {_cell(a.message)} | {a.count} of {MAX_ATTEMPTS} |"
                for a in pending[:_LISTED]
            )
        )
    yield dg.MaterializeResult(metadata=metadata)
    listed = [f"{r['path']} ({r['error_class']})" for r in quarantined[:20]]
    listed += [f"{a.path} (pending: {a.reason})" for a in pending[:20]]
    yield dg.AssetCheckResult(
        check_name=CHECK_NAME,
        passed=not quarantined and not pending,
        severity=dg.AssetCheckSeverity.WARN,
        description=(
            f"{len(quarantined)} quarantined, {len(pending)} pending: " + "; ".join(listed)
            if listed
            else "every landing file converted"
        ),
        metadata={"quarantined": len(quarantined), "pending": len(pending)},
    )


def _cell(text: str | None) -> str:
    text = (text or "").replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= 160 else text[:159] + "…"


def _markdown(rows: list[dict]) -> str:
    if not rows:
        return "_No landing file is quarantined._"
    lines = ["| file | class | reason |", "|---|---|---|"]
    lines += [
        f"| {r['path']} | {r['error_class']} | {_cell(r['error_message'])} |"
        for r in rows[:_LISTED]
    ]
    if len(rows) > _LISTED:
        lines.append(f"| … {len(rows) - _LISTED} more in ledger.parquet | | |")
    return "\n".join(lines)


def build_defs() -> dg.Definitions:
    return dg.Definitions(assets=[quarantine_ledger])
