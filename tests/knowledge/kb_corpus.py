"""Builders of a converted corpus: Parquet tables in the warehouse plus ledger entries,
exactly as the `parquet_tables` asset leaves them."""

from __future__ import annotations

import hashlib
import json

import pyarrow as pa
import pyarrow.parquet as pq

from nexus_platform.ingest.ledger import Ledger, LedgerEntry, TableRef

SENTIMENT_TEXTS = [
    "The new heat recovery system cut our gas use far more than the supplier promised.",
    "Residents complain that the night shift trucks still idle outside the school.",
    "Water discharge permits were renewed after the river monitoring showed no impact.",
    "Our scope 3 inventory now covers purchased clinker and outbound rail transport.",
    "Employees praised the safety training, although turnover in logistics stayed high.",
    "The board approved a science based target for a 42 percent cut by 2030.",
]

POLICY_SECTIONS = [
    (
        0,
        1,
        "Climate transition policy",
        ["Climate transition policy"],
        "This policy sets out how the group reaches net zero.\n\nIt applies to all plants.",
    ),
    (
        1,
        2,
        "Targets",
        ["Climate transition policy", "Targets"],
        "Scope 1 and 2 emissions fall by 42 percent by 2030 against 2019. "
        "Scope 3 emissions from purchased goods fall by 25 percent.",
    ),
    (2, 2, "Governance", ["Climate transition policy", "Governance"], ""),
]

REPORT_PAGES = [
    (1, "Sustainability report 2023\n\nRheintal Baustoffe GmbH"),
    (
        2,
        "Energy use fell by nine percent while output grew. "
        "The kiln line 2 conversion to alternative fuels was completed in October.",
    ),
]


class Corpus:
    """Writes converted files the way the ingest asset does; `put` again to change one."""

    def __init__(self, paths):
        self.paths = paths
        self.ledger = Ledger(paths)
        self.version: dict[str, int] = {}

    def put(
        self,
        relpath: str,
        tables: dict[str, pa.Table],
        kinds: dict[str, str] | None = None,
        file_type: str | None = None,
    ) -> LedgerEntry:
        kinds = kinds or {}
        refs, digest = [], hashlib.sha256(relpath.encode())
        for name, table in tables.items():
            target = self.paths.warehouse / relpath / f"{name}.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(table, target.path, compression="zstd")
            digest.update(json.dumps(table.to_pylist(), sort_keys=True, default=str).encode())
            refs.append(
                TableRef(
                    name=name,
                    path=str(target),
                    rows=table.num_rows,
                    columns=table.num_columns,
                    kind=kinds.get(name, "table"),
                )
            )
        entry = LedgerEntry(
            path=relpath,
            sha256=digest.hexdigest(),
            status="converted",
            file_type=file_type or relpath.rsplit(".", 1)[-1],
            size=123,
            tables=refs,
        )
        self.ledger.put(entry)
        return entry

    def rename(self, old: str, new: str) -> None:
        entry = self.ledger.get(old)
        self.ledger.mark_stale(old)
        tables = {t.name: pq.read_table(t.path) for t in entry.tables}
        self.put(new, tables, {t.name: t.kind for t in entry.tables}, entry.file_type)


def sentiment_table(texts=SENTIMENT_TEXTS) -> pa.Table:
    return pa.table(
        {
            "id": list(range(1, len(texts) + 1)),
            "text": texts,
            "label": ["positive", "negative", "neutral", "neutral", "positive", "positive"][
                : len(texts)
            ],
            "score": [0.9, float("nan"), 0.5, 0.4, 0.8, 0.95][: len(texts)],
        }
    )


def sections_table(sections=POLICY_SECTIONS) -> pa.Table:
    return pa.table(
        {
            "section": [s[0] for s in sections],
            "level": [s[1] for s in sections],
            "heading": [s[2] for s in sections],
            "headings": pa.array([s[3] for s in sections], pa.list_(pa.string())),
            "text": [s[4] for s in sections],
        }
    )


def pages_table(pages=REPORT_PAGES) -> pa.Table:
    return pa.table({"page": [p[0] for p in pages], "text": [p[1] for p in pages]})
