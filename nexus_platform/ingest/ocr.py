"""Text from page images (scans, photos, image-only PDF pages) with Tesseract.

Tesseract was measured against RapidOCR (its onnxruntime wheel ships Chinese/English models)
on pages rendered in German and English: Tesseract 5 with the `deu` and `eng` language data
read them without an error, about 1-1.8 s per A4 page at 300 dpi on one core; RapidOCR was
as fast but dropped every umlaut and ß and some word spaces. So the engine is the
`tesseract` binary from the system packages (`make install-system` installs
tesseract-ocr, tesseract-ocr-deu and tesseract-ocr-eng), run offline as a subprocess: a page
that takes longer than its time limit is killed, and its text stays empty with a note.
"""

from __future__ import annotations

import functools
import io
import os
import shutil
import subprocess
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from nexus_platform.ingest.model import ErrorClass, IngestError

ENGINE = "tesseract"


@dataclass(frozen=True)
class OcrEngine:
    binary: str
    version: str
    languages: frozenset[str]

    def usable(self, wanted: str) -> str:
        """The requested languages ("deu+eng") this installation has, joined for `-l`."""
        present = [lang for lang in wanted.split("+") if lang in self.languages]
        if not present:
            raise IngestError(
                ErrorClass.UNSUPPORTED,
                f"OCR languages {wanted!r} are not installed for {ENGINE} "
                f"(installed: {', '.join(sorted(self.languages)) or 'none'})",
            )
        return "+".join(present)


@functools.cache
def find_engine() -> OcrEngine | None:
    """The installed Tesseract, or None. Cached: asked once per process."""
    binary = os.environ.get("NEXUS_TESSERACT") or shutil.which(ENGINE)
    if not binary:
        return None
    try:
        version = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout.split("\n", 1)[0]
        listing = subprocess.run(
            [binary, "--list-langs"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    languages = frozenset(line.strip() for line in listing.splitlines()[1:] if line.strip())
    return OcrEngine(binary, version.removeprefix(f"{ENGINE} ").strip(), languages)


def require_engine() -> OcrEngine:
    engine = find_engine()
    if engine is None:
        raise IngestError(
            ErrorClass.UNSUPPORTED,
            "no OCR engine installed: text in images needs Tesseract "
            "(`make install-system`, or apt-get install tesseract-ocr tesseract-ocr-deu "
            "tesseract-ocr-eng)",
        )
    return engine


@dataclass
class OcrOutcome:
    """Recognised text per page number, with what to record about it."""

    texts: dict[int, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    info: dict | None = None


def recognise_pages(pages: Iterable[tuple[int, object]], options) -> OcrOutcome:
    """OCR `(page number, PIL image)` pairs, up to `options.ocr_max_pages`, a few at a time
    (each Tesseract process uses one core), each within `options.ocr_page_timeout_s`."""
    engine = require_engine()
    languages = engine.usable(options.ocr_languages)
    outcome = OcrOutcome()
    skipped: list[int] = []
    work: list[tuple[int, bytes]] = []
    for number, image in pages:
        if len(work) >= options.ocr_max_pages:
            skipped.append(number)
            continue
        work.append((number, _png(image)))
    workers = max(1, min(len(work), os.cpu_count() or 1, 4))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = pool.map(
            lambda item: (item[0], _run(engine, languages, item[1], options.ocr_page_timeout_s)),
            work,
        )
        for number, (text, problem) in results:
            outcome.texts[number] = text
            if problem:
                outcome.notes.append(f"page {number}: {problem}")
    if skipped:
        outcome.notes.append(
            f"OCR page cap of {options.ocr_max_pages} reached: {len(skipped)} pages "
            f"(from page {skipped[0]}) left without text"
        )
    done = sorted(outcome.texts)
    if done:
        outcome.info = {
            "engine": ENGINE,
            "version": engine.version,
            "languages": languages,
            "pages": done,
        }
        outcome.notes.append(f"OCR ({ENGINE} {engine.version}, {languages}) on {len(done)} pages")
    return outcome


def _png(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _run(engine: OcrEngine, languages: str, png: bytes, timeout: float) -> tuple[str, str]:
    """(text, problem) for one page image; a problem leaves the page's text empty."""
    # One thread per process: pages run side by side, and OpenMP threads only contend.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        done = subprocess.run(
            [engine.binary, "stdin", "stdout", "-l", languages, "--psm", "3"],
            input=png,
            capture_output=True,
            timeout=timeout,
            env=env,
        )
    except subprocess.TimeoutExpired:
        return "", f"OCR stopped after the page time limit of {timeout:g}s"
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        return "", f"OCR failed: {message[-1] if message else done.returncode}"
    return done.stdout.decode("utf-8", "replace").replace("\f", "").strip(), ""
