"""Every real-world file of ../shared/corpus (PDFs from many producers, spreadsheets that once
broke a reader) through `nexus refresh` in one batch, as a user's folder would reach it: the
refresh exits 0 and every file is accounted for, converted or quarantined with a known class,
nothing left pending; a second refresh has nothing to do."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from nexus_cli import nexus

from nexus_platform.ingest.model import ErrorClass

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS}")
def test_the_whole_corpus_through_refresh(nexus_home):
    landing = nexus_home / "landing"
    for folder in ("pdf-samples", "spreadsheets"):
        shutil.copytree(CORPUS / folder, landing / folder)
    files = sorted(p.relative_to(landing).as_posix() for p in landing.rglob("*") if p.is_file())
    env = {**os.environ, "NEXUS_HOME": str(nexus_home), "DAGSTER_HOME": str(nexus_home / "dg")}

    first = nexus("refresh", "--quiet", env=env, timeout=1100)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    status = nexus("status", "--json", env=env)
    assert status.returncode == 0, status.stderr
    lines = [json.loads(line) for line in status.stdout.splitlines()]
    assert sorted(line["path"] for line in lines) == files
    known = {c.value for c in ErrorClass}
    for line in lines:
        assert line["status"] in ("converted", "quarantined"), line
        if line["status"] == "quarantined":
            assert line["error"]["class"] in known, line
    converted = sum(line["status"] == "converted" for line in lines)
    assert converted > len(files) // 2  # most real files are readable
    print(f"\n{len(files)} files: {converted} converted, {len(files) - converted} quarantined")

    second = nexus("refresh", "--quiet", env=env, timeout=1100)
    assert second.returncode == 0
    assert f"converted: 0  unchanged: {len(files)}  quarantined: 0" in second.stdout
