"""Conversion benchmark: the platform's landing-file converters against the reference tools.

    .venv/bin/python bench/convert.py                 # everything (several minutes)
    .venv/bin/python bench/convert.py --quick         # small smoke run (< ~2 minutes)
    .venv/bin/python bench/convert.py --only a,e --runs 5 --size-mb 500

Parts (the figures and targets of the foundation issue, DESIGN §8):
  a  ~500 MB mixed-type CSV -> Parquet: platform `convert_file` vs raw pyarrow streaming
     (open_csv -> ParquetWriter), polars scan_csv().sink_parquet(), DuckDB COPY and pandas.
     Targets: within 1.3x of the fastest reference, >= 4x faster than pandas. Then peak RSS
     of the platform on a ~1 GB CSV (< 600 MB), with pyarrow read_csv's for contrast.
  b  2,000 small CSVs (~50 KB) landed at once, end to end through `nexus refresh` in a fresh
     NEXUS_HOME (process start to exit) vs raw pyarrow read+write of the same files in one
     process. Target: per-file overhead (platform - raw) / N < 50 ms.
  c  ~20 MB 3-sheet xlsx: platform `convert_file` vs pandas read_excel(openpyxl) + to_parquet.
     Target >= 8x.
  d  200-page text PDF: the platform's PDF reader (table detection off) vs pdfplumber
     extract_text on every page. Target >= 20x. Table detection on is reported too.
  e  `python -c "import nexus_platform.definitions"` in a fresh process, median of 5: < 3 s.
  f  OCR: an image-only PDF of N A4 pages at 300 dpi (German and English prose), pages per
     second of the platform's PDF reader (Tesseract, pages side by side) vs the Tesseract
     CLI run on the same page images one after another. Tesseract runs on the CPU only: on
     a machine with a GPU the figure is the same (reported as such).
  g  The text-layer check on the 200-page born-digital PDF of part d: `convert_file` with
     OCR on (the check runs on every page) vs off. Target: under 5% of the conversion time.

Every method runs in its own fresh subprocess (peak RSS is that process's ru_maxrss, library
imports included); times are the child's own timing of the work (imports excluded for every
method, the platform's lazy imports too) unless said otherwise, median of --runs (parts b and
c: --slow-runs, default 1, as one run takes minutes), runs interleaved round-robin. The
process CPU column (user + system) is steadier than wall time on a busy shared machine. Every writer uses zstd, as
the platform does, so all methods produce the same kind of file. Generated data is cached
under bench/out/convert/ (git-ignored). Not a test: the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    OUT_DIR,
    PYTHON,
    REPO_ROOT,
    file_mb,
    link_or_copy,
    max_rss,
    median,
    median_cpu,
    median_seconds,
    own_peak_rss_mb,
    print_table,
    print_targets,
    report,
    run_child,
    run_rounds,
    timed,
)

WORK = OUT_DIR / "convert"
DATA = WORK / "data"
SCRIPT = Path(__file__).resolve()
SMALL_FILE_ROWS = 185  # ~50 KB of the mixed CSV


# ------------------------------------------------------------------------------------------
# data generation (cached; written to a temporary name first so a killed run leaves no
# half-written cache behind)


def _mixed_chunk(start: int, rows: int, seed: int):
    """`rows` rows of mixed types: ints, floats, bools, dates, timestamps, short and long
    strings (with commas and non-ASCII), some nulls. Vectorised: no Python loop per row."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    rng = np.random.default_rng(seed)
    pools = _string_pools()

    def nulls(share: float):
        return rng.random(rows) < share

    def pick(pool, share: float = 0.0):
        values = pool.take(pa.array(rng.integers(0, len(pool), rows)))
        return pc.if_else(pa.array(nulls(share)), pa.nulls(rows, pa.string()), values)

    seconds = rng.integers(0, 10 * 365 * 86_400, rows).astype("timedelta64[s]")
    days = rng.integers(0, 3650, rows).astype("timedelta64[D]")
    return pa.table(
        {
            "Record ID": pa.array(np.arange(start, start + rows)),
            "Quantity": pa.array(rng.integers(0, 100_000, rows), mask=nulls(0.02)),
            "Emissions (t CO2e)": pa.array(
                np.round(rng.normal(500, 200, rows), 3), mask=nulls(0.03)
            ),
            "Verified": pa.array(rng.random(rows) < 0.5, mask=nulls(0.01)),
            "Reporting Date": pa.array(np.datetime64("2015-01-01") + days),
            "Measured At": pa.array(
                np.datetime64("2015-01-01T00:00:00") + seconds, mask=nulls(0.01)
            ),
            "Country": pick(pools["country"]),
            "Site Code": pick(pools["site"], 0.05),
            "Company": pick(pools["company"]),
            "Comment": pick(pools["comment"], 0.05),
        }
    )


