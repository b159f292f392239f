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
from diplonews.evaluate import Gold, Scorer
from diplonews.export.gx_suites import read_suite_document
from diplonews.io.articles import read_articles
from diplonews.io.predictions import PredictionFile, from_frame, from_records, read_predictions
from diplonews.io.sources import Part, resolve
from diplonews.io.token_predictions import is_token_level
from diplonews.validation import gating, regression
from diplonews.validation import tokens as token_predictions
from diplonews.validation.report import finish, preflight
from diplonews.validation.result import ValidationResult
from diplonews.validation.runtime import engine as runtime_engine
from diplonews.validation.streaming import check_stream
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


ENGINES = ("local", "spark")


def validate_predictions(
    task: str,
    predictions: str | Path | Sequence[Mapping[str, Any]] | Any,
    *,
    dataset: str | Path | None = None,
    articles: str | Path | None = None,
    thresholds: str | Path | Mapping[str, Any] | None = None,
    report_dir: str | Path | None = None,
    data_docs: bool = False,
    engine: str = "local",
    master: str | None = None,
    streaming: bool | None = None,
    baseline: str | Path | None = None,
    tolerance: float = regression.DEFAULT_TOLERANCE,
) -> ValidationResult:
    """Validate one task's predictions (a file, a folder or glob of parts, a list of dicts or a
    DataFrame) against the dataset, or, with `articles`, against your own articles (integrity
    only: no gold, so no metrics or gates).

    Files are checked batch by batch (`diplonews.validation.streaming`: the integrity suite's
    expectations on polars, memory bounded by the batch); in-memory inputs and `data_docs=True`
    run the suite through GX on the whole frame. Both give identical outcomes. `engine="spark"`
    runs the batches as Spark tasks (`master`, or `SPARK_REMOTE`, or local).

    Never raises for bad input: an unusable input gives a result with `problems` and
    `exit_code` 2; failed expectations give `success == False` and `exit_code` 1.
    `report_dir` gets `predictions_<task>/result.json` and `report.html` (and GX Data Docs
    with `data_docs=True`), written as one set. `baseline` (an earlier report) adds regression
    checks: a gated metric that dropped by more than `tolerance` fails. Token-level entity
    predictions (IOB2 tags over the `tokens` config, JSONL or CoNLL) are read in memory and
    scored as spans and per token.
    """
    dataset_dir = Path(dataset) if dataset is not None else paths.DATASET_DIR
    against = display_path(articles) if articles is not None else display_path(dataset_dir)
    result = ValidationResult(str(task), _source_name(predictions), against)
    if not preflight(result, report_dir):
        return result
    is_path = isinstance(predictions, str | Path)
    token_level_input = task == "entities" and articles is None and is_token_level(predictions)
    stream = (is_path and not data_docs and not token_level_input) if streaming is None else streaming
    gate_suite = None
    previous = None
    token_level = None
    scorer: Scorer | None = None
    try:
        if task not in schema.PREDICTION_TABLES:
            raise DiplonewsError(
                Problem("usage", f"unknown task {task!r}", field="task", hint=f"tasks: {', '.join(schema.TASKS)}")
            )
        _check_options(engine, is_path, stream, articles, thresholds)
        table = schema.PREDICTION_TABLES[task]
        gold: Gold | None = None
        if articles is None:
            gates, parameters = gate_document(task, thresholds)
            result.parameters = parameters
            if baseline is not None:
                tolerance = regression.check_tolerance(tolerance)
                previous = regression.read_baseline(baseline, task)
            gold = Gold.from_dataset(dataset_dir)
            article_frame = rules.articles_frame(gold.articles)
            article_ids = gold.article_ids
        else:
            result.notes.append(NO_GOLD_NOTE)
            user_articles = read_articles(articles)
            article_frame = rules.articles_frame(user_articles)
            article_ids = sorted(user_articles["id"].to_list())
            del user_articles
        polars_gates = gold is not None and stream and gating.runs_on_polars(task, gates, parameters)
        gx = runtime_engine() if (gold is not None and not polars_gates) or not stream else None
        if gold is not None and not polars_gates:
            assert gx is not None
            try:
                gate_suite = gx.load_suite(gates)  # possibly a user's copy: refuse it before any work
            except (ValueError, TypeError, KeyError) as error:
                where_from = display_path(thresholds) if isinstance(thresholds, str | Path) else "--thresholds"
                message = f"not a usable GX gate suite: {error}".splitlines()[0]
                raise DiplonewsError(
                    Problem(
                        "bad-suite",
                        message,
                        file=where_from,
                        hint=f"start from a copy of expectations/gates_{task}.json",
                    )
                ) from None
        document = read_suite_document(paths.EXPECTATIONS_DIR / f"predictions_{task}.json")
        if stream:
            assert isinstance(predictions, str | Path)
            parts = resolve(predictions)
            scorer = Scorer(task, gold) if gold is not None else None
            if engine == "spark":
                from diplonews.validation.spark import ArticleSource, check_on_spark

                article_source = (
                    ArticleSource.of("dataset", dataset_dir)
                    if articles is None
                    else ArticleSource.of("articles", articles)
                )
                streamed = check_on_spark(
                    task, parts, document, {ARTICLE_IDS: article_ids}, article_frame,
                    source=article_source, scorer=scorer, master=master,
                )  # fmt: skip
            else:
                streamed = check_stream(task, parts, document, {ARTICLE_IDS: article_ids}, article_frame, scorer=scorer)
            result.n_rows = streamed.n_rows
            if streamed.problems:
                raise DiplonewsError(streamed.problems, total=streamed.problems_total)
            if streamed.n_rows == 0:
                raise DiplonewsError(_nothing_read(parts))
        elif token_level_input:
            assert gold is not None
            source, token_level = token_predictions.read(predictions, dataset_dir, gold.texts)
            result.source, result.n_rows = source.name, source.n_rows
            structure = validate_structure(table, source.frame, source.locate)
            if structure:
                raise DiplonewsError(structure)
        else:
            source = _read(task, predictions)
            result.source, result.n_rows = source.name, source.n_rows
            structure = validate_structure(table, source.frame, source.locate)
            if structure:
                raise DiplonewsError(structure)
    except DiplonewsError as error:
        result.problems, result.problems_total = error.problems, error.total
        return finish(result, report_dir, None, ())

    run_id = gx.new_run_id(f"predictions_{task}") if gx is not None else None
    if stream:
        checked = streamed.outcomes
        hints = streamed.hints
        locate_examples(
            checked,
            lambda key: streamed.locations[key],
            lambda outcome, key: hints.get(key) if outcome.check == "span.text_matches" else None,
        )
        suite_names: tuple[str, ...] = ()
    else:
        assert gx is not None
        integrity = gx.load_suite(document)
        texts = dict(zip(article_frame["article_id"].to_list(), article_frame["_article_text"].to_list(), strict=True))
        frame = derive.derive_predictions(task, source.frame, article_frame)
        checked = gx_engine.outcomes(gx.run(integrity, frame, {ARTICLE_IDS: article_ids}, run_id), integrity)
        del frame
        locate_examples(checked, source.locate, _text_hint(source.frame, texts))
        scorer = Scorer(task, gold) if gold is not None else None
        if scorer is not None:
            scorer.add(source.frame)  # in memory: one partition
        suite_names = (integrity.name,)

    result.outcomes = checked
    if scorer is None:  # no gold: integrity only
        return finish(result, report_dir, run_id, suite_names, data_docs=data_docs)
    metrics = scorer.metrics()
    result.metrics, result.metrics_detail = metrics.table, metrics.detail
    if token_level is not None:
        result.metrics_detail["token_level"] = token_level
    if gate_suite is None:  # the default gates, or a plain copy: no GX import for a comparison of numbers
        gated = gating.outcomes_on_polars(gates, parameters, metrics.table)
        gate_name = str(gates["name"])
    else:
        assert gx is not None and run_id is not None
        frame = derive.metrics_frame(metrics.table)
        gated = gx_engine.outcomes(gx.run(gate_suite, frame, parameters, run_id), gate_suite)
        gate_name = gate_suite.name
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
    return finish(result, report_dir, run_id, (*suite_names, gate_name), data_docs=data_docs)


