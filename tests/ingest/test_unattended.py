"""No entry of a landing folder can stop a run or the sensor, no file is left behind.

Each test reproduces a way an unattended platform used to get stuck (a FIFO that hung the
scan, a name that is not UTF-8, a run that failed or died half-way, a full disk filed as a
corrupt file for ever, a refused symlink that stayed pending) and checks that the good files
of the same batch land and that the ledger, the landing index and Dagster agree.
"""

from __future__ import annotations

import os
import socket
import subprocess

import dagster as dg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nexus_platform.asset_keys import PARQUET_TABLES
from nexus_platform.assets.ingest import CHECK_NAME
from nexus_platform.ingest import ledger as ledger_module
from nexus_platform.ingest.changes import DIGEST
from nexus_platform.ingest.keys import fs_name, key_for
from nexus_platform.ingest.ledger import MAX_ATTEMPTS, Ledger
from nexus_platform.sensors.landing import evaluate_landing, index_path
from nexus_platform.storage import read_json

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def defs(nexus_home):
    from nexus_platform.definitions import build_definitions

    return build_definitions()


@pytest.fixture
def instance():
    with dg.instance_for_test() as instance:
        yield instance


def ingest(defs, instance):
    """What `nexus refresh` does for the landing folder: tick, run, until nothing is asked."""
    from nexus_platform.refresh import RefreshSummary, convert_landing

    summary = RefreshSummary()
    convert_landing(defs, instance, summary, lambda *_: None, {})
    return summary


def tick(defs, instance, now=None):
    from nexus_platform.refresh import _apply_partition_requests

    decision = evaluate_landing(instance, defs.resources["storage"], 0.0, now=now)
    _apply_partition_requests(instance, decision.partition_requests)
    return decision


def run(defs, instance, request, raise_on_error=True):
    return defs.resolve_job_def("ingest").execute_in_process(
        instance=instance, tags=request.tags, raise_on_error=raise_on_error
    )


def assert_agreement(paths, instance):
    """Every landing entry is done: its ledger entry is committed for its current bytes, a
    converted file's latest materialisation records those bytes, a quarantined file has no
    materialisation of them and its latest check failed with its class."""
    index = read_json(index_path(paths), {})
    ledger = Ledger(paths)
    assert index, "the landing index is empty"
    for key, item in index.items():
        entry = ledger.get(key)
        assert entry is not None and entry.committed, key
        assert entry.sha256 == item[DIGEST], key
        assert ledger.is_done(key, item[DIGEST])
        materialised = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=PARQUET_TABLES, asset_partitions=[key]), limit=1
        ).records
        latest_sha = (
            materialised[0].asset_materialization.metadata["source_sha256"].value
            if materialised
            else None
        )
        if entry.status == "converted":
            assert latest_sha == entry.sha256, key
        else:
            assert latest_sha != entry.sha256, key
            history = instance.event_log_storage.get_asset_check_execution_history(
                dg.AssetCheckKey(PARQUET_TABLES, CHECK_NAME), limit=10_000
            )
            evaluation = next(r for r in history if r.partition == key).evaluation
            assert (
                not evaluation.passed
                and evaluation.metadata["error_class"].value == (entry.error["class"])
            )


# -- names in any bytes --------------------------------------------------------------------
_names = st.lists(
    st.binary(min_size=1, max_size=12).filter(
        lambda b: b"/" not in b and b"\0" not in b and b not in (b".", b"..")
    ),
    min_size=1,
    max_size=3,
)


@given(_names)
def test_keys_map_any_bytes_to_readable_text_and_back(parts):
    name = "/".join(p.decode("utf-8", "surrogateescape") for p in parts)
    key = key_for(name)
    key.encode("utf-8")  # valid text: JSON, run keys and Dagster's storage take it
    assert "..." not in key and not any(ord(c) < 0x20 or ord(c) == 0x7F for c in key)
    assert fs_name(key) == name


def test_readable_names_keep_their_key():
    for name in ["climate/reports/Bericht Ü 2023.pdf", "50% off.csv", "a/b-c_d (1).xlsx"]:
        assert key_for(name) == name


