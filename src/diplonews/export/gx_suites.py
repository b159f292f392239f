"""The contract as Great Expectations suites: `expectations/*.json`, generated, never hand-edited.

Three kinds of suites, all generated from the contract (`schema`, `labels`, `timex`,
`rules`, `gates`, `derived`) by `scripts/generate_expectations.py`; a test fails when the
committed JSON drifts from what this module generates:

* ``dataset_<config>``: what the pandera contract checks, plus distributions a curator
  wants (rows per article within bounds, lengths, label sets, hashes);
* ``predictions_<task>``: integrity of a downstream output (offsets inside the text,
  `text` equal to the slice when given, known labels and article ids, no duplicates);
* ``gates_<task>``: quality gates over the one-row metrics table, thresholds as GX
  expectation parameters (``{"$PARAMETER": "min_strict_micro_f1"}``) whose defaults sit
  in the suite's meta, so a user overrides them per run or in a copy of the suite; each
  gate's meta says where its number comes from (`origin`, the baselines it separates)
  and the suite's `notes` list them for a reader of the JSON.

Every `$PARAMETER` has its default in `meta.diplonews.parameters` (`article_ids`: the ids
of the shipped dataset's articles), and `meta.diplonews.derived_columns` says how to
compute each derived column, so a plain GX user can run a suite
(`diplonews.gx.suite(name)` and `diplonews.gx.prepare(task, frame)` do both).

Every expectation is a stock GX one (multi-column rules run on derived columns), so the
suites need no custom code; each carries `meta.check`, `meta.why` and `meta.code` (the
problem code of a failing row). This module does not import GX.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from diplonews.contract import schema, timex
from diplonews.contract.derived import (
    ARTICLE_IDS,
    DERIVED,
    MAX_SPAN_TEXT_CHARS,
    MAX_SURFACE_ERROR_SHARE,
    MIN_DESCRIPTION_CHARS,
    ROWS_PER_1K_CHARS_MAX,
    ROWS_PER_ARTICLE,
)
from diplonews.contract.gates import EVIDENCE, GATES
from diplonews.contract.rules import RULES
from diplonews.io.dataset import read_dataset
from diplonews.paths import DATASET_DIR

GENERATED_BY = "scripts/generate_expectations.py (diplonews.export.gx_suites.generate_suites)"


def suite_names() -> tuple[str, ...]:
    return (
        *(f"dataset_{name}" for name in schema.DATASET_TABLES),
        *(f"predictions_{task}" for task in schema.TASKS),
        *(f"gates_{task}" for task in schema.TASKS),
    )


# ---- suite generation -----------------------------------------------------------------


# The problem code of a row failing a check, by the check name's suffix (column checks)
# or by its whole name (rules); curator distributions fail as `expectation-failed`.
_CODE_BY_SUFFIX = {
    "not_null": "null-value", "type": "type-error", "label_known": "unknown-label", "format": "bad-format",
    "unique": "duplicate-id", "min": "out-of-range", "not_empty": "empty-value",
}  # fmt: skip
_CODE_BY_CHECK = {
    "span.article_known": "unknown-article", "span.start_before_end": "span-out-of-range",
    "span.end_within_article": "span-out-of-range", "span.text_matches": "span-mismatch",
    "span.no_overlap": RULES["no_overlap"].code, "span.no_duplicate": RULES["unique_prediction"].code,
    "anchor.resolves": RULES["anchor_resolves"].code, "spans.at_least_one": "span-out-of-range",
    "spans.in_articles": RULES["spans_in_articles"].code, "scope.intra_document": RULES["scope_matches_spans"].code,
    "scope.cross_document": RULES["scope_matches_spans"].code, "article.known": "unknown-article",
    "article.once": "duplicate-id", "article.none_missing": RULES["covers_every_article"].code,
    "table.not_empty": "no-rows", "table.columns": "unknown-field",
}  # fmt: skip


def problem_code(check: str) -> str:
    """The problem code a failing row of this check carries (see `diplonews.contract.errors.CODES`)."""
    if check in _CODE_BY_CHECK:
        return _CODE_BY_CHECK[check]
    if check.startswith("gate."):
        return "gate-failed"
    if ".timex_grammar_" in check:
        return RULES["timex_value_grammar"].code
    return _CODE_BY_SUFFIX.get(check.rpartition(".")[2], "expectation-failed")


def _expectation(kind: str, check: str, why: str, /, **kwargs: Any) -> dict[str, Any]:
    return {"type": kind, "kwargs": kwargs, "meta": {"check": check, "why": why, "code": problem_code(check)}}


def gx_regex(pattern: re.Pattern[str] | str) -> str:
    """A regex GX can run on any pandas string storage: no verbose whitespace or comments.

    pandas 3 runs `str.contains` with RE2 (pyarrow), which has no `(?x)` flag; the
    verbose grammar of `diplonews.contract.timex` is compacted to the same expression.
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


