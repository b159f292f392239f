"""Arrow schemas from the contract, and Parquet written byte-for-byte reproducibly."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from diplonews import paths
from diplonews.contract import schema
from diplonews.contract.errors import DiplonewsError, Problem, display_path


def arrow_schema(table: schema.Table) -> pa.Schema:
    return pa.schema([column.to_arrow() for column in table.columns])


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


def read_dataset(
    dataset_dir: Path,
    configs: tuple[str, ...] = schema.CONFIG_NAMES,
    columns: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, pa.Table]:
    """Each config's Parquet file (all by default) cast to the contract's schema, or every reason one cannot be used.

    A dataset folder may come from anywhere (`--dataset`): a missing, corrupt or wrongly
    typed file is a problem naming the file and column, never an Arrow traceback.
    `columns` (config -> column names) reads only those columns of a config (the scorer
    needs a few of a large gold); every file's column names are still checked against
    the contract.
    """
    problems = []
    tables = {}
    for name in configs:
        path = dataset_dir / paths.DATA_FILE_TEMPLATE.format(config=name)
        file = display_path(path)
        if not path.is_file():
            problems.append(
                Problem(
                    "missing-file",
                    f"the dataset has no {name} config",
                    file=file,
                    hint="run `diplonews build`, or pass --dataset FOLDER",
                )
            )
            continue
        table = schema.DATASET_TABLES[name]
        wanted = [c for c in table.column_names if columns is None or name not in columns or c in columns[name]]
        try:
            names = pq.read_schema(path).names
            arrow = pq.read_table(path, columns=[c for c in wanted if c in names])
        except (OSError, pa.ArrowException) as error:
            problems.append(
                Problem(
                    "unreadable-parquet",
                    f"unreadable Parquet file: {error}",
                    file=file,
                    hint="rebuild with `diplonews build`",
                )
            )
            continue
        missing = [column for column in table.column_names if column not in names]
        problems += [
            Problem("missing-field", "column missing", file=file, field=column, hint="rebuild with `diplonews build`")
            for column in missing
        ]
        extra = [column for column in names if column not in table.column_names]
        problems += [
            Problem(
                "unknown-field",
                "column not in the contract",
                file=file,
                field=column,
                hint="rebuild with `diplonews build`",
            )
            for column in extra
        ]
        if missing or extra:
            continue
        cast = []
        for column in table.columns:
            if column.name not in wanted:
                continue
            try:
                cast.append(arrow.column(column.name).cast(column.to_arrow().type))
            except (pa.ArrowException, ValueError) as error:
                found = arrow.schema.field(column.name).type
                problems.append(
                    Problem(
                        "type-error",
                        f"column has Arrow type {found}, the contract says {column.dtype}: {error}",
                        file=file,
                        field=column.name,
                    )
                )
        if len(cast) == len(wanted):
            tables[name] = pa.table(cast, names=wanted)
    if problems:
        raise DiplonewsError(problems)
    return tables


def to_frames(tables: Mapping[str, list[dict[str, Any]]]) -> dict[str, pd.DataFrame]:
    """pandas frames of compiled rows, strings as Python objects (what the pandera contract checks)."""
    frames = {}
    for name, table in schema.DATASET_TABLES.items():
        rows = tables.get(name, [])
        frames[name] = pd.DataFrame(rows, columns=list(table.column_names))
        for column in table.columns:
            if column.dtype in {"string", "class_label", "span_list"}:
                frames[name][column.name] = frames[name][column.name].astype(object)
            elif not rows:  # an empty table still has the contract's column types
                frames[name][column.name] = frames[name][column.name].astype(column.to_pandas_dtype())
    return frames
