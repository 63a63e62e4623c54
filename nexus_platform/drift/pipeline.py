"""From a landed file to its drift reports: which tables the configuration covers, their
references, and the baseline kept for `reference: previous`."""

from __future__ import annotations

from dataclasses import dataclass

from upath import UPath

from nexus_platform.drift.config import DriftConfig, TableRule
from nexus_platform.drift.reference import (
    ReferenceError,
    load_reference,
    read_table,
    record_baseline,
    table_id,
)
from nexus_platform.drift.report import check_table
from nexus_platform.drift.results import DriftReport
from nexus_platform.ingest.ledger import Ledger
from nexus_platform.settings import NexusPaths


@dataclass(frozen=True)
class CheckTarget:
    relpath: str  # landing path of the file
    table: str  # table name inside the file
    path: str  # Parquet URI
    rule: TableRule

    @property
    def table_id(self) -> str:
        return table_id(self.relpath, self.table)


def targets_for(paths: NexusPaths, config: DriftConfig, relpath: str) -> list[CheckTarget]:
    """The converted tables of one landing file that a rule in the configuration covers."""
    entry = Ledger(paths).get(relpath)
    if entry is None or entry.status != "converted":
        return []
    found = []
    for ref in entry.tables:
        if ref.kind != "table":
            continue
        rule = config.rule_for(relpath, ref.name)
        if rule is not None:
            found.append(CheckTarget(relpath, ref.name, ref.path, rule))
    return found


def accepted(report: DriftReport, override: bool = False) -> bool:
    """Whether models may train on this version: integrity held and drift held (or the user
    explicitly overrode the drift gate)."""
    return report.integrity_ok and (report.drift_ok or override)


def check_target(
    paths: NexusPaths, target: CheckTarget, *, embedder=None, override: bool = False
) -> DriftReport:
    """Check one landed table against its configured reference, write the report, and make
    an accepted version the new baseline for `reference: previous`."""
    rule = target.rule
    incoming = read_table(UPath(target.path))
    notes: list[str] = []
    reference = source = error = None
    try:
        reference, source, note = load_reference(
            rule.reference, paths, target.table_id, target.table
        )
        notes.append(f"reference: {note}")
    except ReferenceError as exc:
        error = str(exc)
    report = check_table(
        incoming,
        reference,
        table=target.table_id,
        settings=rule.settings,
        label=rule.label,
        text=rule.text,
        ignore=rule.ignore,
        incoming_source=target.path,
        reference_source=source,
        reports_root=paths.reports,
        embedder=embedder,
        notes=tuple(notes),
        reference_error=error,
    )
    if rule.reference.kind == "previous" and accepted(report, override):
        record_baseline(paths, target.table_id, incoming)
    return report
