"""A GX prediction suite run batch by batch on polars, with GX's pandas semantics: the streaming engine.

The integrity suite (`expectations/predictions_<task>.json`) is the one definition of the
checks; this module reads the same JSON and evaluates each expectation on polars batches
(the derived columns come from `diplonews.contract.rules` via `engines.derive`, as for
GX), accumulating what GX reports: rows considered (`element_count`), failing rows
(`unexpected_count`), the first failing rows and their values. Only the expectation
kinds the prediction suites use are implemented; each mirrors the pandas code path of
GX 1.24 (null handling, `ignore_row_if`, `row_condition`, `duplicated(keep=False)`), and
regexes run through pandas' `str.contains`, exactly as GX calls it. `tests/validation/
test_streaming.py` runs both on random inputs and asserts identical outcomes.

Uniqueness spans batches: `update` hands back the key columns of each uniqueness check;
the caller routes them to hash partitions (`partition_of`), in memory, spilled to disk,
or shuffled by Spark, and runs `duplicates` on each partition (rows sharing a key always
land in the same partition), then `add_duplicates`. State is plain data (picklable), so
partial runs merge (`merge`), e.g. from Spark tasks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from diplonews.contract.errors import shorten
from diplonews.engines.outcome import Outcome

N_EXAMPLES = 10  # GX's partial_unexpected_count in engines.gx.Engine.run
ROW_KEY = "_row_key"  # a monotone row key (part index and position), for ordering and locating examples

_COLUMN_MAP = {
    "expect_column_values_to_be_between",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_be_in_set",
}
_PAIR = {"expect_column_pair_values_a_to_be_greater_than_b", "expect_column_pair_values_to_be_equal"}
_UNIQUE = {"expect_compound_columns_to_be_unique", "expect_column_values_to_be_unique"}
_TABLE = {"expect_table_columns_to_match_set", "expect_column_distinct_values_to_contain_set"}
SUPPORTED = _COLUMN_MAP | _PAIR | _UNIQUE | _TABLE
_CONDITION = re.compile(r'^\s*(\w+)\s*==\s*"([^"\\]*)"\s*$')


class Unsupported(ValueError):
    """A suite uses an expectation kind (or a row condition) this engine does not implement."""


@dataclass
class Tally:
    """What one expectation has seen so far."""

    element_count: int = 0
    unexpected_count: int = 0
    examples: list[tuple[int, Any]] = field(default_factory=list)  # (row key, value), the first N by row key
    observed: Any = None

    def add(self, keys: list[int], values: list[Any]) -> None:
        if keys:
            self.examples = sorted([*self.examples, *zip(keys, values, strict=True)], key=lambda item: item[0])[
                :N_EXAMPLES
            ]

    def merge(self, other: Tally) -> None:
        self.element_count += other.element_count
        self.unexpected_count += other.unexpected_count
        self.add([key for key, _ in other.examples], [value for _, value in other.examples])
        if self.observed is None:
            self.observed = other.observed


def _resolve(value: Any, parameters: Mapping[str, Any]) -> Any:
    if isinstance(value, dict) and set(value) == {"$PARAMETER"}:
        return parameters[value["$PARAMETER"]]
    return value


@dataclass
class SuiteRun:
    """One suite's expectations, evaluated batch by batch; `outcomes()` gives what GX would report."""

    document: dict[str, Any]
    parameters: dict[str, Any]
    tallies: list[Tally] = field(default_factory=list)
    distinct: dict[int, set[Any]] = field(default_factory=dict)
    null_seen: set[str] = field(
        default_factory=set
    )  # integer columns holding a null somewhere (pandas makes them float)

    def __post_init__(self) -> None:
        expectations = self.document["expectations"]
        for expectation in expectations:
            kind = expectation["type"]
            kwargs = expectation.get("kwargs", {})
            if kind not in SUPPORTED:
                raise Unsupported(f"the streaming engine does not run {kind}")
            condition = kwargs.get("row_condition")
            if condition and not _CONDITION.match(condition):
                raise Unsupported(f"row condition {condition!r}")
        if not self.tallies:
            self.tallies = [Tally() for _ in expectations]

    @property
    def expectations(self) -> list[dict[str, Any]]:
        return list(self.document["expectations"])

    def kwargs(self, index: int) -> dict[str, Any]:
        raw = self.expectations[index].get("kwargs", {})
        return {key: _resolve(value, self.parameters) for key, value in raw.items()}

    def unique_checks(self) -> dict[int, list[str]]:
        """Index -> key columns of every uniqueness expectation."""
        out = {}
        for index, expectation in enumerate(self.expectations):
            kwargs = expectation.get("kwargs", {})
            if expectation["type"] == "expect_compound_columns_to_be_unique":
                out[index] = list(kwargs["column_list"])
            elif expectation["type"] == "expect_column_values_to_be_unique":
                out[index] = [kwargs["column"]]
        return out

    # ---- one batch ----------------------------------------------------------------------

    def update(self, frame: pl.DataFrame) -> dict[int, pl.DataFrame]:
        """Evaluate every row-wise expectation on a batch (which has a `ROW_KEY` column).

        Returns, per uniqueness expectation, the batch's key columns plus `ROW_KEY`, for
        the caller to partition (`partition_of`) and check (`duplicates`).
        """
        for name, dtype in frame.schema.items():
            if dtype.is_integer() and name != ROW_KEY and frame[name].null_count():
                self.null_seen.add(name)
        keys_out: dict[int, pl.DataFrame] = {}
        for index, expectation in enumerate(self.expectations):
            kind = expectation["type"]
            kwargs = self.kwargs(index)
            tally = self.tallies[index]
            if kind == "expect_table_columns_to_match_set":
                if tally.observed is None:
                    tally.observed = [name for name in frame.columns if name != ROW_KEY]
                continue
            domain = _condition(frame, kwargs.get("row_condition"))
            if kind in _UNIQUE:
                columns = self.unique_checks()[index]
                keys_out[index] = domain.select([*columns, ROW_KEY])
                tally.element_count += domain.height
                continue
            if kind == "expect_column_distinct_values_to_contain_set":
                values = domain[kwargs["column"]].drop_nulls().unique().to_list()
                self.distinct.setdefault(index, set()).update(values)
                continue
            if kind in _COLUMN_MAP:
                column = kwargs["column"]
                tally.element_count += domain.height
                present = domain.filter(pl.col(column).is_not_null())
                bad = _column_unexpected(kind, present, column, kwargs)
                failing = present.filter(bad)
                tally.unexpected_count += failing.height
                head = failing.head(N_EXAMPLES)
                tally.add(head[ROW_KEY].to_list(), head[column].to_list())
                continue
            # column pairs
            a, b = kwargs["column_A"], kwargs["column_B"]
            tally.element_count += domain.height
            ignore = kwargs.get("ignore_row_if", "both_values_are_missing")
            if ignore == "either_value_is_missing":
                kept = domain.filter(pl.col(a).is_not_null() & pl.col(b).is_not_null())
            elif ignore == "both_values_are_missing":
                kept = domain.filter(pl.col(a).is_not_null() | pl.col(b).is_not_null())
            else:
                kept = domain
            if kind == "expect_column_pair_values_to_be_equal":
                ok = pl.col(a) == pl.col(b)
            else:
                ok = (pl.col(a) >= pl.col(b)) if kwargs.get("or_equal") else (pl.col(a) > pl.col(b))
            failing = kept.filter(~ok.fill_null(False))
            tally.unexpected_count += failing.height
            head = failing.head(N_EXAMPLES)
            tally.add(head[ROW_KEY].to_list(), [list(pair) for pair in zip(head[a], head[b], strict=True)])
        return keys_out

    def add_duplicates(self, index: int, count: int, examples: list[tuple[int, Any]]) -> None:
        """The result of `duplicates` on one partition of uniqueness check `index`."""
        tally = self.tallies[index]
        tally.unexpected_count += count
        tally.add([key for key, _ in examples], [value for _, value in examples])

    def merge(self, other: SuiteRun) -> None:
        for mine, theirs in zip(self.tallies, other.tallies, strict=True):
            mine.merge(theirs)
        for index, values in other.distinct.items():
            self.distinct.setdefault(index, set()).update(values)
        self.null_seen |= other.null_seen

    # ---- the verdicts -------------------------------------------------------------------

    def example_keys(self) -> set[int]:
        return {key for tally in self.tallies for key, _ in tally.examples}

    def outcomes(self) -> list[Outcome]:
        from diplonews.engines.gx import jsonable  # light: engines.gx imports GX only when an Engine is made

        out = []
        for index, expectation in enumerate(self.expectations):
            kind = expectation["type"]
            kwargs = self.kwargs(index)
            meta = expectation.get("meta") or {}
            tally = self.tallies[index]
            observed: Any = None
            element_count: int | None = tally.element_count
            unexpected_count: int | None = tally.unexpected_count
            if kind == "expect_table_columns_to_match_set":
                observed = sorted(tally.observed or [])
                expected = set(kwargs["column_set"])
                success = set(observed) == expected if kwargs.get("exact_match", True) else expected <= set(observed)
                if kwargs.get("exact_match") is True:  # GX reports its default as absent
                    kwargs = {key: value for key, value in kwargs.items() if key != "exact_match"}
                element_count = unexpected_count = None
            elif kind == "expect_column_distinct_values_to_contain_set":
                seen = self.distinct.get(index, set())  # GX 1.24 reports no observed value here
                success = set(kwargs["value_set"]) <= seen
                element_count = unexpected_count = None
            else:
                success = tally.unexpected_count == 0
            if isinstance(kwargs.get("row_condition"), str):  # as GX 1.24 reports a pandas row condition
                kwargs = {
                    **kwargs,
                    "row_condition": {"pass_through_filter": kwargs["row_condition"], "type": "pass_through"},
                }
            values = [self._as_pandas(kind, kwargs, value) for _, value in tally.examples]
            out.append(
                Outcome(
                    suite=self.document["name"],
                    check=meta.get("check", kind),
                    code=meta.get("code", "expectation-failed"),
                    type=kind,
                    why=meta.get("why", ""),
                    kwargs=jsonable(kwargs),
                    success=success,
                    observed=jsonable(observed),
                    unexpected_count=unexpected_count,
                    element_count=element_count,
                    unexpected_rows=[key for key, _ in tally.examples],
                    unexpected_values=[shorten(v) for v in jsonable(values)],
                    error=None,
                )
            )
        return out

    def _as_pandas(self, kind: str, kwargs: Mapping[str, Any], value: Any) -> Any:
        """A failing value as GX (on the pandas frame) reports it: an integer column with a null is float."""
        if kind in _PAIR:
            columns = [kwargs["column_A"], kwargs["column_B"]]
            return [_floated(v) if c in self.null_seen else v for c, v in zip(columns, value, strict=True)]
        if kind in _COLUMN_MAP:
            return _floated(value) if kwargs["column"] in self.null_seen else value
        return value


