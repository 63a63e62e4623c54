"""`nexus seed`, `nexus refresh` and `nexus status --json` on the sample data, as a user runs them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import dagster as dg
import pytest
from nexus_cli import nexus

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
SAMPLE_LANDING = REPO / "sample_data" / "landing"

# The deliberately bad sample files and the class each must be quarantined with.
EXPECTED_BAD = {
    "_inbox/board_minutes_2023_q4_confidential.pdf": "encrypted",
    "_inbox/material_prices_upload_truncated.xlsx": "corrupt",
    "_inbox/empty_supplier_list.csv": "empty",
    "_inbox/scanned_invoice_ocr_garbled.txt": "encoding",
    "_inbox/meter_logger_firmware.bin": "unsupported",
}


@pytest.fixture
def env(nexus_home):
    return {
        **os.environ,
        "NEXUS_HOME": str(nexus_home),
        "DAGSTER_HOME": str(nexus_home / "dagster"),
    }


def test_refresh_converts_the_sample_data_once(env, nexus_home):
    from nexus_platform.definitions import build_definitions

    (nexus_home / "landing").rmdir()
    seeded = nexus("seed", env=env)
    assert seeded.returncode == 0, seeded.stderr
    files = sorted(
        p.relative_to(SAMPLE_LANDING).as_posix() for p in SAMPLE_LANDING.rglob("*") if p.is_file()
    )

    first = nexus("refresh", "--quiet", env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    good = len(files) - len(EXPECTED_BAD)
    assert f"converted: {good}  unchanged: 0  quarantined: {len(EXPECTED_BAD)}" in first.stdout
    for path, error_class in EXPECTED_BAD.items():
        assert f"quarantined {path}: {error_class}:" in first.stdout

    status = nexus("status", "--json", env=env)
    assert status.returncode == 0, status.stderr
    lines = [json.loads(line) for line in status.stdout.splitlines()]
    assert [line["path"] for line in lines] == files
    for line in lines:
        assert set(line) == {"path", "sha256", "status", "tables", "error", "reader"}
        assert len(line["sha256"]) == 64
        if line["path"] in EXPECTED_BAD:
            assert line["status"] == "quarantined"
            assert line["error"]["class"] == EXPECTED_BAD[line["path"]]
            assert line["tables"] == []
        else:
            assert line["status"] == "converted", line
            assert line["error"] is None
            assert line["reader"], line  # which parser converted it, with its version
            assert line["tables"] and all(
                t["rows"] > 0 and t["columns"] > 0 for t in line["tables"]
            )
            assert all(os.path.exists(t["path"]) for t in line["tables"])
    by_path = {line["path"]: line for line in lines}
    workbook = {
        t["name"] for t in by_path["materials/lca/oekobaudat_materials_excerpt.xlsx"]["tables"]
    }
    assert {"materials", "modules"} <= workbook
    report = by_path["climate/reports/rheintal_baustoffe_sustainability_report_2023.pdf"]["tables"]
    assert "pages" in {t["name"] for t in report} and len(report) >= 2  # text + a page table

    # Automation built every local asset, the same set `make run` builds (test_dagster_dev),
    # through runs tagged as the command's.
    from test_dagster_dev import EXTERNAL

    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        built = {
            key.to_user_string()
            for key in instance.get_asset_keys()
            if instance.get_latest_materialization_event(key) is not None
        }
        runs = instance.get_runs()
        assert runs and all(r.tags.get("nexus/trigger") == "cli" for r in runs)
    expected = {
        key.to_user_string()
        for key in build_definitions(with_warehouse=True).resolve_asset_graph().get_all_asset_keys()
    } - EXTERNAL
    assert built == expected, (expected - built, built - expected)

    second = nexus("refresh", "--quiet", env=env)
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"converted: 0  unchanged: {len(files)}  quarantined: 0" in second.stdout
    assert "runs: 0" in second.stdout and "downstream refreshed" not in second.stdout

    # A changed file is the only one converted next time; a new one is picked up too.
    csv = nexus_home / "landing" / "climate" / "emissions" / "scope_emissions_2019_2024.csv"
    csv.write_text(csv.read_text() + "Zeta AG,Cement,Germany,2025,1,2,3,4,5.0,6,true,2026-03-01\n")
    (nexus_home / "landing" / "new").mkdir()
    (nexus_home / "landing" / "new" / "note.md").write_text("# New\n\nA new note on heat pumps.\n")
    third = nexus("refresh", "--quiet", env=env)
    assert "converted: 2  unchanged: " in third.stdout, third.stdout
