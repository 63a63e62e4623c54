"""The job transformation: from a landed table to a reproducible train/test split.

The source table is found through the conversion ledger (the spec names the landing file by its
path under NEXUS_HOME, or a glob); the knowledge base is the source of language models. The
split is stratified and seeded, so the same data and spec always give the same split.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.parquet as pq
from upath import UPath

from nexus_platform.globbing import path_matches
from nexus_platform.ingest.ledger import Ledger, TableRef
from nexus_platform.ml.artifacts import TaskLayout
from nexus_platform.ml.spec import SourceNotLanded, TaskSpec
from nexus_platform.settings import NexusPaths
from nexus_platform.storage import atomic_local_path, write_json

KNOWLEDGEBASE_SOURCE = "knowledgebase"


@dataclass
class TaskDataset:
    train: pa.Table
    test: pa.Table
    classes: list[str]
    sources: list[str]

    @property
    def rows(self) -> int:
        return self.train.num_rows + self.test.num_rows


def source_pattern(spec: TaskSpec) -> str:
    """The spec's source relative to the landing root (how the ledger names files)."""
    source = spec.source.strip().lstrip("/")
    return source[len("landing/") :] if source.startswith("landing/") else source


def source_tables(spec: TaskSpec, paths: NexusPaths) -> list[TableRef]:
    """The converted Parquet tables of the landing files the spec's source names."""
    pattern = source_pattern(spec)
    refs = [
        ref
        for entry in Ledger(paths).entries()
        if entry.status == "converted" and path_matches(pattern, entry.path)
        for ref in entry.tables
        if ref.kind == "table"
    ]
    if not refs:
        raise SourceNotLanded(
            spec.spec_file,
            "source",
            f"no converted table for {spec.source!r} in the ledger of {paths.home} "
            "(has the file landed and been converted?)",
        )
    return refs


def source_fingerprint(spec: TaskSpec, paths: NexusPaths) -> str:
    """Content hashes of the landing files behind the source: changes when new data arrives."""
    if spec.source == KNOWLEDGEBASE_SOURCE:
        return ""
    pattern = source_pattern(spec)
    hashes = sorted(
        f"{e.path}:{e.sha256}"
        for e in Ledger(paths).entries()
        if e.status == "converted" and path_matches(pattern, e.path)
    )
    return ";".join(hashes)


def load_source(spec: TaskSpec, paths: NexusPaths) -> tuple[pa.Table, list[str]]:
    if spec.source == KNOWLEDGEBASE_SOURCE:
        kb = paths.knowledgebase / "knowledgebase.parquet"
        if not kb.exists():
            raise spec.error("source", f"the knowledge base {kb} does not exist yet")
        with kb.open("rb") as fh:
            table = pq.read_table(fh, columns=["id", "text"])
        return table, [str(kb)]
    tables, names = [], []
    for ref in source_tables(spec, paths):
        with UPath(ref.path).open("rb") as fh:
            table = pq.read_table(fh)
        missing = [c for c in spec.input_columns if c and c not in table.column_names]
        if missing:
            field_name = _field_of(spec, missing[0])
            raise spec.error(
                field_name,
                f"column {missing[0]!r} is not in table {ref.name!r} ({ref.path}); "
                f"available: {table.column_names}",
            )
        tables.append(table)
        names.append(ref.path)
    return pa.concat_tables(tables, promote_options="permissive"), names


def _field_of(spec: TaskSpec, column: str) -> str:
    for name in ("label_column", "tokens_column", "tags_column"):
        if getattr(spec, name) == column:
            return name
    if spec.metadata_columns and column in spec.metadata_columns:
        return "metadata_columns"
    return "text_columns"


def _metadata_columns(spec: TaskSpec, table: pa.Table) -> list[str]:
    if spec.metadata_columns is not None:
        for column in spec.metadata_columns:
            if column not in table.column_names:
                raise spec.error(
                    "metadata_columns", f"column {column!r} is not in the source table"
                )
        return list(spec.metadata_columns)
    used = set(spec.input_columns)
    return [c for c in table.column_names if c not in used]


def _texts(spec: TaskSpec, table: pa.Table) -> list[str]:
    columns = [table.column(c).to_pylist() for c in spec.text_columns]
    return [
        " ".join(str(v) for v in values if v not in (None, ""))
        for values in zip(*columns, strict=True)
    ]


def prepare(spec: TaskSpec, table: pa.Table) -> tuple[pa.Table, list[str], list[str] | None]:
    """Select inputs, label and metadata; returns (table, classes, stratification keys)."""
    if spec.kind == "language_model":
        texts = (
            table.column("text").to_pylist()
            if spec.source == KNOWLEDGEBASE_SOURCE
            else _texts(spec, table)
        )
        texts = [t for t in texts if t and t.strip()]
        if not texts:
            raise SourceNotLanded(spec.spec_file, "source", "the source holds no text yet")
        return pa.table({"text": texts}), [], None
    metadata = _metadata_columns(spec, table)
    if spec.kind == "token_classification":
        return _prepare_tokens(spec, table, metadata)
    labels_raw = table.column(spec.label_column).to_pylist()
    keep = [i for i, v in enumerate(labels_raw) if v not in (None, "")]
    table = table.take(pa.array(keep, type=pa.int64()))
    labels_raw = [str(labels_raw[i]).strip() for i in keep]
    data: dict[str, list] = {"text": _texts(spec, table)}  # labels: strings or sets of them
    if spec.multi_label:
        label_sets = [
            sorted({p.strip() for p in v.split(spec.label_separator) if p.strip()})
            for v in labels_raw
        ]
        data["label"] = label_sets
        classes = sorted({c for labels in label_sets for c in labels})
        strata = ["|".join(s) for s in label_sets]
    else:
        data["label"] = labels_raw
        classes = sorted(set(labels_raw))
        strata = labels_raw
    if len(classes) < 2:
        raise spec.error(
            "label_column", f"{spec.label_column!r} has a single class {classes}; need at least two"
        )
    for column in metadata:
        data[column] = table.column(column)
    return pa.table(data), classes, strata


