"""The structural part of the contract on polars, run by pandera: the first stage for predictions.

Prediction files can hold millions of rows, so this stage runs on polars (pandera's polars
backend validates a million rows in milliseconds). It checks only what makes a file
unusable: a required column missing, an unknown column, a value of the wrong type, a null
where none is allowed. What the values *mean* (offsets inside the article, known labels
and ids, no duplicates) is the GX suite's job, so a usable file always gets a full report.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandera.polars as pa
import polars as pl
from pandera.errors import SchemaError, SchemaErrors

from diplonews import schema

_POLARS_DTYPES: dict[str, type[pl.DataType]] = {"string": pl.String, "class_label": pl.String, "int32": pl.Int64, "bool": pl.Boolean}


@dataclass(frozen=True)
class StructureFailure:
    column: str | None
    check: str  # "missing_column", "unknown_column", "dtype", "not_nullable"
    row: int | None  # 0-based row for a null, None for a column-level failure
    found: str | None = None


def structural_schema(table: schema.Table) -> pa.DataFrameSchema:
    """Columns, dtypes and nullability of a table (strict: no column outside the contract)."""
    columns = {
        column.name: pa.Column(
            _POLARS_DTYPES[column.dtype],
            nullable=column.nullable,
            required=column.name not in table.optional,
            description=column.description,
        )
        for column in table.columns
    }
    return pa.DataFrameSchema(columns, strict=True, name=table.name, description=table.description)


def validate_structure(table: schema.Table, frame: pl.DataFrame) -> list[StructureFailure]:
    """Every structural failure of the frame, in a fixed order (column-level first, then rows)."""
    try:
        structural_schema(table).validate(frame, lazy=True)
    except SchemaErrors as errors:
        return _failures(table, errors.failure_cases)
    except SchemaError as error:  # pragma: no cover - lazy=True collects; kept for pandera versions that raise early
        return [StructureFailure(None, "schema", None, str(error))]
    return []


def _failures(table: schema.Table, cases: pl.DataFrame) -> list[StructureFailure]:
    failures: list[StructureFailure] = []
    for case in cases.iter_rows(named=True):
        check = str(case["check"])
        if check == "column_in_dataframe":
            failures.append(StructureFailure(case["failure_case"], "missing_column", None))
        elif check == "column_in_schema":
            failures.append(StructureFailure(case["failure_case"], "unknown_column", None))
        elif check == "not_nullable":
            failures.append(StructureFailure(case["column"], "not_nullable", None if case["index"] is None else int(case["index"])))
        elif check.startswith("dtype("):
            failures.append(StructureFailure(case["column"], "dtype", None, str(case["failure_case"])))
        else:  # pragma: no cover - the structural schema has no other checks
            failures.append(StructureFailure(case["column"], check, case["index"], str(case["failure_case"])))
    order = {"missing_column": 0, "unknown_column": 1, "dtype": 2, "not_nullable": 3}
    failures.sort(key=lambda f: (order.get(f.check, 9), table.column_names.index(f.column) if f.column in table.column_names else 99, f.row or 0))
    return failures
