"""Character encoding of text landing files (CSV, TSV, TXT, MD, HTML, JSON), decided once.

Order matters: a byte-order mark is certain; valid UTF-8 with non-ASCII characters is almost
never another encoding; a declared charset (an HTML meta tag) comes next; only then is a
statistical guess made (cp1252 / latin-1 exports from spreadsheet tools, in practice).
"""

from __future__ import annotations

import codecs
import io
import re
from dataclasses import dataclass
from typing import BinaryIO

from nexus_platform.ingest.model import ErrorClass, IngestError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# C0 controls other than tab/newline/carriage return/form feed: text that decodes to many
# of them is binary or was decoded with the wrong codec.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def bom_encoding(head: bytes) -> tuple[str, int] | None:
    """The codec named by a byte-order mark and the mark's length, or None."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name, len(bom)
    return None


@dataclass(frozen=True)
class Decoded:
    """A text file's decoded text, the codec used, and how many invalid byte sequences were
    replaced with U+FFFD (only ever in UTF-8 that holds a few bad bytes)."""

    text: str
    encoding: str
    replaced: int = 0

    @property
    def notes(self) -> list[str]:
        notes = [f"encoding: {self.encoding}"]
        if self.replaced:
            notes.append(replaced_note(self.replaced))
        return notes


def replaced_note(count: int) -> str:
    return f"{count} invalid UTF-8 byte sequences replaced with U+FFFD"


def decode_text(data: bytes, declared: str | None = None) -> Decoded:
    """The text of a text file's bytes; the order tried is in _decode."""
    text, encoding = _decode(data, declared)
    replaced = 0
    if encoding == LENIENT_UTF8:
        text, replaced = decode_lenient(data)
        encoding = "utf-8"
        _checked(text, "utf-8")
    # One spelling per codec in the notes/ledger ("windows-1252" and "cp1252" alike).
    return Decoded(text, codecs.lookup(encoding).name, replaced)


def _decode(data: bytes, declared: str | None) -> tuple[str, str]:
    """Decode a text file: BOM, else UTF-8, else a declared charset (an HTML meta tag), else
    the best guess of charset-normalizer (cp1252/latin-1 in practice).

    UTF-8 is tried before a declaration: bytes that are valid UTF-8 with non-ASCII characters
    are almost never another encoding, while a stale "iso-8859-1" declaration is common.
    Returns (text, encoding used); raises IngestError(ENCODING) for bytes no codec explains
    (binary data, garbled text)."""
    found = bom_encoding(data)
    if found:
        name, size = found
        try:
            return _checked(data[size:].decode(name), name), name
        except UnicodeDecodeError as exc:
            raise IngestError(ErrorClass.ENCODING, f"invalid {name} after its BOM: {exc}") from exc
    try:
        return _checked(data.decode("utf-8"), "utf-8"), "utf-8"
    except (UnicodeDecodeError, IngestError):
        pass  # IngestError: valid UTF-8 full of NULs, e.g. UTF-16 written without a BOM
    if _mostly_utf8(data):
        # UTF-8 with a few damaged bytes: decoding it all as cp1252 would garble every
        # non-ASCII character to fix a handful. decode_text replaces the bad bytes.
        return "", LENIENT_UTF8
    if declared:
        try:
            return _checked(data.decode(declared), declared), declared
        except (UnicodeDecodeError, LookupError):
            pass  # a wrong declaration is common; fall through to detection
    if _looks_western(data):
        try:
            return _checked(data.decode("cp1252"), "cp1252"), "cp1252"
        except (UnicodeDecodeError, IngestError):
            pass  # a byte cp1252 leaves undefined, or NULs (UTF-16): let detection decide
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise IngestError(ErrorClass.ENCODING, "bytes are not text in any known encoding")
    # charset-normalizer's chaos is the share of the text that looks garbled.
    if best.chaos > 0.2:
        raise IngestError(
            ErrorClass.ENCODING,
            f"best guess {best.encoding} leaves the text garbled (chaos {best.chaos:.2f})",
        )
    return _checked(str(best), best.encoding), best.encoding


