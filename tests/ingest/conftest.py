"""Tiny builders for reader fixtures: every file is written inside the test's tmp_path.

The builders are handed to tests as fixtures (not imported), so this conftest never clashes
with another test folder's conftest module."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from nexus_platform.ingest.readers import ReadOptions


@pytest.fixture
def options() -> ReadOptions:
    return ReadOptions()


def _pdf_string(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def _table_ops(cells: list[list[str]], x0: float = 72, y0: float = 600) -> list[str]:
    """Ruled grid with text in each cell: what pdfplumber's line strategy detects."""
    width, height = 120, 24
    rows, cols = len(cells), len(cells[0])
    ops = ["0.8 w"]
    for r in range(rows + 1):
        y = y0 - r * height
        ops.append(f"{x0} {y} m {x0 + cols * width} {y} l S")
    for c in range(cols + 1):
        x = x0 + c * width
        ops.append(f"{x} {y0} m {x} {y0 - rows * height} l S")
    for r, row in enumerate(cells):
        for c, cell in enumerate(row):
            x, y = x0 + c * width + 6, y0 - (r + 1) * height + 8
            ops.append(f"BT /F1 10 Tf {x} {y} Td {_pdf_string(cell)} Tj ET")
    return ops


def build_pdf(pages: list[list[str]], tables: dict[int, list[list[str]]] | None = None) -> bytes:
    """A valid PDF: each page's text lines in Helvetica; `tables` maps a 0-based page index
    to a grid of cells drawn with ruling lines below the text. An empty list of lines (and
    no table) gives a page without any text, like a scan."""
    tables = tables or {}
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled once the pages object number is known
    pages_obj = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    kids = []
    for index, lines in enumerate(pages):
        ops = []
        for n, line in enumerate(lines):
            ops.append(f"BT /F1 12 Tf 72 {720 - 16 * n} Td {_pdf_string(line)} Tj ET")
        if index in tables:
            ops += _table_ops(tables[index])
        stream = "\n".join(ops).encode("latin-1")
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] "
                b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>"
                % (pages_obj, font, content)
            )
        )
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_obj
    objects[pages_obj - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, catalog, xref)
    )
    return out.getvalue()


def build_encrypted_pdf(data: bytes, user_password: str, owner_password: str = "owner") -> bytes:
    """The same PDF encrypted (AES-128) with pypdf, a dev dependency used only here."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def build_encrypted_ooxml() -> bytes:
    """What Office writes for a password-protected xlsx/docx: an OLE compound file whose
    directory names the streams EncryptionInfo and EncryptedPackage. Only the parts readers
    look at are real; the rest is padding."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    directory = b"".join(
        name.encode("utf-16-le").ljust(64, b"\x00") + b"\x00" * 64
        for name in ("Root Entry", "EncryptionInfo", "EncryptedPackage")
    )
    return header + directory + b"\x00" * 1024


@pytest.fixture
def write(tmp_path: Path):
    """write(name, bytes_or_text) -> Path inside tmp_path."""

    def _write(name: str, content: bytes | str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        if isinstance(content, str):
            content = content.encode(encoding)
        path.write_bytes(content)
        return path

    return _write


@pytest.fixture
def make_pdf():
    return build_pdf


@pytest.fixture
def encrypt_pdf():
    return build_encrypted_pdf


@pytest.fixture
def encrypted_ooxml() -> bytes:
    return build_encrypted_ooxml()
