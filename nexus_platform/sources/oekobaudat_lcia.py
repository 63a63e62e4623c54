"""LCIA indicators (GWP and friends) per life-cycle module, from ÖKOBAUDAT's extended view.

The process list carries no indicator values; each process's full ILCD+EPD data set
(`/processes/{uuid}?format=json&view=extended`) does, under LCIAResults.LCIAResult[*], with
the per-module amounts (A1-A3, C3, D, ...) in `other.anies`. One row per process, indicator,
module and scenario. Fetched data sets are cached under NEXUS_HOME/state so a rerun resumes.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pyarrow as pa
from upath import UPath

from nexus_platform.settings import NexusPaths
from nexus_platform.sources.oekobaudat import (
    CITATION,
    OekobaudatConfig,
    SodaClient,
    landing_dir,
    pick_text,
    processes_path,
)
from nexus_platform.sources.parquet_io import read_file_metadata, read_table, write_table
from nexus_platform.storage import read_json, write_json

LCIA_SCHEMA = pa.schema(
    [
        ("process_uuid", pa.string()),
        ("process_version", pa.string()),
        ("indicator_uuid", pa.string()),
        ("indicator_name", pa.string()),
        ("indicator_key", pa.string()),
        ("unit", pa.string()),
        ("module", pa.string()),
        ("scenario", pa.string()),
        ("amount", pa.float64()),
        ("data_stock_uuid", pa.string()),
        ("retrieved_at", pa.timestamp("us", tz="UTC")),
    ]
)

# Order matters: the first rule whose words all occur in the (lower-cased) name wins.
INDICATOR_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("GWP-fossil", ("fossil", "gwp")),
    ("GWP-biogenic", ("biogen", "gwp")),
    ("GWP-luluc", ("luluc",)),
    ("GWP-total", ("gwp-total",)),
    ("GWP-total", ("global warming potential",)),
    ("GWP-total", ("climate change",)),
    ("ODP", ("ozone",)),
    ("AP", ("acidification",)),
    ("EP", ("eutrophication",)),
    ("POCP", ("photochemical",)),
    ("ADPE", ("abiotic", "element")),
    ("ADPF", ("abiotic", "fossil")),
    ("WDP", ("water",)),
)


@dataclass
class LciaResult:
    path: str
    rows: int
    processes: int
    processes_without_lcia: int
    fetched: int
    from_cache: int
    unchanged: bool


def lcia_path(paths: NexusPaths) -> UPath:
    return landing_dir(paths) / "lcia_results.parquet"


def indicator_key(name: str | None) -> str | None:
    lowered = (name or "").lower()
    for key, words in INDICATOR_RULES:
        if all(word in lowered for word in words):
            return key
    return None


def _as_list(value: object) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _amount(value: object) -> float | None:
    try:
        return float(str(value).replace(",", ".")) if value not in (None, "") else None
    except ValueError:
        return None


def lcia_rows(
    dataset: dict, process_uuid: str, version: str, stock_uuid: str, retrieved_at: datetime
) -> list[dict]:
    """Flatten the LCIA results of one extended process data set."""
    root = dataset.get("processDataSet", dataset)
    results = (root.get("LCIAResults") or root.get("lciaResults") or {}).get("LCIAResult")
    rows = []
    for result in _as_list(results):
        ref = result.get("referenceToLCIAMethodDataSet") or {}
        name = pick_text(ref.get("shortDescription"), prefer=("en", "de"))
        unit = None
        module_rows = []
        for item in _as_list((result.get("other") or {}).get("anies")):
            if not isinstance(item, dict):
                continue
            if item.get("name") == "referenceToUnitGroupDataSet":
                obj = item.get("objectReference") or item.get("value") or {}
                unit = (
                    pick_text(obj.get("shortDescription"), ("en", "de"))
                    if isinstance(obj, dict)
                    else None
                )
            module = item.get("module") or item.get("@module")
            if module:
                module_rows.append((str(module), item.get("scenario"), item.get("value")))
        if not module_rows and result.get("meanAmount") is not None:
            module_rows.append(("total", None, result.get("meanAmount")))
        for module, scenario, value in module_rows:
            rows.append(
                {
                    "process_uuid": process_uuid,
                    "process_version": version,
                    "indicator_uuid": ref.get("refObjectId") or ref.get("@refObjectId"),
                    "indicator_name": name,
                    "indicator_key": indicator_key(name),
                    "unit": unit,
                    "module": module,
                    "scenario": scenario,
                    "amount": _amount(value),
                    "data_stock_uuid": stock_uuid,
                    "retrieved_at": retrieved_at,
                }
            )
    return rows


def download_lcia(
    paths: NexusPaths,
    config: OekobaudatConfig | None = None,
    limit: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> LciaResult:
    """For each process in processes.parquet, fetch its extended data set and tabulate LCIA."""
    config = config or OekobaudatConfig()
    source = processes_path(paths)
    if not source.exists():
        raise FileNotFoundError(f"{source} does not exist: download the process list first")
    processes = read_table(source).select(["process_uuid", "version", "data_stock_uuid"])
    pending = processes.to_pylist()[:limit] if limit else processes.to_pylist()
    client = SodaClient(config, sleep)
    retrieved_at = datetime.now(UTC)
    rows: list[dict] = []
    fetched = cached = without = 0
    for proc in pending:
        uuid, version, stock = proc["process_uuid"], proc["version"] or "", proc["data_stock_uuid"]
        cache_file = paths.state / "oekobaudat" / "extended" / f"{uuid}_{version}.json"
        dataset = read_json(cache_file)
        if dataset is None:
            params = {"view": "extended", **({"version": version} if version else {})}
            dataset = client.get_json(f"processes/{uuid}", f"process {uuid} (extended)", **params)
            write_json(cache_file, dataset)
            fetched += 1
        else:
            cached += 1
        found = lcia_rows(dataset, uuid, version, stock, retrieved_at)
        without += not found
        rows.extend(found)
    table = pa.Table.from_pylist(rows, schema=LCIA_SCHEMA)
    digest = hashlib.sha256(
        json.dumps(
            [{k: v for k, v in r.items() if k != "retrieved_at"} for r in rows],
            sort_keys=True,
            default=str,
        ).encode()
    ).hexdigest()
    target = lcia_path(paths)
    unchanged = read_file_metadata(target).get("content_sha256") == digest
    if not unchanged:
        write_table(
            table,
            target,
            {
                "content_sha256": digest,
                "provenance": {
                    "source": "ÖKOBAUDAT (soda4LCA, view=extended)",
                    "citation": CITATION,
                    "base_url": client.base,
                    "retrieved_at": retrieved_at.isoformat(),
                },
            },
        )
    return LciaResult(
        str(target), table.num_rows, len(pending), without, fetched, cached, unchanged
    )
