"""CSV/TSV: dialect, header, encoding and type detection, streaming and late type changes."""

from __future__ import annotations

import codecs

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from nexus_platform.ingest.convert import convert_file
from nexus_platform.ingest.readers import ReadOptions


def _convert(paths, relpath, **options):
    from nexus_platform.ingest.convert import ConvertConfig

    entry = convert_file(paths, relpath, ConvertConfig(read_options=ReadOptions(**options)))
    assert entry.status == "converted", entry.error
    return entry, pq.read_table(entry.tables[0].path)


def test_types_and_names_are_normalised(paths, put):
    put(
        "climate/emissions/scope.csv",
        "Company Name,Year,Scope 1 (tCO2e),Verified,Reported On,Company Name\n"
        "Acme AG,2021,1200.5,true,2022-03-01,x\n"
        "Beta GmbH,2022,980,false,2023-03-15,y\n",
    )
    entry, table = _convert(paths, "climate/emissions/scope.csv")
    assert table.column_names == [
        "company_name",
        "year",
        "scope_1_tco2e",
        "verified",
        "reported_on",
        "company_name_2",
    ]
    types = dict(zip(table.column_names, table.schema.types, strict=True))
    assert types["year"] == pa.int64()
    assert types["scope_1_tco2e"] == pa.float64()
    assert types["verified"] == pa.bool_()
    assert pa.types.is_date(types["reported_on"]) or pa.types.is_timestamp(types["reported_on"])
    assert table.column("scope_1_tco2e").to_pylist() == [1200.5, 980.0]
    assert entry.encoding == "utf-8"
    # Provenance travels inside the file too.
    meta = pq.read_metadata(entry.tables[0].path).metadata
    assert meta[b"nexus.source_path"] == b"climate/emissions/scope.csv"
    assert meta[b"nexus.source_sha256"].decode() == entry.sha256
    assert len(entry.sha256) == 64


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("utf-16", b""), ("cp1252", b"")],
)
def test_encodings(paths, put, encoding, prefix):
    text = "Werk;Ort;Menge\nKöln Süd;Düsseldorf;3\nGroß-Gerau;Fürth;4\n"
    put("de/werke.csv", prefix + text.encode(encoding))
    entry, table = _convert(paths, "de/werke.csv")
    assert table.column_names == ["werk", "ort", "menge"]
    assert table.column("werk").to_pylist() == ["Köln Süd", "Groß-Gerau"]
    assert table.column("menge").to_pylist() == [3, 4]


def test_semicolon_decimal_comma_and_tsv(paths, put):
    put("a/dec.csv", "material;gwp\nBeton;1,25\nStahl;2,5\n")
    _, table = _convert(paths, "a/dec.csv")
    assert table.column("gwp").to_pylist() == [1.25, 2.5]
    put("a/tab.tsv", "name\tvalue\nx\t1\ny\t2\n")
    _, table = _convert(paths, "a/tab.tsv")
    assert table.column("value").to_pylist() == [1, 2]


def test_quoted_delimiters_and_newlines(paths, put):
    put("a/q.csv", 'id,comment\n1,"hello, world"\n2,"two\nlines"\n')
    _, table = _convert(paths, "a/q.csv")
    assert table.column("comment").to_pylist() == ["hello, world", "two\nlines"]


def test_headerless_file_gets_generated_names(paths, put):
    put("a/nohead.csv", "1,2.5,x\n2,3.5,y\n3,4.5,z\n")
    entry, table = _convert(paths, "a/nohead.csv")
    assert table.column_names == ["column_1", "column_2", "column_3"]
    assert table.num_rows == 3
    assert any("no header" in n for n in entry.notes)


def test_late_value_that_breaks_the_inferred_type_keeps_every_value(paths, put):
    # The first block says "integer"; a value far below does not parse: the column must
    # become string, with no value lost.
    rows = [f"{i},{i * 2}" for i in range(5000)] + ["5000,pending"]
    put("a/late.csv", "id,amount\n" + "\n".join(rows) + "\n")
    _, table = _convert(paths, "a/late.csv", csv_block_bytes=4096)
    assert table.schema.field("id").type == pa.int64()
    assert table.schema.field("amount").type == pa.string()
    values = table.column("amount").to_pylist()
    assert len(values) == 5001 and values[10] == "20" and values[-1] == "pending"


def test_large_files_are_written_in_row_groups(paths, put):
    rows = "\n".join(f"{i},{i % 7}" for i in range(300_000))
    put("a/big.csv", "a,b\n" + rows + "\n")
    entry, table = _convert(paths, "a/big.csv", csv_block_bytes=1 << 20)
    meta = pq.ParquetFile(entry.tables[0].path).metadata
    assert table.num_rows == 300_000
    assert meta.num_row_groups == 3  # 131072 + 131072 + rest
    assert meta.row_group(0).num_rows == 131_072
    assert meta.row_group(0).column(0).compression == "ZSTD"
