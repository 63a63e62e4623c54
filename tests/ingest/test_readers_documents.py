"""PDF, docx, Markdown, text and HTML readers on good and bad input."""

from __future__ import annotations

from pathlib import Path

import docx as python_docx
import pyarrow as pa
import pytest

from nexus_platform.ingest.model import ErrorClass, IngestError
from nexus_platform.ingest.readers import ReadOptions, docx, markup, pdf
from nexus_platform.ingest.readers.text_common import SECTIONS_SCHEMA


def _by_name(tables):
    return {t.name: t for t in tables}


def _error(read, path, options) -> IngestError:
    with pytest.raises(IngestError) as err:
        read(path, options)
    return err.value


# ---------------------------------------------------------------- pdf

GRID = [["Material", "GWP"], ["Concrete", "0.11"], ["Steel", "1.85"]]


@pytest.fixture
def report_pdf(make_pdf) -> bytes:
    return make_pdf(
        [["Annual report", "Scope 1 emissions fell."], ["Page two text"], ["Table below"]],
        tables={2: GRID},
    )


def test_pdf_pages_and_tables(write, report_pdf, options):
    tables = pdf.read(write("report.pdf", report_pdf), options)
    assert [t.name for t in tables] == ["pages", "page_3_table_1"]
    pages = tables[0]
    assert pages.kind == "document"
    assert pages.table.schema == pa.schema(
        [("page", pa.int64()), ("text", pa.string()), ("ocr", pa.bool_())]
    )
    assert pages.table.column("page").to_pylist() == [1, 2, 3]
    texts = pages.table.column("text").to_pylist()
    assert texts[0] == "Annual report\nScope 1 emissions fell."
    assert texts[1] == "Page two text"
    grid = tables[1]
    assert grid.kind == "table"
    assert grid.table.column_names == ["Material", "GWP"]
    assert grid.table.to_pylist() == [
        {"Material": "Concrete", "GWP": "0.11"},
        {"Material": "Steel", "GWP": "1.85"},
    ]


def test_pdf_table_detection_off_or_too_many_pages(write, report_pdf):
    path = write("report.pdf", report_pdf)
    assert [t.name for t in pdf.read(path, ReadOptions(pdf_tables=False))] == ["pages"]
    tables = pdf.read(path, ReadOptions(pdf_table_max_pages=2))
    assert [t.name for t in tables] == ["pages"]
    assert any("3 pages > 2" in note for note in tables[0].notes)


def test_pdf_encrypted_with_empty_user_password_is_read(write, report_pdf, encrypt_pdf, options):
    path = write("locked-for-editing.pdf", encrypt_pdf(report_pdf, user_password=""))
    tables = pdf.read(path, options)
    assert tables[0].table.column("text").to_pylist()[1] == "Page two text"
    assert any("encrypted" in note for note in tables[0].notes)
    # pdfplumber must open it with the same (empty) password.
    assert _by_name(tables)["page_3_table_1"].table.num_rows == 2


def test_pdf_needing_a_password_is_encrypted(write, report_pdf, encrypt_pdf, options):
    path = write("secret.pdf", encrypt_pdf(report_pdf, user_password="s3cret"))
    assert _error(pdf.read, path, options).error_class is ErrorClass.ENCRYPTED


@pytest.mark.parametrize(
    "content", [b"%PDF-1.4\nnot really", b"\x00\x01binary"], ids=["junk", "binary"]
)
def test_pdf_broken_is_corrupt(write, content, options):
    assert _error(pdf.read, write("broken.pdf", content), options).error_class is ErrorClass.CORRUPT


def test_pdf_zero_bytes_is_empty(write, options):
    assert _error(pdf.read, write("zero.pdf", b""), options).error_class is ErrorClass.EMPTY