# -- hostile entries -----------------------------------------------------------------------
@pytest.fixture
def hostile_landing(nexus_home, put, tmp_path):
    landing = nexus_home / "landing"
    put("good/emissions.csv", "company,scope1\nAcme,10\nBeta,12\n")
    put("good/notes.md", "# Notes\n\nScope 3 emissions are reported from 2024.\n")
    # A name that is not UTF-8 (latin-1 é), as a Windows share or an old archive gives.
    os.makedirs(os.fsencode(landing / "latin"), exist_ok=True)
    with open(os.fsencode(landing / "latin") + b"/caf\xe9_prices.csv", "wb") as fh:
        fh.write(b"item,price\ncoffee,3\n")
    os.mkfifo(landing / "good" / "pipe.csv")  # opening it would block for ever
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(landing / "good" / "agent.sock"))
    outside = tmp_path / "secret.csv"
    outside.write_text("user,password\nroot,hunter2\n")
    (landing / "links").mkdir()
    (landing / "links" / "escape.csv").symlink_to(outside)
    (landing / "links" / "broken.csv").symlink_to(landing / "nowhere.csv")
    (landing / "links" / "inside.csv").symlink_to(landing / "good" / "emissions.csv")
    (landing / "odd" / "folder.csv").mkdir(parents=True)  # a folder named like a file
    put("odd/folder.csv/inner.csv", "a,b\n1,2\n")
    put("odd/three...dots.txt", "A file name with three dots in a row.\n")
    yield landing
    server.close()


def test_hostile_entries_are_accounted_and_the_batch_lands(defs, instance, paths, hostile_landing):
    summary = ingest(defs, instance)
    assert not summary.failed_runs and not summary.pending
    ledger = {e.path: e for e in Ledger(paths).entries()}
    classes = {k: (e.error or {}).get("class") for k, e in ledger.items()}
    assert classes == {
        "good/emissions.csv": None,
        "good/notes.md": None,
        "latin/caf%E9_prices.csv": None,
        "good/pipe.csv": "not_a_file",
        "good/agent.sock": "not_a_file",
        "links/escape.csv": "outside_landing",
        "links/broken.csv": "not_a_file",
        "links/inside.csv": None,
        "odd/folder.csv/inner.csv": None,
        "odd/three..%2Edots.txt": None,
    }
    assert "hunter2" not in str(ledger["links/escape.csv"].to_json())
    assert_agreement(paths, instance)
    # Accounted means done: a second pass asks for nothing and converts nothing again.
    again = ingest(defs, instance)
    assert again.runs == 0 and not again.converted and not again.quarantined


def test_status_never_opens_a_fifo_and_shows_refused_links_as_quarantined(
    defs, instance, paths, hostile_landing
):
    from nexus_platform.refresh import status_lines

    before = {line["path"]: line["status"] for line in status_lines(paths)}
    assert before["good/pipe.csv"] == "pending"
    ingest(defs, instance)
    after = {line["path"]: line for line in status_lines(paths)}
    assert {k for k, v in after.items() if v["status"] == "pending"} == set()
    assert after["links/escape.csv"]["error"]["class"] == "outside_landing"
    assert after["latin/caf%E9_prices.csv"]["status"] == "converted"


def test_the_cli_survives_a_fifo_and_a_non_utf8_name(nexus_home, hostile_landing):
    env = {**os.environ, "NEXUS_HOME": str(nexus_home), "DAGSTER_HOME": str(nexus_home / "dg")}
    nexus = os.path.join(os.path.dirname(os.sys.executable), "nexus")
    status = subprocess.run([nexus, "status"], env=env, capture_output=True, text=True, timeout=60)
    assert status.returncode == 0, status.stderr
    assert "latin/caf%E9_prices.csv" in status.stdout and "good/pipe.csv" in status.stdout


