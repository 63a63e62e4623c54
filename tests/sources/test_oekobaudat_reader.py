import json

import pyarrow.parquet as pq
import pytest
from fake_soda4lca import STOCK_CURRENT, STOCK_OLD

from nexus_platform.sources.http import RetryPolicy
from nexus_platform.sources.oekobaudat import (
    OekobaudatConfig,
    OekobaudatError,
    download_processes,
    processes_path,
)
from nexus_platform.sources.oekobaudat_lcia import download_lcia, lcia_path
from nexus_platform.sources.parquet_io import read_file_metadata

FAST_RETRY = RetryPolicy(attempts=4, initial_backoff_s=0.01, max_backoff_s=0.02, timeout_s=5)


def config(soda, **kw):
    return OekobaudatConfig(base_url=soda.base_url, page_size=10, retry=FAST_RETRY, **kw)


def test_full_download_pages_until_total_count(soda, nexus_paths):
    result = download_processes(nexus_paths, config(soda))

    # 23 processes in pages of 10: startIndex 0, 10, 20.
    page_requests = [r for r in soda.requests if "/processes?" in r]
    assert len(page_requests) == 3
    assert result.rows == 23 == result.expected_rows
    assert result.data_stock.uuid == STOCK_CURRENT  # newest release chosen from /datastocks
    table = pq.read_table(processes_path(nexus_paths).path)
    assert table.num_rows == 23
    rows = {r["process_uuid"]: r for r in table.to_pylist()}
    sample = soda.processes[2]
    row = rows[sample["uuid"]]
    assert row["name"] == sample["name"][0]["value"]  # German name preferred
    assert row["classification"] == sample["classific"].split(" / ")
    assert row["reference_year"] == sample["referenceYear"]
    assert row["valid_until"] == sample["validUntil"]
    assert row["geography"] == sample["location"]
    assert row["sub_type"] == sample["subType"]
    assert json.loads(row["raw_json"]) == sample
    assert row["data_stock_uuid"] == STOCK_CURRENT
    meta = read_file_metadata(processes_path(nexus_paths))
    assert meta["provenance"]["data_stock_name"] == "OBD_2023_I"
    assert "BBSR" in meta["provenance"]["citation"]
    # Complete download: the page cache is gone, the next run starts fresh.
    assert not (nexus_paths.state / "oekobaudat" / STOCK_CURRENT).exists()


def test_page_failing_twice_then_succeeding_is_retried(soda, nexus_paths):
    soda.fail_pages[10] = 2
    result = download_processes(nexus_paths, config(soda, datastock=STOCK_OLD))
    assert result.rows == 23
    assert result.data_stock.short_name == "OBD_2020_II"
    assert sum("startIndex=10" in r for r in soda.requests) == 3


def test_interrupted_download_resumes_from_cached_pages(soda, nexus_paths):
    soda.fail_pages[20] = 99  # the last page never comes back this time
    with pytest.raises(OekobaudatError, match="HTTP 503"):
        download_processes(nexus_paths, config(soda))
    assert not processes_path(nexus_paths).exists()
    soda.fail_pages.clear()
    soda.requests.clear()
    result = download_processes(nexus_paths, config(soda))
    assert result.pages_from_cache == 2 and result.pages_fetched == 1
    assert [r for r in soda.requests if "/processes?" in r][0].count("startIndex=20") == 1
    assert result.rows == 23


def test_unknown_data_stock_is_a_clear_error(soda, nexus_paths):
    missing = "00000000-0000-0000-0000-000000000000"
    with pytest.raises(OekobaudatError) as err:
        download_processes(nexus_paths, config(soda, datastock=missing))
    assert "HTTP 404" in str(err.value) and missing in str(err.value)
    assert "--datastock" in str(err.value)


def test_unchanged_content_leaves_the_landed_file_alone(soda, nexus_paths):
    download_processes(nexus_paths, config(soda))
    before = processes_path(nexus_paths).stat().st_mtime_ns
    again = download_processes(nexus_paths, config(soda))
    assert again.unchanged and processes_path(nexus_paths).stat().st_mtime_ns == before
    soda.processes[0]["referenceYear"] = 2024
    changed = download_processes(nexus_paths, config(soda))
    assert not changed.unchanged


def test_extended_view_tabulates_lcia_per_module(soda, nexus_paths):
    download_processes(nexus_paths, config(soda))
    result = download_lcia(nexus_paths, config(soda), limit=5)
    assert result.processes == 5 and result.fetched == 5 and result.processes_without_lcia == 0
    table = pq.read_table(lcia_path(nexus_paths).path).to_pylist()
    first = table[0]["process_uuid"]
    gwp = {
        r["module"]: r["amount"]
        for r in table
        if r["process_uuid"] == first and r["indicator_key"] == "GWP-total"
    }
    expected = soda.extended[first]["LCIAResults"]["LCIAResult"][0]["other"]["anies"][1:]
    assert gwp == {a["module"]: pytest.approx(float(a["value"])) for a in expected}
    assert {r["unit"] for r in table if r["indicator_key"] == "ODP"} == {"kg CFC-11 eq"}
    rerun = download_lcia(nexus_paths, config(soda), limit=5)
    assert rerun.fetched == 0 and rerun.from_cache == 5 and rerun.unchanged
