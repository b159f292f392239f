"""The dataset contract on pandas, run by pandera: what `build` and `validate` hold the dataset to.

Per-column constraints become pandera `Column` checks; the rules of a table
(`schema.Table.rules`) become dataframe-level pandera checks that call the one
implementation of each rule in `diplonews.contract.rules`. Every failure comes back as a
`Problem` with its code, located by the caller's `locate` (a table row, or the
annotation file and line the row was compiled from).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import polars as pl

from diplonews.engines.optional import without_pyspark

with without_pyspark():  # pandera imports pyspark.pandas when pyspark is installed
    import pandera.pandas as pa
    from pandera.errors import SchemaErrors

from diplonews.contract import rules, schema, types
from diplonews.contract.errors import Problem

Locate = Callable[[str, int | None], dict[str, Any]]  # (table, 0-based row) -> Problem location kwargs

# pandera's check names -> problem codes (rule checks are named after their rule).
_CODES = {
    "isin": "unknown-label", "str_matches": "bad-format", "greater_than_or_equal_to": "out-of-range",
    "non_empty": "empty-value", "field_uniqueness": "duplicate-id", "not_nullable": "null-value",
    "column_in_dataframe": "missing-field", "column_in_schema": "unknown-field",
}  # fmt: skip


_MESSAGES = {
    "unknown-label": "not a label of the contract", "bad-format": "does not match the column's pattern",
    "out-of-range": "below the column's minimum", "empty-value": "empty or whitespace only", "duplicate-id": "used by more than one row",
    "null-value": "null where none is allowed", "type-error": "wrong type", "missing-field": "column missing", "unknown-field": "column not in the contract",
}  # fmt: skip


_RULE_FIELD = {
    "span_in_article": "start",
    "no_overlap": "start",
    "timex_value_grammar": "value",
    "anchor_resolves": "anchor",
    "spans_in_articles": "spans",
    "scope_matches_spans": "scope",
    "tokens_in_article": "tokens",
    "tags_iob2": "ner_tags",
}


def _code(check: str) -> str:
    if check in rules.RULES:
        return rules.RULES[check].code
    if check.startswith(("dtype(", "coerce_dtype(")):
        return "type-error"
    return _CODES.get(check.split("(")[0], "expectation-failed")


def _column_checks(column: schema.Column) -> list[pa.Check]:
    checks: list[pa.Check] = []
    if column.labels is not None and column.dtype in types.LIST_ITEM:
        allowed = frozenset(column.labels)
        checks.append(
            pa.Check(
                lambda s: s.map(lambda items: isinstance(items, list) and all(item in allowed for item in items)),
                element_wise=False,
                name="isin",
                error="every element is a label of the contract",
            )
        )
    elif column.labels is not None:
        checks.append(pa.Check.isin(list(column.labels)))
    if column.pattern is not None:
        checks.append(pa.Check.str_matches(column.pattern if column.pattern.endswith("$") else column.pattern + "$"))
    if column.min_value is not None:
        checks.append(pa.Check.ge(column.min_value))
    if column.non_empty:
        checks.append(
            pa.Check(
                lambda s: s.str.strip().str.len() > 0,
                element_wise=False,
                name="non_empty",
                error="value must not be empty",
            )
        )
    return checks


def column_schema(table: schema.Table) -> pa.DataFrameSchema:
    """The per-column part of the contract as a pandera schema (strict: no extra columns)."""
    columns = {
        column.name: pa.Column(
            column.to_pandas_dtype(),
            checks=_column_checks(column),
            nullable=column.nullable,
            unique=column.unique,
            required=column.name not in table.optional,
            description=column.description,
            coerce=column.dtype == "int32",
        )
        for column in table.columns
    }
    return pa.DataFrameSchema(columns, strict=True, name=table.name, description=table.description)


def _polars(frame: pd.DataFrame, columns: tuple[str, ...]) -> pl.DataFrame:
    data: dict[str, Any] = {}
    for name in columns:
        values = [None if isinstance(v, float) and pd.isna(v) else v for v in frame[name].tolist()]
        data[name] = values
    return pl.DataFrame(data, strict=False)


def _rule(name: str, texts: Mapping[str, str]) -> Callable[[pd.DataFrame], pd.Series]:
    """The pandera check of one rule: the rule's polars implementation on the pandas frame."""
    articles = rules.articles_frame(texts)

    def check(frame: pd.DataFrame) -> pd.Series:
        if name == "span_in_article":
            ok = rules.span_in_article(_polars(frame, ("article_id", "start", "end", "text")), articles)
        elif name == "no_overlap":
            ok = ~rules.overlaps_previous(_polars(frame, ("article_id", "start", "end")))
        elif name == "timex_value_grammar":
            ok = rules.timex_value_ok(_polars(frame, ("type", "value")))
        elif name == "anchor_resolves":
            ok = rules.anchor_resolves(_polars(frame, ("article_id", "anchor", "timex_id")))
        elif name == "spans_in_articles":
            ok = rules.spans_in_articles(_polars(frame, ("spans",)), articles)
        elif name == "scope_matches_spans":
            ok = rules.scope_matches_spans(_polars(frame, ("spans", "scope")))
        elif name == "tokens_in_article":
            ok = rules.tokens_in_article(
                _polars(frame, ("article_id", "tokens", "starts", "ner_tags", "timex_tags")), articles
            )
        elif name == "tags_iob2":
            ok = rules.tags_iob2(_polars(frame, ("ner_tags", "timex_tags")))
        else:  # pragma: no cover - a new rule needs its line here and in export.gx_suites
            raise KeyError(f"no pandera check for rule {name!r}")
        return pd.Series(ok.to_list(), index=frame.index, dtype=bool)

    return check


