"""Helpers shared by the document readers: decoding text, sniffing Office containers, and
building the shared "sections" table and tables found inside documents."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from nexus_platform.ingest.model import ExtractedTable

SECTIONS_SCHEMA = pa.schema(
    [
        ("section", pa.int64()),
        ("level", pa.int64()),
        ("heading", pa.string()),
        ("headings", pa.list_(pa.string())),
        ("text", pa.string()),
    ]
)

# An encrypted OOXML file (xlsx/docx with a password to open) is not a zip but an OLE
# compound file holding the streams "EncryptionInfo" and "EncryptedPackage".
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTION_MARKERS = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))


def file_magic(path: Path, n: int = 8) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(n)


def ole_is_encrypted(path: Path, chunk: int = 1 << 20) -> bool:
    """True when an OLE compound file holds an encrypted OOXML package.

    The directory entry naming the stream can sit anywhere in the file, so the whole file is
    scanned in chunks (overlapping by the marker length, bounded memory)."""
    overlap = max(len(m) for m in _ENCRYPTION_MARKERS)
    tail = b""
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            window = tail + block
            if any(m in window for m in _ENCRYPTION_MARKERS):
                return True
            tail = window[-overlap:]
    return False


def paragraph_sections(paragraphs: list[str], notes: list[str] | None = None) -> ExtractedTable:
    """A "sections" table with one level-0 section per paragraph (text without headings)."""
    rows: list[dict[str, object]] = [
        {"section": i, "level": 0, "heading": None, "headings": [], "text": text}
        for i, text in enumerate(paragraphs)
    ]
    return ExtractedTable(
        name="sections",
        kind="document",
        table=pa.Table.from_pylist(rows, schema=SECTIONS_SCHEMA),
        notes=list(notes or []),
    )


@dataclass
class SectionBuilder:
    """Collects headings and paragraphs in reading order into the shared "sections" schema.

    Text before the first heading is section 0 with level 0 and a null heading. A heading
    with no body text still gets its own row (empty text): it carries the structure."""

    _rows: list[dict] = field(default_factory=list)
    _path: list[tuple[int, str]] = field(default_factory=list)
    _paragraphs: list[str] = field(default_factory=list)
    _open: bool = False

    def heading(self, level: int, text: str) -> None:
        self._flush()
        self._path = [(lv, h) for lv, h in self._path if lv < level] + [(level, text)]
        self._open = True

    def paragraph(self, text: str) -> None:
        text = text.strip("\n")
        if text.strip():
            self._paragraphs.append(text)

    def _flush(self) -> None:
        if self._open or self._paragraphs:
            level, heading = self._path[-1] if self._path else (0, None)
            self._rows.append(
                {
                    "section": len(self._rows),
                    "level": level,
                    "heading": heading,
                    "headings": [h for _, h in self._path],
                    "text": "\n\n".join(self._paragraphs),
                }
            )
        self._paragraphs = []
        self._open = False

    def table(self, notes: list[str] | None = None) -> ExtractedTable | None:
        """The "sections" table, or None when the document held no heading and no text."""
        self._flush()
        if not self._rows:
            return None
        return ExtractedTable(
            name="sections",
            kind="document",
            table=pa.Table.from_pylist(self._rows, schema=SECTIONS_SCHEMA),
            notes=list(notes or []),
        )


def _looks_like_header(row: list[str | None], body: list[list[str | None]]) -> bool:
    cells = [(c or "").strip() for c in row]
    if not body or not all(cells) or len(set(cells)) != len(cells):
        return False
    return not any(_is_number(c) for c in cells)


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def cells_to_table(name: str, rows: list[list[str | None]], notes: list[str] | None = None):
    """A table found inside a document (PDF/docx/html) as an all-string Arrow table.

    The first row becomes the header when it looks like one (every cell filled, distinct,
    not numbers) and at least one row follows; otherwise names are generated (column_1..).
    Ragged rows are padded with nulls. Returns None for a table without any cell text."""
    rows = [list(r) for r in rows if any((c or "").strip() for c in r)]
    if not rows:
        return None
    width = max(len(r) for r in rows)
    rows = [r + [None] * (width - len(r)) for r in rows]
    if _looks_like_header(rows[0], rows[1:]):
        names, rows = [(c or "").strip() for c in rows[0]], rows[1:]
    else:
        names = [f"column_{i + 1}" for i in range(width)]
    columns = {n: [r[i] for r in rows] for i, n in enumerate(names)}
    table = pa.table({n: pa.array(v, pa.string()) for n, v in columns.items()})
    return ExtractedTable(name=name, kind="table", table=table, notes=list(notes or []))
