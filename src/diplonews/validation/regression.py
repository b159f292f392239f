"""The regression gate: this run's metrics against an earlier report's (`--baseline previous.json`).

A model that still clears the absolute gates can be worse than last week's; this gate
fails (exit 1) when a metric moved the wrong way by more than `tolerance` against the
metrics of an earlier JSON report of the same task (`reports/predictions_<task>.json`,
written by `diplonews validate --task T`). The metrics compared are the ones the gate
suite in use is on (the defaults, plus any a `--thresholds` file adds): a `min_` gate's
metric must not drop, a `max_` gate's metric must not rise. The tolerance is absolute,
in the metric's own unit (`DEFAULT_TOLERANCE` = 0.01: one point of F1).

Each comparison is an `Outcome` of suite `regression` with code `regression`: it is in
the JSON report with the baseline value, the tolerance and the delta, and `render_deltas`
prints the table. An unusable baseline (missing, not JSON, not a report of this task,
without metrics) is a `Problem` (exit 2), never a silent pass.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from diplonews.contract.errors import DiplonewsError, Problem, display_path
from diplonews.engines.outcome import Outcome
from diplonews.io.files import read_utf8

DEFAULT_TOLERANCE = 0.01
SUITE = "regression"
CODE = "regression"


def check_tolerance(tolerance: Any) -> float:
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or not math.isfinite(tolerance):
        raise DiplonewsError(
            Problem("bad-threshold", "the tolerance must be a finite number", field="--tolerance", value=tolerance)
        )
    if tolerance < 0:
        raise DiplonewsError(
            Problem(
                "bad-threshold",
                "the tolerance must not be negative",
                field="--tolerance",
                value=tolerance,
                hint=f"an absolute difference in the metric's unit; the default is {DEFAULT_TOLERANCE}",
            )
        )
    return float(tolerance)


def read_baseline(path: str | Path, task: str) -> dict[str, float | None]:
    """The metrics of an earlier report of `task`; a Problem (exit 2) when the file cannot serve."""
    location = display_path(path)
    text = read_utf8(Path(path))
    hint = f"pass a JSON report written by `diplonews validate --task {task}` (reports/predictions_{task}/result.json)"
    try:
        report = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        line = error.lineno if isinstance(error, json.JSONDecodeError) else None
        raise DiplonewsError(
            Problem("malformed-json", f"malformed JSON: {error}", file=location, line=line, hint=hint)
        ) from None
    if not isinstance(report, dict):
        raise DiplonewsError(
            Problem("bad-baseline", "the baseline is not a JSON object (a validation report)", file=location, hint=hint)
        )
    target = report.get("target")
    if target != task:
        raise DiplonewsError(
            Problem(
                "bad-baseline",
                f"the baseline is a report of {target!r}, not of {task!r}",
                file=location,
                field="target",
                value=target,
                hint=hint,
            )
        )
    metrics = report.get("metrics")
    if not isinstance(metrics, dict) or not metrics:
        raise DiplonewsError(
            Problem(
                "bad-baseline",
                "the baseline report has no metrics (was its input unusable?)",
                file=location,
                field="metrics",
                hint=hint,
            )
        )
    problems = [
        Problem(
            "bad-baseline", "a metric must be a number or null", file=location, field=f"metrics.{name}", value=value
        )
        for name, value in metrics.items()
        if value is not None
        and (isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value))
    ]
    if problems:
        raise DiplonewsError(problems)
    return {str(name): (float(value) if value is not None else None) for name, value in metrics.items()}


def gated_metrics(document: Mapping[str, Any]) -> dict[str, str]:
    """metric -> 'min' or 'max', for each metric the gate suite bounds (in the suite's order)."""
    out: dict[str, str] = {}
    for expectation in document.get("expectations", []):
        kwargs = expectation.get("kwargs", {}) if isinstance(expectation, dict) else {}
        column = kwargs.get("column")
        if not isinstance(column, str):
            continue
        if kwargs.get("min_value") is not None:
            out.setdefault(column, "min")
        elif kwargs.get("max_value") is not None:
            out.setdefault(column, "max")
    return out


def compare(
    metrics: Mapping[str, float | int | None],
    baseline: Mapping[str, float | None],
    directions: Mapping[str, str],
    tolerance: float,
    *,
    source: str,
) -> list[Outcome]:
    """One outcome per gated metric: success unless it moved the wrong way by more than `tolerance`."""
    out = []
    for metric, bound in directions.items():
        before, now = baseline.get(metric), metrics.get(metric)
        delta = None if before is None or now is None else float(now) - before
        worse = None if delta is None else (-delta if bound == "min" else delta)
        if before is None:
            success = True  # nothing to compare with: the baseline had no value (or not this metric)
        elif now is None:
            success = False  # it had a value and has none now
        else:
            assert worse is not None
            success = worse <= tolerance + 1e-12
        direction = "drop" if bound == "min" else "rise"
        out.append(
            Outcome(
                suite=SUITE,
                check=f"regression.{metric}",
                type="diplonews_regression",
                why=f"{metric} does not {direction} by more than {tolerance:g} against {source} ({_number(before)})",
                kwargs={
                    "column": metric,
                    "bound": bound,
                    "baseline": before,
                    "tolerance": tolerance,
                    "delta": None if delta is None else round(delta, 6),
                    "baseline_file": source,
                },
                success=success,
                observed=None if now is None else float(now),
                unexpected_count=None,
                element_count=None,
                unexpected_rows=[],
                unexpected_values=[],
                error=None,
                code=CODE,
            )
        )
    return out


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def render_deltas(outcomes: list[Outcome]) -> str:
    """The regression table: metric, baseline, now, delta, verdict."""
    rows = [o for o in outcomes if o.suite == SUITE]
    if not rows:
        return ""
    source = rows[0].kwargs.get("baseline_file", "the baseline")
    tolerance = rows[0].kwargs.get("tolerance")
    width = max(len("metric"), *(len(o.kwargs["column"]) for o in rows))
    lines = [
        f"regression against {source} (tolerance {tolerance:g}):",
        f"  {'metric':<{width}}  baseline  now     delta   result",
    ]
    for o in rows:
        delta = o.kwargs.get("delta")
        shown = "n/a" if delta is None else f"{delta:+.3f}"
        lines.append(
            f"  {o.kwargs['column']:<{width}}  {_number(o.kwargs.get('baseline')):<8}  {_number(o.observed):<6}  "
            f"{shown:<6}  {'ok' if o.success else 'FAIL ' + ('dropped' if o.kwargs.get('bound') == 'min' else 'rose')}"
        )
    failed = sum(not o.success for o in rows)
    lines.append(
        f"  {failed} of {len(rows)} metrics regressed" if failed else f"  no metric regressed ({len(rows)} compared)"
    )
    return "\n".join(lines)
