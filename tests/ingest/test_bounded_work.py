"""Work per file is bounded: zip containers are measured before inflating (member count,
inflated size, ratio) and deeply nested documents are quarantined as `too_deep`.

The bombs are converted in a child process whose own peak memory (VmHWM) is the measure:
an office file of 1.1 MB whose main part inflates to 1.1 GiB once took 2.4 GB to refuse.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hostile_files import BOMB_PARTS, bomb_member, deflated, office_bomb, zip_of

from nexus_platform.ingest.convert import convert_file

# Peak resident memory of the whole child process (interpreter, pyarrow, readers) while it
# refuses every bomb: the bombs themselves may add next to nothing.
MEMORY_BUDGET_MB = 300

_CHILD = textwrap.dedent(
    """
    import json, sys
    from nexus_platform.ingest.convert import convert_file
    from nexus_platform.settings import NexusPaths

    paths = NexusPaths.from_uri(sys.argv[1])
    out = {}
    for relpath in sys.argv[2:]:
        entry = convert_file(paths, relpath)
        out[relpath] = [entry.status, (entry.error or {}).get("class"), entry.error]
    # VmHWM: this process's own peak (ru_maxrss would carry the forking parent's peak).
    peak_kb = next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1]
    out["maxrss_mb"] = int(peak_kb) / 1024
    print(json.dumps(out))
    """
)


def _convert_in_child(home: Path, relpaths: list[str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(home), *relpaths],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_bombs_are_refused_before_inflating_within_a_small_memory_budget(nexus_home, put):
    relpaths = []
    for kind in BOMB_PARTS:
        relpaths.append(f"bombs/bomb.{kind}")
        put(relpaths[-1], office_bomb(kind))
    # A forged header: the member claims 1 KiB and inflates to 1.1 GiB.
    forged_data, forged_crc, _ = bomb_member(1100)
    put(
        "bombs/forged.xlsx", zip_of([("xl/worksheets/sheet1.xml", (forged_data, forged_crc, 1024))])
    )
    put("bombs/forged.docx", zip_of([("word/document.xml", (forged_data, forged_crc, 1024))]))

    found = _convert_in_child(nexus_home, [*relpaths, "bombs/forged.xlsx", "bombs/forged.docx"])

    for relpath in relpaths:
        status, error_class, error = found[relpath]
        assert (status, error_class) == ("quarantined", "too_large"), (relpath, error)
    for relpath in ("bombs/forged.xlsx", "bombs/forged.docx"):
        assert found[relpath][0] == "quarantined", found[relpath]
        assert found[relpath][1] in ("corrupt", "too_large"), found[relpath]
    print(f"peak memory refusing {len(found) - 1} bombs: {found['maxrss_mb']:.0f} MB")
    assert found["maxrss_mb"] < MEMORY_BUDGET_MB, found["maxrss_mb"]


def test_member_count_and_ratio_limits(paths, put):
    many = [(f"part/{i}.csv", deflated(b"a\n1\n")) for i in range(10_001)]
    put("limits/many.zip", zip_of(many))
    # 64 MiB of one byte: under the total limit, far over the ratio limit.
    put("limits/dense.zip", zip_of([("dense.csv", bomb_member(64, b"1"))]))
    put("limits/fine.zip", zip_of([("ok.csv", deflated(b"a,b\n1,2\n"))]))

    many_entry = convert_file(paths, "limits/many.zip")
    assert many_entry.error["class"] == "too_large"
    assert "members" in many_entry.error["message"]
    dense = convert_file(paths, "limits/dense.zip")
    assert dense.error["class"] == "too_large"
    assert "x" in dense.error["message"] and "bomb" in dense.error["message"]
    assert convert_file(paths, "limits/fine.zip").status == "converted"


@pytest.mark.parametrize(
    "name, content",
    [
        ("deep.json", "[" * 50_000 + "]" * 50_000),
        ("deep_objects.json", '{"a":' * 5_000 + "1" + "}" * 5_000),
        ("deep.jsonl", '{"ok": 1}\n' + '{"a":' * 5_000 + "1" + "}" * 5_000 + "\n"),
        ("deep.html", "<html><body>" + "<div>" * 5_000 + "deep" + "</div>" * 5_000),
    ],
)
def test_deeply_nested_documents_are_too_deep(paths, put, name, content):
    put(f"nested/{name}", content)
    entry = convert_file(paths, f"nested/{name}")
    assert entry.status == "quarantined"
    assert entry.error["class"] == "too_deep", entry.error
    assert "RecursionError" not in entry.error["message"]


def test_moderate_nesting_still_converts(paths, put):
    put("nested/fine.json", json.dumps({"a": {"b": {"c": {"d": [1, 2, {"e": 3}]}}}}))
    put("nested/fine.html", "<html><body>" + "<div>" * 100 + "text" + "</div>" * 100)
    assert convert_file(paths, "nested/fine.json").status == "converted"
    assert convert_file(paths, "nested/fine.html").status == "converted"
