"""Character encoding detection for text-based landing files (CSV, TSV, TXT, MD, HTML, JSON).

Order matters: byte-order marks are certain, UTF-8 is the common case and self-validating,
and only then is a statistical guess made (the usual suspects are cp1252 / latin-1 exports
from spreadsheet tools).
"""

from __future__ import annotations

import codecs
import re

from nexus_platform.ingest.model import ErrorClass, IngestError

# Sequences that appear when UTF-8 bytes were decoded as cp1252/latin-1 somewhere upstream.
_MOJIBAKE = re.compile("Ã[\u0080-\u00bf]|â€[\u0080-\u00bf™œ]|Â[\u00a0-\u00bf]")


_WESTERN = {
    "cp1252",
    "latin_1",
    "iso8859_15",
    "cp1250",
    "iso8859_2",
    "cp850",
    "cp858",
    "mac_roman",
    "mac_iceland",
    "mac_turkish",
    "mac_latin2",
}


def _nul_layout(sample: bytes) -> str | None:
    """Guess UTF-16 without a BOM from where the NUL bytes sit (ASCII-heavy text)."""
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = max(1, len(sample) // 2)
    if odd / half > 0.3 and even / half < 0.05:
        return "utf-16-le"
    if even / half > 0.3 and odd / half < 0.05:
        return "utf-16-be"
    return None


def detect_encoding(sample: bytes, complete: bool) -> str:
    """Return a Python codec name for `sample`, or raise IngestError(ENCODING).

    `complete` says whether the sample is the whole file (a truncated multi-byte character at
    the end of a partial sample is not an error).
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        layout = _nul_layout(sample)
        if layout:
            return layout
        raise IngestError(ErrorClass.ENCODING, "binary content: NUL bytes in a text file")
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if not complete and exc.start >= len(sample) - 3:
            return "utf-8"
    from charset_normalizer import from_bytes

    matches = list(from_bytes(sample))
    if not matches:
        raise IngestError(ErrorClass.ENCODING, "no character encoding decodes this file")
    best = min(m.chaos for m in matches)
    # Short samples fit many single-byte code pages equally well; Western exports are almost
    # always cp1252 (a latin-1 superset for printable text), so it wins any tie.
    if any(m.encoding in _WESTERN and m.chaos <= best + 0.01 for m in matches):
        try:
            sample.decode("cp1252")
            return "cp1252"
        except UnicodeDecodeError:
            return "latin-1"
    return min(matches, key=lambda m: m.chaos).encoding


def decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise IngestError(
            ErrorClass.ENCODING, f"bytes {exc.start}-{exc.end} do not decode as {encoding}"
        ) from exc


def garbled_note(text: str) -> str | None:
    """A note when decoded text looks like double-decoded UTF-8 (mojibake)."""
    hits = len(_MOJIBAKE.findall(text))
    if hits >= 3:
        return f"possibly garbled text: {hits} mojibake sequences (e.g. 'Ã¤' for 'ä')"
    return None