def _default_locate(table: str, row: int | None) -> dict[str, Any]:
    return {"file": table, "row": None if row is None else row + 1}


def validate_table(
    table: schema.Table, frame: pd.DataFrame, texts: Mapping[str, str], locate: Locate = _default_locate
) -> list[Problem]:
    """Every contract problem of one table; `texts` maps article id -> text."""
    problems = _run(column_schema(table), table, frame, locate)
    if problems or not table.rules:
        return problems  # rules assume well-typed columns
    checks = [pa.Check(_rule(rule, texts), name=rule) for rule in table.rules]
    return _run(pa.DataFrameSchema(checks=checks, name=table.name), table, frame, locate)


def _run(pandera_schema: pa.DataFrameSchema, table: schema.Table, frame: pd.DataFrame, locate: Locate) -> list[Problem]:
    try:
        pandera_schema.validate(frame, lazy=True)
    except SchemaErrors as errors:
        return _problems(table, errors.failure_cases, locate)
    return []


def _problems(table: schema.Table, cases: pd.DataFrame, locate: Locate) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[Any, ...]] = set()
    for case in cases.to_dict("records"):
        row = None if pd.isna(case["index"]) else int(case["index"])
        check = str(case["check"])
        column = case["column"] if isinstance(case["column"], str) and case["column"] != table.name else None
        if check in ("column_in_dataframe", "column_in_schema"):
            column = str(case["failure_case"])
        elif check in rules.RULES:
            column = _RULE_FIELD.get(check)  # a row-level rule: one problem per row, not one per column
        key = (row, column, check)
        if key in seen:
            continue
        seen.add(key)
        message = (
            rules.RULES[check].description if check in rules.RULES else _MESSAGES.get(_code(check), f"fails {check}")
        )
        problems.append(
            Problem(_code(check), message, field=column, value=case["failure_case"], **locate(table.name, row))
        )
    return problems


def validate_dataset(frames: Mapping[str, pd.DataFrame], locate: Locate = _default_locate) -> list[Problem]:
    """The whole contract over the four configs, including referential integrity."""
    problems: list[Problem] = []
    articles = frames["articles"]
    problems += validate_table(schema.ARTICLES, articles, {}, locate)
    texts = dict(zip(articles["id"], articles["text"], strict=True)) if "id" in articles and "text" in articles else {}
    for name, table in schema.DATASET_TABLES.items():
        if (
            name != "articles" and name in frames and len(frames[name])
        ):  # an empty or not yet compiled (tokens) layer breaks no row rule
            problems += validate_table(table, frames[name], texts, locate)
    return problems
