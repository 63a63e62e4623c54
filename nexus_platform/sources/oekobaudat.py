"""ÖKOBAUDAT, read directly from its soda4LCA service API into a Parquet table.

ÖKOBAUDAT (BBSR / BMWSB) is the German building-materials LCA database, free of charge. The
process list is paged (`startIndex`/`pageSize` until `totalCount`); each fetched page is
cached under NEXUS_HOME/state so an interrupted download resumes where it stopped. The table
lands in NEXUS_HOME/landing/external/oekobaudat/ and flows through the platform like any
landed file. A re-download whose content did not change leaves the file untouched, so the
landing sensor does not re-convert it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyarrow as pa
from upath import UPath

from nexus_platform.settings import NexusPaths
from nexus_platform.sources.parquet_io import read_file_metadata, write_table
from nexus_platform.sources.soda4lca import (
    DEFAULT_BASE_URL,
    OekobaudatConfig,
    OekobaudatError,
    PageCache,
    SodaClient,
    pick_text,
)

__all__ = [
    "CITATION",
    "DEFAULT_BASE_URL",
    "DataStock",
    "DownloadResult",
    "OekobaudatConfig",
    "OekobaudatError",
    "download_processes",
    "landing_dir",
    "processes_path",
]

log = logging.getLogger(__name__)

CITATION = (
    "ÖKOBAUDAT, Bundesinstitut für Bau-, Stadt- und Raumforschung (BBSR) im Auftrag des "
    "Bundesministeriums für Wohnen, Stadtentwicklung und Bauwesen (BMWSB), "
    "https://www.oekobaudat.de, data free of charge"
)

PROCESS_SCHEMA = pa.schema(
    [
        ("process_uuid", pa.string()),
        ("version", pa.string()),
        ("name", pa.string()),
        ("classification", pa.list_(pa.string())),
        ("classification_path", pa.string()),
        ("reference_year", pa.int64()),
        ("valid_until", pa.int64()),
        ("geography", pa.string()),
        ("type", pa.string()),
        ("sub_type", pa.string()),
        ("owner", pa.string()),
        ("data_stock_uuid", pa.string()),
        ("data_stock_name", pa.string()),
        ("retrieved_at", pa.timestamp("us", tz="UTC")),
        ("raw_json", pa.string()),
    ]
)


@dataclass(frozen=True)
class DataStock:
    uuid: str
    short_name: str
    name: str


@dataclass
class DownloadResult:
    path: str
    rows: int
    data_stock: DataStock
    retrieved_at: datetime
    expected_rows: int
    unchanged: bool
    pages_fetched: int
    pages_from_cache: int
    notes: list[str] = field(default_factory=list)


def landing_dir(paths: NexusPaths) -> UPath:
    return paths.landing / "external" / "oekobaudat"


def processes_path(paths: NexusPaths) -> UPath:
    return landing_dir(paths) / "processes.parquet"


def _stock_sort_key(stock: DataStock) -> tuple:
    # ÖKOBAUDAT names its releases OBD_<year>_<I|II|..>: newest release first.
    match = re.match(r"OBD_(\d{4})_([IVX]+)", stock.short_name or "")
    if not match:
        return (0, 0)
    return (int(match.group(1)), len(match.group(2)))


def resolve_datastock(client: SodaClient) -> DataStock:
    """The configured data stock, or the newest ÖKOBAUDAT release listed by /datastocks."""
    wanted = client.config.datastock
    try:
        payload = client.get_json("datastocks", "listing data stocks")
    except OekobaudatError:
        if not wanted:
            raise
        payload = []  # a listing we cannot read does not stop a configured data stock
    items = (
        payload
        if isinstance(payload, list)
        else next(
            (payload[k] for k in ("dataStocks", "dataStock", "data", "datastocks") if k in payload),
            [],
        )
    )
    stocks = [
        DataStock(str(s["uuid"]), str(s.get("shortName") or ""), pick_text(s.get("name")) or "")
        for s in items
        if isinstance(s, dict) and s.get("uuid")
    ]
    if wanted:
        for stock in stocks:
            if stock.uuid == wanted:
                return stock
        # Not listed (some services list only root stocks): the processes request decides.
        return DataStock(wanted, "", "")
    if not stocks:
        raise OekobaudatError(f"{client.base}/datastocks lists no data stocks; pass --datastock")
    return max(stocks, key=_stock_sort_key)


def iter_process_pages(
    client: SodaClient, stock: DataStock, cache: PageCache, stats: dict
) -> Iterator[tuple[list[dict], int]]:
    """Yield (entries, totalCount) page by page until totalCount entries were seen."""
    start, size = 0, client.config.page_size
    while True:
        page = cache.get(start, size)
        if page is None:
            fetched = client.get_json(
                f"datastocks/{stock.uuid}/processes",
                f"data stock {stock.uuid} processes page at {start}",
                startIndex=start,
                pageSize=size,
            )
            if not isinstance(fetched, dict) or "data" not in fetched:
                raise OekobaudatError(f"processes page at {start}: no 'data' list in response")
            page = fetched
            cache.put(start, size, page)
            stats["fetched"] += 1
        else:
            stats["cached"] += 1
        entries = page.get("data") or []
        total = int(page.get("totalCount") or 0)
        yield entries, total
        start += len(entries)
        if not entries or start >= total:
            return


def _year(value: object) -> int | None:
    match = re.search(r"\d{4}", str(value)) if value is not None else None
    return int(match.group(0)) if match else None


def classification_of(entry: dict) -> list[str]:
    """`classific: "A / B / C"` in list views; `classification.class[*].value` elsewhere."""
    text = entry.get("classific")
    if isinstance(text, str) and text.strip():
        return [part.strip() for part in text.split(" / ") if part.strip()]
    cls = entry.get("classification")
    classes = cls.get("class") if isinstance(cls, dict) else cls
    if isinstance(classes, list):
        ordered = sorted(
            (c for c in classes if isinstance(c, dict)), key=lambda c: int(c.get("level") or 0)
        )
        return [str(c.get("value") or c.get("name")) for c in ordered]
    return []


def process_row(entry: dict, stock: DataStock, retrieved_at: datetime) -> dict:
    classes = classification_of(entry)
    return {
        "process_uuid": str(entry.get("uuid") or ""),
        "version": entry.get("version") or entry.get("dataSetVersion"),
        "name": pick_text(entry.get("name")),
        "classification": classes,
        "classification_path": " / ".join(classes) or None,
        "reference_year": _year(entry.get("referenceYear") or entry.get("refYear")),
        "valid_until": _year(entry.get("validUntil") or entry.get("dataValidUntil")),
        "geography": pick_text(entry.get("location") or entry.get("geography")),
        "type": pick_text(entry.get("type")),
        "sub_type": pick_text(entry.get("subType") or entry.get("sub_type")),
        "owner": pick_text(entry.get("owner")),
        "data_stock_uuid": stock.uuid,
        "data_stock_name": stock.short_name or stock.name or None,
        "retrieved_at": retrieved_at,
        "raw_json": json.dumps(entry, ensure_ascii=False, sort_keys=True),
    }


def content_sha256(raw_jsons: list[str]) -> str:
    digest = hashlib.sha256()
    for raw in sorted(raw_jsons):
        digest.update(raw.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def download_processes(
    paths: NexusPaths,
    config: OekobaudatConfig | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> DownloadResult:
    """Download the process list of one data stock into landing/external/oekobaudat/."""
    config = config or OekobaudatConfig()
    client = SodaClient(config, sleep)
    stock = resolve_datastock(client)
    retrieved_at = datetime.now(UTC)
    cache = PageCache(paths.state / "oekobaudat" / stock.uuid)
    stats = {"fetched": 0, "cached": 0}
    rows: dict[tuple[str, str], dict] = {}
    total = 0
    for entries, announced in iter_process_pages(client, stock, cache, stats):
        total = announced
        for entry in entries:
            if isinstance(entry, dict) and entry.get("uuid"):
                row = process_row(entry, stock, retrieved_at)
                rows[(row["process_uuid"], row["version"] or "")] = row  # pages may overlap
    notes = []
    if len(rows) != total:
        notes.append(f"service announced totalCount={total}, received {len(rows)} distinct rows")
    ordered = [rows[k] for k in sorted(rows)]
    table = pa.Table.from_pylist(ordered, schema=PROCESS_SCHEMA)
    fingerprint = content_sha256([r["raw_json"] for r in ordered])
    target = processes_path(paths)
    previous = read_file_metadata(target)
    unchanged = previous.get("content_sha256") == fingerprint
    if not unchanged:
        provenance = {
            "source": "ÖKOBAUDAT (soda4LCA)",
            "citation": CITATION,
            "base_url": client.base,
            "data_stock_uuid": stock.uuid,
            "data_stock_name": stock.short_name or stock.name,
            "retrieved_at": retrieved_at.isoformat(),
            "total_count": total,
        }
        write_table(table, target, {"content_sha256": fingerprint, "provenance": provenance})
    cache.clear()  # complete: the next download starts fresh
    return DownloadResult(
        path=str(target),
        rows=table.num_rows,
        data_stock=stock,
        retrieved_at=retrieved_at,
        expected_rows=total,
        unchanged=unchanged,
        pages_fetched=stats["fetched"],
        pages_from_cache=stats["cached"],
        notes=notes,
    )
