"""Damaged files of every format: truncated, bit-flipped and spliced versions of the sample
files go through the whole per-file path (`convert_file`), and each one ends converted or
quarantined with a known class, within a time and a memory bound.

Derandomised (the same examples on every run) so that CI stays reproducible; a failure prints
the drawn example, which reproduces it.
"""

from __future__ import annotations

import io
import itertools
import os
import threading
import time
import zipfile
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nexus_platform.ingest.convert import convert_file
from nexus_platform.ingest.model import ErrorClass
from nexus_platform.settings import NexusPaths

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus" / "spreadsheets"
SECONDS_PER_FILE = 30
PEAK_GROWTH_MB = 512


def _built_samples() -> dict[str, bytes]:
    """Formats the sample landing folder does not hold, built here."""
    from PIL import Image, ImageDraw
    from pptx import Presentation

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = "Klimaziele"
    slide.placeholders[1].text = "Scope 1 minus 40 %"
    pptx = io.BytesIO()
    deck.save(pptx)

    odt = io.BytesIO()
    with zipfile.ZipFile(odt, "w") as package:
        package.writestr(
            "content.xml",
            '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:'
            'office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
            "<office:body><office:text><text:h>Titel</text:h><text:p>Grüße aus Köln"
            "</text:p></office:text></office:body></office:document-content>",
        )
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("q1/sales.csv", "region,amount\nNord,10\nSüd,12\n")
        package.writestr("notes/readme.md", "# Hinweise\n\nText.\n")

    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "a@example.org", "b@example.org", "Liste"
    mail.set_content("Anbei die Liste.")
    mail.add_attachment(b"name,co2\nAcme,10\n", maintype="text", subtype="csv", filename="l.csv")

    image = Image.new("L", (480, 60), 255)
    ImageDraw.Draw(image).text((10, 20), "Scope 1 emissions 2023", fill=0)
    png = io.BytesIO()
    image.save(png, format="PNG")

    samples = {
        "deck.pptx": pptx.getvalue(),
        "text.odt": odt.getvalue(),
        "bundle.zip": archive.getvalue(),
        "mail.eml": mail.as_bytes(),
        "scan.png": png.getvalue(),
        "letter.rtf": rb"{\rtf1\ansi\ansicpg1252 Gr\'fc\'dfe aus K\'f6ln.\par Zweiter Absatz.\par}",
    }
    for name in ("issues.xls", "issues.xlsb", "issues.ods"):
        if (CORPUS / name).is_file():
            samples[name] = (CORPUS / name).read_bytes()
    return samples


def _samples() -> dict[str, bytes]:
    landing = ROOT / "sample_data" / "landing"
    found = {
        path.name: path.read_bytes()
        for path in sorted(landing.rglob("*"))
        if path.is_file() and path.suffix != ".bin"
    }
    return {**found, **_built_samples()}


SAMPLES = _samples()
NAMES = sorted(SAMPLES)
KNOWN = {c.value for c in ErrorClass} - {ErrorClass.INTERNAL.value}


@st.composite
def damaged(draw) -> tuple[str, bytes, str]:
    name = draw(st.sampled_from(NAMES))
    data = SAMPLES[name]
    how = draw(st.sampled_from(["truncate", "flip", "splice"]))
    if how == "truncate":
        data = data[: draw(st.integers(0, max(len(data) - 1, 0)))]
    elif how == "flip" and data:
        flipped = bytearray(data)
        for _ in range(draw(st.integers(1, 16))):
            position = draw(st.integers(0, len(flipped) - 1))
            flipped[position] ^= 1 << draw(st.integers(0, 7))
        data = bytes(flipped)
    elif how == "splice":  # the head of this file with the tail of another, as a bad copy does
        other = SAMPLES[draw(st.sampled_from(NAMES))]
        data = data[: draw(st.integers(0, len(data)))] + other[draw(st.integers(0, len(other))) :]
    return name, data, how


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1 << 20)


@contextmanager
def _peak_growth(result: list[float]):
    """Samples the resident memory every 5 ms while the block runs; appends the peak growth."""
    start, peak, done = _rss_mb(), [0.0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _rss_mb() - start)
            done.wait(0.005)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        result.append(peak[0])


@pytest.fixture(scope="module")
def fuzz_paths(tmp_path_factory) -> NexusPaths:
    home = tmp_path_factory.mktemp("fuzz") / "nexus"
    (home / "landing" / "fuzz").mkdir(parents=True)
    return NexusPaths.from_uri(str(home))


_COUNTER = itertools.count()


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=damaged())
def test_damaged_files_end_converted_or_quarantined(fuzz_paths, case):
    name, data, how = case
    relpath = f"fuzz/{next(_COUNTER)}_{name}"
    (Path(fuzz_paths.landing.path) / relpath).write_bytes(data)
    growth: list[float] = []
    started = time.perf_counter()
    with _peak_growth(growth):
        entry = convert_file(fuzz_paths, relpath)
    elapsed = time.perf_counter() - started
    assert entry.status in ("converted", "quarantined"), (name, how, entry.status)
    if entry.status == "quarantined":
        assert entry.error["class"] in KNOWN, (name, how, entry.error)
    for member in entry.members:
        assert member["status"] == "converted" or member["error"]["class"] in KNOWN, member
    assert elapsed < SECONDS_PER_FILE, (name, how, elapsed)
    assert growth[0] < PEAK_GROWTH_MB, (name, how, growth[0])


def test_every_format_is_in_the_fuzzed_samples():
    from nexus_platform.ingest.registry import file_type

    fuzzed = {file_type(name) for name in NAMES}
    expected = {"csv", "tsv", "xlsx", "json", "jsonl", "parquet", "pdf", "docx", "md", "txt"}
    expected |= {"html", "pptx", "odt", "rtf", "eml", "zip", "png"}
    assert expected <= fuzzed
