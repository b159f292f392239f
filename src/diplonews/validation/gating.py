"""The quality gates over the one-row metrics table, on GX or, when the suite allows, on polars.

A gate suite is GX suite JSON (`expectations/gates_<task>.json`, a user's copy, or the
default with parameters overridden). GX takes seconds to import, longer than streaming a
million predictions, and a gate is a comparison of one number with a threshold. So when
every expectation of the suite is a plain `expect_column_values_to_be_between` on a column
of the metrics table with numeric (or absent) bounds, as every default gate is, the
polars suite engine (`engines.polars_suite`, GX's pandas semantics: a null metric is not
a failing row) runs it; any other suite (another expectation kind, `mostly`, a row
condition, an unknown column or parameter) runs on GX, which also refuses a broken suite.
`tests/validation/test_gating.py` checks both give the same outcomes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from diplonews.engines import polars_suite
from diplonews.engines.outcome import Outcome
from diplonews.evaluate import metric_names

_BETWEEN = "expect_column_values_to_be_between"
_PLAIN_KWARGS = {"column", "min_value", "max_value", "strict_min", "strict_max"}


def _number(value: Any) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool) and value == value)


def runs_on_polars(task: str, document: Mapping[str, Any], parameters: Mapping[str, Any]) -> bool:
    """True when every expectation is a plain range check on a known metric with numeric bounds."""
    names = set(metric_names(task))
    expectations = document.get("expectations")
    if not isinstance(expectations, list) or not expectations or not isinstance(document.get("name"), str):
        return False
    for expectation in expectations:
        if not isinstance(expectation, Mapping) or expectation.get("type") != _BETWEEN:
            return False
        kwargs = expectation.get("kwargs")
        meta = expectation.get("meta", {})
        if not isinstance(kwargs, Mapping) or not set(kwargs) <= _PLAIN_KWARGS or not isinstance(meta, Mapping | None):
            return False
        if kwargs.get("column") not in names:
            return False
        for key in ("min_value", "max_value"):
            bound = kwargs.get(key)
            if isinstance(bound, Mapping):
                if set(bound) != {"$PARAMETER"} or bound["$PARAMETER"] not in parameters:
                    return False
                bound = parameters[bound["$PARAMETER"]]
            if not _number(bound):
                return False
        if kwargs.get("min_value") is None and kwargs.get("max_value") is None:
            return False  # GX refuses a range with no bound: let it say so
        if any(not isinstance(kwargs.get(key, False), bool) for key in ("strict_min", "strict_max")):
            return False
    return True


def outcomes_on_polars(
    document: dict[str, Any], parameters: dict[str, Any], table: Mapping[str, float | int | None]
) -> list[Outcome]:
    """The gate suite's outcomes on the metrics table (a suite `runs_on_polars` accepted)."""
    frame = pl.DataFrame(
        {name: pl.Series(name, [value], dtype=pl.Float64) for name, value in table.items()}
    ).with_columns(pl.lit(0, dtype=pl.Int64).alias(polars_suite.ROW_KEY))
    run = polars_suite.SuiteRun(document, parameters)
    run.update(frame)
    return run.outcomes()