# Marks "UTF-8 with invalid sequences replaced" between _decode and its callers.
LENIENT_UTF8 = "utf-8+replace"
_REPLACEMENT = "\ufffd"


def decode_lenient(data: bytes) -> tuple[str, int]:
    """UTF-8 with invalid sequences replaced; the count excludes U+FFFD already present."""
    text = data.decode("utf-8", errors="replace")
    return text, text.count(_REPLACEMENT) - data.count(_REPLACEMENT.encode("utf-8"))


def _mostly_utf8(data: bytes) -> bool:
    """True when valid multi-byte UTF-8 characters outnumber the invalid sequences at least
    two to one. Western single-byte text (cp1252 "Gr\xf6\xdfe") has almost no valid UTF-8
    sequence, so it stays with the single-byte codecs."""
    text, bad = decode_lenient(data[: 1 << 22])
    if bad == 0:
        return False
    multibyte = sum(1 for ch in text if ch > "\x7f") - text.count(_REPLACEMENT)
    return multibyte >= 2 * bad


class Utf8Replacing(io.RawIOBase):
    """A binary stream giving the UTF-8 of `raw` with invalid sequences replaced, counting
    them: what a streaming reader (pyarrow's CSV) reads when a file is UTF-8 with a few
    damaged bytes."""

    def __init__(self, raw: BinaryIO, chunk: int = 1 << 20):
        self._raw = raw
        self._chunk = chunk
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = b""
        self._eof = False
        self.replaced = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending and not self._eof:
            data = self._raw.read(self._chunk)
            self._eof = not data
            text = self._decoder.decode(data, final=self._eof)
            self.replaced += text.count(_REPLACEMENT) - data.count(_REPLACEMENT.encode("utf-8"))
            self._pending = text.encode("utf-8")
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def close(self) -> None:
        self._raw.close()
        super().close()


_NON_ASCII_RUN = re.compile(rb"[\x80-\xff]{3,}")
_NON_ASCII = re.compile(rb"[\x80-\xff]")


def _looks_western(data: bytes) -> bool:
    """True when the non-ASCII bytes mostly stand alone between ASCII letters ("Gr\xf6\xdfe"),
    the mark of a Western single-byte codec. charset-normalizer misreads short German or
    French text as CJK or cp1250; CJK and Cyrillic text come in long non-ASCII runs instead,
    and are left to it."""
    sample = data[: 1 << 20]
    non_ascii = len(_NON_ASCII.findall(sample))
    in_runs = sum(len(m) for m in _NON_ASCII_RUN.findall(sample))
    return non_ascii > 0 and in_runs / non_ascii < 0.3


def _checked(text: str, encoding: str) -> str:
    if text and len(_CONTROL.findall(text[:100_000])) > max(2, len(text[:100_000]) // 100):
        raise IngestError(ErrorClass.ENCODING, f"decoded as {encoding} but looks binary")
    return text


# Sequences that appear when UTF-8 bytes were decoded as cp1252/latin-1 somewhere upstream.
_MOJIBAKE = re.compile("Ã[\u0080-\u00bf]|â€[\u0080-\u00bf™œ]|Â[\u00a0-\u00bf]")


def detect_encoding(sample: bytes, complete: bool) -> str:
    """The codec of a file from its first bytes (`complete`: the sample is the whole file);
    "utf-8" also for UTF-8 with a few invalid bytes, which `decode` then replaces."""
    if not complete:
        # Do not let a line or a multi-byte character cut at the sample's end decide.
        sample = sample[: sample.rfind(b"\n") + 1] or sample
        found = bom_encoding(sample)
        if found and "16" in found[0]:
            sample = sample[: len(sample) - (len(sample) - found[1]) % 2]
    return decode_text(sample).encoding


def decode(data: bytes, encoding: str) -> str:
    if encoding == "utf-8":
        return decode_lenient(data)[0]
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
