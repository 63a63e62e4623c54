"""The annotations table: one row per knowledge-base record and model.

`NEXUS_HOME/annotations/annotations.parquet` is what every reader of annotations (search
filters, the search service, the impact-screening mart, the graph export) reads; this module
is the one place that knows its layout.

Columns:
  record_id       the knowledge-base record's id
  content_sha256  the record's text hash when it was annotated (re-annotate when it moves)
  model           the task name (`esg_sentiment`, `esg_entities`, ...) or `topics`
  kind            "classification" | "entities" | "topics"
  model_version   the promoted version (registry) or the topic set's hash
  dvc_hash        the DVC md5 of the promoted model ("" for topics)
  label, score    the predicted label and its probability (classification; null otherwise)
  labels          [{label, score}]: every label above threshold (topics, multi-label tasks)
  entities        [{text, type, start, end}]: character spans in the record's text
"""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa

from nexus_platform.settings import NexusPaths

TOPICS_MODEL = "topics"

LABEL_SCORE = pa.struct([("label", pa.string()), ("score", pa.float32())])
ENTITY_SPAN = pa.struct(
    [("text", pa.string()), ("type", pa.string()), ("start", pa.int32()), ("end", pa.int32())]
)

ANNOTATIONS_SCHEMA = pa.schema(
    [
        ("record_id", pa.string()),
        ("content_sha256", pa.string()),
        ("model", pa.string()),
        ("kind", pa.string()),
        ("model_version", pa.string()),
        ("dvc_hash", pa.string()),
        ("label", pa.string()),
        ("score", pa.float32()),
        ("labels", pa.list_(LABEL_SCORE)),
        ("entities", pa.list_(ENTITY_SPAN)),
    ]
)


def annotations_path(paths: NexusPaths):
    return paths.annotations / "annotations.parquet"


def read_annotations(paths: NexusPaths, columns: list[str] | None = None) -> pa.Table:
    """The whole table, or an empty one with the schema when nothing was annotated yet."""
    import pyarrow.parquet as pq

    target = annotations_path(paths)
    if not target.exists():
        return ANNOTATIONS_SCHEMA.empty_table().select(columns or ANNOTATIONS_SCHEMA.names)
    with target.open("rb") as fh:
        return pq.read_table(fh, columns=columns)


def as_json(rows: Iterable[dict]) -> dict:
    """The annotations of one record in the shape every interface shows them:
    `{"<task>": {"label", "score", "model_version", "dvc_hash"}, "topics": [{"label",
    "score"}], "entities": [{"text", "type", "start", "end"}]}`."""
    shaped: dict = {}
    for row in rows:
        if row["kind"] == "topics":
            shaped["topics"] = list(row["labels"] or [])
        elif row["kind"] == "entities":
            shaped["entities"] = list(row["entities"] or [])
            shaped[row["model"]] = {
                "model_version": row["model_version"],
                "dvc_hash": row["dvc_hash"],
            }
        else:
            shaped[row["model"]] = {
                "label": row["label"],
                "score": row["score"],
                "model_version": row["model_version"],
                "dvc_hash": row["dvc_hash"],
            }
            if row["labels"]:
                shaped[row["model"]]["labels"] = list(row["labels"])
    return shaped


def annotations_by_record(paths: NexusPaths, ids: Iterable[str] | None = None) -> dict[str, dict]:
    """record id -> its annotations (see `as_json`); records without annotations are absent."""
    import pyarrow.compute as pc

    table = read_annotations(paths)
    if ids is not None:
        table = table.filter(pc.is_in(table["record_id"], pa.array(list(ids), pa.string())))
    grouped: dict[str, list[dict]] = {}
    for row in table.to_pylist():
        grouped.setdefault(row["record_id"], []).append(row)
    return {record_id: as_json(rows) for record_id, rows in grouped.items()}
