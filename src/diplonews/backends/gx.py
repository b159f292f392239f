"""The contract as Great Expectations suites, and the GX engine that runs them.

Three kinds of suites, all generated from the registry (`diplonews.schema`,
`diplonews.labels`, `diplonews.timex`, `diplonews.evaluate.GATES`) into `expectations/`
by `scripts/generate_expectations.py`; a test fails when the committed JSON drifts from
what this module generates, so the suites can be read and diffed but never hand-edited:

* ``dataset_<config>``: what the pandera contract checks, plus distributions a curator
  wants (rows per article within bounds, lengths, label sets, hashes);
* ``predictions_<task>``: integrity of a downstream output (offsets inside the text,
  `text` equal to the slice when given, known labels and article ids, no duplicates);
* ``gates_<task>``: quality gates over the one-row metrics table, thresholds as GX
  expectation parameters (``{"$PARAMETER": "min_strict_micro_f1"}``) whose defaults sit
  in the suite's meta, so a user overrides them per run or in a copy of the suite.

Rules that need more than one column (a span's text against its article, overlaps)
are expressed on *derived* columns (prefixed ``_``) that `derive_*` adds before the
run, so every expectation is a stock GX one and the suites need no custom code.
GX is imported only by `Engine`: generating suites stays fast and import-light.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import polars as pl
import pyarrow as pa

from diplonews import labels, schema, timex
from diplonews.evaluate import GATES

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuite, ExpectationSuiteValidationResult

ARTICLE_IDS = "article_ids"  # expectation parameter: the ids of the dataset's articles, set at run time
GENERATED_BY = "scripts/generate_expectations.py (diplonews.backends.gx.generate_suites)"

# Curator bounds on the dataset: rows per article, per 1,000 code points of its text,
# and how long a single mention may be. Wide on purpose: they catch a duplicated import
# or a layer dropped for one article, not a normal article.
ROWS_PER_ARTICLE: dict[str, tuple[int, int]] = {"entities": (1, 400), "temporal": (1, 100), "discrepancy_spans": (0, 100)}
ROWS_PER_1K_CHARS_MAX: dict[str, float] = {"entities": 80.0, "temporal": 20.0, "discrepancy_spans": 25.0}
MAX_SPAN_TEXT_CHARS: dict[str, int] = {"entities": 120, "temporal": 120}
MAX_SURFACE_ERROR_SHARE = 0.5
MIN_DESCRIPTION_CHARS = 10


def suite_names() -> tuple[str, ...]:
    return (
        *(f"dataset_{name}" for name in schema.DATASET_TABLES),
        *(f"predictions_{task}" for task in schema.TASKS),
        *(f"gates_{task}" for task in schema.TASKS),
    )


# ---- derived columns ------------------------------------------------------------------

_SPAN_DERIVED = {
    "_article_n_chars": "length of the row's article in code points; null when article_id is unknown",
    "_text_at_span": "article.text[start:end]; null when the offsets are outside the article",
}
DERIVED: dict[str, dict[str, str]] = {
    "dataset_articles": {
        "_len_text": "len(text) in code points",
        "_utf16_units_of_text": "length of text in UTF-16 code units",
        "_sha256_of_text": "SHA-256 of text encoded as UTF-8 (the raw file's bytes)",
        **{f"_n_{layer}": f"rows of {layer} in this article" for layer in ROWS_PER_ARTICLE},
        **{f"_{layer}_per_1k_chars": f"rows of {layer} per 1,000 code points of text" for layer in ROWS_PER_ARTICLE},
    },
    "dataset_entities": {**_SPAN_DERIVED, "_overlaps_previous": "the span overlaps an earlier span of the same article"},
    "dataset_temporal": {
        **_SPAN_DERIVED,
        "_overlaps_previous": "the span overlaps an earlier span of the same article",
        "_anchor_resolves": "anchor is null, 'dct', or another timex_id of the same article",
    },
    "dataset_discrepancies": {
        "_n_spans": "number of spans",
        "_n_spans_outside": "spans whose article is unknown, whose offsets leave the article, or whose text is not the slice",
        "_n_span_articles": "number of distinct articles among the spans",
    },
    **{f"predictions_{task}": dict(_SPAN_DERIVED) for task in schema.TASKS if schema.PREDICTION_TABLES[task].spans},
    "predictions_cleaning": {},
}


# ---- suite generation -----------------------------------------------------------------


def _expectation(kind: str, check: str, why: str, /, **kwargs: Any) -> dict[str, Any]:
    return {"type": kind, "kwargs": kwargs, "meta": {"check": check, "why": why}}


def gx_regex(pattern: re.Pattern[str] | str) -> str:
    """A regex GX can run on any pandas string storage: no verbose whitespace or comments.

    pandas 3 runs `str.contains` with RE2 (pyarrow), which has no `(?x)` flag; the
    verbose grammar of `diplonews.timex` is compacted to the same expression.
    """
    if isinstance(pattern, str):
        return pattern
    if not pattern.flags & re.VERBOSE:
        return pattern.pattern
    out = []
    in_class = escaped = comment = False
    for char in pattern.pattern:
        if comment:
            comment = char != "\n"
            continue
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            out.append(char)
            escaped = True
        elif in_class:
            out.append(char)
            in_class = char != "]"
        elif char == "[":
            out.append(char)
            in_class = True
        elif char == "#":
            comment = True
        elif not char.isspace():
            out.append(char)
    return "".join(out)


def _full(pattern: str) -> str:
    return pattern if pattern.startswith("^") and pattern.endswith("$") else f"^(?:{pattern.lstrip('^').rstrip('$')})$"


_GX_TYPES = {"string": "str", "class_label": "str", "int32": "int32", "bool": "bool", "span_list": "list"}


def _column_expectations(table: schema.Table, *, types: bool, nulls: bool) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for column in table.columns:
        name = column.name
        if nulls and not column.nullable:
            out.append(_expectation("expect_column_values_to_not_be_null", f"{name}.not_null", f"{name} is never null", column=name))
        if types:
            out.append(
                _expectation(
                    "expect_column_values_to_be_of_type", f"{name}.type", f"{name} holds {column.dtype} values", column=name, type_=_GX_TYPES[column.dtype]
                )
            )
        if column.labels is not None:
            out.append(
                _expectation(
                    "expect_column_values_to_be_in_set", f"{name}.label_known", f"{name} is one of {', '.join(column.labels)}",
                    column=name, value_set=list(column.labels),
                )
            )
        if column.pattern is not None:
            out.append(
                _expectation("expect_column_values_to_match_regex", f"{name}.format", f"{name} matches {column.pattern}", column=name, regex=_full(column.pattern))
            )
        if column.unique:
            out.append(_expectation("expect_column_values_to_be_unique", f"{name}.unique", f"no two rows share a {name}", column=name))
        if column.min_value is not None:
            out.append(
                _expectation(
                    "expect_column_values_to_be_between", f"{name}.min", f"{name} >= {column.min_value}", column=name, min_value=column.min_value
                )
            )
        if column.non_empty:
            out.append(
                _expectation("expect_column_values_to_match_regex", f"{name}.not_empty", f"{name} is not empty or whitespace only", column=name, regex=r"\S")
            )
    return out


def _span_rule(table: schema.Table) -> list[dict[str, Any]]:
    spans = table.spans
    assert spans is not None and spans.text is not None
    return [
        _expectation(
            "expect_column_values_to_be_in_set", "span.article_known", "article_id names an article of the dataset",
            column=spans.article_id, value_set={"$PARAMETER": ARTICLE_IDS},
        ),
        _expectation(
            "expect_column_pair_values_a_to_be_greater_than_b", "span.start_before_end", "start < end (a span has at least one code point)",
            column_A=spans.end, column_B=spans.start, or_equal=False,
        ),
        _expectation(
            "expect_column_pair_values_a_to_be_greater_than_b", "span.end_within_article", "end <= the article's length in code points",
            column_A="_article_n_chars", column_B=spans.end, or_equal=True, ignore_row_if="either_value_is_missing",
        ),
        _expectation(
            "expect_column_pair_values_to_be_equal", "span.text_matches", "text == article.text[start:end] (Python code points, end exclusive)",
            column_A=spans.text, column_B="_text_at_span", ignore_row_if="either_value_is_missing",
        ),
    ]


def _timex_grammar(value: str, type_column: str) -> list[dict[str, Any]]:
    return [
        _expectation(
            "expect_column_values_to_match_regex", f"{value}.timex_grammar_{name.lower()}", f"a {name} value follows the TIMEX3 grammar (diplonews.timex)",
            column=value, regex=gx_regex(grammar), row_condition=f'{type_column}=="{name}"', condition_parser="pandas",
        )
        for name, grammar in timex.GRAMMAR.items()
    ]


def _rule_expectations(table: schema.Table) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    label = schema.label_column(table)
    for rule in table.rules:
        if rule in {"span_in_article", "prediction_span_in_article"}:
            out += _span_rule(table)
        elif rule == "no_overlap":
            out.append(_expectation("expect_column_values_to_be_in_set", "span.no_overlap", schema.RULES[rule], column="_overlaps_previous", value_set=[False]))
        elif rule == "unique_prediction":
            assert table.spans is not None and label is not None
            keys = [table.spans.article_id, table.spans.start, table.spans.end, label.name]
            out.append(_expectation("expect_compound_columns_to_be_unique", "span.no_duplicate", schema.RULES[rule], column_list=keys))
        elif rule == "timex_value_grammar":
            out += _timex_grammar("value", "type")
        elif rule == "anchor_resolves":
            out.append(_expectation("expect_column_values_to_be_in_set", "anchor.resolves", schema.RULES[rule], column="_anchor_resolves", value_set=[True]))
        elif rule == "spans_in_articles":
            out += [
                _expectation("expect_column_values_to_be_between", "spans.at_least_one", "a discrepancy has at least one span", column="_n_spans", min_value=1),
                _expectation("expect_column_values_to_be_between", "spans.in_articles", schema.RULES[rule], column="_n_spans_outside", max_value=0),
            ]
        elif rule == "scope_matches_spans":
            out += [
                _expectation(
                    "expect_column_values_to_be_between", "scope.intra_document", "intra_document spans lie in one article",
                    column="_n_span_articles", min_value=1, max_value=1, row_condition='scope=="intra_document"', condition_parser="pandas",
                ),
                _expectation(
                    "expect_column_values_to_be_between", "scope.cross_document", "cross_document spans lie in two or more articles",
                    column="_n_span_articles", min_value=2, row_condition='scope=="cross_document"', condition_parser="pandas",
                ),
            ]
        elif rule == "covers_every_article":
            out += [
                _expectation(
                    "expect_column_values_to_be_in_set", "article.known", "article_id names an article of the dataset",
                    column="article_id", value_set={"$PARAMETER": ARTICLE_IDS},
                ),
                _expectation("expect_column_values_to_be_unique", "article.once", "one row per article", column="article_id"),
                _expectation(
                    "expect_column_distinct_values_to_contain_set", "article.none_missing", "every article of the dataset has a row",
                    column="article_id", value_set={"$PARAMETER": ARTICLE_IDS},
                ),
            ]
        else:  # pragma: no cover - a new rule needs an implementation here
            raise KeyError(f"no GX expectation for rule {rule!r}")
    return out


def _curator_expectations(name: str) -> list[dict[str, Any]]:
    out = [_expectation("expect_table_row_count_to_be_between", "table.not_empty", f"the {name} config has rows", min_value=1)]
    if name == "articles":
        out += [
            _expectation("expect_column_pair_values_to_be_equal", "n_chars.is_len_text", "n_chars == len(text)", column_A="n_chars", column_B="_len_text"),
            _expectation(
                "expect_column_pair_values_to_be_equal", "n_utf16_units.of_text", "n_utf16_units is the UTF-16 length of text",
                column_A="n_utf16_units", column_B="_utf16_units_of_text",
            ),
            _expectation("expect_column_pair_values_to_be_equal", "sha256.of_text", "sha256 is the hash of text (the raw bytes)", column_A="sha256", column_B="_sha256_of_text"),
        ]
        for layer, (low, high) in ROWS_PER_ARTICLE.items():
            out.append(
                _expectation(
                    "expect_column_values_to_be_between", f"rows_per_article.{layer}", f"each article has {low} to {high} rows of {layer}",
                    column=f"_n_{layer}", min_value=low, max_value=high,
                )
            )
            out.append(
                _expectation(
                    "expect_column_values_to_be_between", f"density.{layer}", f"at most {ROWS_PER_1K_CHARS_MAX[layer]:g} rows of {layer} per 1,000 code points",
                    column=f"_{layer}_per_1k_chars", min_value=0, max_value=ROWS_PER_1K_CHARS_MAX[layer],
                )
            )
    if name in MAX_SPAN_TEXT_CHARS:
        out.append(
            _expectation(
                "expect_column_value_lengths_to_be_between", "text.length", f"a span is 1 to {MAX_SPAN_TEXT_CHARS[name]} code points long",
                column="text", min_value=1, max_value=MAX_SPAN_TEXT_CHARS[name],
            )
        )
    label = schema.label_column(schema.DATASET_TABLES[name])
    if label is not None and name != "articles":
        out.append(
            _expectation(
                "expect_column_distinct_values_to_be_in_set", f"{label.name}.label_set", f"the {label.name}s used are a subset of the contract's",
                column=label.name, value_set=list(label.labels or ()),
            )
        )
    if name == "entities":
        out.append(
            _expectation(
                "expect_column_mean_to_be_between", "surface_error.share", f"at most {MAX_SURFACE_ERROR_SHARE:.0%} of mentions are surface errors",
                column="surface_error", min_value=0, max_value=MAX_SURFACE_ERROR_SHARE,
            )
        )
    if name == "discrepancies":
        out.append(
            _expectation(
                "expect_column_value_lengths_to_be_between", "description.length", f"a description says something ({MIN_DESCRIPTION_CHARS}+ code points)",
                column="description", min_value=MIN_DESCRIPTION_CHARS,
            )
        )
    return out


def _columns_expectation(suite: str, table: schema.Table) -> dict[str, Any]:
    columns = [*table.column_names, *DERIVED[suite]]
    return _expectation(
        "expect_table_columns_to_match_set", "table.columns", "the contract's columns (and the derived ones), no others", column_set=columns, exact_match=True
    )


def _suite(name: str, expectations: list[dict[str, Any]], meta: dict[str, Any]) -> dict[str, Any]:
    checks = [e["meta"]["check"] for e in expectations]
    duplicated = {check for check in checks if checks.count(check) > 1}
    assert not duplicated, f"{name}: duplicate check names {sorted(duplicated)}"
    return {"name": name, "expectations": expectations, "meta": {"diplonews": {"generated_by": GENERATED_BY, **meta}}, "notes": None}


def dataset_suite(name: str) -> dict[str, Any]:
    table = schema.DATASET_TABLES[name]
    suite = f"dataset_{name}"
    expectations = [_columns_expectation(suite, table), *_column_expectations(table, types=True, nulls=True), *_rule_expectations(table), *_curator_expectations(name)]
    parameters = {ARTICLE_IDS: None} if name != "articles" else {}
    return _suite(suite, expectations, {"target": f"dataset config {name!r}", "parameters": parameters, "derived_columns": DERIVED[suite]})


def prediction_suite(task: str) -> dict[str, Any]:
    table = schema.PREDICTION_TABLES[task]
    suite = f"predictions_{task}"
    # Types and nulls are the pandera stage's (a file failing them is unusable); here: meaning.
    # article_id: its rule (a known article) says more than its format.
    column_checks = [e for e in _column_expectations(table, types=False, nulls=False) if e["kwargs"]["column"] != "article_id"]
    expectations = [_columns_expectation(suite, table), *column_checks, *_rule_expectations(table)]
    return _suite(suite, expectations, {"target": f"{task} predictions", "parameters": {ARTICLE_IDS: None}, "derived_columns": DERIVED[suite]})


def gate_suite(task: str) -> dict[str, Any]:
    expectations = [
        _expectation(
            "expect_column_values_to_be_between", f"gate.{gate.parameter}", gate.why,
            column=gate.metric, **{f"{gate.bound}_value": {"$PARAMETER": gate.parameter}},
        )
        for gate in GATES[task]
    ]
    thresholds = {gate.parameter: gate.default for gate in GATES[task]}
    return _suite(f"gates_{task}", expectations, {"target": f"{task} metrics against the gold", "parameters": thresholds})


def generate_suites() -> dict[str, bytes]:
    """File name -> JSON bytes of every suite (deterministic: sorted keys, no GX ids)."""
    documents = {f"dataset_{name}": dataset_suite(name) for name in schema.DATASET_TABLES}
    documents |= {f"predictions_{task}": prediction_suite(task) for task in schema.TASKS}
    documents |= {f"gates_{task}": gate_suite(task) for task in schema.TASKS}
    return {f"{name}.json": (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8") for name, document in documents.items()}


def read_suite_document(path: Path) -> dict[str, Any]:
    document = json.loads(path.read_text("utf-8"))
    if not isinstance(document, dict) or not isinstance(document.get("expectations"), list):
        raise ValueError(f"{path}: not a GX suite (no 'expectations' list)")
    return document


def default_parameters(document: Mapping[str, Any]) -> dict[str, Any]:
    return dict(document.get("meta", {}).get("diplonews", {}).get("parameters", {}))


# ---- derived frames -------------------------------------------------------------------


def _overlaps_previous(frame: pd.DataFrame) -> pd.Series:
    ordered = frame.sort_values(["article_id", "start", "end"], kind="stable")
    reach = ordered.groupby("article_id", sort=False)["end"].cummax().groupby(ordered["article_id"]).shift(1)
    return (reach > ordered["start"]).reindex(frame.index).astype(bool)


def _span_slices(frame: pd.DataFrame, texts: Mapping[str, str]) -> tuple[pd.Series, pd.Series]:
    lengths = frame["article_id"].map({key: len(value) for key, value in texts.items()})
    sliced = [
        texts[article][start:end] if article in texts and 0 <= start < end <= len(texts[article]) else None
        for article, start, end in zip(frame["article_id"], frame["start"], frame["end"], strict=True)
    ]
    return lengths.astype("Int64"), pd.Series(sliced, index=frame.index, dtype=object)


def frames_from_arrow(tables: Mapping[str, pa.Table]) -> dict[str, pd.DataFrame]:
    """pandas frames that keep what the Parquet files store: int32 stays int32, strings are
    Python `str` objects (so GX checks each value's type, on any pandas), lists are lists."""
    frames = {}
    for name, arrow in tables.items():
        columns = {}
        for column in schema.DATASET_TABLES[name].columns:
            array = arrow.column(column.name)
            if column.dtype in {"int32", "bool"}:
                columns[column.name] = array.to_pandas()
            else:
                columns[column.name] = pd.Series(array.to_pylist(), dtype=object)
        frames[name] = pd.DataFrame(columns)
    return frames


def derive_dataset(frames: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The four configs with the derived columns their suites check (small: plain pandas)."""
    articles = frames["articles"].copy()
    texts = dict(zip(articles["id"], articles["text"], strict=True))
    out: dict[str, pd.DataFrame] = {}
    articles["_len_text"] = articles["text"].map(len).astype("int32")
    articles["_utf16_units_of_text"] = articles["text"].map(lambda text: len(text.encode("utf-16-le")) // 2).astype("int32")
    articles["_sha256_of_text"] = articles["text"].map(lambda text: hashlib.sha256(text.encode("utf-8")).hexdigest()).astype(object)
    span_articles = [span["article_id"] for spans in frames["discrepancies"]["spans"] for span in spans]
    counts = {
        "entities": frames["entities"]["article_id"].value_counts(),
        "temporal": frames["temporal"]["article_id"].value_counts(),
        "discrepancy_spans": pd.Series(span_articles, dtype=object).value_counts(),
    }
    for layer in ROWS_PER_ARTICLE:
        n = articles["id"].map(counts[layer]).fillna(0).astype("int64")
        articles[f"_n_{layer}"] = n
        articles[f"_{layer}_per_1k_chars"] = n * 1000.0 / articles["_len_text"].clip(lower=1)
    out["articles"] = articles
    for name in ("entities", "temporal"):
        frame = frames[name].copy()
        frame["_article_n_chars"], frame["_text_at_span"] = _span_slices(frame, texts)
        frame["_overlaps_previous"] = _overlaps_previous(frame)
        out[name] = frame
    temporal = out["temporal"]
    ids = temporal.groupby("article_id")["timex_id"].agg(set).to_dict()
    temporal["_anchor_resolves"] = [
        anchor is None or (isinstance(anchor, float) and pd.isna(anchor)) or anchor == labels.DCT_ANCHOR or (anchor in ids.get(article, set()) and anchor != own)
        for anchor, article, own in zip(temporal["anchor"], temporal["article_id"], temporal["timex_id"], strict=True)
    ]
    discrepancies = frames["discrepancies"].copy()

    def outside(spans: list[dict[str, Any]]) -> int:
        bad = 0
        for span in spans:
            text = texts.get(span["article_id"])
            ok = text is not None and 0 <= span["start"] < span["end"] <= len(text) and text[span["start"] : span["end"]] == span["text"]
            bad += not ok
        return bad

    discrepancies["_n_spans"] = discrepancies["spans"].map(len).astype("int64")
    discrepancies["_n_spans_outside"] = discrepancies["spans"].map(outside).astype("int64")
    discrepancies["_n_span_articles"] = discrepancies["spans"].map(lambda spans: len({span["article_id"] for span in spans})).astype("int64")
    out["discrepancies"] = discrepancies
    for name, frame in out.items():
        expected = [*schema.DATASET_TABLES[name].column_names, *DERIVED[f"dataset_{name}"]]
        assert sorted(frame.columns) == sorted(expected), (name, list(frame.columns))
        out[name] = frame[expected]
    return out


def derive_predictions(task: str, frame: pl.DataFrame, texts: Mapping[str, str]) -> pd.DataFrame:
    """The prediction frame as GX sees it: every contract column (optional ones null-filled) + derived.

    Runs on polars: the article text is joined by reference (string views), sliced, and
    dropped before the frame becomes pandas, so a million rows cost a few hundred MB.
    """
    table = schema.PREDICTION_TABLES[task]
    for column in table.columns:
        if column.name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(column.name))
    frame = frame.select(table.column_names)
    if table.spans is not None:
        articles = pl.DataFrame({"article_id": list(texts), "_article_text": list(texts.values())}, schema={"article_id": pl.String, "_article_text": pl.String})
        articles = articles.with_columns(pl.col("_article_text").str.len_chars().cast(pl.Int64).alias("_article_n_chars"))
        joined = frame.join(articles, on="article_id", how="left", maintain_order="left")
        inside = (pl.col("start") >= 0) & (pl.col("start") < pl.col("end")) & (pl.col("end") <= pl.col("_article_n_chars"))
        frame = joined.select(
            *table.column_names,
            "_article_n_chars",
            pl.when(inside).then(pl.col("_article_text").str.slice(pl.col("start"), pl.col("end") - pl.col("start"))).alias("_text_at_span"),
        )
    out = frame.to_pandas()
    assert list(out.columns) == [*table.column_names, *DERIVED[f"predictions_{task}"]], list(out.columns)
    return out


def metrics_frame(table: Mapping[str, float | int | None]) -> pd.DataFrame:
    """The one-row metrics table the gate suites validate (null = undefined for this gold)."""
    return pd.DataFrame({name: pd.Series([value], dtype="float64") for name, value in table.items()})


# ---- the engine -----------------------------------------------------------------------


@dataclass
class Outcome:
    """One expectation's verdict, engine-neutral (what the report and the API expose)."""

    suite: str
    check: str
    type: str
    why: str
    kwargs: dict[str, Any]
    success: bool
    observed: Any
    unexpected_count: int | None
    element_count: int | None
    unexpected_rows: list[int]  # 0-based row indices of some failing rows (for file:line)
    unexpected_values: list[Any]
    error: str | None
    examples: list[str] = field(default_factory=list)  # "file:line: value", filled in by the caller


class Engine:
    """One ephemeral GX context per process: no `gx/` folder, no usage statistics, no progress bars."""

    def __init__(self) -> None:
        os.environ["GX_ANALYTICS_ENABLED"] = "false"
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self._gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.enable_analytics(False)
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        for site in list(self.context.get_site_names()):
            self.context.delete_data_docs_site(site)  # the default site would write to a temp dir
        self._source = self.context.data_sources.add_pandas("diplonews")
        self._suites: dict[str, tuple[str, ExpectationSuite]] = {}  # name -> (content key, suite)
        self._definitions: dict[str, Any] = {}  # suite name -> validation definition of the registered suite

    def load_suite(self, document: Mapping[str, Any]) -> ExpectationSuite:
        """Register a suite from its JSON; refuse one GX would silently shorten.

        Registering is slow in GX (it compares every expectation), so a suite already
        registered with the same content is reused: a test session loads each once.
        """
        from great_expectations.core import ExpectationSuite

        body = json.loads(json.dumps({key: value for key, value in document.items() if key in {"name", "expectations", "meta", "notes"}}))
        key = hashlib.sha256(json.dumps(body, sort_keys=True).encode("utf-8")).hexdigest()
        cached = self._suites.get(body.get("name", ""))
        if cached is not None and cached[0] == key:
            return cached[1]
        suite = ExpectationSuite(**body)
        if len(suite.expectations) != len(document["expectations"]):
            known = {e.expectation_type for e in suite.expectations}
            dropped = sorted({e.get("type", "?") for e in document["expectations"]} - known)
            raise ValueError(f"suite {document.get('name')!r}: GX dropped expectation(s) of unknown type {dropped}")
        if cached is not None:  # same name, other content (a user's copy of a gate suite): replace it
            if self._definitions.pop(suite.name, None) is not None:
                self.context.validation_definitions.delete(suite.name)
            self.context.suites.delete(suite.name)
        suite = self.context.suites.add(suite)
        self._suites[suite.name] = (key, suite)
        return suite

    def run(self, suite: ExpectationSuite, frame: pd.DataFrame, parameters: Mapping[str, Any], run_id: Any) -> ExpectationSuiteValidationResult:
        definition = self._definitions.get(suite.name)
        if definition is None:
            if suite.name not in {asset.name for asset in self._source.assets}:
                self._source.add_dataframe_asset(suite.name).add_batch_definition_whole_dataframe("whole")
            batch = self._source.get_asset(suite.name).get_batch_definition("whole")
            definition = self.context.validation_definitions.add(self._gx.ValidationDefinition(name=suite.name, data=batch, suite=suite))
            self._definitions[suite.name] = definition
        result_format = {"result_format": "SUMMARY", "partial_unexpected_count": 10}
        return definition.run(batch_parameters={"dataframe": frame}, expectation_parameters=dict(parameters), result_format=result_format, run_id=run_id)

    def new_run_id(self, name: str) -> Any:
        import datetime

        from great_expectations.core.run_identifier import RunIdentifier

        return RunIdentifier(run_name=name, run_time=datetime.datetime.now(datetime.timezone.utc))

    def build_docs(self, directory: Path, run_id: Any, suite_names: Iterable[str]) -> Path:
        """Data Docs of this run only (its validations and suites) into `directory`."""
        from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier
        from great_expectations.render.renderer.site_builder import SiteBuilder

        names = set(suite_names)
        keys: list[Any] = [ExpectationSuiteIdentifier(name=name) for name in sorted(names)]
        keys += [key for key in self.context.validation_results_store.list_keys() if key.run_id == run_id]
        builder = SiteBuilder(
            data_context=self.context,
            store_backend={"class_name": "TupleFilesystemStoreBackend", "base_directory": str(directory.resolve())},
            site_name="diplonews",
            show_how_to_buttons=False,
            site_index_builder={"class_name": "DefaultSiteIndexBuilder"},
        )
        builder.build(resource_identifiers=keys)
        return _offline_index(directory)


def _offline_index(directory: Path) -> Path:
    """A plain page linking every result and suite page of the site.

    GX's own index.html fills its tables with JavaScript loaded from public CDNs, so on a
    machine without internet it lists nothing; the result pages themselves render fine.
    """
    import html

    sections = []
    for title, folder in (("Validation results", "validations"), ("Expectation suites", "expectations")):
        pages = sorted((directory / folder).rglob("*.html")) if (directory / folder).is_dir() else []
        items = "".join(
            f'<li><a href="{html.escape(page.relative_to(directory).as_posix())}">{html.escape(page.stem)}</a>'
            f" <small>{html.escape(page.parent.relative_to(directory / folder).as_posix())}</small></li>"
            for page in pages
        )
        sections.append(f"<h2>{title}</h2><ul>{items}</ul>")
    page = directory / "results.html"
    page.write_text(
        "<!doctype html><meta charset='utf-8'><title>diplonews validation</title>"
        "<h1>diplonews validation</h1><p>Works offline; <a href='index.html'>the GX index</a> needs internet for its styles.</p>"
        + "".join(sections),
        "utf-8",
    )
    return page


def outcomes(result: ExpectationSuiteValidationResult, suite: ExpectationSuite) -> list[Outcome]:
    """The verdicts of one suite run, in the suite's order (GX returns them regrouped)."""
    suite_name = result.suite_name
    order = {(e.meta or {}).get("check", e.expectation_type): index for index, e in enumerate(suite.expectations)}
    out = []
    for item in result.results:
        config = item.expectation_config
        meta = config.meta or {}
        details = item.result or {}
        error = item.exception_info.get("exception_message") if item.exception_info and item.exception_info.get("raised_exception") else None
        if error is None and isinstance(item.exception_info, dict):
            for info in item.exception_info.values():
                if isinstance(info, dict) and info.get("raised_exception"):
                    error = info.get("exception_message")
        kwargs = {key: value for key, value in config.kwargs.items() if key != "batch_id"}
        out.append(
            Outcome(
                suite=suite_name,
                check=meta.get("check", config.type),
                type=config.type,
                why=meta.get("why", ""),
                kwargs=jsonable(kwargs),
                success=bool(item.success),
                observed=jsonable(details.get("observed_value")),
                unexpected_count=details.get("unexpected_count"),
                element_count=details.get("element_count"),
                unexpected_rows=[int(row) for row in details.get("partial_unexpected_index_list") or [] if isinstance(row, int | float)],
                unexpected_values=jsonable(list(details.get("partial_unexpected_list") or [])),
                error=error,
            )
        )
    out.sort(key=lambda outcome: order.get(outcome.check, len(order)))
    return out


def jsonable(value: Any) -> Any:
    """JSON-safe copies of GX result values (numpy scalars, tuples, sets; NaN becomes null)."""
    text = json.dumps(value, default=lambda v: v.item() if hasattr(v, "item") else sorted(v) if isinstance(v, set) else str(v))
    return json.loads(text, parse_constant=lambda constant: None)
