"""`diplonews validate`: the dataset, or a downstream output, against the contract and the suites.

For a prediction file the stages run in order of what they need from the input:

1. reading and the pandera schema (polars): a file that fails here is unusable (exit 2),
   and every problem is named file:line, field, what, hint;
2. the GX prediction suite: integrity (offsets inside the text, text equal to the slice,
   labels and article ids known, no duplicates) on the frame plus derived columns;
3. the metrics against the gold (`diplonews.evaluate`) and the GX gate suite over them.

Stages 2 and 3 both run on any usable file, so one run reports every failed expectation
(exit 1). The result is an object (`ValidationResult`), a compact table on stdout, a JSON
file and GX Data Docs in the report folder.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl

from diplonews import paths, schema
from diplonews.backends import gx as gx_backend
from diplonews.backends.arrow import read_dataset
from diplonews.backends.pandera_pandas import validate_dataset as pandera_validate_dataset
from diplonews.backends.pandera_polars import StructureFailure, validate_structure
from diplonews.errors import EXIT_FAILED, EXIT_OK, EXIT_UNUSABLE, DiplonewsError, Problem, display_path, where
from diplonews.evaluate import GATES, Gold, evaluate, metric_names
from diplonews.files import atomic_write_text, read_utf8
from diplonews.predictions import PredictionFile, from_frame, from_records, read_predictions
from diplonews.version import __version__

Outcome = gx_backend.Outcome
COMPACT_STAGE = 16  # a stage with more checks prints its failures and a count of the rest
_ENGINE: gx_backend.Engine | None = None


def engine() -> gx_backend.Engine:
    """The process's GX engine, created on first use (importing GX takes seconds)."""
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = gx_backend.Engine()
    return _ENGINE


# ---- the result -----------------------------------------------------------------------


