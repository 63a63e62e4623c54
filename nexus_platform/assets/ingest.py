"""Landing files become typed Parquet tables: the `parquet_tables` asset and its checks."""

import dagster as dg

from nexus_platform.asset_keys import PARQUET_TABLES
from nexus_platform.assets.partitions import landing_files
from nexus_platform.dagster_internals import check_outputs_done
from nexus_platform.ingest.convert import ConvertConfig
from nexus_platform.ingest.ledger import MAX_ATTEMPTS, Ledger, LedgerEntry
from nexus_platform.ingest.model import ErrorClass
from nexus_platform.ingest.preview import describe
from nexus_platform.ingest.process import LedgerUnavailable, Outcome, process_file
from nexus_platform.ingest.readers import ReadOptions
from nexus_platform.resources.storage import NexusStorage

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
    # Each converted file is recorded as its own partition's materialisation the moment it
    # commits (progress in the UI, nothing lost to a killed run); a quarantined file is not
    # materialised at all: its partition fails its check instead of looking healthy.
    output_required=False,
    check_specs=[
        dg.AssetCheckSpec(
            CHECK_NAME,
            asset=PARQUET_TABLES,
            partitions_def=landing_files,
            description="The landing file converted; a quarantined file fails with its reason, "
            "a file waiting for a retry (disk full, permissions) warns with its reason.",
        )
    ],
    group_name="ingest",
    kinds={"parquet", "python"},
)
def parquet_tables(context: dg.AssetExecutionContext, config: IngestConfig, storage: NexusStorage):
    """Every landing file as typed, zstd-compressed Parquet: one table per CSV/JSON/Parquet
    file, per non-empty spreadsheet sheet, per table found in a PDF/docx/html, plus the text
    of documents by page or section. Files that cannot be read go to the quarantine ledger
    with their reason; they never fail the batch they arrived with. Files that cannot be
    converted for a passing reason (disk full, permissions) wait and are tried again."""
    paths = storage.paths()
    ledger = Ledger(paths)
    convert_config = ConvertConfig(
        max_bytes=config.max_file_mb << 20, read_options=ReadOptions(pdf_tables=config.pdf_tables)
    )
    keys = context.partition_keys
    counts = {"converted": 0, "quarantined": 0, "unchanged": 0, "pending": 0}
    for number, key in enumerate(keys, start=1):
        try:
            outcome = process_file(paths, ledger, key, convert_config, config.force)
        except LedgerUnavailable as exc:
            raise dg.Failure(
                description=f"{exc}: the platform cannot record conversions under "
                f"{paths.ledger}; {number - 1} of {len(keys)} files were processed.",
                allow_retries=True,
            ) from exc
        outcome = yield from _record(context, ledger, outcome)
        counts[outcome.status] += 1
        if outcome.status in ("quarantined", "pending"):
            reason = outcome.entry.error if outcome.entry else outcome.attempt
            context.log.warning(f"[{number}/{len(keys)}] {outcome.status} {key}: {reason}")
        if number % 100 == 0 or number == len(keys):
            context.log.info(f"[{number}/{len(keys)}] {counts}")
    ledger.compact()
    # The check's output must be emitted once, as the framework does for AssetCheckResult.
    yield from check_outputs_done(PARQUET_TABLES, CHECK_NAME)


def _record(context, ledger: Ledger, outcome: Outcome):
    """Tell Dagster what happened to one file, then commit its ledger entry: the entry is
    committed only once the materialisation (or the failed check) is recorded, so a run
    killed in between leaves the file pending and the next run records it."""
    key, entry = outcome.key, outcome.entry
    if entry is None:  # pending: visible as a warning until it converts or gives up
        attempt = outcome.attempt
        assert attempt is not None  # a pending outcome always says why
        yield dg.AssetCheckEvaluation(
            asset_key=PARQUET_TABLES,
            check_name=CHECK_NAME,
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
            partition=key,
            description=f"pending ({attempt.reason}, attempt {attempt.count} of {MAX_ATTEMPTS}): "
            f"{attempt.message}",
            metadata={"error_class": "pending", "reason": attempt.reason},
        )
        return outcome
    try:
        metadata = _metadata(entry, outcome.status == "unchanged")
    except Exception as exc:  # describing the output is a per-file step too
        context.log.exception(f"{key}: building its metadata failed")
        entry.status, entry.tables = "quarantined", []
        entry.error = {
            "class": ErrorClass.INTERNAL.value,
            "message": f"{type(exc).__name__}: {exc}",
        }
        outcome = Outcome(key, "quarantined", entry)
        metadata = {}
    if entry.status == "converted":
        yield dg.AssetMaterialization(asset_key=PARQUET_TABLES, partition=key, metadata=metadata)
    yield dg.AssetCheckEvaluation(
        asset_key=PARQUET_TABLES,
        check_name=CHECK_NAME,
        passed=entry.status == "converted",
        partition=key,
        description=None
        if entry.error is None
        else f"{entry.error['class']}: {entry.error['message']}",
        metadata={
            "error_class": entry.error_class or "none",
            "source_sha256": entry.sha256,
        },
    )
    ledger.commit(entry)
    return outcome


def build_defs() -> dg.Definitions:
    return dg.Definitions(assets=[parquet_tables])