# -- runs that fail or die -----------------------------------------------------------------
def test_files_of_a_failed_run_are_asked_for_again(defs, instance, paths, put, monkeypatch):
    from nexus_platform.assets import ingest as ingest_asset
    from nexus_platform.ingest.process import LedgerUnavailable

    for i in range(6):
        put(f"batch/f{i}.csv", f"n\n{i}\n")
    first = tick(defs, instance)
    assert len(first.runs) == 1
    real = ingest_asset.process_file
    calls = []

    def failing_after_two(paths_, ledger, key, *args, **kwargs):
        calls.append(key)
        if len(calls) > 2:
            raise LedgerUnavailable("the ledger cannot be written: [Errno 5] Input/output error")
        return real(paths_, ledger, key, *args, **kwargs)

    monkeypatch.setattr(ingest_asset, "process_file", failing_after_two)
    result = run(defs, instance, first.runs[0], raise_on_error=False)
    assert not result.success  # the platform could not work, and the run says so
    monkeypatch.setattr(ingest_asset, "process_file", real)
    # Right after the failure the files wait (Dagster may retry the run) ...
    assert not tick(defs, instance).runs
    # ... then the files that are not done are asked for again, without any manual command.
    later = tick(defs, instance, now=__import__("time").time() + 120)
    assert len(later.runs) == 1
    assert later.runs[0].tags["dagster/asset_partition_range_start"] == "batch/f2.csv"
    run(defs, instance, later.runs[0])
    tick(defs, instance)
    assert_agreement(paths, instance)


def test_a_run_that_died_after_converting_is_recorded_without_converting_again(
    defs, instance, paths, put, monkeypatch
):
    """A worker killed after converting some files but before Dagster recorded them: the
    ledger has staged entries and no materialisation. The next run records them, reusing the
    conversion rather than doing it twice."""
    from nexus_platform.ingest import process
    from nexus_platform.ingest.convert import ConvertConfig

    for i in range(4):
        put(f"batch/f{i}.csv", f"n\n{i}\n")
    first = tick(defs, instance)
    ledger = Ledger(paths)
    for key in ("batch/f0.csv", "batch/f1.csv"):  # what the dead worker got through
        process.process_file(paths, ledger, key, ConvertConfig())
    assert not ledger.get("batch/f0.csv").committed
    conversions = []
    real = process.convert_file
    monkeypatch.setattr(
        process, "convert_file", lambda *a, **k: conversions.append(a[1]) or real(*a, **k)
    )
    # The dead run's request is not repeated at once; after the grace period it is.
    assert not tick(defs, instance, now=__import__("time").time() + 1).runs
    again = tick(defs, instance, now=__import__("time").time() + 120)
    assert [r.tags["nexus/files"] for r in again.runs] == ["4"] and first.runs
    run(defs, instance, again.runs[0])
    assert sorted(conversions) == ["batch/f2.csv", "batch/f3.csv"]  # never twice
    tick(defs, instance)
    assert_agreement(paths, instance)


def test_a_file_whose_conversion_never_finishes_ends_failed_repeatedly(defs, instance, paths, put):
    put("batch/crasher.csv", "a\n1\n")
    put("batch/fine.csv", "a\n2\n")
    ledger = Ledger(paths)
    item = os.stat(paths.landing.path + "/batch/crasher.csv")
    for _ in range(MAX_ATTEMPTS):  # five workers died while converting it
        ledger.begin("batch/crasher.csv", f"{item.st_size}:{item.st_mtime_ns}")
    summary = ingest(defs, instance)
    entry = Ledger(paths).get("batch/crasher.csv")
    assert entry.error["class"] == "failed_repeatedly"
    assert "never finished" in entry.error["message"]
    assert summary.converted == ["batch/fine.csv"]
    assert_agreement(paths, instance)


