"""A conversion killed mid-write leaves the previous Parquet intact and readable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pyarrow.parquet as pq

from nexus_platform.ingest.convert import convert_file
from nexus_platform.ingest.ledger import Ledger

CONVERT = """
import sys
from nexus_platform.ingest.convert import convert_file
from nexus_platform.settings import NexusPaths
convert_file(NexusPaths.from_uri(sys.argv[1]), sys.argv[2])
"""


def test_kill_mid_write_keeps_previous_version(paths, put, nexus_home):
    put("big/readings.csv", "sensor,value\na,1\nb,2\n")
    first = convert_file(paths, "big/readings.csv")
    Ledger(paths).put(first)
    target = first.tables[0].path
    assert pq.read_table(target).num_rows == 2

    # A new version large enough that writing it takes a while.
    rows = "\n".join(f"s{i % 97},{i}" for i in range(3_000_000))
    put("big/readings.csv", "sensor,value\n" + rows + "\n")
    proc = subprocess.Popen(
        [sys.executable, "-c", CONVERT, str(nexus_home), "big/readings.csv"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    folder = os.path.dirname(target)
    deadline = time.time() + 60
    # Kill as soon as the temporary file exists, i.e. in the middle of writing.
    while time.time() < deadline:
        if any(n.endswith(".tmp") for n in os.listdir(folder)):
            break
        time.sleep(0.005)
    else:
        proc.kill()
        raise AssertionError("the converter never started writing")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    table = pq.read_table(target)
    assert table.num_rows == 2
    assert table.column("value").to_pylist() == [1, 2]
    # A re-run converts the new version and replaces the old one in one step.
    second = convert_file(paths, "big/readings.csv", previous=first)
    assert second.status == "converted"
    assert pq.read_metadata(target).num_rows == 3_000_000
