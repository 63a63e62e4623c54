"""Every file of the shared corpus (real files collected to break PDF and spreadsheet readers)
through `convert_file`: each ends converted or quarantined with the right reason, in bounded
time, and the whole corpus within a bounded peak memory (measured in a child process)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
PEAK_MB = 1500
SECONDS_PER_FILE = 60

EXPECTED = {
    "pdf-samples/005-libreoffice-writer-password/libreoffice-writer-password.pdf": "encrypted",
    "pdf-samples/017-unreadable-meta-data/unreadablemetadata.pdf": "corrupt",
    "pdf-samples/LICENSE": "unsupported",
    "spreadsheets/pass_protected.xlsx": "encrypted",
    "spreadsheets/pass_protected.xlsb": "encrypted",
    "spreadsheets/pass_protected.ods": "encrypted",
    "spreadsheets/issue_385.xls": "encrypted",
    "spreadsheets/issue_594_dos.ods": "too_large",
    "spreadsheets/too_small.xls": "corrupt",
    "spreadsheets/ptgexp-truncated-operand.xls": "corrupt",
    "spreadsheets/OOM_alloc3.xls": "corrupt",
    "spreadsheets/empty_sheet.xlsx": "empty",
    # Pictures without any text: read by OCR, nothing recognised.
    "pdf-samples/007-imagemagick-images/smile.png": "empty",
    "spreadsheets/picture.png": "empty",
}

_CHILD = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from nexus_platform.ingest.convert import convert_file
    from nexus_platform.settings import NexusPaths

    paths = NexusPaths.from_uri(sys.argv[1])
    landing = Path(paths.landing.path)
    for path in sorted(p for p in landing.rglob("*") if p.is_file()):
        relpath = path.relative_to(landing).as_posix()
        started = time.perf_counter()
        entry = convert_file(paths, relpath)
        print(json.dumps({
            "path": relpath, "status": entry.status, "error": entry.error,
            "seconds": time.perf_counter() - started,
            "tables": [t.rows for t in entry.tables],
        }), flush=True)
    # VmHWM: this process's own peak (ru_maxrss would carry the forking parent's peak).
    peak_kb = next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1]
    print(json.dumps({"maxrss_mb": int(peak_kb) / 1024}))
    """
)


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_every_corpus_file_is_converted_or_quarantined_for_its_reason(tmp_path):
    home = tmp_path / "nexus"
    shutil.copytree(CORPUS, home / "landing")
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(home)],
        capture_output=True,
        text=True,
        timeout=900,
        check=True,
    )
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    peak = lines.pop()["maxrss_mb"]
    results = {line["path"]: line for line in lines}
    files = sorted(p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*") if p.is_file())
    assert sorted(results) == files  # every file accounted for

    for relpath, line in results.items():
        assert line["seconds"] < SECONDS_PER_FILE, line
        if relpath in EXPECTED:
            assert line["status"] == "quarantined", line
            assert line["error"]["class"] == EXPECTED[relpath], line
        else:
            assert line["status"] in ("converted", "quarantined"), line
        if line["status"] == "converted":
            assert sum(line["tables"]) > 0, line
    converted = {p for p, line in results.items() if line["status"] == "converted"}
    # The readable files of each family are read, not merely survived.
    for relpath in (
        "pdf-samples/015-arabic/habibi.pdf",
        "pdf-samples/026-latex-multicolumn/multicolumn.pdf",
        "pdf-samples/002-trivial-libre-office-writer/source.odt",
        "spreadsheets/date_1904.xls",
        "spreadsheets/issues.xlsb",
        "spreadsheets/merged_cells.ods",
        "spreadsheets/errors.xlsx",
        "spreadsheets/OOM_alloc.xls",
    ):
        assert relpath in converted, results[relpath]
    assert peak < PEAK_MB, peak
