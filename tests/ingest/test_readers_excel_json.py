"""Excel (fastexcel) and JSON / JSON Lines readers on good and bad input."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import openpyxl
import pyarrow as pa
import pytest

from nexus_platform.ingest.model import ErrorClass, IngestError
from nexus_platform.ingest.readers import ReadOptions, excel
from nexus_platform.ingest.readers.jsonfile import read_json, read_jsonl


def _by_name(tables):
    return {t.name: t for t in tables}


# ---------------------------------------------------------------- excel


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    wb = openpyxl.Workbook()
    people = wb.active
    people.title = "people"
    people.append(["name", "age", "score", "joined"])
    people.append(["ada", 36, 1.5, dt.datetime(2024, 1, 2)])
    people.append(["bob", 41, None, dt.datetime(2024, 3, 4)])
    people.append(["cy", None, 3.0, None])
    wb.create_sheet("empty")
    numbers = wb.create_sheet("numbers")
    numbers.append([1, 2.5])
    numbers.append([3, 4.0])
    path = tmp_path / "book.xlsx"
    wb.save(path)
    return path


def test_excel_one_table_per_non_empty_sheet(workbook, options):
    tables = excel.read(workbook, options)
    assert [t.name for t in tables] == ["people", "numbers"]
    assert all(t.kind == "table" for t in tables)


def test_excel_header_and_integral_floats_become_int64(workbook, options):
    people = _by_name(excel.read(workbook, options))["people"].table
    assert people.column_names == ["name", "age", "score", "joined"]
    assert people.schema.field("age").type == pa.int64()
    assert people.column("age").to_pylist() == [36, 41, None]
    # 1.5 has a fraction: the column stays float, nothing is rounded away.
    assert people.schema.field("score").type == pa.float64()
    assert people.column("score").to_pylist() == [1.5, None, 3.0]
    assert pa.types.is_timestamp(people.schema.field("joined").type)
    assert people.column("joined")[0].as_py() == dt.datetime(2024, 1, 2)


def test_excel_numeric_first_row_is_data_with_generated_names(workbook, options):
    numbers = _by_name(excel.read(workbook, options))["numbers"]
    assert numbers.table.column_names == ["column_1", "column_2"]
    assert numbers.table.column("column_1").to_pylist() == [1, 3]
    assert numbers.table.schema.field("column_1").type == pa.int64()
    assert numbers.table.column("column_2").to_pylist() == [2.5, 4.0]
    assert any("generated" in note for note in numbers.notes)


def test_excel_late_type_change_is_not_lost(tmp_path, options):
    # fastexcel's default 1000-row type sample would turn the late text values into nulls.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "long"
    ws.append(["code"])
    for i in range(1200):
        ws.append([i])
    ws.append(["X-1"])
    path = tmp_path / "long.xlsx"
    wb.save(path)
    [table] = excel.read(path, options)
    values = table.table.column("code").to_pylist()
    assert len(values) == 1201
    assert values[-1] == "X-1"
    assert None not in values


def test_excel_all_sheets_empty_is_empty(tmp_path, options):
    wb = openpyxl.Workbook()
    wb.create_sheet("other")
    path = tmp_path / "blank.xlsx"
    wb.save(path)
    with pytest.raises(IngestError) as err:
        excel.read(path, options)
    assert err.value.error_class is ErrorClass.EMPTY


def test_excel_encrypted_workbook(write, encrypted_ooxml, options):
    with pytest.raises(IngestError) as err:
        excel.read(write("locked.xlsx", encrypted_ooxml), options)
    assert err.value.error_class is ErrorClass.ENCRYPTED


@pytest.mark.parametrize(
    "content",
    [b"this is not a workbook", b"PK\x03\x04 truncated zip"],
    ids=["not-zip", "broken-zip"],
)
def test_excel_corrupt(write, content, options):
    with pytest.raises(IngestError) as err:
        excel.read(write("bad.xlsx", content), options)
    assert err.value.error_class is ErrorClass.CORRUPT


def test_excel_zip_without_workbook_is_corrupt(tmp_path, options):
    path = tmp_path / "other.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "not a workbook")
    with pytest.raises(IngestError) as err:
        excel.read(path, options)
    assert err.value.error_class is ErrorClass.CORRUPT


# ---------------------------------------------------------------- json


def test_json_array_of_objects_flattens_nested(write, options):
    doc = [
        {"id": 1, "name": "a", "geo": {"lat": 1.5, "lon": {"deg": 2}}, "tags": ["x", "y"]},
        {"id": 2, "name": "b", "extra": True},
    ]
    [table] = read_json(write("rows.json", json.dumps(doc)), options)
    assert table.name == "data"
    rows = table.table.to_pylist()
    assert table.table.column_names == ["id", "name", "geo_lat", "geo_lon_deg", "tags", "extra"]
    assert rows[0]["geo_lon_deg"] == 2 and rows[0]["geo_lat"] == 1.5
    assert json.loads(rows[0]["tags"]) == ["x", "y"]
    assert rows[1]["extra"] is True and rows[0]["extra"] is None
    assert table.table.schema.field("id").type == pa.int64()


def test_json_object_of_arrays_gives_table_per_key(write, options):
    doc = {
        "source": "okobaudat",
        "materials": [{"uuid": "m1", "gwp": 1.2}, {"uuid": "m2", "gwp": 3}],
        "units": [{"code": "kg"}],
    }
    tables = _by_name(read_json(write("multi.json", json.dumps(doc)), options))
    assert set(tables) == {"data", "materials", "units"}
    assert tables["materials"].table.to_pylist() == [
        {"uuid": "m1", "gwp": 1.2},
        {"uuid": "m2", "gwp": 3.0},
    ]
    assert tables["materials"].table.schema.field("gwp").type == pa.float64()
    assert tables["units"].table.column("code").to_pylist() == ["kg"]
    assert tables["data"].table.to_pylist() == [{"source": "okobaudat"}]


def test_json_single_object_is_one_row(write, options):
    [table] = read_json(write("one.json", '{"a": 1, "b": {"c": "x"}}'), options)
    assert table.table.to_pylist() == [{"a": 1, "b_c": "x"}]


def test_json_mixed_types_fall_back_to_string(write, options):
    [table] = read_json(write("mixed.json", '[{"v": 1}, {"v": "two"}, {"v": true}]'), options)
    assert table.table.schema.field("v").type == pa.string()
    assert table.table.column("v").to_pylist() == ["1", "two", "true"]


@pytest.mark.parametrize("content", ["", "   \n", "[]", "{}"], ids=["empty", "ws", "[]", "{}"])
def test_json_empty(write, content, options):
    with pytest.raises(IngestError) as err:
        read_json(write("empty.json", content), options)
    assert err.value.error_class is ErrorClass.EMPTY


def test_json_invalid_is_corrupt_with_position(write, options):
    with pytest.raises(IngestError) as err:
        read_json(write("bad.json", '[\n{"a": 1},\n{"a": }\n]'), options)
    assert err.value.error_class is ErrorClass.CORRUPT
    assert "line 3" in err.value.message


def test_json_utf16_with_bom(write, options):
    [table] = read_json(write("u16.json", '[{"city": "München"}]', encoding="utf-16"), options)
    assert table.table.column("city").to_pylist() == ["München"]
    assert "encoding: utf-16-le" in table.notes


# ---------------------------------------------------------------- jsonl


def _collect(table):
    batches = list(table.iter_batches())
    return batches, pa.Table.from_batches(batches, schema=table.arrow_schema())


def test_jsonl_streams_in_batches_with_type_fallback(write):
    lines = [json.dumps({"id": i, "meta": {"k": i % 3}, "v": i}) for i in range(25)]
    lines.append(json.dumps({"id": 25, "v": "late text", "new": 1.5}))
    path = write("data.jsonl", "\n".join(lines) + "\n\n")
    [table] = read_jsonl(path, ReadOptions(batch_rows=10))
    assert table.table is None  # streamed, never materialised by the reader
    batches, full = _collect(table)
    assert [b.num_rows for b in batches] == [10, 10, 6]
    assert all(b.schema == table.arrow_schema() for b in batches)
    assert full.column_names == ["id", "meta_k", "v", "new"]
    assert full.schema.field("id").type == pa.int64()
    # "v" held numbers, then text on the last line: string, every value kept.
    assert full.schema.field("v").type == pa.string()
    assert full.column("v").to_pylist()[:3] == ["0", "1", "2"]
    assert full.column("v").to_pylist()[-1] == "late text"
    assert full.column("new").to_pylist()[-1] == 1.5
    assert full.column("meta_k").to_pylist()[:4] == [0, 1, 2, 0]
    # A second pass (a retrying consumer) sees the same rows again.
    assert _collect(table)[1].equals(full)


def test_jsonl_int_and_float_widen_to_float(write, options):
    [table] = read_jsonl(write("n.jsonl", '{"x": 1}\n{"x": 2.5}\n'), options)
    _, full = _collect(table)
    assert full.schema.field("x").type == pa.float64()
    assert full.column("x").to_pylist() == [1.0, 2.5]


def test_jsonl_invalid_line_is_corrupt_with_line_number(write, options):
    path = write("bad.jsonl", '{"a": 1}\n{"a": 2}\n\n{"a": oops}\n{"a": 5}\n')
    with pytest.raises(IngestError) as err:
        read_jsonl(path, options)
    assert err.value.error_class is ErrorClass.CORRUPT
    assert "line 4" in err.value.message


def test_jsonl_undecodable_bytes_are_encoding(write, options):
    path = write("latin.jsonl", b'{"a": "ok"}\n{"a": "caf\xe9"}\n')
    with pytest.raises(IngestError) as err:
        read_jsonl(path, options)
    assert err.value.error_class is ErrorClass.ENCODING
    assert "line 2" in err.value.message


@pytest.mark.parametrize("content", ["", "\n\n  \n"], ids=["empty", "blank-lines"])
def test_jsonl_empty(write, content, options):
    with pytest.raises(IngestError) as err:
        read_jsonl(write("e.jsonl", content), options)
    assert err.value.error_class is ErrorClass.EMPTY


def test_jsonl_big_integers_kept_exactly(write, options):
    big = 2**70
    [table] = read_jsonl(write("big.jsonl", f'{{"n": {big}}}\n{{"n": 1}}\n'), options)
    _, full = _collect(table)
    assert full.column("n").to_pylist() == [str(big), "1"]
