"""Valid values are kept: dates past year 9999, very large cells, UTF-8 with a few bad bytes.

Each case once failed: a date cell holding 2958466 (10000-01-01) crashed the partition
preview (OverflowError from Python's datetime) and 99999999 / 1e12 became null; a CSV with
one 10 MB quoted cell was quarantined ("straddles two block boundaries"); a UTF-8 Markdown
file with a few invalid bytes was decoded wholesale as cp1252 (every ü became Ã¼).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from nexus_platform.ingest.convert import convert_file
from nexus_platform.ingest.preview import describe


def _workbook(values: list[float]) -> bytes:
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["site", "inspected"])
    for index, value in enumerate(values):
        sheet.append([f"site {index}", value])
        sheet.cell(row=index + 2, column=2).number_format = "yyyy-mm-dd"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _column(entry, name: str) -> pa.ChunkedArray:
    [ref] = entry.tables
    return pq.read_table(ref.path).column(name)


def test_date_past_year_9999_stays_a_timestamp_and_previews(paths, put):
    put("sheets/far.xlsx", _workbook([45000, 2958466, 99999999]))
    entry = convert_file(paths, "sheets/far.xlsx")
    assert entry.status == "converted", entry.error
    column = _column(entry, "inspected")
    assert pa.types.is_timestamp(column.type)
    assert column.null_count == 0
    micros = column.cast(pa.int64()).to_pylist()
    day = 86_400 * 10**6
    # Excel's 1900 system: serial 25569 is 1970-01-01.
    assert micros == [(serial - 25569) * day for serial in (45000, 2958466, 99999999)]
    assert pc.year(column).to_pylist()[:2] == [2023, 10000]
    types, markdown = describe(entry.tables[0].path)
    assert "10000-01-01" in markdown


def test_date_beyond_any_timestamp_keeps_the_column_as_text(paths, put):
    put("sheets/farther.xlsx", _workbook([45000, 1e12]))
    entry = convert_file(paths, "sheets/farther.xlsx")
    assert entry.status == "converted", entry.error
    values = _column(entry, "inspected").to_pylist()
    assert values[0].startswith("2023-03-15")
    assert values[1] is not None and "1000000000000" in values[1]
    assert any("kept as text" in note for note in entry.notes)
    describe(entry.tables[0].path)  # the preview builds


def test_csv_with_a_ten_megabyte_cell_converts(paths, put):
    big = "Klinker " * 1_300_000  # ~10 MB, longer than a parse block
    put("big/notes.csv", f'id,text,tonnes\n1,"{big}",3\n2,short,4\n')
    entry = convert_file(paths, "big/notes.csv")
    assert entry.status == "converted", entry.error
    table = pq.read_table(entry.tables[0].path)
    assert table.column("text").to_pylist() == [big, "short"]
    assert table.column("tonnes").to_pylist() == [3, 4]


UMLAUT_TEXT = "Grüße aus München: die Größe der Öfen ändert sich. " * 40


@pytest.mark.parametrize("name", ["note.md", "note.txt", "page.html"])
def test_utf8_with_a_few_bad_bytes_stays_utf8(paths, put, name):
    body = UMLAUT_TEXT.encode()
    if name.endswith(".html"):
        body = b"<html><body><h1>\xc3\x9cberblick</h1><p>" + body + b"</p></body></html>"
    put(f"text/{name}", body[:200] + b"\xff\xfe" + body[200:] + b" \xc3 end\n")
    entry = convert_file(paths, f"text/{name}")
    assert entry.status == "converted", entry.error
    text = "\n".join(pq.read_table(entry.tables[0].path).column("text").to_pylist())
    assert "München" in text and "Ã¼" not in text
    assert "encoding: utf-8" in entry.notes
    assert any("3 invalid UTF-8 byte sequences replaced" in note for note in entry.notes)


def test_csv_with_a_bad_byte_past_the_sample_stays_utf8(paths, put):
    rows = "".join(f"Jürgen {i},München\n" for i in range(60_000))
    put("text/people.csv", ("name,city\n" + rows).encode() + b"Bad \xff name,K\xf6ln\n")
    entry = convert_file(paths, "text/people.csv")
    assert entry.status == "converted", entry.error
    table = pq.read_table(entry.tables[0].path)
    assert table.num_rows == 60_001
    assert table.column("city")[0].as_py() == "München"
    assert table.column("city")[-1].as_py() == "K\ufffdln"
    assert entry.encoding == "utf-8"
    assert any("2 invalid UTF-8 byte sequences replaced" in n for n in entry.notes)


def test_cp1252_text_is_still_cp1252(paths, put):
    put("text/legacy.txt", UMLAUT_TEXT.encode("cp1252"))
    entry = convert_file(paths, "text/legacy.txt")
    text = pq.read_table(entry.tables[0].path).column("text")[0].as_py()
    assert "München" in text
    assert "encoding: cp1252" in entry.notes
