"""Landing files become typed Parquet tables: the `parquet_tables` asset and its checks."""

from pathlib import Path

import dagster as dg

from nexus_platform.assets.partitions import landing_files
from nexus_platform.ingest.convert import ConvertConfig, convert_file
from nexus_platform.ingest.landing import resolve_inside, sha256_file
from nexus_platform.ingest.ledger import Ledger, LedgerEntry
from nexus_platform.ingest.model import IngestError
from nexus_platform.ingest.preview import describe
from nexus_platform.ingest.readers import ReadOptions
from nexus_platform.resources.storage import NexusStorage

PARQUET_TABLES = dg.AssetKey("parquet_tables")
CHECK_NAME = "converted_cleanly"


class IngestConfig(dg.Config):
    force: bool = False  # re-convert even when the file's content hash is unchanged
    max_file_mb: int = 2048  # larger files are quarantined as too_large
    pdf_tables: bool = True  # pdfplumber table detection (~37 ms/page)


def _metadata(entry: LedgerEntry, reused: bool) -> dict:
    rows = sum(t.rows for t in entry.tables)
    meta: dict = {
        "status": entry.status,
        "source_sha256": entry.sha256,
        "reader": f"{entry.reader} {entry.reader_version}".strip(),
        "bytes_in": entry.size,
        "bytes_out": entry.bytes_out,
        "dagster/row_count": rows,
        "tables": dg.MetadataValue.json(
            [
                {"name": t.name, "rows": t.rows, "columns": t.columns, "path": t.path}
                for t in entry.tables
            ]
        ),
        "unchanged": reused,
    }
    if entry.encoding:
        meta["encoding"] = entry.encoding
    if entry.error:
        meta["error_class"] = entry.error["class"]
        meta["error"] = entry.error["message"]
    if entry.tables:
        first = entry.tables[0]
        types, preview = describe(first.path)
        meta["dagster/column_schema"] = dg.TableSchema(
            columns=[dg.TableColumn(name, kind) for name, kind in types]
        )
        meta["preview"] = dg.MetadataValue.md(preview)
        meta["path"] = dg.MetadataValue.path(first.path)
    return meta


@dg.asset(
    key=PARQUET_TABLES,
    partitions_def=landing_files,
    # Many files landing together convert in one run: process start and code load cost
    # seconds, a small CSV converts in milliseconds.
    backfill_policy=dg.BackfillPolicy.single_run(),
    check_specs=[
        dg.AssetCheckSpec(
            CHECK_NAME,
            asset=PARQUET_TABLES,
            partitions_def=landing_files,
            description="The landing file converted; a quarantined file fails with its reason.",
        )
    ],
    group_name="ingest",
    kinds={"parquet", "python"},
)
def parquet_tables(context: dg.AssetExecutionContext, config: IngestConfig, storage: NexusStorage):
    """Every landing file as typed, zstd-compressed Parquet: one table per CSV/JSON/Parquet
    file, per non-empty spreadsheet sheet, per table found in a PDF/docx/html, plus the text
    of documents by page or section. Files that cannot be read go to the quarantine ledger
    with their reason; they never fail the batch they arrived with."""
    paths = storage.paths()
    ledger = Ledger(paths)
    convert_config = ConvertConfig(
        max_bytes=config.max_file_mb << 20, read_options=ReadOptions(pdf_tables=config.pdf_tables)
    )
    keys = context.partition_keys
    counts = {"converted": 0, "quarantined": 0, "unchanged": 0}
    for number, key in enumerate(keys, start=1):
        previous = ledger.get(key)
        entry, reused = _convert_or_reuse(paths, key, previous, convert_config, config.force)
        if not reused:
            ledger.put(entry)
        counts["unchanged" if reused else entry.status] += 1
        _add_partition_metadata(context, key, _metadata(entry, reused))
        yield dg.AssetCheckEvaluation(
            asset_key=PARQUET_TABLES,
            check_name=CHECK_NAME,
            passed=entry.status == "converted",
            partition=key,
            description=None
            if entry.error is None
            else f"{entry.error['class']}: {entry.error['message']}",
            metadata={"error_class": (entry.error or {}).get("class", "none")},
        )
        if entry.status == "quarantined":
            context.log.warning(f"[{number}/{len(keys)}] quarantined {key}: {entry.error}")
        elif number % 100 == 0 or number == len(keys):
            context.log.info(f"[{number}/{len(keys)}] {counts}")
    ledger.compact()
    # The check's output must be emitted once, as the framework does for AssetCheckResult.
    yield dg.Output(None, output_name=f"{PARQUET_TABLES.path[-1]}_{CHECK_NAME}")
    yield dg.MaterializeResult()


def _add_partition_metadata(context: dg.AssetExecutionContext, key: str, metadata: dict) -> None:
    """`context.add_asset_metadata(partition_key=...)` re-reads every partition of the asset
    from the instance to validate the key, on each call: quadratic over a 2,000-file run. The
    keys here come from `context.partition_keys`, so the accumulator is fed directly, with the
    public call as the fallback should Dagster's internals move."""
    step = getattr(context, "_step_execution_context", None)
    accumulator = getattr(step, "_metadata_accumulator", None)
    if accumulator is None or not hasattr(accumulator, "with_additional_asset_metadata"):
        context.add_asset_metadata(metadata, partition_key=key)
        return
    step._metadata_accumulator = accumulator.with_additional_asset_metadata(  # type: ignore[union-attr]
        asset_key=PARQUET_TABLES, metadata=metadata, partition_key=key
    )


def _convert_or_reuse(paths, key, previous, convert_config, force) -> tuple[LedgerEntry, bool]:
    """A file whose bytes are those already converted is not converted again."""
    current = None
    if previous is not None and not force and previous.status != "stale":
        try:
            source = resolve_inside(Path(paths.landing.path), key)
            current = sha256_file(source) if source.is_file() else None
        except (IngestError, OSError):
            current = None  # the converter classifies the problem
        if current is not None and current == previous.sha256:
            return previous, True
    return convert_file(paths, key, convert_config, previous, sha256=current), False


def build_defs() -> dg.Definitions:
    return dg.Definitions(assets=[parquet_tables])
