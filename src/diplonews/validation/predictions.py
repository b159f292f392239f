"""Validating a downstream output: reading and pandera, the GX integrity suite, metrics and gates.

The stages run in order of what they need from the input:

1. reading and the pandera schema (polars): a file that fails here is unusable (exit 2),
   and every problem is named file:line, field, code, hint;
2. the GX prediction suite: integrity (offsets inside the text, text equal to the slice,
   labels and article ids known, no duplicates) on the frame plus derived columns;
3. the metrics against the gold (`diplonews.evaluate`) and the GX gate suite over them.

Stages 2 and 3 both run on any usable file, so one run reports every failed expectation
(exit 1).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl

from diplonews import paths
from diplonews.contract import rules, schema
from diplonews.contract.derived import ARTICLE_IDS
from diplonews.contract.errors import DiplonewsError, Problem, display_path
from diplonews.engines import derive
from diplonews.engines import gx as gx_engine
from diplonews.engines.outcome import Outcome
from diplonews.engines.pandera_polars import validate_structure
from diplonews.evaluate import Gold, evaluate
from diplonews.export.gx_suites import read_suite_document
from diplonews.io.predictions import PredictionFile, from_frame, from_records, read_predictions
from diplonews.io.token_predictions import is_token_level
from diplonews.validation import regression
from diplonews.validation import tokens as token_predictions
from diplonews.validation.report import finish, preflight
from diplonews.validation.result import ValidationResult
from diplonews.validation.runtime import engine
from diplonews.validation.thresholds import gate_document


def _read(task: str, predictions: Any) -> PredictionFile:
    table = schema.PREDICTION_TABLES[task]
    if isinstance(predictions, str | Path):
        return read_predictions(Path(predictions), table)
    if isinstance(predictions, pl.DataFrame | pd.DataFrame) or hasattr(predictions, "schema"):
        return from_frame(predictions, table)
    if isinstance(predictions, Iterable) and not isinstance(predictions, str | bytes | bytearray | Mapping):
        return from_records(predictions, table)  # a list, a tuple, a generator of dicts
    raise DiplonewsError(
        Problem(
            "type-error", f"predictions must be a path, a list of dicts or a DataFrame, not {type(predictions).__name__}",
            file=_source_name(predictions), hint="pass a file path, a list of dicts, or a pandas/polars DataFrame",
        )
    )  # fmt: skip


def _source_name(predictions: Any) -> str:
    if isinstance(predictions, str | Path):
        return display_path(predictions)
    return "<records>" if isinstance(predictions, list | tuple) else "<dataframe>"


_COLUMN_NAMES = {"_article_n_chars": "article length", "_text_at_span": "article[start:end]"}


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)


def example_message(outcome: Outcome, value: Any) -> str:
    """A failing value as a reader wants it: pairs name their two columns."""
    if outcome.type.startswith("expect_column_pair_values") and isinstance(value, list | tuple) and len(value) == 2:
        names = [
            _COLUMN_NAMES.get(outcome.kwargs.get(key, ""), outcome.kwargs.get(key, "?"))
            for key in ("column_A", "column_B")
        ]
        return f"{names[0]} {_shown(value[0])}, {names[1]} {_shown(value[1])}"
    if isinstance(value, dict):
        return ", ".join(f"{key} {_shown(item)}" for key, item in value.items())
    return f"{outcome.kwargs.get('column', 'value')} {_shown(value)}"


def _field(outcome: Outcome) -> str | None:
    column = outcome.kwargs.get("column") or outcome.kwargs.get("column_A")
    if column in _COLUMN_NAMES or column == "_text_at_span":
        return "end"
    if isinstance(column, str) and column.startswith("_"):
        return None
    return column if isinstance(column, str) else None


def locate_examples(
    outcomes: list[Outcome],
    locate: Callable[[int], dict[str, Any]],
    hint: Callable[[Outcome, int], str | None] | None = None,
) -> None:
    """Fill in `examples`: a located `Problem` (code, file:line, field, value) per failing row GX reported."""
    for outcome in outcomes:
        if outcome.success:
            continue
        values = outcome.unexpected_values
        outcome.examples = [
            Problem(
                outcome.code, example_message(outcome, values[i]) if i < len(values) else outcome.why,
                field=_field(outcome), value=values[i] if i < len(values) else None,
                hint=hint(outcome, row) if hint is not None else None, **locate(row),
            )
            for i, row in enumerate(outcome.unexpected_rows)
        ]  # fmt: skip


def _text_hint(frame: pl.DataFrame, texts: Mapping[str, str]) -> Callable[[Outcome, int], str | None]:
    def hint(outcome: Outcome, row: int) -> str | None:
        if outcome.check != "span.text_matches":
            return None
        record = frame.row(row, named=True)
        article, text = texts.get(record["article_id"]), record.get("text")
        return rules.where_text_occurs(article, text) if article is not None and text else None

    return hint


def validate_predictions(
    task: str,
    predictions: str | Path | Sequence[Mapping[str, Any]] | Any,
    *,
    dataset: str | Path | None = None,
    thresholds: str | Path | Mapping[str, Any] | None = None,
    report_dir: str | Path | None = None,
    data_docs: bool = False,
    baseline: str | Path | None = None,
    tolerance: float = regression.DEFAULT_TOLERANCE,
) -> ValidationResult:
    """Validate one task's predictions (a file, a list of dicts or a DataFrame) against the dataset.

    `baseline`: an earlier JSON report of the same task; a gated metric that moved the wrong
    way by more than `tolerance` (absolute) fails the run (`diplonews.validation.regression`).

    Never raises for bad input: an unusable input gives a result with `problems` and
    `exit_code` 2; failed expectations give `success == False` and `exit_code` 1.
    `report_dir` gets `predictions_<task>/result.json` and `report.html` (and GX Data Docs
    with `data_docs=True`), written as one set.
    """
    dataset_dir = Path(dataset) if dataset is not None else paths.DATASET_DIR
    result = ValidationResult(str(task), _source_name(predictions), display_path(dataset_dir))
    if not preflight(result, report_dir):
        return result
    try:
        if task not in schema.PREDICTION_TABLES:
            raise DiplonewsError(
                Problem("usage", f"unknown task {task!r}", field="task", hint=f"tasks: {', '.join(schema.TASKS)}")
            )
        table = schema.PREDICTION_TABLES[task]
        gates, parameters = gate_document(task, thresholds)
        result.parameters = parameters
        previous = None
        if baseline is not None:
            tolerance = regression.check_tolerance(tolerance)
            previous = regression.read_baseline(baseline, task)
        gold = Gold.from_dataset(dataset_dir)
        token_level = None
        if task == "entities" and is_token_level(predictions):  # IOB2 tags over the tokens config
            source, token_level = token_predictions.read(predictions, dataset_dir, gold.texts)
        else:
            source = _read(task, predictions)
        result.source, result.n_rows = source.name, source.n_rows
        structure = validate_structure(table, source.frame, source.locate)
        if structure:
            raise DiplonewsError(structure)
        gx = engine()
        try:
            gate_suite = gx.load_suite(gates)  # possibly a user's copy: refuse it before any work
        except (ValueError, TypeError, KeyError) as error:
            where_from = display_path(thresholds) if isinstance(thresholds, str | Path) else "--thresholds"
            message = f"not a usable GX gate suite: {error}".splitlines()[0]
            raise DiplonewsError(
                Problem(
                    "bad-suite", message, file=where_from, hint=f"start from a copy of expectations/gates_{task}.json"
                )
            ) from None
    except DiplonewsError as error:
        result.problems, result.problems_total = error.problems, error.total
        return finish(result, report_dir, None, ())

    run_id = gx.new_run_id(f"predictions_{task}")
    integrity = gx.load_suite(read_suite_document(paths.EXPECTATIONS_DIR / f"predictions_{task}.json"))
    frame = derive.derive_predictions(task, source.frame, gold.texts)
    checked = gx_engine.outcomes(gx.run(integrity, frame, {ARTICLE_IDS: gold.article_ids}, run_id), integrity)
    del frame
    locate_examples(checked, source.locate, _text_hint(source.frame, gold.texts))

    metrics = evaluate(task, source.frame, gold)
    result.metrics, result.metrics_detail = metrics.table, metrics.detail
    if token_level is not None:
        result.metrics_detail["token_level"] = token_level
    gated = gx_engine.outcomes(gx.run(gate_suite, derive.metrics_frame(metrics.table), parameters, run_id), gate_suite)
    for outcome in gated:  # the observed value of a one-row table is the metric itself
        column = outcome.kwargs.get("column")
        outcome.observed = metrics.table.get(column) if isinstance(column, str) else None
    result.outcomes = checked + gated
    if previous is not None:
        assert baseline is not None
        directions = regression.gated_metrics(gates)
        result.outcomes += regression.compare(
            metrics.table, previous, directions, tolerance, source=display_path(baseline)
        )
    return finish(result, report_dir, run_id, (integrity.name, gate_suite.name), data_docs=data_docs)
