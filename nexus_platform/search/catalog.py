"""The knowledge-base records as search shows them: text, source, annotations, filter masks.

Read once per knowledge-base (or annotations) version and shared by every query; rows are the
knowledge base's own order, which the dense vectors follow too.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from nexus_platform.embeddings.records import knowledgebase_file, read_records, source_dicts
from nexus_platform.search.filters import RecordFilters
from nexus_platform.search.lexical import records_fingerprint
from nexus_platform.settings import NexusPaths

log = logging.getLogger(__name__)


def _annotation_masks(
    table: pa.Table, row_of: dict[str, int], count: int
) -> tuple[dict[str, dict[str, np.ndarray]], dict[str, np.ndarray]]:
    """task -> label -> mask (classification), topic label -> mask."""
    labels: dict[str, dict[str, np.ndarray]] = {}
    topics: dict[str, np.ndarray] = {}
    columns = table.select(["record_id", "model", "kind", "label", "labels"]).to_pydict()
    for record_id, model, kind, label, many in zip(*columns.values(), strict=True):
        row = row_of.get(record_id)
        if row is None:
            continue
        if kind == "topics":
            for item in many or []:
                topics.setdefault(item["label"], np.zeros(count, dtype=bool))[row] = True
        elif kind == "classification":
            by_label = labels.setdefault(model, {})
            for value in {label, *(item["label"] for item in many or [])} - {None}:
                by_label.setdefault(value, np.zeros(count, dtype=bool))[row] = True
    return labels, topics


@dataclass
class Catalog:
    ids: list[str]
    texts: list[str]
    sources: list[dict]
    metadata: list[str | None]
    shas: list[str]
    row_of: dict[str, int]
    annotations: dict[str, dict]
    filters: RecordFilters
    fingerprint: str

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def load(cls, paths: NexusPaths) -> Catalog:
        from nexus_platform.annotation.table import (
            ANNOTATIONS_SCHEMA,
            annotations_by_record,
            read_annotations,
        )

        table = read_records(
            knowledgebase_file(paths), ["text", "source", "content_sha256", "metadata"]
        )
        ids = table.column("id").to_pylist()
        shas = table.column("content_sha256").to_pylist()
        sources = source_dicts(table)
        row_of = {record_id: i for i, record_id in enumerate(ids)}
        try:
            annotations = read_annotations(paths)
            by_record = annotations_by_record(paths)
        except (OSError, pa.ArrowException) as exc:
            # Search goes on without annotations rather than not at all.
            log.error("annotations left out of search: %s", exc)
            annotations, by_record = ANNOTATIONS_SCHEMA.empty_table(), {}
        labels, topics = _annotation_masks(annotations, row_of, len(ids))
        filters = RecordFilters(
            ["/".join(s.get("folders") or []) for s in sources],
            [(s.get("file_type") or "").lower() for s in sources],
            labels,
            topics,
        )
        return cls(
            ids=ids,
            texts=table.column("text").to_pylist(),
            sources=sources,
            metadata=table.column("metadata").to_pylist(),
            shas=shas,
            row_of=row_of,
            annotations=by_record,
            filters=filters,
            fingerprint=records_fingerprint(ids, shas),
        )

    def record(self, row: int) -> dict:
        """The whole record, as `GET /api/records/{id}` and the record page show it."""
        raw = self.metadata[row]
        try:
            metadata = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            metadata = raw
        return {
            "id": self.ids[row],
            "text": self.texts[row],
            "source": self.sources[row],
            "content_sha256": self.shas[row],
            "metadata": metadata,
            "annotations": self.annotations.get(self.ids[row], {}),
        }
