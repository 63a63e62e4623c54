"""Legacy and OpenDocument spreadsheets, slides, OpenDocument text and RTF: good files convert
like the formats before them, bad ones are quarantined with their class."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from nexus_platform.ingest.convert import convert_file

SPREADSHEETS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "spreadsheets"
needs_corpus = pytest.mark.skipif(not SPREADSHEETS.is_dir(), reason="shared corpus not present")


def _copy(put, name: str) -> str:
    relpath = f"sheets/{name}"
    put(relpath, (SPREADSHEETS / name).read_bytes())
    return relpath


def _rows(entry, table: int = 0) -> list[dict]:
    return pq.read_table(entry.tables[table].path).to_pylist()


@needs_corpus
@pytest.mark.parametrize("suffix", ["xls", "xlsb", "xlsx"])
def test_1900_and_1904_workbooks_give_the_same_dates(paths, put, suffix):
    plain = convert_file(paths, _copy(put, f"date.{suffix}"))
    mac = convert_file(paths, _copy(put, f"date_1904.{suffix}"))
    assert plain.status == mac.status == "converted", (plain.error, mac.error)
    first = [row["column_1"] for row in _rows(plain)][:2]
    assert first == [row["column_1"] for row in _rows(mac)][:2]
    assert [str(v)[:10] for v in first] == ["2021-01-01", "2021-01-02"]
    assert [row["column_2"] for row in _rows(plain)] == [15, 16, 17]


def test_1904_dates_written_by_a_tool_read_back_exactly(paths, put):
    import openpyxl
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    book = openpyxl.Workbook()
    book.epoch = CALENDAR_MAC_1904
    sheet = book.active
    sheet.append(["site", "audited"])
    sheet.append(["Köln", dt.datetime(2023, 5, 17, 8, 30)])
    sheet.append(["Bonn", dt.datetime(1999, 12, 31)])
    out = io.BytesIO()
    book.save(out)
    put("sheets/mac.xlsx", out.getvalue())
    entry = convert_file(paths, "sheets/mac.xlsx")
    assert [r["audited"] for r in _rows(entry)] == [
        dt.datetime(2023, 5, 17, 8, 30),
        dt.datetime(1999, 12, 31),
    ]


@needs_corpus
@pytest.mark.parametrize(
    "name", ["issue_385.xls", "pass_protected.xlsb", "pass_protected.ods", "pass_protected.xlsx"]
)
def test_password_protected_workbooks_are_encrypted(paths, put, name):
    entry = convert_file(paths, _copy(put, name))
    assert (entry.status, entry.error["class"]) == ("quarantined", "encrypted"), entry.error


@needs_corpus
@pytest.mark.parametrize("name", ["issues.xls", "issues.xlsb", "issues.ods", "merged_cells.ods"])
def test_legacy_and_opendocument_workbooks_convert_every_sheet(paths, put, name):
    entry = convert_file(paths, _copy(put, name))
    assert entry.status == "converted", entry.error
    assert entry.reader == "fastexcel"
    assert entry.tables and all(t.rows > 0 for t in entry.tables)


@needs_corpus
@pytest.mark.parametrize(
    "name, error_class",
    [
        ("too_small.xls", "corrupt"),
        ("ptgexp-truncated-operand.xls", "corrupt"),
        ("issue_594_dos.ods", "too_large"),
    ],
)
def test_broken_workbooks_are_quarantined(paths, put, name, error_class):
    entry = convert_file(paths, _copy(put, name))
    assert (entry.status, entry.error["class"]) == ("quarantined", error_class), entry.error


def _deck() -> bytes:
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    first = deck.slides.add_slide(deck.slide_layouts[1])
    first.shapes.title.text = "Klimaziele 2030"
    first.placeholders[1].text = "Scope 1 minus 40 %\nScope 2 minus 60 %"
    first.notes_slide.notes_text_frame.text = "Zahlen aus dem Nachhaltigkeitsbericht"
    second = deck.slides.add_slide(deck.slide_layouts[5])
    second.shapes.title.text = "Werke"
    grid = second.shapes.add_table(3, 2, Inches(1), Inches(2), Inches(4), Inches(2)).table
    for r, (site, tonnes) in enumerate([("Werk", "CO2 t"), ("Köln", "12"), ("Bonn", "9")]):
        grid.cell(r, 0).text, grid.cell(r, 1).text = site, tonnes
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def test_pptx_one_row_per_slide_and_slide_tables(paths, put):
    put("talks/targets.pptx", _deck())
    entry = convert_file(paths, "talks/targets.pptx")
    assert entry.status == "converted", entry.error
    assert [(t.name, t.kind) for t in entry.tables] == [
        ("slides", "document"),
        ("slide_2_table_1", "table"),
    ]
    slides = _rows(entry)
    assert [s["slide"] for s in slides] == [1, 2]
    assert slides[0]["heading"] == "Klimaziele 2030"
    assert slides[0]["body"] == "Scope 1 minus 40 %\nScope 2 minus 60 %"
    assert slides[0]["notes"] == "Zahlen aus dem Nachhaltigkeitsbericht"
    assert "Nachhaltigkeitsbericht" in slides[0]["text"]
    assert _rows(entry, 1) == [{"werk": "Köln", "co2_t": "12"}, {"werk": "Bonn", "co2_t": "9"}]


def test_truncated_pptx_is_corrupt(paths, put):
    put("talks/broken.pptx", _deck()[:3000])
    entry = convert_file(paths, "talks/broken.pptx")
    assert (entry.status, entry.error["class"]) == ("quarantined", "corrupt"), entry.error


_ODT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
  xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
  xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0">
 <office:body><office:text>
  <text:p>Vorwort ohne Überschrift.</text:p>
  <text:h text:outline-level="1">Emissionen</text:h>
  <text:p>Scope 1<text:s text:c="2"/>sank<text:tab/>deutlich.</text:p>
  <text:h text:outline-level="2">Werke</text:h>
  <text:list><text:list-item><text:p>Köln und Bonn</text:p></text:list-item></text:list>
  <table:table>
   <table:table-row><table:table-cell><text:p>Werk</text:p></table:table-cell>
    <table:table-cell><text:p>Tonnen</text:p></table:table-cell></table:table-row>
   <table:table-row><table:table-cell><text:p>Köln</text:p></table:table-cell>
    <table:table-cell><text:p>12</text:p></table:table-cell></table:table-row>
  </table:table>
 </office:text></office:body>
</office:document-content>"""


