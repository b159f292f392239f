"""Arrow schemas from the contract, and Parquet written byte-for-byte reproducibly."""

from __future__ import annotations

import io
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from diplonews import schema

_ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "class_label": pa.string(),  # stored by name; `datasets` casts to ClassLabel from the card
    "int32": pa.int32(),
    "bool": pa.bool_(),
}


def _arrow_type(dtype: str) -> pa.DataType:
    if dtype == "span_list":
        return pa.list_(pa.struct([pa.field(name, _ARROW_TYPES[kind], nullable=False) for name, kind in schema.SPAN_FIELDS]))
    return _ARROW_TYPES[dtype]


def arrow_schema(table: schema.Table) -> pa.Schema:
    return pa.schema(
        [pa.field(column.name, _arrow_type(column.dtype), nullable=column.nullable) for column in table.columns]
    )


# Fixed writer settings: the same rows always give the same bytes (for a given pyarrow).
PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 9,
    "use_dictionary": False,
    "write_statistics": True,
    "version": "2.6",
    "data_page_version": "1.0",
    "row_group_size": 1 << 20,
    "store_schema": False,
}


def parquet_bytes(table: schema.Table, rows: list[dict[str, Any]]) -> bytes:
    arrow_table = pa.Table.from_pylist(rows, schema=arrow_schema(table))
    buffer = io.BytesIO()
    pq.write_table(arrow_table, buffer, **PARQUET_OPTIONS)
    return buffer.getvalue()


def read_parquet_rows(data: bytes) -> list[dict[str, Any]]:
    return pq.read_table(io.BytesIO(data)).to_pylist()
