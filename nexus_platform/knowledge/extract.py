"""One converted landing file (a ledger entry) into its knowledge records."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.parquet as pq
from upath import UPath

from nexus_platform.ingest.ledger import LedgerEntry, TableRef
from nexus_platform.knowledge.chunking import Chunker, TextUnit
from nexus_platform.knowledge.config import KnowledgeConfig, TableRule
from nexus_platform.knowledge.normalize import normalize_document_text, normalize_text
from nexus_platform.knowledge.records import RecordBatchBuilder
from nexus_platform.knowledge.text_columns import resolve_text_columns
from nexus_platform.settings import is_local

DOCUMENT_FILE_TYPES = {
    "pdf", "docx", "doc", "md", "markdown", "txt", "text", "html", "htm", "pptx", "odt", "rtf",
    "png", "jpg", "jpeg", "tif", "tiff",
}  # fmt: skip
ROW_BATCH = 65_536


@dataclass
class FileRecords:
    """The records of one landing file plus what it says about the file's text."""

    table: pa.Table
    tables_without_text: list[str] = field(default_factory=list)  # "path::table"
    document_without_text: bool = False
    table_text_columns: dict[str, list[str]] = field(default_factory=dict)


def _open_parquet(uri: str) -> pq.ParquetFile:
    path = UPath(uri)
    if is_local(path):
        return pq.ParquetFile(path.path)
    return pq.ParquetFile(path.open("rb"))


def _metadata_columns(schema: pa.Schema, text_columns: tuple[str, ...]) -> list[str]:
    # Raw bytes say nothing to a reader of the knowledge base.
    return [
        f.name
        for f in schema
        if f.name not in text_columns
        and not pa.types.is_binary(f.type)
        and not pa.types.is_large_binary(f.type)
    ]


def _table_records(
    ref: TableRef,
    entry: LedgerEntry,
    config: KnowledgeConfig,
    rules: list[TableRule],
    chunker: Chunker,
    out: RecordBatchBuilder,
    result: FileRecords,
) -> None:
    parquet = _open_parquet(ref.path)
    schema = parquet.schema_arrow
    sample_rows = config.detection.sample_rows
    sample = next(parquet.iter_batches(batch_size=sample_rows), None)
    sample_table = pa.Table.from_batches([sample]) if sample is not None else schema.empty_table()
    chosen = resolve_text_columns(config, rules, entry.path, ref.name, schema, sample_table)
    result.table_text_columns[ref.name] = list(chosen.columns)
    if not chosen.columns:
        if chosen.origin == "detected":
            result.tables_without_text.append(f"{entry.path}::{ref.name}")
        return
    meta_names = _metadata_columns(schema, chosen.columns)
    before, row = len(out), 0
    for batch in parquet.iter_batches(batch_size=ROW_BATCH):
        text_values = [batch.column(c).to_pylist() for c in chosen.columns]
        texts = []
        for values in zip(*text_values, strict=True):
            parts = (normalize_text(v) for v in values)
            texts.append(chosen.separator.join(p for p in parts if p))
        meta_values = [_python_values(batch.column(c)) for c in meta_names]
        pieces_per_row = chunker.split_many(texts)
        for offset, pieces in enumerate(pieces_per_row):
            if not pieces:
                continue  # a row with nothing to say gives no record, never an empty one
            metadata = {
                name: values[offset] for name, values in zip(meta_names, meta_values, strict=True)
            }
            if len(pieces) == 1:
                out.add(pieces[0][0], ref.name, metadata, row=row + offset)
                continue
            for index, (piece, _) in enumerate(pieces):
                out.add(piece, ref.name, metadata, row=row + offset, chunk=index)
        row += batch.num_rows
    if len(out) == before and chosen.origin == "detected":
        result.tables_without_text.append(f"{entry.path}::{ref.name}")


def _python_values(column: pa.Array) -> list:
    """Python values of a column; dates past year 9999 (which Arrow holds and Python's
    datetime cannot) become their ISO text."""
    try:
        return column.to_pylist()
    except (OverflowError, ValueError):
        from nexus_platform.ingest.preview import cell_texts

        return cell_texts(column)


def _document_units(table: pa.Table, where: str) -> list[TextUnit]:
    names = table.column_names
    if "text" not in names:
        raise ValueError(f"{where}: document table has no 'text' column (columns: {names})")
    rows = table.to_pylist()
    units = []
    for position, row in enumerate(rows):
        headings = row.get("headings")
        if headings is None and row.get("heading"):
            headings = [row["heading"]]
        units.append(
            TextUnit(
                text=normalize_document_text(row.get("text")),
                headings=tuple(normalize_text(h) for h in headings or () if h),
                page=row.get("page"),
                section=row.get("section", position if "page" not in names else None),
            )
        )
    return units


def _document_records(ref: TableRef, chunker: Chunker, out: RecordBatchBuilder) -> int:
    table = _open_parquet(ref.path).read()
    chunks = chunker.chunk_units(_document_units(table, f"{ref.path} (table {ref.name!r})"))
    # Pages whose text was recognised from the page image (scans, photos): marked per record.
    ocr_pages = (
        {p for p, o in zip(table["page"].to_pylist(), table["ocr"].to_pylist(), strict=True) if o}
        if {"page", "ocr"} <= set(table.column_names)
        else set()
    )
    for chunk in chunks:
        metadata: dict = {"headings": chunk.headings}
        if chunk.section is not None:
            metadata["section"] = chunk.section
        if chunk.split_word:
            metadata["split_word"] = True
        if chunk.page in ocr_pages:
            metadata["ocr"] = True
        out.add(chunk.text, ref.name, metadata, page=chunk.page, chunk=chunk.index)
    return len(chunks)


def file_records(
    entry: LedgerEntry, config: KnowledgeConfig, rules: list[TableRule], chunker: Chunker
) -> FileRecords:
    """All records of one converted file, tables row by row and documents chunk by chunk."""
    out = RecordBatchBuilder(entry.path, entry.folders, entry.file_type)
    result = FileRecords(table=pa.table({}))
    document_chunks = 0
    for ref in entry.tables:
        if ref.kind == "document":
            document_chunks += _document_records(ref, chunker, out)
        else:
            _table_records(ref, entry, config, rules, chunker, out, result)
    has_document = any(t.kind == "document" for t in entry.tables)
    if document_chunks == 0 and (has_document or entry.file_type in DOCUMENT_FILE_TYPES):
        result.document_without_text = True
    result.table = out.to_table()
    return result