def _prepare_tokens(spec: TaskSpec, table: pa.Table, metadata: list[str]):
    tokens_col = table.column(spec.tokens_column).to_pylist()
    tags_col = table.column(spec.tags_column).to_pylist()
    tokens, tags = [], []
    for row, (tok, tag) in enumerate(zip(tokens_col, tags_col, strict=True)):
        tok_list = tok.split() if isinstance(tok, str) else list(tok or [])
        tag_list = tag.split() if isinstance(tag, str) else list(tag or [])
        if len(tok_list) != len(tag_list):
            raise spec.error(
                "tags_column",
                f"row {row}: {len(tok_list)} tokens but {len(tag_list)} tags ({' '.join(tok_list)[:80]!r})",
            )
        bad = [t for t in tag_list if t != "O" and not t.startswith(("B-", "I-"))]
        if bad:
            raise spec.error("tags_column", f"row {row}: {bad[0]!r} is not a BIO tag (O, B-X, I-X)")
        tokens.append(tok_list)
        tags.append(tag_list)
    types = sorted({t[2:] for seq in tags for t in seq if t != "O"})
    if not types:
        raise spec.error("tags_column", "no entity is tagged; need B-/I- tags")
    data = {"tokens": tokens, "tags": tags}
    for column in metadata:
        data[column] = table.column(column)
    # Stratify on the set of entity types in a sentence so every type reaches the test set.
    strata = ["|".join(sorted({t[2:] for t in seq if t != "O"})) for seq in tags]
    return pa.table(data), types, strata


def split_table(spec: TaskSpec, table: pa.Table, classes: list[str], strata: list[str] | None):
    from sklearn.model_selection import train_test_split

    indices = list(range(table.num_rows))
    stratify = strata if (spec.split.stratify and strata is not None) else None
    if stratify is not None:
        # A combination seen once cannot be stratified: fold it into its first label, and what
        # is still alone into the commonest stratum. The test-set check below still catches a
        # class that ends up missing.
        counts = Counter(stratify)
        stratify = [s if counts[s] >= 2 else s.split("|")[0] for s in stratify]
        counts = Counter(stratify)
        commonest = counts.most_common(1)[0][0]
        stratify = [s if counts[s] >= 2 else commonest for s in stratify]
    try:
        train_idx, test_idx = train_test_split(
            indices, test_size=spec.split.test_size, random_state=spec.split.seed, stratify=stratify
        )
    except ValueError as exc:
        raise spec.error("split", f"cannot split {table.num_rows} rows: {exc}") from exc
    train, test = table.take(sorted(train_idx)), table.take(sorted(test_idx))
    if classes:
        column = "tags" if spec.kind == "token_classification" else "label"
        present = _classes_in(spec, test.column(column).to_pylist())
        missing = [c for c in classes if c not in present]
        if missing:
            raise spec.error(
                "split",
                f"the test set has no example of {missing}; add data or raise split.test_size",
            )
    return train, test


def _classes_in(spec: TaskSpec, values: list) -> set[str]:
    if spec.kind == "token_classification":
        return {t[2:] for seq in values for t in seq if t != "O"}
    if spec.multi_label:
        return {c for labels in values for c in labels}
    return set(values)


def build_dataset(spec: TaskSpec, paths: NexusPaths) -> TaskDataset:
    """Validate the spec against its data and split it; raises SpecError before any training."""
    table, sources = load_source(spec, paths)
    prepared, classes, strata = prepare(spec, table)
    train, test = split_table(spec, prepared, classes, strata)
    return TaskDataset(train=train, test=test, classes=classes, sources=sources)


def write_dataset(spec: TaskSpec, dataset: TaskDataset, layout: TaskLayout) -> None:
    for table, target in (
        (dataset.train, layout.train_parquet),
        (dataset.test, layout.test_parquet),
    ):
        with atomic_local_path(target, ".parquet") as tmp:
            pq.write_table(table, tmp, compression="zstd", row_group_size=128_000)
    write_json(
        layout.dataset_manifest,
        {
            "task": spec.name,
            "kind": spec.kind,
            "classes": dataset.classes,
            "train_rows": dataset.train.num_rows,
            "test_rows": dataset.test.num_rows,
            "sources": dataset.sources,
            "split": {
                "test_size": spec.split.test_size,
                "seed": spec.split.seed,
                "stratify": spec.split.stratify,
            },
        },
    )


def read_split(layout: TaskLayout) -> tuple[pa.Table, pa.Table, dict]:
    tables = []
    for target in (layout.train_parquet, layout.test_parquet):
        with target.open("rb") as fh:
            tables.append(pq.read_table(fh))
    manifest = json.loads(layout.dataset_manifest.read_text(encoding="utf-8"))
    return tables[0], tables[1], manifest