def _odt(content: str = _ODT, manifest: str = "") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        package.writestr("content.xml", content)
        if manifest:
            package.writestr("META-INF/manifest.xml", manifest)
    return out.getvalue()


def test_odt_sections_with_heading_paths_and_tables(paths, put):
    put("docs/report.odt", _odt())
    entry = convert_file(paths, "docs/report.odt")
    assert entry.status == "converted", entry.error
    sections = _rows(entry)
    assert [(s["heading"], s["headings"]) for s in sections] == [
        (None, []),
        ("Emissionen", ["Emissionen"]),
        ("Werke", ["Emissionen", "Werke"]),
    ]
    assert sections[1]["text"] == "Scope 1  sank\tdeutlich."  # text:s c=2: two spaces
    assert sections[2]["text"] == "Köln und Bonn"
    assert _rows(entry, 1) == [{"werk": "Köln", "tonnen": "12"}]


@pytest.mark.skipif(not SPREADSHEETS.is_dir(), reason="shared corpus not present")
def test_odt_written_by_libreoffice_converts(paths, put):
    source = SPREADSHEETS.parent / "pdf-samples" / "002-trivial-libre-office-writer" / "source.odt"
    put("docs/source.odt", source.read_bytes())
    entry = convert_file(paths, "docs/source.odt")
    assert entry.status == "converted", entry.error
    assert any(row["text"].strip() for row in _rows(entry))


def test_bad_odt_files(paths, put):
    encrypted = "<manifest:manifest><manifest:encryption-data/></manifest:manifest>"
    put("docs/locked.odt", _odt(manifest=encrypted))
    put("docs/broken.odt", _odt(content="<office:document-content"))
    assert convert_file(paths, "docs/locked.odt").error["class"] == "encrypted"
    assert convert_file(paths, "docs/broken.odt").error["class"] == "corrupt"


def test_rtf_paragraphs_in_their_code_page(paths, put):
    put(
        "docs/letter.rtf",
        r"{\rtf1\ansi\ansicpg1252{\fonttbl{\f0 Arial;}}\f0 Sehr geehrte Damen und Herren,\par"
        r" Gr\'fc\'dfe aus K\'f6ln.\par}",
    )
    entry = convert_file(paths, "docs/letter.rtf")
    assert entry.status == "converted", entry.error
    assert [r["text"] for r in _rows(entry)] == [
        "Sehr geehrte Damen und Herren,",
        "Grüße aus Köln.",
    ]


def test_bad_rtf_files(paths, put):
    put("docs/fake.rtf", "plain text, no rtf header")
    put("docs/blank.rtf", r"{\rtf1\ansi{\fonttbl{\f0 Arial;}}}")
    assert convert_file(paths, "docs/fake.rtf").error["class"] == "corrupt"
    assert convert_file(paths, "docs/blank.rtf").error["class"] == "empty"