@dataclass
class ValidationResult:
    """What one validation found. `success` is the verdict; `outcomes` has every expectation."""

    target: str  # "dataset" or a task name
    source: str  # the prediction file (or "<records>") or the dataset folder
    dataset: str
    n_rows: int | None = None
    problems: list[Problem] = field(default_factory=list)  # the input is unusable
    outcomes: list[Outcome] = field(default_factory=list)
    metrics: dict[str, float | int | None] | None = None
    metrics_detail: dict[str, Any] | None = None
    parameters: dict[str, Any] = field(default_factory=dict)  # gate thresholds used
    report_files: dict[str, str] = field(default_factory=dict)

    @property
    def usable(self) -> bool:
        return not self.problems

    @property
    def success(self) -> bool:
        return self.usable and all(outcome.success for outcome in self.outcomes)

    @property
    def exit_code(self) -> int:
        if not self.usable:
            return EXIT_UNUSABLE
        return EXIT_OK if self.success else EXIT_FAILED

    @property
    def failures(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if not outcome.success]

    def outcome(self, check: str, suite: str | None = None) -> Outcome:
        """The verdict of one expectation, by its check name (e.g. 'span.text_matches')."""
        found = [o for o in self.outcomes if o.check == check and (suite is None or o.suite == suite)]
        if len(found) != 1:
            raise KeyError(f"{len(found)} outcomes named {check!r}; known: {sorted({o.check for o in self.outcomes})}")
        return found[0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "diplonews_version": __version__,
            "target": self.target,
            "source": self.source,
            "dataset": self.dataset,
            "n_rows": self.n_rows,
            "success": self.success,
            "exit_code": self.exit_code,
            "problems": [str(problem) for problem in self.problems],
            "expectations": [
                {
                    "suite": o.suite,
                    "check": o.check,
                    "type": o.type,
                    "why": o.why,
                    "kwargs": o.kwargs,
                    "success": o.success,
                    "observed": o.observed,
                    "unexpected_count": o.unexpected_count,
                    "element_count": o.element_count,
                    "examples": o.examples,
                    "error": o.error,
                }
                for o in self.outcomes
            ],
            "parameters": self.parameters,
            "metrics": self.metrics,
            "metrics_detail": self.metrics_detail,
            "report_files": self.report_files,
        }

    def summary(self) -> str:
        """The verdict line."""
        if not self.usable:
            return f"UNUSABLE: {len(self.problems)} problem(s) in the input (exit {self.exit_code})"
        if self.success:
            return f"PASS: {len(self.outcomes)} expectations met (exit {self.exit_code})"
        return f"FAIL: {len(self.failures)} of {len(self.outcomes)} expectations failed (exit {self.exit_code})"

    def render(self, *, examples: int = 3) -> str:
        """The compact table printed by the CLI (and by the pytest gate on failure)."""
        head = f"diplonews validate {self.target}: {self.source}"
        if self.n_rows is not None:
            head += f" ({self.n_rows:,} rows)"
        lines = [head, f"  dataset: {self.dataset}"]
        if self.problems:
            lines += [f"  {problem}".replace("\n", "\n  ") for problem in self.problems[:50]]
            if len(self.problems) > 50:
                lines.append(f"  ... and {len(self.problems) - 50} more problems")
            lines.append(self.summary())
            return "\n".join(lines)
        rows = []
        for suite in dict.fromkeys(o.suite for o in self.outcomes):
            group = [o for o in self.outcomes if o.suite == suite]
            shown = group if len(group) <= COMPACT_STAGE or suite.startswith("gates_") else [o for o in group if not o.success]
            rows += [(_stage(o.suite), o.check, _verdict(o, examples)) for o in shown]
            if len(shown) < len(group):
                rows.append((_stage(suite), f"{len(group) - len(shown)} checks" if shown else f"all {len(group)} checks", "ok"))
        width_stage = max([len("stage"), *(len(r[0]) for r in rows)])
        width_check = max([len("check"), *(len(r[1]) for r in rows)])
        lines.append(f"  {'stage':<{width_stage}}  {'check':<{width_check}}  result")
        for stage, check, verdict in rows:
            first, *rest = verdict.split("\n")
            lines.append(f"  {stage:<{width_stage}}  {check:<{width_check}}  {first}")
            lines += [f"  {'':<{width_stage}}  {'':<{width_check}}  {line}" for line in rest]
        if self.metrics is not None and self.target != "dataset":
            lines.append("  metrics: " + _metrics_line(self.target, self.metrics))
        for name, path in self.report_files.items():
            lines.append(f"  {name}: {path}")
        lines.append(self.summary())
        return "\n".join(lines)


def _stage(suite: str) -> str:
    if suite.startswith("predictions_"):
        return "integrity"
    if suite.startswith("gates_"):
        return "gate"
    if suite.startswith("contract_"):
        return "contract:" + suite.removeprefix("contract_")
    return suite.removeprefix("dataset_")