def _floated(value: Any) -> Any:
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _condition(frame: pl.DataFrame, condition: str | None) -> pl.DataFrame:
    if not condition:
        return frame
    match = _CONDITION.match(condition)
    assert match is not None  # checked in __post_init__
    return frame.filter(pl.col(match.group(1)).cast(pl.String) == match.group(2))


_VALUE_SETS: dict[int, tuple[list[Any], frozenset[Any]]] = {}  # id(value list) -> (the list, its values as a set)


def _value_set(values: list[Any] | None) -> frozenset[Any]:
    """An in-set expectation's values as a set, built once per list (the article ids of a corpus may be millions)."""
    if values is None:
        return frozenset()
    held = _VALUE_SETS.get(id(values))
    if held is None or held[0] is not values:
        if len(_VALUE_SETS) > 8:
            _VALUE_SETS.clear()
        held = _VALUE_SETS[id(values)] = (values, frozenset(values))
    return held[1]


def _column_unexpected(kind: str, present: pl.DataFrame, column: str, kwargs: Mapping[str, Any]) -> pl.Series:
    series = present[column]
    if kind == "expect_column_values_to_be_in_set":
        # Each distinct value looked up once in a set built once: a batch costs its own size, not the corpus'.
        allowed = _value_set(kwargs["value_set"])
        unique = series.unique()
        known = pl.Series("_ok", [value in allowed for value in unique.to_list()], dtype=pl.Boolean)
        verdict = pl.DataFrame({column: unique, "_ok": known})
        return ~present.select(column).join(verdict, on=column, how="left", maintain_order="left")["_ok"]
    if kind == "expect_column_values_to_be_between":
        ok = pl.repeat(True, series.len(), eager=True)
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        if low is not None:
            ok = ok & ((series > low) if kwargs.get("strict_min") else (series >= low))
        if high is not None:
            ok = ok & ((series < high) if kwargs.get("strict_max") else (series <= high))
        return ~ok
    # expect_column_values_to_match_regex, as GX calls it: column.astype(str).str.contains(regex)
    if series.len() == 0:
        return pl.Series([], dtype=pl.Boolean)
    unique = series.unique()
    matched = unique.to_pandas().astype(str).str.contains(kwargs["regex"])
    verdict = pl.DataFrame({column: unique, "_ok": pl.Series(matched.to_numpy(dtype=bool), dtype=pl.Boolean)})
    return ~present.select(column).join(verdict, on=column, how="left", maintain_order="left")["_ok"]


