"""Every error class lands in the ledger while the good files of the same batch convert.

The batch runs through the real `parquet_tables` asset over a partition range, as the
landing sensor requests it.
"""

from __future__ import annotations

import os
import zipfile

import dagster as dg
import pyarrow.parquet as pq
import pytest

from nexus_platform.ingest.ledger import Ledger


def run_batch(nexus_home, keys, run_config=None):
    from nexus_platform.definitions import build_definitions
    from nexus_platform.sensors.landing import range_tags

    defs = build_definitions()
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("landing_files", keys)
        result = defs.resolve_job_def("ingest").execute_in_process(
            instance=instance, tags=range_tags(keys), run_config=run_config
        )
        checks = {
            e.event_specific_data.partition: e.event_specific_data
            for e in result.all_events
            if e.event_type_value == "ASSET_CHECK_EVALUATION"
        }
    return result, checks


@pytest.fixture
def batch(put, tmp_path, make_pdf, encrypt_pdf, encrypted_ooxml):
    good_pdf = make_pdf([["Scope 1 emissions fell by 12 percent."]])
    files = {
        "good/emissions.csv": "company,scope1\nAcme,10\nBeta,12\n",
        "good/report.pdf": good_pdf,
        "good/open_protected.pdf": encrypt_pdf(good_pdf, user_password=""),
        "bad/locked.pdf": encrypt_pdf(good_pdf, user_password="s3cret"),
        "bad/locked.xlsx": encrypted_ooxml,
        "bad/broken.xlsx": b"PK\x03\x04" + os.urandom(200),
        "bad/empty.csv": b"",
        "bad/binary.txt": bytes(range(256)) * 8,
        "bad/program.exe": b"MZ\x90\x00" + b"\x00" * 64,
        "bad/huge.csv": "a,b\n" + "1,2\n" * 400_000,
    }
    for relpath, data in files.items():
        put(relpath, data)
    outside = tmp_path / "secret.csv"
    outside.write_text("user,password\nroot,hunter2\n")
    link = put("bad/escape.csv", b"")
    link.unlink()
    link.symlink_to(outside)
    return sorted([*files, "bad/escape.csv"])


EXPECTED = {
    "bad/locked.pdf": "encrypted",
    "bad/locked.xlsx": "encrypted",
    "bad/broken.xlsx": "corrupt",
    "bad/empty.csv": "empty",
    "bad/binary.txt": "encoding",
    "bad/program.exe": "unsupported",
    "bad/huge.csv": "too_large",
    "bad/escape.csv": "outside_landing",
}


def test_bad_files_are_quarantined_with_their_class_and_good_files_land(nexus_home, paths, batch):
    config = {"ops": {"parquet_tables": {"config": {"max_file_mb": 1}}}}
    result, checks = run_batch(nexus_home, batch, config)
    assert result.success  # quarantined files are not a platform failure
    entries = {e.path: e for e in Ledger(paths).entries()}
    assert set(entries) == set(batch)
    for relpath, error_class in EXPECTED.items():
        entry = entries[relpath]
        assert entry.status == "quarantined", relpath
        assert entry.error["class"] == error_class, (relpath, entry.error)
        assert entry.error["message"]
        assert checks[relpath].passed is False
        assert error_class in checks[relpath].description
    for relpath in ["good/emissions.csv", "good/report.pdf", "good/open_protected.pdf"]:
        entry = entries[relpath]
        assert entry.status == "converted", (relpath, entry.error)
        assert checks[relpath].passed is True
        assert all(pq.read_table(t.path).num_rows > 0 for t in entry.tables)
    pages = pq.read_table(entries["good/open_protected.pdf"].tables[0].path).to_pylist()
    assert "Scope 1 emissions" in pages[0]["text"]
    # The outside file was never read, let alone copied.
    assert "hunter2" not in (nexus_home / "warehouse").as_posix()
    for parquet in (nexus_home / "warehouse").rglob("*.parquet"):
        assert b"hunter2" not in parquet.read_bytes()
    # The quarantine ledger is also one table.
    ledger = pq.read_table(nexus_home / "ledger" / "ledger.parquet").to_pylist()
    assert {r["path"]: r["error_class"] for r in ledger if r["status"] == "quarantined"} == EXPECTED


def test_landing_files_are_never_modified(nexus_home, paths, batch):
    before = {
        p: (p.stat().st_mtime_ns, p.read_bytes())
        for p in (nexus_home / "landing").rglob("*")
        if p.is_file() and not p.is_symlink()
    }
    run_batch(nexus_home, batch)
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in before}
    assert before == after


def test_unchanged_file_is_not_converted_again_unless_forced(nexus_home, paths, put):
    put("a/x.csv", "a,b\n1,2\n")
    run_batch(nexus_home, ["a/x.csv"])
    first = Ledger(paths).get("a/x.csv")
    result, _ = run_batch(nexus_home, ["a/x.csv"])
    materialization = result.asset_materializations_for_node("parquet_tables")[0]
    assert materialization.metadata["unchanged"].value is True
    assert Ledger(paths).get("a/x.csv").updated_at == first.updated_at
    config = {"ops": {"parquet_tables": {"config": {"force": True}}}}
    run_batch(nexus_home, ["a/x.csv"], config)
    assert Ledger(paths).get("a/x.csv").updated_at != first.updated_at


def test_removed_sheet_table_goes_when_the_file_changes(nexus_home, paths, put, tmp_path):
    import openpyxl

    def workbook(sheets):
        book = openpyxl.Workbook()
        book.remove(book.active)
        for name in sheets:
            sheet = book.create_sheet(name)
            sheet.append(["material", "gwp"])
            sheet.append(["Beton", 1.5])
        target = tmp_path / "book.xlsx"
        book.save(target)
        return target.read_bytes()

    put("m/book.xlsx", workbook(["Concrete", "Steel"]))
    run_batch(nexus_home, ["m/book.xlsx"])
    assert {t.name for t in Ledger(paths).get("m/book.xlsx").tables} == {"concrete", "steel"}
    put("m/book.xlsx", workbook(["Concrete"]))
    run_batch(nexus_home, ["m/book.xlsx"])
    entry = Ledger(paths).get("m/book.xlsx")
    assert [t.name for t in entry.tables] == ["concrete"]
    assert not (nexus_home / "warehouse" / "m" / "book.xlsx" / "steel.parquet").exists()


def test_a_corrupt_zip_is_reported_by_its_parser(nexus_home, paths, put, tmp_path):
    good = tmp_path / "g.xlsx"
    with zipfile.ZipFile(good, "w") as archive:
        archive.writestr("[Content_Types].xml", "<nope/>")
    put("m/odd.xlsx", good.read_bytes())
    run_batch(nexus_home, ["m/odd.xlsx"])
    entry = Ledger(paths).get("m/odd.xlsx")
    assert entry.status == "quarantined"
    assert entry.error["class"] == "corrupt"
    assert entry.reader == "fastexcel" and entry.reader_version
