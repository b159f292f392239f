"""Arrow schemas from the contract, and Parquet written byte-for-byte reproducibly."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from diplonews import paths, schema
from diplonews.errors import DiplonewsError, Problem, where

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


def read_dataset(dataset_dir: Path) -> dict[str, pa.Table]:
    """Every config's Parquet file, or every reason one cannot be used (file, what, what to do)."""
    problems = []
    tables = {}
    for name in schema.CONFIG_NAMES:
        path = dataset_dir / paths.DATA_FILE_TEMPLATE.format(config=name)
        if not path.is_file():
            problems.append(Problem(where(path), f"the dataset has no {name} config", hint="run `diplonews build`, or pass --dataset FOLDER"))
            continue
        try:
            arrow = pq.read_table(path)
        except OSError as error:
            problems.append(Problem(where(path), f"unreadable Parquet file: {error}"))
            continue
        missing = [column for column in schema.DATASET_TABLES[name].column_names if column not in arrow.column_names]
        if missing:
            problems.append(Problem(where(path), f"columns missing: {', '.join(missing)}", hint="rebuild with `diplonews build`"))
            continue
        tables[name] = arrow
    if problems:
        raise DiplonewsError(problems)
    return tables