def test_pdf_truncated_is_corrupt(write, report_pdf, options):
    path = write("truncated.pdf", report_pdf[: len(report_pdf) // 2])
    assert _error(pdf.read, path, options).error_class is ErrorClass.CORRUPT


def test_pdf_without_text_keeps_pages_and_says_so(write, make_pdf, options):
    [pages] = pdf.read(write("scan.pdf", make_pdf([[], []])), options)
    assert pages.table.to_pylist() == [
        {"page": 1, "text": "", "ocr": False},
        {"page": 2, "text": "", "ocr": False},
    ]
    assert "no text extracted: scanned?" in pages.notes


# ---------------------------------------------------------------- docx


@pytest.fixture
def report_docx(tmp_path: Path) -> Path:
    document = python_docx.Document()
    document.add_paragraph("Preface before any heading.")
    document.add_heading("ESG Report", level=0)  # the Title style
    document.add_heading("Emissions", level=1)
    document.add_paragraph("Scope 1 fell.")
    document.add_heading("Method", level=2)
    document.add_paragraph("First paragraph.")
    document.add_paragraph("Second paragraph.")
    table = document.add_table(rows=3, cols=2)
    for r, row in enumerate(GRID):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_heading("Water", level=1)
    document.add_paragraph("Use is flat.")
    path = tmp_path / "report.docx"
    document.save(path)
    return path


def test_docx_sections_follow_headings(report_docx, options):
    tables = docx.read(report_docx, options)
    assert [t.name for t in tables] == ["sections", "table_1"]
    sections = tables[0]
    assert sections.kind == "document"
    assert sections.table.schema == SECTIONS_SCHEMA
    rows = sections.table.to_pylist()
    assert [(r["level"], r["heading"]) for r in rows] == [
        (0, None),
        (1, "ESG Report"),
        (1, "Emissions"),
        (2, "Method"),
        (1, "Water"),
    ]
    assert rows[0]["text"] == "Preface before any heading."
    assert rows[3]["headings"] == ["Emissions", "Method"]
    assert rows[3]["text"] == "First paragraph.\n\nSecond paragraph."
    assert rows[4]["headings"] == ["Water"]
    assert [r["section"] for r in rows] == [0, 1, 2, 3, 4]


def test_docx_table_is_its_own_table(report_docx, options):
    grid = _by_name(docx.read(report_docx, options))["table_1"]
    assert grid.kind == "table"
    assert grid.table.to_pylist() == [
        {"Material": "Concrete", "GWP": "0.11"},
        {"Material": "Steel", "GWP": "1.85"},
    ]


def test_docx_empty_document(tmp_path, options):
    path = tmp_path / "blank.docx"
    python_docx.Document().save(path)
    assert _error(docx.read, path, options).error_class is ErrorClass.EMPTY


def test_docx_encrypted(write, encrypted_ooxml, options):
    path = write("locked.docx", encrypted_ooxml)
    assert _error(docx.read, path, options).error_class is ErrorClass.ENCRYPTED


def test_docx_legacy_doc_is_unsupported(write, options):
    ole_without_encryption = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024
    path = write("old.docx", ole_without_encryption)
    assert _error(docx.read, path, options).error_class is ErrorClass.UNSUPPORTED


@pytest.mark.parametrize(
    "content", [b"not a zip at all", b"PK\x03\x04broken"], ids=["not-zip", "broken-zip"]
)
def test_docx_broken_is_corrupt(write, content, options):
    assert _error(docx.read, write("bad.docx", content), options).error_class is ErrorClass.CORRUPT


def test_docx_truncated_is_corrupt(write, report_docx, options):
    data = report_docx.read_bytes()
    path = write("cut.docx", data[: len(data) // 2])
    assert _error(docx.read, path, options).error_class is ErrorClass.CORRUPT


# ---------------------------------------------------------------- markdown

MARKDOWN = """Intro line.

# Guide #

Setup text.

```bash
# a shell comment, not a heading

make run
```

Install
-------

Run it.

Results
=======

### Deep detail
Fine print.
"""


def test_markdown_atx_setext_and_fences(write, options):
    [sections] = markup.read_markdown(write("guide.md", MARKDOWN), options)
    rows = sections.table.to_pylist()
    assert [(r["level"], r["heading"]) for r in rows] == [
        (0, None),
        (1, "Guide"),
        (2, "Install"),
        (1, "Results"),
        (3, "Deep detail"),
    ]
    assert "# a shell comment, not a heading\n\nmake run" in rows[1]["text"]
    assert rows[1]["text"].startswith("Setup text.\n\n```bash")
    assert rows[2]["headings"] == ["Guide", "Install"]
    assert rows[4]["headings"] == ["Results", "Deep detail"]
    assert rows[4]["text"] == "Fine print."
    assert "encoding: utf-8" in sections.notes


# ---------------------------------------------------------------- txt


def test_txt_one_level0_section_per_paragraph(write, options):
    text = "First para\nstill first.\n\n\n  \nSecond para.\n"
    [sections] = markup.read_txt(write("notes.txt", text), options)
    assert sections.table.schema == SECTIONS_SCHEMA
    assert sections.table.to_pylist() == [
        {
            "section": 0,
            "level": 0,
            "heading": None,
            "headings": [],
            "text": "First para\nstill first.",
        },
        {"section": 1, "level": 0, "heading": None, "headings": [], "text": "Second para."},
    ]


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16-le"),
        ("utf-16-be", "utf-8"),  # no BOM written by this codec: see the BOM case below
        ("cp1252", "cp1252"),
    ],
)
def test_txt_encodings_detected_and_recorded(write, options, encoding, expected):
    text = "Größe der Maßnahme: 5 € für Qualität.\n\nZweiter Absatz."
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
        expected = "utf-16-be"
    [sections] = markup.read_txt(write("de.txt", data), options)
    assert sections.table.column("text").to_pylist() == [
        "Größe der Maßnahme: 5 € für Qualität.",
        "Zweiter Absatz.",
    ]
    assert f"encoding: {expected}" in sections.notes


def test_txt_binary_is_encoding_error(write, options):
    path = write("blob.txt", bytes(range(256)) * 8)
    assert _error(markup.read_txt, path, options).error_class is ErrorClass.ENCODING


@pytest.mark.parametrize(
    "content", [b"", b" \n\t\n", "  \n".encode("utf-16")], ids=["0", "ws", "u16"]
)
def test_text_files_empty(write, content, options):
    for read in (markup.read_txt, markup.read_markdown, markup.read_html):
        assert _error(read, write("empty.txt", content), options).error_class is ErrorClass.EMPTY


# ---------------------------------------------------------------- html

HTML = """<!doctype html>
<html><head><meta charset="windows-1252"><title>Page</title>
<style>p { color: red }</style><script>var hidden = "script text";</script></head>
<body>
<p>Intro with <b>bold</b> caf\u00e9.</p>
<h1>Materials</h1>
<div>line one<br>line two</div>
<table>
  <tr><th>Material</th><th>GWP</th></tr>
  <tr><td>Concrete</td><td>0.11</td></tr>
</table>
<script>document.write("dropped")</script>
<h2>Steel</h2>
<ul><li>recycled</li><li>virgin</li></ul>
<!-- a comment -->
</body></html>
"""


def test_html_sections_tables_and_dropped_scripts(write, options):
    path = write("page.html", HTML, encoding="cp1252")
    tables = markup.read_html(path, options)
    assert [t.name for t in tables] == ["sections", "table_1"]
    rows = tables[0].table.to_pylist()
    assert [(r["level"], r["heading"]) for r in rows] == [(0, None), (1, "Materials"), (2, "Steel")]
    assert rows[0]["text"] == "Intro with bold café."
    assert rows[1]["text"] == "line one\nline two"
    assert rows[2]["text"] == "recycled\n\nvirgin"
    assert rows[2]["headings"] == ["Materials", "Steel"]
    body = " ".join(r["text"] for r in rows)
    assert "hidden" not in body and "dropped" not in body and "comment" not in body
    assert "Concrete" not in body  # tables are not repeated in the running text
    assert "encoding: cp1252" in tables[0].notes  # declared as windows-1252
    assert tables[1].table.to_pylist() == [{"Material": "Concrete", "GWP": "0.11"}]


def test_txt_utf16_without_bom_is_detected(write, options):
    text = "Grüße aus München.\n\nZweiter Absatz mit etwas mehr Text."
    [sections] = markup.read_txt(write("nobom.txt", text.encode("utf-16-le")), options)
    assert sections.table.column("text").to_pylist() == [
        "Grüße aus München.",
        "Zweiter Absatz mit etwas mehr Text.",
    ]
    assert "encoding: utf-16-le" in sections.notes
