"""Knowledge base build benchmark: full build vs incremental rebuild after changing 1% of files.

Generates a converted corpus (5,000 documents and 200,000 table rows by default) as Parquet
files plus ledger entries in a temporary NEXUS_HOME, exactly as the ingest asset leaves
them, then reports:
  - full build: records/s (median of --repeats builds from nothing), wall and CPU time,
  - no-change rebuild and 1%-changed rebuild, and their ratio to the full build
    (target: the 1% rebuild under 10% of the full build),
  - the reference floor: reading every source table with raw pyarrow, and the full build's
    ratio to it.
Run: .venv/bin/python bench/knowledgebase.py [--documents 5000 --rows 200000 --repeats 3]
Not a test: the machines are shared and noisy, figures are medians.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nexus_platform.ingest.ledger import Ledger, LedgerEntry, TableRef  # noqa: E402
from nexus_platform.knowledge.build import build_knowledgebase  # noqa: E402
from nexus_platform.knowledge.config import KnowledgeConfig  # noqa: E402
from nexus_platform.settings import NexusPaths  # noqa: E402

WORDS = (
    "emissions scope supplier audit energy water waste biodiversity climate target reduction "
    "renewable electricity heat recovery kiln clinker cement concrete transport rail truck "
    "employees safety training governance board policy risk taxonomy disclosure report "
    "Nachhaltigkeit Energieverbrauch Wärmerückgewinnung CO₂-Bilanz Lieferkette the of and to "
    "in a is for on with by was were this that from at as improved fell rose increased"
).split()
TOPICS = ["climate", "social", "governance", "materials", "nlp", "water", "energy", "waste"]
ROWS_PER_TABLE_FILE = 1000


def _sentence(rng: random.Random, low: int, high: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    return " ".join(words).capitalize() + "."


def _folder(rng: random.Random) -> str:
    depth = rng.randint(1, 4)
    return "/".join([rng.choice(TOPICS)] + [f"sub{rng.randint(0, 9)}" for _ in range(depth - 1)])


def _document_table(rng: random.Random, version: int) -> tuple[str, pa.Table, str]:
    if rng.random() < 0.5:
        pages = rng.randint(1, 4)
        texts = [
            "\n\n".join(_sentence(rng, 8, 30) for _ in range(rng.randint(2, 8)))
            + (f" Revision {version}." if version else "")
            for _ in range(pages)
        ]
        return "pages", pa.table({"page": list(range(1, pages + 1)), "text": texts}), "pdf"
    sections = rng.randint(2, 6)
    headings = [_sentence(rng, 2, 4)[:-1] for _ in range(sections)]
    table = pa.table(
        {
            "section": list(range(sections)),
            "level": [1] + [2] * (sections - 1),
            "heading": headings,
            "headings": pa.array(
                [[headings[0]]] + [[headings[0], h] for h in headings[1:]], pa.list_(pa.string())
            ),
            "text": [
                "\n\n".join(_sentence(rng, 6, 25) for _ in range(rng.randint(1, 6)))
                + (f" Revision {version}." if version else "")
                for _ in range(sections)
            ],
        }
    )
    return "sections", table, "md"


def _rows_table(rng: random.Random, rows: int, version: int) -> pa.Table:
    return pa.table(
        {
            "id": list(range(rows)),
            "site": [f"Werk {rng.randint(1, 40)}" for _ in range(rows)],
            "year": [rng.randint(2015, 2024) for _ in range(rows)],
            "tonnes": [round(rng.random() * 1000, 2) for _ in range(rows)],
            "comment": [
                _sentence(rng, 6, 20) + (f" v{version}" if version else "") for _ in range(rows)
            ],
        }
    )


def write_file(
    paths: NexusPaths, ledger: Ledger, index: int, kind: str, rows: int, version: int
) -> None:
    rng = random.Random(index * 7919 + version)
    folder = _folder(random.Random(index))
    if kind == "document":
        name, table, file_type = _document_table(rng, version)
        relpath, table_kind = f"{folder}/doc_{index:05d}.{file_type}", "document"
    else:
        name, table, file_type = "data", _rows_table(rng, rows, version), "csv"
        relpath, table_kind = f"{folder}/table_{index:05d}.csv", "table"
    target = paths.warehouse / relpath / f"{name}.parquet"
    Path(target.path).parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, target.path, compression="zstd")
    ledger.put(
        LedgerEntry(
            path=relpath,
            sha256=hashlib.sha256(f"{relpath}:{version}".encode()).hexdigest(),
            status="converted",
            file_type=file_type,
            size=table.nbytes,
            tables=[TableRef(name, str(target), table.num_rows, table.num_columns, table_kind)],
        )
    )


def generate(paths: NexusPaths, documents: int, rows: int) -> list[tuple[int, str, int]]:
    ledger = Ledger(paths)
    files = [(i, "document", 0) for i in range(documents)]
    table_files, remainder = divmod(rows, ROWS_PER_TABLE_FILE)
    files += [(documents + i, "table", ROWS_PER_TABLE_FILE) for i in range(table_files)]
    if remainder:
        files.append((documents + table_files, "table", remainder))
    for index, kind, n in files:
        write_file(paths, ledger, index, kind, n, version=0)
    return files


def raw_read(paths: NexusPaths) -> None:
    for entry in Ledger(paths).entries():
        for ref in entry.tables:
            pq.read_table(ref.path)


def _timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def _median(runs) -> tuple[float, float]:
    return statistics.median(r[1] for r in runs), statistics.median(r[2] for r in runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=5000)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--changed", type=float, default=0.01, help="share of files changed")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="nexus-kb-bench-"))
    try:
        paths = NexusPaths.from_uri(str(tmp))
        started = time.perf_counter()
        files = generate(paths, args.documents, args.rows)
        print(
            f"generated {len(files)} files ({args.documents} documents, {args.rows} table rows) "
            f"in {time.perf_counter() - started:.1f}s"
        )
        config = KnowledgeConfig()
        build_knowledgebase(paths, config)  # warm-up: tokenizer load, page cache

        full = []
        for _ in range(args.repeats):
            shutil.rmtree(paths.knowledgebase.path, ignore_errors=True)
            full.append(_timed(lambda: build_knowledgebase(paths, config)))
        full_s, full_cpu = _median(full)
        records = full[0][0].records

        unchanged = [
            _timed(lambda: build_knowledgebase(paths, config)) for _ in range(args.repeats)
        ]
        unchanged_s, unchanged_cpu = _median(unchanged)

        rng = random.Random(42)
        incremental, rebuilt = [], 0
        ledger = Ledger(paths)
        for version in range(1, args.repeats + 1):
            for index, kind, n in rng.sample(files, max(1, int(len(files) * args.changed))):
                write_file(paths, ledger, index, kind, n, version)
            incremental.append(_timed(lambda: build_knowledgebase(paths, config)))
            rebuilt = incremental[-1][0].files_rebuilt
        inc_s, inc_cpu = _median(incremental)
        raw = [_timed(lambda: raw_read(paths)) for _ in range(args.repeats)]
        raw_s, raw_cpu = _median(raw)

        # Wall time is what a user waits for; CPU time of this process is the figure that
        # holds on a shared, loaded machine.
        print(f"records: {records}  files: {len(files)}  (wall s / cpu s)")
        print(
            f"full build           {full_s:8.2f} / {full_cpu:7.2f}   "
            f"{records / full_s:8.0f} records/s wall, {records / full_cpu:8.0f} per cpu s"
        )
        print(
            f"no-change rebuild    {unchanged_s:8.2f} / {unchanged_cpu:7.2f}   "
            f"{unchanged_s / full_s:6.1%} of full wall, {unchanged_cpu / full_cpu:6.1%} cpu"
        )
        verdict = "met" if inc_s / full_s < 0.10 else "NOT met"
        print(
            f"{args.changed:.0%} changed ({rebuilt} files) {inc_s:6.2f} / {inc_cpu:7.2f}   "
            f"{inc_s / full_s:6.1%} of full wall, {inc_cpu / full_cpu:6.1%} cpu "
            f"(target < 10%: {verdict})"
        )
        print(
            f"reference: raw pyarrow read of all source tables {raw_s:.2f} / {raw_cpu:.2f}; "
            f"full build = {full_s / raw_s:.1f}x raw read (wall), {full_cpu / raw_cpu:.1f}x (cpu)"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