# ---- uniqueness across batches ---------------------------------------------------------


def partition_of(keys: pl.DataFrame, columns: list[str], n_partitions: int) -> pl.Series:
    """The hash partition of each row's key: equal keys always share a partition."""
    hashed = keys.select(pl.struct([pl.col(c) for c in columns]).hash(seed=7).alias("_h"))["_h"]
    return (hashed % n_partitions).cast(pl.Int64).alias("_partition")


def duplicates(keys: pl.DataFrame, columns: list[str]) -> tuple[int, list[tuple[int, Any]]]:
    """GX's `duplicated(keep=False)` on one partition: rows whose key occurs twice or more
    (rows whose keys are all null are ignored, GX's default `ignore_row_if`); the count and
    the first N by row key, each with its value (a dict for compound keys)."""
    if keys.height == 0:
        return 0, []
    kept = keys.filter(~pl.all_horizontal([pl.col(c).is_null() for c in columns]))
    dup = kept.filter(pl.len().over(columns) > 1) if kept.height else kept
    head = dup.sort(ROW_KEY).head(N_EXAMPLES)
    if len(columns) == 1:
        values: list[Any] = head[columns[0]].to_list()
    else:
        values = head.select(columns).to_dicts()
    return dup.height, list(zip(head[ROW_KEY].to_list(), values, strict=True))
