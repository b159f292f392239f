"""The structural part of the contract on polars, run by pandera: the first stage for predictions.

Prediction files can hold millions of rows, so this stage runs on polars (pandera's polars
backend validates a million rows in milliseconds). It checks only what makes a file
unusable: a required column missing, an unknown column, a value of the wrong type, a null
where none is allowed. What the values *mean* (offsets inside the article, known labels
and ids, no duplicates) is the GX suite's job, so a usable file always gets a full report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from diplonews.engines.optional import without_pyspark

with without_pyspark():  # pandera imports pyspark.pandas when pyspark is installed
    import pandera.polars as pa
    from pandera.errors import SchemaError, SchemaErrors

from diplonews.contract import schema
from diplonews.contract.errors import MAX_PROBLEMS, Problem

Locate = Callable[[int | None], dict[str, Any]]  # 0-based row (None: the whole file) -> Problem location kwargs


def structural_schema(table: schema.Table) -> pa.DataFrameSchema:
    """Columns, dtypes and nullability of a table (strict: no column outside the contract)."""
    columns = {
        column.name: pa.Column(
            type(column.type.polars_input),
            nullable=column.nullable,
            required=column.name not in table.optional,
            description=column.description,
        )
        for column in table.columns
    }
    return pa.DataFrameSchema(columns, strict=True, name=table.name, description=table.description)


def validate_structure(table: schema.Table, frame: pl.DataFrame, locate: Locate) -> list[Problem]:
    """Every structural problem of the frame, in a fixed order (column-level first, then rows)."""
    try:
        structural_schema(table).validate(frame, lazy=True)
    except SchemaErrors as errors:
        return _problems(table, errors.failure_cases, locate)
    except SchemaError as error:  # pragma: no cover - lazy=True collects; kept for pandera versions that raise early
        return [Problem("type-error", str(error), **locate(None))]
    return []


def _problems(table: schema.Table, cases: pl.DataFrame, locate: Locate) -> list[Problem]:
    expected = ", ".join(f"{name} (optional)" if name in table.optional else name for name in table.column_names)
    found: list[tuple[int, int, int, Problem]] = []
    total = cases.height
    for case in cases.head(MAX_PROBLEMS).iter_rows(named=True):
        check = str(case["check"])
        row = None if case["index"] is None else int(case["index"])
        if check == "column_in_dataframe":
            column, order = str(case["failure_case"]), 0
            problem = Problem(
                "missing-field",
                "required column is missing",
                field=column,
                hint=f"the {table.name} columns are: {expected}",
                **locate(None),
            )
        elif check == "column_in_schema":
            column, order = str(case["failure_case"]), 1
            problem = Problem(
                "unknown-field",
                "unknown column",
                field=column,
                hint=f"the {table.name} columns are: {expected}",
                **locate(None),
            )
        elif check.startswith("dtype("):
            column, order = str(case["column"]), 2
            problem = Problem("type-error", f"wrong column type {case['failure_case']}", field=column, **locate(None))
        elif check == "not_nullable":
            column, order = str(case["column"]), 3
            problem = Problem(
                "null-value",
                "value is missing or null",
                field=column,
                hint="every row needs a value here",
                **locate(row),
            )
        else:  # pragma: no cover - the structural schema has no other checks
            column, order = str(case["column"]), 4
            problem = Problem("type-error", f"{check}: {case['failure_case']}", field=column, **locate(row))
        position = table.column_names.index(column) if column in table.column_names else 99
        found.append((order, position, row or 0, problem))
    found.sort(key=lambda item: item[:3])
    problems = [problem for *_, problem in found]
    if total > len(problems):  # a file broken as a whole: keep the first, count the rest
        problems.append(
            Problem(
                "null-value",
                f"... and {total - len(problems):,} more rows with the same kinds of problem",
                **locate(None),
            )
        )
    return problems