def _number(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _verdict(outcome: Outcome, examples: int) -> str:
    if outcome.suite.startswith("gates_"):
        bound = outcome.kwargs.get("min_value"), outcome.kwargs.get("max_value")
        limit = f">= {_number(bound[0])}" if bound[0] is not None else f"<= {_number(bound[1])}"
        observed = outcome.observed if outcome.observed is not None else None
        status = "ok  " if outcome.success else "FAIL"
        return f"{status} {_number(observed)} (gate {limit})" + (" [metric undefined for this gold]" if observed is None and outcome.success else "")
    if outcome.success:
        return "ok"
    if outcome.error:
        return f"FAIL could not run: {outcome.error.splitlines()[0]}"
    text = "FAIL"
    if outcome.unexpected_count is not None:
        text += f" {outcome.unexpected_count:,} of {outcome.element_count or 0:,} rows"
    elif outcome.observed is not None:
        text += f" observed {json.dumps(outcome.observed, ensure_ascii=False)[:120]}"
    if outcome.why:
        text += f": expected {outcome.why}"
    lines = [text, *(f"    {example}" for example in outcome.examples[:examples])]
    if len(outcome.examples) > examples or (outcome.unexpected_count or 0) > len(outcome.examples[:examples]) > 0:
        lines.append(f"    ... {max(outcome.unexpected_count or 0, len(outcome.examples)) - examples:,} more (see the JSON result)")
    return "\n".join(lines)


def _metrics_line(task: str, metrics: Mapping[str, Any]) -> str:
    if task == "cleaning":
        return ", ".join(f"{name} {_number(metrics[name])}" for name in ("boilerplate_removed", "entities_preserved", "artifacts_remaining"))
    parts = [
        f"{scheme} P/R/F1 {_number(metrics[f'{scheme}_micro_precision'])}/{_number(metrics[f'{scheme}_micro_recall'])}/{_number(metrics[f'{scheme}_micro_f1'])}"
        for scheme in ("strict", "exact", "partial", "ent_type")
    ]
    if task == "temporal":
        parts.append(f"value accuracy {_number(metrics['value_accuracy'])} on {metrics['value_matched']} matched")
    if task == "discrepancies":
        parts.append(f"detection recall {_number(metrics['detection_micro_recall'])}")
    return " | ".join(parts) + " (micro)"


# ---- thresholds -----------------------------------------------------------------------


def gate_document(task: str, thresholds: str | Path | Mapping[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The gate suite to run and its parameters: the default suite, a user's copy, or overrides.

    `thresholds` may be a mapping or a JSON file of `{"min_<metric>": x, "max_<metric>": y}`:
    a known parameter overrides its default, a new one adds a gate on that metric (any
    column of the metrics table). A JSON file holding a whole GX suite (a copy of
    `expectations/gates_<task>.json`, edited) replaces the default suite.
    """
    document = gx_backend.read_suite_document(paths.EXPECTATIONS_DIR / f"gates_{task}.json")
    if thresholds is None:
        return document, gx_backend.default_parameters(document)
    location = "--thresholds"
    if not isinstance(thresholds, Mapping):
        path = Path(thresholds)
        location = display_path(path)
        text = read_utf8(path)
        try:
            thresholds = json.loads(text)
        except json.JSONDecodeError as error:
            raise DiplonewsError(Problem(where(path, error.lineno), f"malformed JSON: {error.msg}", hint='expected {"min_strict_micro_f1": 0.8, ...}')) from None
        if not isinstance(thresholds, dict):
            raise DiplonewsError(Problem(location, f"expected a JSON object, found {type(thresholds).__name__}"))
        if "expectations" in thresholds:
            return thresholds, gx_backend.default_parameters(thresholds)
    parameters = gx_backend.default_parameters(document)
    document = json.loads(json.dumps(document))
    problems = []
    known_metrics = set(metric_names(task))
    for key, value in thresholds.items():
        bound, _, metric = str(key).partition("_")
        if bound not in {"min", "max"} or metric not in known_metrics:
            problems.append(
                Problem(
                    location, f"unknown threshold {key!r}", field=str(key),
                    hint=f"the defaults are {', '.join(sorted(parameters))}; any min_<metric> or max_<metric> of the metrics table works, e.g. min_{metric_names(task)[-1]}",
                )
            )  # fmt: skip
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            problems.append(Problem(location, f"threshold must be a number, found {value!r}", field=str(key)))
            continue
        if key not in parameters:
            document["expectations"].append(
                {
                    "type": "expect_column_values_to_be_between",
                    "kwargs": {"column": metric, f"{bound}_value": {"$PARAMETER": key}},
                    "meta": {"check": f"gate.{key}", "why": f"added by {location}"},
                }
            )
        parameters[key] = float(value)
    if problems:
        raise DiplonewsError(problems)
    return document, parameters


# ---- predictions ----------------------------------------------------------------------


def _read(task: str, predictions: Any) -> PredictionFile:
    table = schema.PREDICTION_TABLES[task]
    if isinstance(predictions, str | Path):
        return read_predictions(Path(predictions), table)
    if isinstance(predictions, Sequence) and not isinstance(predictions, str | bytes):
        return from_records(predictions, table)
    if isinstance(predictions, pl.DataFrame | pd.DataFrame) or hasattr(predictions, "schema"):
        return from_frame(predictions, table)
    raise TypeError(f"predictions must be a path, a list of dicts or a DataFrame, not {type(predictions).__name__}")


def _structure_problems(table: schema.Table, failures: list[StructureFailure], source: PredictionFile) -> list[Problem]:
    expected = ", ".join(f"{name} (optional)" if name in table.optional else name for name in table.column_names)
    problems = []
    for failure in failures:
        if failure.check == "missing_column":
            problems.append(Problem(source.name, "required column is missing", field=failure.column, hint=f"the {table.name} columns are: {expected}"))
        elif failure.check == "unknown_column":
            problems.append(Problem(source.name, "unknown column", field=failure.column, hint=f"the {table.name} columns are: {expected}"))
        elif failure.check == "dtype":
            problems.append(Problem(source.name, f"wrong type {failure.found}", field=failure.column))
        elif failure.check == "not_nullable":
            problems.append(Problem(source.where(failure.row), "value is missing or null", field=failure.column, hint="every row needs a value here"))
        else:  # pragma: no cover
            problems.append(Problem(source.where(failure.row), f"{failure.check}: {failure.found}", field=failure.column))
    return problems


_COLUMN_NAMES = {"_article_n_chars": "article length", "_text_at_span": "article[start:end]"}


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)


def _example_value(outcome: Outcome, value: Any) -> str:
    """A failing value as a reader wants it: pairs name their two columns."""
    if outcome.type.startswith("expect_column_pair_values") and isinstance(value, list | tuple) and len(value) == 2:
        names = [_COLUMN_NAMES.get(outcome.kwargs.get(key, ""), outcome.kwargs.get(key, "?")) for key in ("column_A", "column_B")]
        return f"{names[0]} {_shown(value[0])}, {names[1]} {_shown(value[1])}"
    if isinstance(value, dict):
        return ", ".join(f"{key} {_shown(item)}" for key, item in value.items())
    return f"{outcome.kwargs.get('column', 'value')} {_shown(value)}"


def _text_hint(frame: pl.DataFrame, texts: Mapping[str, str], row: int) -> str:
    """Where the span's text does occur in its article, as the build's errors say it."""
    record = frame.row(row, named=True)
    article, text = texts.get(record["article_id"]), record.get("text")
    if article is None or not text:
        return ""
    starts, position = [], article.find(text)
    while position != -1 and len(starts) < 3:
        starts.append(position)
        position = article.find(text, position + 1)
    return f"; the text occurs at start {starts}" if starts else "; the text does not occur in the article"


def _locate(outcomes: list[Outcome], where_row: Any, hint: Any = None) -> None:
    """Fill in `examples`: 'file:line (what was found)' for the first failing rows of each check."""
    for outcome in outcomes:
        if outcome.success:
            continue
        values = outcome.unexpected_values
        outcome.examples = []
        for i, row in enumerate(outcome.unexpected_rows):
            found = f" ({_example_value(outcome, values[i])})" if i < len(values) else ""
            extra = hint(outcome, row) if hint is not None else ""
            outcome.examples.append(f"{where_row(row)}{found}{extra}")


def validate_predictions(
    task: str,
    predictions: str | Path | Sequence[Mapping[str, Any]] | Any,
    *,
    dataset: str | Path | None = None,
    thresholds: str | Path | Mapping[str, Any] | None = None,
    report_dir: str | Path | None = None,
) -> ValidationResult:
    """Validate one task's predictions (a file, a list of dicts or a DataFrame) against the dataset.

    Never raises for bad input: an unusable input gives a result with `problems` and
    `exit_code` 2; failed expectations give `success == False` and `exit_code` 1.
    """
    if task not in schema.PREDICTION_TABLES:
        raise ValueError(f"unknown task {task!r}; tasks: {', '.join(schema.TASKS)}")
    dataset_dir = Path(dataset) if dataset is not None else paths.DATASET_DIR
    name = display_path(predictions) if isinstance(predictions, str | Path) else "<records>" if isinstance(predictions, list | tuple) else "<dataframe>"
    result = ValidationResult(task, name, display_path(dataset_dir))
    table = schema.PREDICTION_TABLES[task]
    try:
        gates, parameters = gate_document(task, thresholds)
        result.parameters = parameters
        gold = Gold.from_dataset(dataset_dir)
        source = _read(task, predictions)
    except DiplonewsError as error:
        result.problems = error.problems
        return _finish(result, report_dir, None, ())
    result.source, result.n_rows = source.name, source.n_rows
    result.problems = _structure_problems(table, validate_structure(table, source.frame), source)
    if result.problems:
        return _finish(result, report_dir, None, ())

    gx = engine()
    try:
        gate_suite = gx.load_suite(gates)  # possibly a user's copy: refuse it before any work
    except (ValueError, TypeError, KeyError) as error:
        where_from = display_path(thresholds) if isinstance(thresholds, str | Path) else "--thresholds"
        result.problems = [Problem(where_from, f"not a usable GX gate suite: {error}".splitlines()[0], hint=f"start from a copy of expectations/gates_{task}.json")]
        return _finish(result, report_dir, None, ())
    run_id = gx.new_run_id(f"predictions_{task}")
    integrity = gx.load_suite(gx_backend.read_suite_document(paths.EXPECTATIONS_DIR / f"predictions_{task}.json"))
    frame = gx_backend.derive_predictions(task, source.frame, gold.texts)
    checked = gx_backend.outcomes(gx.run(integrity, frame, {gx_backend.ARTICLE_IDS: gold.article_ids}, run_id), integrity)
    del frame
    _locate(checked, source.where, lambda outcome, row: _text_hint(source.frame, gold.texts, row) if outcome.check == "span.text_matches" else "")

    metrics = evaluate(task, source.frame, gold)
    result.metrics, result.metrics_detail = metrics.table, metrics.detail
    gated = gx_backend.outcomes(gx.run(gate_suite, gx_backend.metrics_frame(metrics.table), parameters, run_id), gate_suite)
    for outcome in gated:  # the observed value of a one-row table is the metric itself
        column = outcome.kwargs.get("column")
        outcome.observed = metrics.table.get(column) if isinstance(column, str) else None
    result.outcomes = checked + gated
    return _finish(result, report_dir, run_id, (integrity.name, gate_suite.name))


# ---- the dataset ----------------------------------------------------------------------


def _contract_outcomes(frames: Mapping[str, pd.DataFrame]) -> list[Outcome]:
    """The pandera contract's verdict, one outcome per (table, rule or column check)."""
    failures = pandera_validate_dataset(dict(frames))
    grouped: dict[tuple[str, str | None, str], list[Any]] = {}
    for failure in failures:
        grouped.setdefault((failure.table, failure.column, failure.check), []).append(failure)
    out = []
    for name in schema.CONFIG_NAMES:
        table_failures = {key: value for key, value in grouped.items() if key[0] == name}
        if not table_failures:
            out.append(Outcome(f"contract_{name}", "pandera", "pandera", f"the pandera contract of {name}", {}, True, None, 0, len(frames[name]), [], [], None))
        for (_, column, check), items in table_failures.items():
            label = f"{column}: {check}" if column else check
            out.append(
                Outcome(
                    f"contract_{name}", label, "pandera", schema.RULES.get(check, check), {"column": column}, False, None,
                    len(items), len(frames[name]), [f.row for f in items if f.row is not None][:10], [gx_backend.jsonable(f.value) for f in items][:10], None,
                )
            )  # fmt: skip
    return out


def validate_dataset(dataset: str | Path | None = None, *, report_dir: str | Path | None = None) -> ValidationResult:
    """The dataset against the pandera contract and the four GX dataset suites."""
    from diplonews.build import to_frames

    dataset_dir = Path(dataset) if dataset is not None else paths.DATASET_DIR
    result = ValidationResult("dataset", display_path(dataset_dir), display_path(dataset_dir))
    try:
        arrow = read_dataset(dataset_dir)
    except DiplonewsError as error:
        result.problems = error.problems
        return _finish(result, report_dir, None, ())
    rows = {name: table.to_pylist() for name, table in arrow.items()}
    frames = to_frames(rows)
    result.n_rows = sum(len(table) for table in rows.values())
    contract = _contract_outcomes(frames)
    for outcome in contract:
        table = outcome.suite.removeprefix("contract_")
        outcome.examples = [f"{table} row {row + 1}" + (f" ({json.dumps(outcome.unexpected_values[i], ensure_ascii=False)[:80]})" if i < len(outcome.unexpected_values) else "") for i, row in enumerate(outcome.unexpected_rows)]
    derived = gx_backend.derive_dataset(gx_backend.frames_from_arrow(arrow))
    gx = engine()
    run_id = gx.new_run_id("dataset")
    parameters = {gx_backend.ARTICLE_IDS: sorted(frames["articles"]["id"])}
    suites = []
    checked: list[Outcome] = []
    for name in schema.CONFIG_NAMES:
        suite = gx.load_suite(gx_backend.read_suite_document(paths.EXPECTATIONS_DIR / f"dataset_{name}.json"))
        suites.append(suite.name)
        found = gx_backend.outcomes(gx.run(suite, derived[name], parameters, run_id), suite)
        _locate(found, lambda row, name=name: f"{name} row {row + 1}")
        checked += found
    result.outcomes = contract + checked
    result.metrics = {f"rows_{name}": len(rows[name]) for name in schema.CONFIG_NAMES}
    return _finish(result, report_dir, run_id, suites)


# ---- reporting and the command --------------------------------------------------------


def _finish(result: ValidationResult, report_dir: str | Path | None, run_id: Any, suites: Sequence[str]) -> ValidationResult:
    if report_dir is None:
        return result
    folder = Path(report_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stem = "dataset" if result.target == "dataset" else f"predictions_{result.target}"
    json_path = folder / f"{stem}.json"
    if run_id is not None:
        index = engine().build_docs(folder / "data_docs" / stem, run_id, suites)  # per target: runs for other targets stay
        result.report_files["data docs"] = display_path(index)
    result.report_files["result"] = display_path(json_path)
    atomic_write_text(json_path, json.dumps(result.to_dict(), indent=2, ensure_ascii=False, allow_nan=False, default=str) + "\n")
    return result


def main(args: argparse.Namespace) -> int:
    if args.task is None:
        if args.predictions is not None or args.thresholds is not None:
            raise DiplonewsError(Problem("", "--predictions and --thresholds need --task", hint=f"--task {{{','.join(schema.TASKS)}}}"))
        result = validate_dataset(args.dataset, report_dir=args.report_dir)
    else:
        if args.predictions is None:
            raise DiplonewsError(Problem("", f"--task {args.task} needs --predictions FILE", hint="a .jsonl, .csv or .parquet file, one prediction per row"))
        result = validate_predictions(args.task, args.predictions, dataset=args.dataset, thresholds=args.thresholds, report_dir=args.report_dir)
    if result.problems:
        for problem in result.problems[:50]:
            print(problem, file=sys.stderr)
        if len(result.problems) > 50:
            print(f"... and {len(result.problems) - 50} more problems", file=sys.stderr)
    if args.quiet or result.problems:
        print(result.summary(), file=sys.stderr if result.problems else sys.stdout)
    else:
        print(result.render())
    return result.exit_code


# Every default gate's metric is a column of its task's metrics table.
assert all(gate.metric in metric_names(task) for task, gates in GATES.items() for gate in gates)