def test_an_unexpected_error_in_a_per_file_step_quarantines_only_that_file(
    defs, instance, paths, put, monkeypatch
):
    from nexus_platform.assets import ingest as ingest_asset

    put("a/first.csv", "x\n1\n")
    put("a/preview_breaks.csv", "x\n2\n")
    put("a/last.csv", "x\n3\n")
    real = ingest_asset.describe

    def describe(path, *args, **kwargs):
        if "preview_breaks" in path:
            raise OverflowError("date value out of range")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(ingest_asset, "describe", describe)
    summary = ingest(defs, instance)
    assert not summary.failed_runs
    assert summary.converted == ["a/first.csv", "a/last.csv"]
    entry = Ledger(paths).get("a/preview_breaks.csv")
    assert entry.error == {"class": "internal", "message": "OverflowError: date value out of range"}
    assert_agreement(paths, instance)


# -- passing causes: disk full, permissions -------------------------------------------------
@pytest.fixture
def small_disk(nexus_home):
    """The warehouse on a 1 MB file system of its own: real ENOSPC from the kernel."""
    target = nexus_home / "warehouse"
    target.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(target)])
    if mounted.returncode != 0:
        pytest.skip("this machine does not allow mounting a tmpfs")
    yield target
    subprocess.run(["umount", "-l", str(target)], check=False)


def test_a_full_disk_leaves_files_pending_and_they_convert_once_space_is_freed(
    defs, instance, paths, put, small_disk, monkeypatch
):
    import numpy as np

    rng = np.random.default_rng(7)
    rows = "\n".join(",".join(f"{v:.17f}" for v in r) for r in rng.random((60_000, 4)))
    put("big/random.csv", "a,b,c,d\n" + rows + "\n")  # ~4 MB of Parquet: does not fit
    put("big/small.csv", "a\n1\n")
    summary = ingest(defs, instance)
    assert summary.converted == ["big/small.csv"]
    assert [k for k, _ in summary.pending] == ["big/random.csv"]
    attempt = Ledger(paths).attempt("big/random.csv")
    assert attempt.reason == "disk_full" and attempt.count == 1
    assert Ledger(paths).get("big/random.csv") is None  # not quarantined as corrupt
    from nexus_platform.refresh import status_lines

    line = next(x for x in status_lines(paths) if x["path"] == "big/random.csv")
    assert line["status"] == "pending" and line["reason"].startswith("disk_full")
    assert line["attempts"] == 1
    # Space is freed; the retry time comes; the file converts with no manual step.
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    monkeypatch.setattr(ledger_module, "RETRY_BASE_SECONDS", 0.0)
    later = ingest(defs, instance)
    assert later.converted == ["big/random.csv"]
    assert_agreement(paths, instance)


def test_a_file_nobody_may_read_waits_and_converts_once_readable(nexus_home, put):
    """Through separate processes, as an unattended refresh would run. Root reads every file,
    so as root the processes run without the capability to bypass file permissions."""
    import json
    import shutil

    good = put("perm/good.csv", "a\n1\n")
    locked = put("perm/locked.csv", "a\n2\n")
    locked.chmod(0o000)
    env = {**os.environ, "NEXUS_HOME": str(nexus_home), "DAGSTER_HOME": str(nexus_home / "dg")}
    prefix = []
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("setpriv (util-linux) is needed to drop root's read-anything capability")
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    here = os.path.dirname(__file__)
    convert = [
        *prefix,
        os.sys.executable,
        "-c",
        f"import sys; sys.path.insert(0, {here!r}); import unattended_cli as u; u.main()",
    ]
    nexus = os.path.join(os.path.dirname(os.sys.executable), "nexus")

    def status():
        done = subprocess.run(
            [*prefix, nexus, "status", "--json"], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return {line["path"]: line for line in map(json.loads, done.stdout.splitlines())}

    first = subprocess.run(convert, env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr[-2000:]
    lines = status()
    assert lines["perm/good.csv"]["status"] == "converted"
    assert lines["perm/locked.csv"]["status"] == "pending"
    assert "permission" in lines["perm/locked.csv"]["reason"]
    assert good.exists()
    locked.chmod(0o644)
    second = subprocess.run([*convert, "--retry-now"], env=env, capture_output=True, text=True)
    assert second.returncode == 0, second.stderr[-2000:]
    assert status()["perm/locked.csv"]["status"] == "converted"
