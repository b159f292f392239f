"""The contract on pandas, run by pandera.

Per-column constraints become pandera `Column` checks; the cross-table rules of
`schema.RULES` become dataframe-level pandera checks on the table joined with the
article texts. Failures come back as `Failure` rows (table, row, column, rule, value),
which callers map to file:line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from diplonews import labels, schema, timex

_PANDERA_DTYPES = {"string": str, "class_label": str, "int32": "int64", "bool": bool, "span_list": object}


@dataclass(frozen=True)
class Failure:
    table: str
    row: int | None  # positional row of the table, None for table-level failures
    column: str | None
    check: str
    value: Any

    def message(self) -> str:
        column = f"column '{self.column}': " if self.column else ""
        return f"{column}{self.check} (found {self.value!r})"


def _column_checks(column: schema.Column) -> list[pa.Check]:
    checks: list[pa.Check] = []
    if column.labels is not None:
        checks.append(pa.Check.isin(list(column.labels), error=f"value must be one of {', '.join(column.labels)}"))
    if column.pattern is not None:
        checks.append(pa.Check.str_matches(column.pattern if column.pattern.endswith("$") else column.pattern + "$", error=f"value must match {column.pattern}"))
    if column.min_value is not None:
        checks.append(pa.Check.ge(column.min_value, error=f"value must be >= {column.min_value}"))
    if column.non_empty:
        checks.append(pa.Check(lambda s: s.str.strip().str.len() > 0, element_wise=False, error="value must not be empty"))
    return checks


def column_schema(table: schema.Table) -> pa.DataFrameSchema:
    """The per-column part of the contract as a pandera schema (strict: no extra columns)."""
    columns = {
        column.name: pa.Column(
            _PANDERA_DTYPES[column.dtype],
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


# ---- cross-table rules: each returns a boolean Series over the joined frame ----------


def _span_in_article(frame: pd.DataFrame) -> pd.Series:
    known = frame["_article_text"].notna()
    start, end = frame["start"], frame["end"]
    in_range = known & (start >= 0) & (start < end) & (end <= frame["_article_text"].str.len().fillna(-1))
    sliced = [
        article[s:e] if ok else None
        for article, s, e, ok in zip(frame["_article_text"], start, end, in_range, strict=True)
    ]
    return in_range & (pd.Series(sliced, index=frame.index, dtype=object) == frame["text"])


def _no_overlap(frame: pd.DataFrame) -> pd.Series:
    ordered = frame.sort_values(["article_id", "start", "end"], kind="stable")
    previous_end = ordered.groupby("article_id", sort=False)["end"].cummax().groupby(ordered["article_id"]).shift(1)
    ok = ~(previous_end > ordered["start"])
    return ok.reindex(frame.index)


def _timex_value_grammar(frame: pd.DataFrame) -> pd.Series:
    values = [timex.is_valid_value(t, None if pd.isna(v) else v) for t, v in zip(frame["type"], frame["value"], strict=True)]
    return pd.Series(values, index=frame.index)


def _anchor_resolves(frame: pd.DataFrame) -> pd.Series:
    ids_by_article = frame.groupby("article_id")["timex_id"].agg(set).to_dict()
    ok = [
        pd.isna(anchor) or anchor == labels.DCT_ANCHOR or (anchor in ids_by_article.get(article, set()) and anchor != own)
        for anchor, article, own in zip(frame["anchor"], frame["article_id"], frame["timex_id"], strict=True)
    ]
    return pd.Series(ok, index=frame.index)


def _spans_problem(spans: Any, texts: dict[str, str]) -> bool:
    if not isinstance(spans, list | tuple) or not spans:
        return False
    for span in spans:
        article = texts.get(span.get("article_id")) if isinstance(span, dict) else None
        if article is None:
            return False
        start, end = span.get("start"), span.get("end")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(article)):
            return False
        if article[start:end] != span.get("text"):
            return False
    return True


def _scope_matches(frame: pd.DataFrame) -> pd.Series:
    def ok(spans: Any, scope: str) -> bool:
        if not isinstance(spans, list | tuple) or not spans:
            return False
        n_articles = len({span.get("article_id") for span in spans if isinstance(span, dict)})
        return (scope == "intra_document" and n_articles == 1) or (scope == "cross_document" and n_articles >= 2)

    return pd.Series([ok(s, c) for s, c in zip(frame["spans"], frame["scope"], strict=True)], index=frame.index)


def _rule_checks(table: schema.Table, texts: dict[str, str]) -> list[pa.Check]:
    implementations = {
        "span_in_article": _span_in_article,
        "no_overlap": _no_overlap,
        "timex_value_grammar": _timex_value_grammar,
        "anchor_resolves": _anchor_resolves,
        "spans_in_articles": lambda frame: frame["spans"].map(lambda spans: _spans_problem(spans, texts)).astype(bool),
        "scope_matches_spans": _scope_matches,
    }
    return [pa.Check(implementations[rule], name=rule, error=schema.RULES[rule]) for rule in table.rules]


def validate_table(table: schema.Table, frame: pd.DataFrame, texts: dict[str, str]) -> list[Failure]:
    """All contract failures of one table; `texts` maps article id -> text."""
    failures = _run(column_schema(table), table.name, frame, by_column=True)
    if failures or not table.rules:
        return failures  # rules assume well-typed columns
    joined = frame.copy()
    if table.spans is not None:
        joined["_article_text"] = joined[table.spans.article_id].map(texts)
    rules_schema = pa.DataFrameSchema(checks=_rule_checks(table, texts), name=table.name)
    return _run(rules_schema, table.name, joined, by_column=False)


def _run(pandera_schema: pa.DataFrameSchema, name: str, frame: pd.DataFrame, *, by_column: bool) -> list[Failure]:
    try:
        pandera_schema.validate(frame, lazy=True)
    except SchemaErrors as errors:
        return _failures(name, errors.failure_cases, by_column=by_column)
    return []


def _failures(name: str, cases: pd.DataFrame, *, by_column: bool) -> list[Failure]:
    failures: list[Failure] = []
    seen: set[tuple[Any, ...]] = set()
    for case in cases.itertuples(index=False):
        row = None if pd.isna(case.index) else int(case.index)
        column = case.column if isinstance(case.column, str) else None
        key = (row, case.check) if not by_column else (row, column, case.check)
        if key in seen:
            continue
        seen.add(key)
        failures.append(Failure(name, row, column if by_column else None, str(case.check), case.failure_case))
    return failures


def validate_dataset(frames: dict[str, pd.DataFrame]) -> list[Failure]:
    """The whole contract over the four configs, including referential integrity."""
    failures: list[Failure] = []
    articles = frames["articles"]
    failures += validate_table(schema.ARTICLES, articles, {})
    texts = dict(zip(articles["id"], articles["text"], strict=True)) if "id" in articles and "text" in articles else {}
    for name, table in schema.DATASET_TABLES.items():
        if name != "articles":
            failures += validate_table(table, frames[name], texts)
    return failures