_POOLS: dict = {}


def _string_pools() -> dict:
    if not _POOLS:
        import numpy as np
        import pyarrow as pa

        words = (
            "emissions scope supplier audit energy water waste biodiversity climate target "
            "reduction renewable electricity heat recovery kiln clinker cement concrete rail "
            "employees safety training governance board policy risk taxonomy disclosure "
            "Nachhaltigkeit Energieverbrauch Wärmerückgewinnung CO₂-Bilanz Lieferkette the of "
            "and to in a is for on with by was were this that from at as improved fell rose"
        ).split()
        rng = np.random.default_rng(7)
        comments = []
        for _ in range(4096):
            text = " ".join(rng.choice(words, rng.integers(6, 40)))
            comments.append((text.replace(" the ", ", the ", 1)).capitalize() + ".")
        _POOLS.update(
            country=pa.array("DE FR CH AT NL PL IT ES SE NO DK FI BE LU CZ GB".split()),
            site=pa.array([f"S-{i:04d}" for i in range(2000)]),
            company=pa.array([f"Company {i:03d} AG" for i in range(500)]),
            comment=pa.array(comments),
        )
    return _POOLS


def _publish(tmp: Path, target: Path) -> Path:
    os.replace(tmp, target)
    return target


_DATA_NAMES = {
    "csv": "mixed_{}mb.csv",
    "small": "small_{}",
    "xlsx": "workbook_{}mb.xlsx",
    "pdf": "report_{}p.pdf",
    "scan": "scan_{}p",
}


def ensure_data(kind: str, size: int) -> Path:
    """The cached data set, generated in a child process when missing: generating in this
    process would raise its peak RSS, and Linux carries the parent's peak into the
    ru_maxrss of every child it spawns afterwards."""
    target = DATA / _DATA_NAMES[kind].format(size)
    if not target.exists():
        print(f"  generating {target.name} (cached for later runs) ...", flush=True)
        DATA.mkdir(parents=True, exist_ok=True)
        run_child([PYTHON, SCRIPT, "--child", "generate", kind, str(size)]).check()
    return target


def generate(kind: str, size: int) -> None:
    target = DATA / _DATA_NAMES[kind].format(size)
    makers = {"csv": mixed_csv, "small": small_csvs, "xlsx": workbook, "pdf": report_pdf}
    makers["scan"] = scanned_pages
    makers[kind](size, target)


def mixed_csv(size_mb: int, target: Path) -> Path:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    tmp = target.with_suffix(".tmp")
    chunk_rows = 100_000
    probe = pa.BufferOutputStream()
    pacsv.write_csv(_mixed_chunk(0, chunk_rows, 0), probe)
    total_rows = int(size_mb * 1e6 / (probe.tell() / chunk_rows))
    with pacsv.CSVWriter(str(tmp), _mixed_chunk(0, 1, 0).schema) as writer:
        for seed, start in enumerate(range(0, total_rows, chunk_rows)):
            writer.write_table(_mixed_chunk(start, min(chunk_rows, total_rows - start), seed))
    return _publish(tmp, target)


