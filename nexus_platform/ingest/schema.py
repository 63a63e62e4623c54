"""One place that decides the Arrow types the platform writes.

Readers disagree (pyarrow, DuckDB and polars pick different timestamp units and string types;
fastexcel gives float64 for integer columns), so every table passes through here and the
same data always gets the same schema.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from nexus_platform.ingest.naming import normalise_column_names


def _target_type(t: pa.DataType) -> pa.DataType:
    if pa.types.is_dictionary(t):
        return _target_type(t.value_type)
    if pa.types.is_null(t):
        return pa.string()
    if pa.types.is_large_string(t) or pa.types.is_string_view(t) or pa.types.is_string(t):
        return pa.string()
    if pa.types.is_large_binary(t) or pa.types.is_binary_view(t):
        return pa.binary()
    if pa.types.is_integer(t):
        # uint64 values above int64's range would be lost: keep them as they are.
        return t if t == pa.uint64() else pa.int64()
    if pa.types.is_floating(t):
        return pa.float64()
    if pa.types.is_timestamp(t):
        return pa.timestamp("us", tz=t.tz)
    if pa.types.is_date64(t):
        return pa.date32()
    if pa.types.is_large_list(t) or pa.types.is_list_view(t):
        return pa.list_(_target_type(t.value_type))
    if pa.types.is_list(t):
        return pa.list_(_target_type(t.value_type))
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, _target_type(f.type)) for f in t])
    return t


def target_schema(schema: pa.Schema) -> pa.Schema:
    """Normalised names and types for a reader's schema (metadata dropped, added later)."""
    names = normalise_column_names(list(schema.names))
    return pa.schema(
        [pa.field(n, _target_type(f.type)) for n, f in zip(names, schema, strict=True)]
    )


def conform_batch(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """Cast a reader batch to the normalised schema (positions match `target_schema`)."""
    arrays = []
    for column, field in zip(batch.columns, schema, strict=True):
        if column.type != field.type:
            if pa.types.is_timestamp(column.type) and pa.types.is_timestamp(field.type):
                # Sub-microsecond precision is not meaningful in landed data: truncate safely.
                column = pc.cast(column, field.type, safe=False)
            else:
                column = column.cast(field.type)
        arrays.append(column)
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def integral_floats_to_int(table: pa.Table) -> pa.Table:
    """float64 columns whose every value is a whole number in range become int64.

    Spreadsheet engines store all numbers as doubles; a column of years or counts should
    not surface as 2021.0. A column with any fractional value stays float.
    """
    columns = []
    for column in table.columns:
        if pa.types.is_floating(column.type) and column.null_count < len(column):
            values = column.drop_null()
            finite = pc.all(pc.is_finite(values)).as_py()
            if finite and pc.all(pc.equal(pc.floor(values), values)).as_py():
                lo, hi = pc.min(values).as_py(), pc.max(values).as_py()
                if -(2**53) <= lo and hi <= 2**53:
                    column = column.cast(pa.int64())
        columns.append(column)
    return pa.table(columns, names=table.column_names)