_GX_TYPES = {
    "string": "str",
    "class_label": "str",
    "int32": "int32",
    "bool": "bool",
    "span_list": "list",
    "string_list": "list",
    "int32_list": "list",
    "class_label_list": "list",
}


def _column_expectations(table: schema.Table, *, types: bool, nulls: bool) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for column in table.columns:
        name = column.name
        if nulls and not column.nullable:
            out.append(
                _expectation(
                    "expect_column_values_to_not_be_null", f"{name}.not_null", f"{name} is never null", column=name
                )
            )
        if types:
            out.append(
                _expectation(
                    "expect_column_values_to_be_of_type",
                    f"{name}.type",
                    f"{name} holds {column.dtype} values",
                    column=name,
                    type_=_GX_TYPES[column.dtype],
                )
            )
        if column.labels is not None and not column.dtype.endswith("_list"):
            out.append(
                _expectation(
                    "expect_column_values_to_be_in_set",
                    f"{name}.label_known",
                    f"{name} is one of {', '.join(column.labels)}",
                    column=name,
                    value_set=list(column.labels),
                )
            )
        if column.pattern is not None:
            out.append(
                _expectation(
                    "expect_column_values_to_match_regex",
                    f"{name}.format",
                    f"{name} matches {column.pattern}",
                    column=name,
                    regex=_full(column.pattern),
                )
            )
        if column.unique:
            out.append(
                _expectation(
                    "expect_column_values_to_be_unique", f"{name}.unique", f"no two rows share a {name}", column=name
                )
            )
        if column.min_value is not None:
            out.append(
                _expectation(
                    "expect_column_values_to_be_between",
                    f"{name}.min",
                    f"{name} >= {column.min_value}",
                    column=name,
                    min_value=column.min_value,
                )
            )
        if column.non_empty:
            out.append(
                _expectation(
                    "expect_column_values_to_match_regex",
                    f"{name}.not_empty",
                    f"{name} is not empty or whitespace only",
                    column=name,
                    regex=r"\S",
                )
            )
    return out