def small_csvs(count: int, target: Path) -> Path:
    """`count` CSVs of ~50 KB in 20 topic folders, as a team would drop a batch of files."""
    import pyarrow.csv as pacsv

    tmp = target.with_suffix(".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    for i in range(count):
        path = tmp / f"topic_{i % 20:02d}" / f"readings_{i:05d}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        pacsv.write_csv(_mixed_chunk(i * SMALL_FILE_ROWS, SMALL_FILE_ROWS, 10_000 + i), str(path))
    return _publish(tmp, target)


def workbook(size_mb: int, target: Path) -> Path:
    """A 3-sheet xlsx written with openpyxl's write_only mode (~63k rows x 10 columns make
    ~4 MB of xlsx)."""
    import datetime as dt

    import numpy as np
    import openpyxl

    rows_per_sheet = int(size_mb * 63_000 / 4 / 3)
    rng = np.random.default_rng(3)
    companies = [f"Company {i:03d} AG" for i in range(500)]
    book = openpyxl.Workbook(write_only=True)
    for sheet in ("Emissions", "Energy", "Suppliers"):
        ws = book.create_sheet(sheet)
        ws.append(
            [
                "Site ID",
                "Company",
                "Year",
                "Scope 1 (t)",
                "Scope 2 (t)",
                "Energy MWh",
                "Renewable share",
                "Verified",
                "Reporting date",
                "Comment",
            ]
        )
        n = rows_per_sheet
        site = rng.integers(0, 100_000, n).tolist()
        company = rng.integers(0, len(companies), n).tolist()
        year = rng.integers(2015, 2025, n).tolist()
        scope1 = np.round(rng.normal(500, 200, n), 2).tolist()
        scope2 = np.round(rng.normal(50, 20, n), 3).tolist()
        share = np.round(rng.random(n), 4).tolist()
        verified = (rng.random(n) < 0.5).tolist()
        day = rng.integers(0, 3650, n).tolist()
        base = dt.date(2015, 1, 1)
        for i in range(n):
            ws.append(
                [
                    site[i],
                    companies[company[i]],
                    year[i],
                    scope1[i],
                    scope2[i],
                    round(scope1[i] * 3.1, 2),
                    share[i],
                    verified[i],
                    base + dt.timedelta(days=day[i]),
                    "checked by auditor, minor findings" if i % 7 == 0 else "ok",
                ]
            )
    tmp = target.with_suffix(".tmp")
    book.save(tmp)
    return _publish(tmp, target)


def report_pdf(pages: int, target: Path) -> Path:
    """A text PDF of `pages` pages (prose; every 20th page a ruled table, as reports have)."""
    import random

    sys.path.insert(0, str(REPO_ROOT / "scripts"))
    from make_sample_data import PdfBuilder

    rng = random.Random(11)
    words = (
        "the plant reduced its scope emissions by switching kiln fuel to biomass while "
        "energy intensity fell and supplier audits covered water waste and safety "
        "targets for the reporting year were met in most sites"
    ).split()
    pdf = PdfBuilder("Sustainability report (benchmark)", "bench")
    for number in range(1, pages + 1):
        if number % 20 == 0:
            rows = [
                [
                    f"Site {rng.randint(1, 99)}",
                    str(rng.randint(100, 9999)),
                    f"{rng.uniform(0, 100):.1f}",
                    str(2015 + rng.randint(0, 9)),
                ]
                for _ in range(12)
            ]
            pdf.table_page(
                f"Table {number // 20}: site figures",
                "Figures per site.",
                ["Site", "Scope 1 (t)", "Renewable %", "Year"],
                rows,
                [140, 110, 110, 80],
                "Source: site reports.",
                footer="bench",
            )
            continue
        paragraphs = [
            " ".join(rng.choice(words) for _ in range(rng.randint(60, 110))) + "." for _ in range(4)
        ]
        pdf.prose_page(f"Section {number}", paragraphs, footer="bench")
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(pdf.to_bytes())
    return _publish(tmp, target)


def scanned_pages(pages: int, target: Path) -> Path:
    """`pages` A4 page images at 300 dpi (prose lines in DejaVu Sans, German and English):
    page_<n>.png and the same pages as one image-only PDF, scan.pdf."""
    import random

    import matplotlib
    from PIL import Image, ImageDraw, ImageFont

    rng = random.Random(5)
    words = (
        "Die Emissionen des Werkes sanken deutlich während der Energieverbrauch stieg "
        "Größere Öfen benötigen weniger Wärme the supplier audit found no breach of the "
        "code water withdrawal per tonne of cement decreased slightly in the reporting year"
    ).split()
    font = ImageFont.truetype(
        str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"), 38
    )
    tmp = target.with_suffix(".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    images = []
    for number in range(1, pages + 1):
        image = Image.new("L", (2480, 3508), 255)
        draw = ImageDraw.Draw(image)
        for line in range(40):
            text = " ".join(rng.choice(words) for _ in range(9))
            draw.text((200, 200 + line * 76), text, font=font, fill=0)
        image.save(tmp / f"page_{number:03d}.png")
        images.append(image.convert("RGB"))
    images[0].save(tmp / "scan.pdf", save_all=True, append_images=images[1:], resolution=300)
    return _publish(tmp, target)


# ------------------------------------------------------------------------------------------
# child side: one method, in a fresh process, timing only the work


def child(method: str, args: list[str]) -> None:
    import pyarrow.parquet as pq

    if method == "generate":
        generate(args[0], int(args[1]))
    elif method in ("csv-platform", "xlsx-platform"):
        # What the converter imports lazily is imported here, outside the timing, as the
        # references' libraries are: a long-running worker pays imports once, not per file.
        import fastexcel  # noqa: F401
        import pyarrow.csv  # noqa: F401

        import nexus_platform.ingest.readers.csv  # noqa: F401
        import nexus_platform.ingest.readers.excel  # noqa: F401
        from nexus_platform.ingest.convert import ConvertConfig, convert_file
        from nexus_platform.settings import NexusPaths

        home, relpath = args[:2]
        paths = NexusPaths.from_uri(home)
        if "--profile" in args:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(convert_file, paths, relpath, ConvertConfig())
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
            return
        seconds, entry = timed(lambda: convert_file(paths, relpath, ConvertConfig()))
        if entry.status != "converted":
            raise SystemExit(f"platform quarantined {relpath}: {entry.error}")
        report(seconds=seconds, rows=sum(t.rows for t in entry.tables), tables=len(entry.tables))
    elif method == "csv-pyarrow":
        import pyarrow.csv as pacsv

        def stream():
            reader = pacsv.open_csv(args[0])
            rows = 0
            with pq.ParquetWriter(args[1], reader.schema, compression="zstd") as writer:
                for batch in reader:
                    writer.write_batch(batch)
                    rows += batch.num_rows
            return rows

        seconds, rows = timed(stream)
        report(seconds=seconds, rows=rows)
    elif method == "csv-polars":
        import polars as pl

        seconds, _ = timed(lambda: pl.scan_csv(args[0]).sink_parquet(args[1], compression="zstd"))
        report(seconds=seconds, rows=pq.ParquetFile(args[1]).metadata.num_rows)
    elif method == "csv-duckdb":
        import duckdb

        con = duckdb.connect()
        sql = (
            f"COPY (SELECT * FROM read_csv_auto('{args[0]}')) TO '{args[1]}' "
            "(FORMAT parquet, COMPRESSION zstd)"
        )
        seconds, _ = timed(lambda: con.execute(sql))
        report(seconds=seconds, rows=pq.ParquetFile(args[1]).metadata.num_rows)
    elif method == "csv-pandas":
        import pandas as pd

        seconds, _ = timed(lambda: pd.read_csv(args[0]).to_parquet(args[1], compression="zstd"))
        report(seconds=seconds, rows=pq.ParquetFile(args[1]).metadata.num_rows)
    elif method == "csv-pyarrow-read":
        import pyarrow.csv as pacsv

        seconds, table = timed(lambda: pacsv.read_csv(args[0]))
        report(seconds=seconds, rows=table.num_rows)
    elif method == "small-raw":
        import pyarrow.csv as pacsv

        sources = sorted(Path(args[0]).rglob("*.csv"))
        out = Path(args[1])

        def convert_all():
            for source in sources:
                target = out / source.relative_to(args[0]).with_suffix(".parquet")
                target.parent.mkdir(parents=True, exist_ok=True)
                pq.write_table(pacsv.read_csv(source), target, compression="zstd")

        seconds, _ = timed(convert_all)
        report(seconds=seconds, files=len(sources))
    elif method == "xlsx-pandas":
        import pandas as pd

        def convert():
            sheets = pd.read_excel(args[0], sheet_name=None, engine="openpyxl")
            for name, frame in sheets.items():
                frame.to_parquet(Path(args[1]) / f"{name}.parquet", compression="zstd")
            return sum(len(f) for f in sheets.values())

        Path(args[1]).mkdir(parents=True, exist_ok=True)
        seconds, rows = timed(convert)
        report(seconds=seconds, rows=rows)
    elif method == "pdf-platform":
        import pypdfium2  # noqa: F401  (imported lazily by the reader; outside the timing)

        from nexus_platform.ingest.readers import ReadOptions
        from nexus_platform.ingest.readers.pdf import read

        if args[1] == "1":
            import pdfplumber  # noqa: F401

        options = ReadOptions(pdf_tables=args[1] == "1", pdf_table_max_pages=int(args[2]))
        if len(args) > 3 and args[3] == "warm":
            # PDFium's one-time start-up (~0.5 s here) paid on a first file, as a worker would.
            read(Path(args[0]), options)
        seconds, tables = timed(lambda: read(Path(args[0]), options))
        report(
            seconds=seconds,
            pages=tables[0].table.num_rows,
            tables=len(tables) - 1,
            chars=sum(len(t) for t in tables[0].table.column("text").to_pylist()),
        )
    elif method == "pdf-pdfplumber":
        import pdfplumber

        def extract():
            with pdfplumber.open(args[0]) as pdf:
                return [page.extract_text() or "" for page in pdf.pages]

        seconds, texts = timed(extract)
        report(seconds=seconds, pages=len(texts), chars=sum(len(t) for t in texts))
    elif method == "ocr-platform":
        from nexus_platform.ingest.readers import ReadOptions
        from nexus_platform.ingest.readers.pdf import read

        seconds, tables = timed(lambda: read(Path(args[0]), ReadOptions(pdf_tables=False)))
        rows = tables[0].table.to_pylist()
        report(
            seconds=seconds,
            pages=sum(1 for r in rows if r["ocr"]),
            chars=sum(len(r["text"]) for r in rows),
        )
    elif method == "ocr-tesseract":
        import subprocess

        images = sorted(Path(args[0]).glob("page_*.png"))

        def recognise():
            return [
                subprocess.run(
                    ["tesseract", str(image), "stdout", "-l", "deu+eng"],
                    capture_output=True,
                    check=True,
                ).stdout
                for image in images
            ]

        seconds, texts = timed(recognise)
        report(seconds=seconds, pages=len(texts), chars=sum(len(t.decode()) for t in texts))
    elif method == "pdf-convert":
        import pypdfium2  # noqa: F401

        from nexus_platform.ingest.convert import ConvertConfig, convert_file
        from nexus_platform.ingest.readers import ReadOptions
        from nexus_platform.settings import NexusPaths

        config = ConvertConfig(read_options=ReadOptions(ocr=args[2] == "1"))
        paths = NexusPaths.from_uri(args[0])
        convert_file(paths, args[1], config)  # PDFium's one-time start-up, outside the timing
        seconds, entry = timed(lambda: convert_file(paths, args[1], config))
        report(seconds=seconds, pages=entry.tables[0].rows, ocr=bool(entry.ocr))
    else:
        raise SystemExit(f"unknown child method {method!r}")


def _child(method: str, *args: object, env: dict | None = None):
    return lambda: run_child([PYTHON, SCRIPT, "--child", method, *map(str, args)], env=env)


# ------------------------------------------------------------------------------------------
# parent side: the parts


def part_a(size_mb: int, rss_size_mb: int, runs: int, quick: bool) -> None:
    csv = ensure_data("csv", size_mb)
    mb = file_mb(csv)
    home = WORK / "home_a"
    link_or_copy(csv, home / "landing" / "big" / csv.name)
    out = WORK / "out_a"
    out.mkdir(parents=True, exist_ok=True)
    print(
        f"\n(a) {csv.name}: {mb:,.0f} MB CSV -> zstd Parquet, median of {runs}"
        + ("  [--quick: smaller file than the ~500 MB the targets are set for]" if quick else "")
    )
    methods = {
        "platform convert_file": _child("csv-platform", home, f"big/{csv.name}"),
        "pyarrow open_csv->ParquetWriter": _child("csv-pyarrow", csv, out / "pyarrow.parquet"),
        "polars scan_csv.sink_parquet": _child("csv-polars", csv, out / "polars.parquet"),
        "duckdb COPY read_csv_auto": _child("csv-duckdb", csv, out / "duckdb.parquet"),
        "pandas read_csv.to_parquet": _child("csv-pandas", csv, out / "pandas.parquet"),
    }
    results = run_rounds(methods, runs)
    rows = []
    for name, rs in results.items():
        seconds = median_seconds(rs)
        rows.append(
            (
                name,
                seconds,
                mb / seconds,
                median([r.wall_s for r in rs]),
                median_cpu(rs),
                max_rss(rs),
                rs[0].report.get("rows"),
            )
        )
    print_table(
        f"(a) {mb:,.0f} MB CSV",
        ["method", "work s", "MB/s", "process s", "process CPU s", "peak RSS MB", "rows"],
        rows,
    )
    platform = median_seconds(results["platform convert_file"])
    references = {
        n: median_seconds(rs)
        for n, rs in results.items()
        if not n.startswith(("platform", "pandas"))
    }
    fastest = min(references, key=references.get)
    pandas = median_seconds(results["pandas read_csv.to_parquet"])
    targets = [
        (
            f"platform / fastest reference ({fastest.split()[0]})",
            f"{platform / references[fastest]:.2f}x",
            "<= 1.3x",
            platform <= 1.3 * references[fastest],
        ),
        ("pandas / platform", f"{pandas / platform:.1f}x", ">= 4x", pandas >= 4 * platform),
    ]

    big = ensure_data("csv", rss_size_mb)
    big_mb = file_mb(big)
    link_or_copy(big, home / "landing" / "big" / big.name)
    print(
        f"\n(a) peak RSS on a {big_mb:,.0f} MB CSV, one run each"
        + ("  [--quick: not the 1 GB the target is set for]" if quick else "")
    )
    memory = run_rounds(
        {
            "platform convert_file": _child("csv-platform", home, f"big/{big.name}"),
            "pyarrow read_csv (whole table)": _child("csv-pyarrow-read", big),
        },
        1,
    )
    print_table(
        f"(a) {big_mb:,.0f} MB CSV",
        ["method", "work s", "MB/s", "peak RSS MB", "rows"],
        [
            (n, rs[0].seconds, big_mb / rs[0].seconds, rs[0].peak_rss_mb, rs[0].report.get("rows"))
            for n, rs in memory.items()
        ],
    )
    rss = memory["platform convert_file"][0].peak_rss_mb
    targets.append(
        (f"platform peak RSS, {big_mb:,.0f} MB CSV", f"{rss:,.0f} MB", "< 600 MB", rss < 600)
    )
    print_targets(targets)


def part_b(count: int, runs: int) -> None:
    """`runs` is --slow-runs: one refresh of 2,000 files takes minutes on a shared machine."""
    source = ensure_data("small", count)
    mb = sum(p.stat().st_size for p in source.rglob("*.csv")) / 1e6
    print(
        f"\n(b) {count} small CSVs ({mb / count * 1000:.0f} KB each, {mb:.0f} MB), "
        f"median of {runs}; platform = `nexus refresh` in a fresh NEXUS_HOME, "
        "process start to the last Parquet"
    )
    nexus = Path(PYTHON).with_name("nexus")
    command = [str(nexus)] if nexus.exists() else [PYTHON, "-m", "nexus_platform.cli"]

    def refresh():
        home = WORK / "home_b"
        shutil.rmtree(home, ignore_errors=True)
        shutil.copytree(source, home / "landing", copy_function=os.link)
        env = {
            "NEXUS_HOME": str(home),
            "DAGSTER_HOME": str(home / "dagster"),
            "NEXUS_ENV": "local",
            "PYTHONUNBUFFERED": "1",  # its progress lines tell when conversion is done
        }
        # "To the last Parquet": refresh prints "refreshing N downstream asset(s)" once every
        # file is converted; what follows (knowledge base, embeddings, ...) is not part (b).
        result = run_child(
            [*command, "refresh"],
            env=env,
            cwd=REPO_ROOT,
            stop_when=lambda stdout: "downstream asset(s)" in stdout,
        )
        statuses = _ledger_statuses(home)
        result.report = {
            "statuses": statuses,
            "stopped_before_downstream": result.report.get("stopped_early", False),
        }
        if statuses.get("converted") != count:
            result.returncode = result.returncode or 1
            result.stderr += f"\nnot every file converted: {statuses}\n{result.stdout[-3000:]}"
        return result

    raw_out = WORK / "out_b"
    shutil.rmtree(raw_out, ignore_errors=True)
    results = run_rounds(
        {
            "platform nexus refresh": refresh,
            "raw pyarrow, one process": _child("small-raw", source, raw_out),
        },
        runs,
    )
    platform = median([r.wall_s for r in results["platform nexus refresh"]])
    raw = median_seconds(results["raw pyarrow, one process"])
    first = results["platform nexus refresh"][0].report
    print(
        f"  platform ledger: {first['statuses']}; timed from process start to the last file's "
        "Parquet and ledger entry"
        + (
            " (refresh then killed before its downstream assets)"
            if first["stopped_before_downstream"]
            else " (= process exit: no downstream assets)"
        )
    )
    platform_cpu = median_cpu(results["platform nexus refresh"])
    raw_cpu = median_cpu(results["raw pyarrow, one process"])
    print_table(
        f"(b) {count} files",
        ["method", "total s", "ms/file", "files/s", "process CPU s", "CPU ms/file", "peak RSS MB"],
        [
            (
                "platform nexus refresh (wall)",
                platform,
                platform / count * 1000,
                count / platform,
                platform_cpu,
                platform_cpu / count * 1000,
                max_rss(results["platform nexus refresh"]),
            ),
            (
                "raw pyarrow read+write (work)",
                raw,
                raw / count * 1000,
                count / raw,
                raw_cpu,
                raw_cpu / count * 1000,
                max_rss(results["raw pyarrow, one process"]),
            ),
        ],
    )
    overhead_ms = (platform - raw) / count * 1000
    cpu_overhead_ms = (platform_cpu - raw_cpu) / count * 1000
    print_targets(
        [
            (
                "per-file overhead (platform - raw) / N",
                f"{overhead_ms:.1f} ms",
                "< 50 ms",
                overhead_ms < 50,
            ),
            (
                "  same, in CPU time (less noisy; info)",
                f"{cpu_overhead_ms:.1f} ms",
                "< 50 ms",
                cpu_overhead_ms < 50,
            ),
        ]
    )


def _ledger_statuses(home: Path) -> dict[str, int]:
    import json
    from collections import Counter

    entries = (home / "ledger" / "entries").glob("*.json")
    return dict(Counter(json.loads(p.read_text("utf-8"))["status"] for p in entries))


def part_c(size_mb: int, runs: int) -> None:
    """`runs` is --slow-runs: pandas+openpyxl takes minutes per run on a 20 MB workbook."""
    book = ensure_data("xlsx", size_mb)
    mb = file_mb(book)
    home = WORK / "home_c"
    link_or_copy(book, home / "landing" / "sheets" / book.name)
    print(f"\n(c) {book.name}: {mb:.1f} MB, 3 sheets, median of {runs}")
    results = run_rounds(
        {
            "platform convert_file (fastexcel)": _child(
                "xlsx-platform", home, f"sheets/{book.name}"
            ),
            "pandas read_excel(openpyxl).to_parquet": _child("xlsx-pandas", book, WORK / "out_c"),
        },
        runs,
    )
    print_table(
        f"(c) {mb:.1f} MB xlsx",
        ["method", "work s", "MB/s", "process CPU s", "peak RSS MB", "rows"],
        [
            (
                n,
                median_seconds(rs),
                mb / median_seconds(rs),
                median_cpu(rs),
                max_rss(rs),
                rs[0].report.get("rows"),
            )
            for n, rs in results.items()
        ],
    )
    speedup = median_seconds(results["pandas read_excel(openpyxl).to_parquet"]) / median_seconds(
        results["platform convert_file (fastexcel)"]
    )
    print_targets([("pandas / platform", f"{speedup:.1f}x", ">= 8x", speedup >= 8)])


def part_d(pages: int, runs: int) -> None:
    pdf = ensure_data("pdf", pages)
    print(f"\n(d) {pdf.name}: {pages} pages ({pages // 20} with ruled tables), median of {runs}")
    results = run_rounds(
        {
            "platform pdf reader, tables off": _child("pdf-platform", pdf, 0, 50),
            "pdfplumber extract_text": _child("pdf-pdfplumber", pdf),
            "platform, tables off, 2nd file in process": _child("pdf-platform", pdf, 0, 50, "warm"),
            "platform, tables on (default cap 50 p)": _child("pdf-platform", pdf, 1, 50),
            "platform, tables on, no page cap": _child("pdf-platform", pdf, 1, 10**6),
        },
        runs,
    )
    print_table(
        f"(d) {pages}-page PDF",
        ["method", "work s", "ms/page", "process CPU s", "peak RSS MB", "chars", "tables"],
        [
            (
                n,
                median_seconds(rs),
                median_seconds(rs) / pages * 1000,
                median_cpu(rs),
                max_rss(rs),
                rs[0].report.get("chars"),
                rs[0].report.get("tables", "-"),
            )
            for n, rs in results.items()
        ],
    )
    speedup = median_seconds(results["pdfplumber extract_text"]) / median_seconds(
        results["platform pdf reader, tables off"]
    )
    warm = median_seconds(results["pdfplumber extract_text"]) / median_seconds(
        results["platform, tables off, 2nd file in process"]
    )
    print_targets(
        [
            (
                "pdfplumber / platform (text, fresh process)",
                f"{speedup:.1f}x",
                ">= 20x",
                speedup >= 20,
            ),
            ("  same, PDFium already started (info)", f"{warm:.1f}x", ">= 20x", warm >= 20),
        ]
    )


def part_e(runs: int) -> None:
    home = WORK / "home_e"
    home.mkdir(parents=True, exist_ok=True)
    env = {"NEXUS_HOME": str(home), "DAGSTER_HOME": str(home / "dagster"), "NEXUS_ENV": "local"}
    print(f"\n(e) import nexus_platform.definitions in a fresh process, median of {runs}")
    results = run_rounds(
        {
            "import nexus_platform.definitions": lambda: run_child(
                [PYTHON, "-c", "import nexus_platform.definitions"], env=env, cwd=REPO_ROOT
            )
        },
        runs,
    )
    rs = results["import nexus_platform.definitions"]
    seconds = median([r.wall_s for r in rs])
    print_table(
        "(e) definitions import",
        ["what", "median s", "min s", "max s", "peak RSS MB"],
        [
            (
                "python -c 'import nexus_platform.definitions'",
                seconds,
                min(r.wall_s for r in rs),
                max(r.wall_s for r in rs),
                max_rss(rs),
            )
        ],
    )
    print_targets([("import time", f"{seconds:.2f} s", "< 3 s", seconds < 3)])


def part_f(pages: int, runs: int) -> None:
    from nexus_platform.ingest.ocr import find_engine

    engine = find_engine()
    if engine is None:
        raise RuntimeError("Tesseract is not installed (make install-system)")
    scans = ensure_data("scan", pages)
    print(f"\n(f) OCR of an image-only PDF, {pages} A4 pages at 300 dpi, median of {runs}")
    results = run_rounds(
        {
            "platform pdf reader (OCR)": _child("ocr-platform", scans / "scan.pdf"),
            "tesseract CLI, page by page": _child("ocr-tesseract", scans),
        },
        runs,
    )
    rows = []
    for name, rs in results.items():
        seconds = median_seconds(rs)
        rows.append(
            (name, seconds, pages / seconds, median_cpu(rs), max_rss(rs), rs[0].report["chars"])
        )
    print_table(
        f"(f) OCR, tesseract {engine.version}, {os.cpu_count()} CPUs",
        ["method", "work s", "pages/s", "process CPU s", "peak RSS MB", "chars"],
        rows,
    )
    ratio = median_seconds(results["tesseract CLI, page by page"]) / median_seconds(
        results["platform pdf reader (OCR)"]
    )
    print("  GPU: Tesseract runs on the CPU; a GPU machine gives the same pages/s")
    print_targets([("platform pages/s vs CLI page by page", f"{ratio:.2f}x", ">= 1x", ratio >= 1)])


def part_g(pages: int, runs: int) -> None:
    pdf = ensure_data("pdf", pages)
    home = WORK / "home_g"
    link_or_copy(pdf, home / "landing" / pdf.name)
    print(f"\n(g) text-layer check on the born-digital {pages}-page PDF, median of {runs}")
    results = run_rounds(
        {
            "convert_file, OCR on (check every page)": _child("pdf-convert", home, pdf.name, 1),
            "convert_file, OCR off": _child("pdf-convert", home, pdf.name, 0),
        },
        runs,
    )
    on = median_seconds(results["convert_file, OCR on (check every page)"])
    off = median_seconds(results["convert_file, OCR off"])
    print_table(
        f"(g) {pages}-page text PDF",
        ["method", "work s", "ms/page", "process CPU s", "OCR used"],
        [
            (
                n,
                median_seconds(rs),
                median_seconds(rs) / pages * 1000,
                median_cpu(rs),
                rs[0].report["ocr"],
            )
            for n, rs in results.items()
        ],
    )
    cost = (on - off) / on
    print_targets([("text-layer check / conversion time", f"{cost:.1%}", "< 5%", cost < 0.05)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="small smoke run: small data, 1 run (unless --runs)"
    )
    parser.add_argument("--only", default="a,b,c,d,e,f,g", help="parts to run, e.g. a,e")
    parser.add_argument("--runs", type=int, help="runs per method (default 3; --quick: 1)")
    parser.add_argument(
        "--slow-runs",
        type=int,
        default=1,
        help="runs for parts b and c, whose methods take minutes (default 1)",
    )
    parser.add_argument("--size-mb", type=int, help="CSV size of part a (default 500)")
    parser.add_argument("--rss-size-mb", type=int, help="CSV size of the RSS check (default 1000)")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="cProfile the platform's convert_file on the part (a) CSV and stop",
    )
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1:])
        return
    quick = args.quick
    runs = args.runs or (1 if quick else 3)
    size_mb = args.size_mb or (50 if quick else 500)
    if args.profile:
        csv = ensure_data("csv", size_mb)
        link_or_copy(csv, WORK / "home_a" / "landing" / "big" / csv.name)
        print(
            _child("csv-platform", WORK / "home_a", f"big/{csv.name}", "--profile")().check().stdout
        )
        return
    parts = {p.strip() for p in args.only.split(",") if p.strip()}
    print(
        f"bench/convert.py: parts {','.join(sorted(parts))}, {runs} run(s) per method, "
        f"{os.cpu_count()} CPUs{' [--quick]' if quick else ''}; noisy shared machine: "
        "read ratios, not absolutes"
    )
    slow_runs = min(args.slow_runs, runs)
    plan = {
        "a": lambda: part_a(size_mb, args.rss_size_mb or (100 if quick else 1000), runs, quick),
        "b": lambda: part_b(200 if quick else 2000, slow_runs),
        "c": lambda: part_c(2 if quick else 20, slow_runs),
        "d": lambda: part_d(40 if quick else 200, runs),
        "e": lambda: part_e(5),
        "f": lambda: part_f(4 if quick else 12, runs),
        "g": lambda: part_g(40 if quick else 200, max(runs, 5)),
    }
    failed = []
    for name, run_part in plan.items():
        if name not in parts:
            continue
        try:
            run_part()
        except Exception as exc:  # one broken part must not hide the others' figures
            failed.append(name)
            print(f"\n({name}) FAILED: {type(exc).__name__}: {exc}")
    print(
        f"\n(peak RSS figures include this parent's own peak, {own_peak_rss_mb():.0f} MB, "
        "which Linux carries into every child's ru_maxrss)"
    )
    if failed:
        raise SystemExit(f"parts that failed to run: {', '.join(failed)}")


if __name__ == "__main__":
    main()