NO_GOLD_NOTE = "integrity only: checked against your articles, with no gold, so no metrics and no quality gates"


def _check_options(engine: str, is_path: bool, stream: bool, articles: str | Path | None, thresholds: object) -> None:
    if engine not in ENGINES:
        raise DiplonewsError(Problem("usage", f"unknown engine {engine!r}", field="engine", hint="local or spark"))
    if stream and not is_path:
        raise DiplonewsError(
            Problem("usage", "streaming reads files: pass a path, a folder or a glob", field="predictions")
        )
    if engine == "spark" and not stream:
        raise DiplonewsError(
            Problem("usage", "the Spark engine reads files (and makes no GX Data Docs)", field="engine",
                    hint="pass a path, a folder or a glob, without --data-docs")
        )  # fmt: skip
    if articles is not None and thresholds is not None:
        raise DiplonewsError(
            Problem(
                "usage", "--thresholds sets quality gates, and gates need the gold: not with --articles",
                field="thresholds", hint="drop --thresholds, or validate against the dataset without --articles",
            )
        )  # fmt: skip


def _nothing_read(parts: list[Part]) -> Problem:
    blank = [p for p in parts if p.format == "jsonl" and p.path.exists() and p.path.stat().st_size > 0]
    if len(parts) == 1 and blank:
        return Problem("empty-file", "no records (only blank lines)", file=parts[0].name)
    return Problem(
        "no-rows",
        "no predictions (zero rows)",
        file=parts[0].name if len(parts) == 1 else None,
        hint="an empty output is almost always a failed export; a model that finds nothing fails the gates anyway",
    )