def _span_rule(table: schema.Table) -> list[dict[str, Any]]:
    spans = table.spans
    assert spans is not None and spans.text is not None
    return [
        _expectation(
            "expect_column_values_to_be_in_set",
            "span.article_known",
            "article_id names an article of the dataset",
            column=spans.article_id,
            value_set={"$PARAMETER": ARTICLE_IDS},
        ),
        _expectation(
            "expect_column_pair_values_a_to_be_greater_than_b",
            "span.start_before_end",
            "start < end (a span has at least one code point)",
            column_A=spans.end,
            column_B=spans.start,
            or_equal=False,
        ),
        _expectation(
            "expect_column_pair_values_a_to_be_greater_than_b",
            "span.end_within_article",
            "end <= the article's length in code points",
            column_A="_article_n_chars",
            column_B=spans.end,
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
        _expectation(
            "expect_column_pair_values_to_be_equal",
            "span.text_matches",
            "text == article.text[start:end] (Python code points, end exclusive)",
            column_A=spans.text,
            column_B="_text_at_span",
            ignore_row_if="either_value_is_missing",
        ),
    ]


def _timex_grammar(value: str, type_column: str) -> list[dict[str, Any]]:
    return [
        _expectation(
            "expect_column_values_to_match_regex",
            f"{value}.timex_grammar_{name.lower()}",
            f"a {name} value follows the TIMEX3 grammar (diplonews.contract.timex)",
            column=value,
            regex=gx_regex(grammar),
            row_condition=f'{type_column}=="{name}"',
            condition_parser="pandas",
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
            out.append(
                _expectation(
                    "expect_column_values_to_be_in_set",
                    "span.no_overlap",
                    RULES[rule].description,
                    column="_overlaps_previous",
                    value_set=[False],
                )
            )
        elif rule == "unique_prediction":
            assert table.spans is not None and label is not None
            keys = [table.spans.article_id, table.spans.start, table.spans.end, label.name]
            out.append(
                _expectation(
                    "expect_compound_columns_to_be_unique",
                    "span.no_duplicate",
                    RULES[rule].description,
                    column_list=keys,
                )
            )
        elif rule == "timex_value_grammar":
            out += _timex_grammar("value", "type")
        elif rule == "anchor_resolves":
            out.append(
                _expectation(
                    "expect_column_values_to_be_in_set",
                    "anchor.resolves",
                    RULES[rule].description,
                    column="_anchor_resolves",
                    value_set=[True],
                )
            )
        elif rule == "spans_in_articles":
            out += [
                _expectation(
                    "expect_column_values_to_be_between",
                    "spans.at_least_one",
                    "a discrepancy has at least one span",
                    column="_n_spans",
                    min_value=1,
                ),
                _expectation(
                    "expect_column_values_to_be_between",
                    "spans.in_articles",
                    RULES[rule].description,
                    column="_n_spans_outside",
                    max_value=0,
                ),
            ]
        elif rule in {"tokens_in_article", "tags_iob2"}:
            out.append(
                _expectation(
                    "expect_column_values_to_be_in_set",
                    f"tokens.{rule}",
                    RULES[rule].description,
                    column=f"_{rule}",
                    value_set=[True],
                )
            )
            if rule == "tokens_in_article":
                out += [
                    _expectation(
                        "expect_column_values_to_be_in_set",
                        "tokens.article_known",
                        "article_id names an article of the dataset",
                        column="article_id",
                        value_set={"$PARAMETER": ARTICLE_IDS},
                    ),
                    _expectation(
                        "expect_column_values_to_be_in_set",
                        "tokens.tags_known",
                        "every tag of ner_tags and timex_tags is one of the column's tag names",
                        column="_tags_known",
                        value_set=[True],
                    ),
                ]
        elif rule == "scope_matches_spans":
            out += [
                _expectation(
                    "expect_column_values_to_be_between",
                    "scope.intra_document",
                    "intra_document spans lie in one article",
                    column="_n_span_articles",
                    min_value=1,
                    max_value=1,
                    row_condition='scope=="intra_document"',
                    condition_parser="pandas",
                ),
                _expectation(
                    "expect_column_values_to_be_between",
                    "scope.cross_document",
                    "cross_document spans lie in two or more articles",
                    column="_n_span_articles",
                    min_value=2,
                    row_condition='scope=="cross_document"',
                    condition_parser="pandas",
                ),
            ]
        elif rule == "covers_every_article":
            out += [
                _expectation(
                    "expect_column_values_to_be_in_set",
                    "article.known",
                    "article_id names an article of the dataset",
                    column="article_id",
                    value_set={"$PARAMETER": ARTICLE_IDS},
                ),
                _expectation(
                    "expect_column_values_to_be_unique", "article.once", "one row per article", column="article_id"
                ),
                _expectation(
                    "expect_column_distinct_values_to_contain_set",
                    "article.none_missing",
                    "every article of the dataset has a row",
                    column="article_id",
                    value_set={"$PARAMETER": ARTICLE_IDS},
                ),
            ]
        else:  # pragma: no cover - a new rule needs an implementation here
            raise KeyError(f"no GX expectation for rule {rule!r}")
    return out


def _curator_expectations(name: str) -> list[dict[str, Any]]:
    out = [
        _expectation(
            "expect_table_row_count_to_be_between", "table.not_empty", f"the {name} config has rows", min_value=1
        )
    ]
    if name == "articles":
        out += [
            _expectation(
                "expect_column_pair_values_to_be_equal",
                "n_chars.is_len_text",
                "n_chars == len(text)",
                column_A="n_chars",
                column_B="_len_text",
            ),
            _expectation(
                "expect_column_pair_values_to_be_equal",
                "n_utf16_units.of_text",
                "n_utf16_units is the UTF-16 length of text",
                column_A="n_utf16_units",
                column_B="_utf16_units_of_text",
            ),
            _expectation(
                "expect_column_pair_values_to_be_equal",
                "sha256.of_text",
                "sha256 is the hash of text (the raw bytes)",
                column_A="sha256",
                column_B="_sha256_of_text",
            ),
        ]
        for layer, (low, high) in ROWS_PER_ARTICLE.items():
            out.append(
                _expectation(
                    "expect_column_values_to_be_between",
                    f"rows_per_article.{layer}",
                    f"each article has {low} to {high} rows of {layer}",
                    column=f"_n_{layer}",
                    min_value=low,
                    max_value=high,
                )
            )
            out.append(
                _expectation(
                    "expect_column_values_to_be_between",
                    f"density.{layer}",
                    f"at most {ROWS_PER_1K_CHARS_MAX[layer]:g} rows of {layer} per 1,000 code points",
                    column=f"_{layer}_per_1k_chars",
                    min_value=0,
                    max_value=ROWS_PER_1K_CHARS_MAX[layer],
                )
            )
    if name in MAX_SPAN_TEXT_CHARS:
        out.append(
            _expectation(
                "expect_column_value_lengths_to_be_between",
                "text.length",
                f"a span is 1 to {MAX_SPAN_TEXT_CHARS[name]} code points long",
                column="text",
                min_value=1,
                max_value=MAX_SPAN_TEXT_CHARS[name],
            )
        )
    label = schema.label_column(schema.DATASET_TABLES[name])
    if label is not None and name != "articles":
        out.append(
            _expectation(
                "expect_column_distinct_values_to_be_in_set",
                f"{label.name}.label_set",
                f"the {label.name}s used are a subset of the contract's",
                column=label.name,
                value_set=list(label.labels or ()),
            )
        )
    if name == "entities":
        out.append(
            _expectation(
                "expect_column_mean_to_be_between",
                "surface_error.share",
                f"at most {MAX_SURFACE_ERROR_SHARE:.0%} of mentions are surface errors",
                column="surface_error",
                min_value=0,
                max_value=MAX_SURFACE_ERROR_SHARE,
            )
        )
    if name == "discrepancies":
        out.append(
            _expectation(
                "expect_column_value_lengths_to_be_between",
                "description.length",
                f"a description says something ({MIN_DESCRIPTION_CHARS}+ code points)",
                column="description",
                min_value=MIN_DESCRIPTION_CHARS,
            )
        )
    return out


def _columns_expectation(suite: str, table: schema.Table) -> dict[str, Any]:
    columns = [*table.column_names, *DERIVED[suite]]
    return _expectation(
        "expect_table_columns_to_match_set",
        "table.columns",
        "the contract's columns (and the derived ones), no others",
        column_set=columns,
        exact_match=True,
    )


def _suite(
    name: str, expectations: list[dict[str, Any]], meta: dict[str, Any], notes: str | None = None
) -> dict[str, Any]:
    checks = [e["meta"]["check"] for e in expectations]
    duplicated = {check for check in checks if checks.count(check) > 1}
    assert not duplicated, f"{name}: duplicate check names {sorted(duplicated)}"
    return {
        "name": name,
        "expectations": expectations,
        "meta": {"diplonews": {"generated_by": GENERATED_BY, **meta}},
        "notes": notes,
    }


def dataset_article_ids(dataset_dir: Path | None = None) -> list[str]:
    """The ids of the dataset's articles: the default of the `article_ids` parameter."""
    articles = read_dataset(dataset_dir or DATASET_DIR, ("articles",))["articles"]
    return sorted(str(value) for value in articles.column("id").to_pylist())


def _derived_meta(suite: str) -> dict[str, Any]:
    return {
        "derived_columns": DERIVED[suite],
        "how_to_prepare": (
            "add the derived columns (prefixed _) as described, or call "
            f"diplonews.gx.prepare({suite.partition('_')[2]!r}, frame)"
            if suite.startswith("predictions_")
            else "add the derived columns (prefixed _) as described"
        ),
    }


def dataset_suite(name: str) -> dict[str, Any]:
    table = schema.DATASET_TABLES[name]
    suite = f"dataset_{name}"
    expectations = [
        _columns_expectation(suite, table),
        *_column_expectations(table, types=True, nulls=True),
        *_rule_expectations(table),
        *_curator_expectations(name),
    ]
    parameters = {ARTICLE_IDS: dataset_article_ids()} if name != "articles" else {}
    return _suite(
        suite,
        expectations,
        {"target": f"dataset config {name!r}", "parameters": parameters, **_derived_meta(suite)},
    )


def prediction_suite(task: str) -> dict[str, Any]:
    table = schema.PREDICTION_TABLES[task]
    suite = f"predictions_{task}"
    # Types and nulls are the pandera stage's (a file failing them is unusable); here: meaning.
    # article_id: its rule (a known article) says more than its format.
    column_checks = [
        e for e in _column_expectations(table, types=False, nulls=False) if e["kwargs"]["column"] != "article_id"
    ]
    expectations = [_columns_expectation(suite, table), *column_checks, *_rule_expectations(table)]
    return _suite(
        suite,
        expectations,
        {"target": f"{task} predictions", "parameters": {ARTICLE_IDS: dataset_article_ids()}, **_derived_meta(suite)},
    )


def gate_suite(task: str) -> dict[str, Any]:
    expectations = []
    for gate in GATES[task]:
        expectation = _expectation(
            "expect_column_values_to_be_between",
            f"gate.{gate.parameter}",
            gate.why,
            column=gate.metric,
            **{f"{gate.bound}_value": {"$PARAMETER": gate.parameter}},
        )
        expectation["meta"] |= {"default": gate.default, "origin": gate.origin, "floor": gate.floor}
        expectations.append(expectation)
    thresholds = {gate.parameter: gate.default for gate in GATES[task]}
    notes = "\n".join(
        [
            f"Default quality gates for {task} predictions, set from the baselines of {EVIDENCE}: every trivial "
            "baseline fails them; a floor is a gate a trivial baseline passes alone (the other gates stop it).",
            *(
                f"- {gate.condition}{' (floor)' if gate.floor else ''}: {gate.why}. Why {gate.default:g}: {gate.origin}."
                for gate in GATES[task]
            ),
            f'Override a threshold with `diplonews validate --thresholds FILE` ({{"{GATES[task][0].parameter}": x}}), '
            "`pytest --diplonews-thresholds FILE` or the ini key diplonews_thresholds; list them with "
            f"`diplonews gates --task {task}`.",
        ]
    )
    return _suite(
        f"gates_{task}",
        expectations,
        {"target": f"{task} metrics against the gold", "parameters": thresholds, "evidence": EVIDENCE},
        notes,
    )


def generate_suites() -> dict[str, bytes]:
    """File name -> JSON bytes of every suite (deterministic: sorted keys, no GX ids)."""
    documents = {f"dataset_{name}": dataset_suite(name) for name in schema.DATASET_TABLES}
    documents |= {f"predictions_{task}": prediction_suite(task) for task in schema.TASKS}
    documents |= {f"gates_{task}": gate_suite(task) for task in schema.TASKS}
    return {
        f"{name}.json": (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        for name, document in documents.items()
    }


def read_suite_document(path: Path) -> dict[str, Any]:
    document = json.loads(path.read_text("utf-8"))
    if not isinstance(document, dict) or not isinstance(document.get("expectations"), list):
        raise ValueError(f"{path}: not a GX suite (no 'expectations' list)")
    return document


def default_parameters(document: Mapping[str, Any]) -> dict[str, Any]:
    """The `$PARAMETER` defaults a suite carries in `meta.diplonews.parameters` (none when absent or malformed)."""
    meta = document.get("meta")
    ours = meta.get("diplonews") if isinstance(meta, dict) else None
    parameters = ours.get("parameters") if isinstance(ours, dict) else None
    return dict(parameters) if isinstance(parameters, dict) else {}
