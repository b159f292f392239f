"""Which gate suite runs and with which thresholds: the default, a user's overrides, or a user's suite."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from diplonews import paths
from diplonews.contract.errors import DiplonewsError, Problem, display_path
from diplonews.evaluate import metric_names
from diplonews.export.gx_suites import default_parameters, read_suite_document
from diplonews.io.files import read_utf8


def gate_document(
    task: str, thresholds: str | Path | Mapping[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The gate suite to run and its parameters: the default suite, a user's copy, or overrides.

    `thresholds` may be a mapping or a JSON file of `{"min_<metric>": x, "max_<metric>": y}`:
    a known parameter overrides its default, a new one adds a gate on that metric (any
    column of the metrics table). A JSON file holding a whole GX suite (a copy of
    `expectations/gates_<task>.json`, edited) replaces the default suite.
    """
    document = read_suite_document(paths.EXPECTATIONS_DIR / f"gates_{task}.json")
    if thresholds is None:
        return document, default_parameters(document)
    location = "--thresholds"
    if isinstance(thresholds, str | Path):
        path = Path(thresholds)
        location = display_path(path)
        text = read_utf8(path)
        try:
            thresholds = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as error:
            line = error.lineno if isinstance(error, json.JSONDecodeError) else None
            raise DiplonewsError(
                Problem(
                    "malformed-json",
                    f"malformed JSON: {error}",
                    file=location,
                    line=line,
                    hint='expected {"min_strict_micro_f1": 0.8, ...}',
                )
            ) from None
        if isinstance(thresholds, dict) and "expectations" in thresholds:
            return _user_suite(thresholds, location), default_parameters(thresholds)
    if not isinstance(thresholds, Mapping):
        found = type(thresholds).__name__
        raise DiplonewsError(
            Problem(
                "bad-threshold",
                f"thresholds must be a mapping of name to number, found {found}",
                file=location,
                hint='e.g. {"min_strict_micro_f1": 0.8}',
            )
        )
    parameters = default_parameters(document)
    document = json.loads(json.dumps(document))
    problems = []
    known_metrics = set(metric_names(task))
    for key, value in thresholds.items():
        bound, _, metric = str(key).partition("_")
        if bound not in {"min", "max"} or metric not in known_metrics:
            problems.append(
                Problem(
                    "unknown-threshold", f"unknown threshold {str(key)!r}", file=location, field=str(key),
                    hint=f"the defaults are {', '.join(sorted(parameters))}; any min_<metric> or max_<metric> of the metrics table works (`diplonews gates --task {task}`)",
                )
            )  # fmt: skip
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            problems.append(
                Problem(
                    "bad-threshold", "threshold must be a finite number", file=location, field=str(key), value=value
                )
            )
            continue
        if (
            not metric.startswith("n_")
            and not metric.endswith("_count")
            and metric != "value_matched"
            and not 0 <= value <= 1
        ):
            problems.append(
                Problem(
                    "bad-threshold",
                    "this metric lies in [0, 1]; the threshold is outside",
                    file=location,
                    field=str(key),
                    value=value,
                )
            )
            continue
        if key not in parameters:
            document["expectations"].append(
                {
                    "type": "expect_column_values_to_be_between",
                    "kwargs": {"column": metric, f"{bound}_value": {"$PARAMETER": key}},
                    "meta": {"check": f"gate.{key}", "why": f"added by {location}", "code": "gate-failed"},
                }
            )
        parameters[key] = float(value)
    if problems:
        raise DiplonewsError(problems)
    return document, parameters


def _parameters_used(value: Any) -> set[str]:
    if isinstance(value, dict):
        if set(value) == {"$PARAMETER"}:
            return {str(value["$PARAMETER"])}
        return set().union(*(_parameters_used(item) for item in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_parameters_used(item) for item in value)) if value else set()
    return set()


def _user_suite(document: dict[str, Any], location: str) -> dict[str, Any]:
    """A user's whole gate suite: refused unless GX can run every expectation of it."""
    expectations = document.get("expectations")
    hint = "start from a copy of expectations/gates_<task>.json"
    if not isinstance(expectations, list) or not expectations:
        raise DiplonewsError(
            Problem(
                "bad-suite",
                "the suite has no expectations: it would pass anything",
                file=location,
                field="expectations",
                hint=hint,
            )
        )
    for index, expectation in enumerate(expectations):
        if (
            not isinstance(expectation, dict)
            or not isinstance(expectation.get("type"), str)
            or not isinstance(expectation.get("kwargs"), dict)
        ):
            raise DiplonewsError(
                Problem(
                    "bad-suite",
                    "an expectation needs a 'type' string and a 'kwargs' object",
                    file=location,
                    where=f"expectations[{index}]",
                    hint=hint,
                )
            )
    undefined = sorted(_parameters_used(expectations) - set(default_parameters(document)))
    if undefined:
        raise DiplonewsError(
            Problem(
                "bad-suite",
                f"$PARAMETER {', '.join(undefined)} has no value",
                file=location,
                field="meta.diplonews.parameters",
                hint="give each $PARAMETER a default in meta.diplonews.parameters",
            )
        )
    return document


def render_gates(task: str | None = None) -> str:
    """`diplonews gates`: every default gate, its threshold, what it measures, its origin, how to override it."""
    from diplonews.contract.gates import EVIDENCE, GATES
    from diplonews.validation.regression import DEFAULT_TOLERANCE

    tasks = [task] if task is not None else list(GATES)
    lines = [
        f"Default quality gates (evidence: {EVIDENCE}; every trivial baseline fails its task's gates;",
        "a floor is a gate some trivial baseline passes alone, the task's other gates stop it).",
    ]
    for name in tasks:
        gates = GATES[name]
        lines += [
            "",
            f"{name}: {len(gates)} gates (suite {display_path(paths.EXPECTATIONS_DIR / f'gates_{name}.json')})",
        ]
        for gate in gates:
            floor = "  [floor]" if gate.floor else ""
            lines += [
                f"  {gate.parameter} = {gate.default:g}    ({gate.condition}){floor}",
                f"      measures: {gate.why}",
                f"      origin:   {gate.origin}",
            ]
        example = json.dumps({gates[0].parameter: gates[0].default})
        lines += [
            "  override (any min_<metric> or max_<metric> of the metrics table; a new name adds a gate):",
            f"      diplonews validate --task {name} --predictions F --thresholds t.json    with t.json = {example}",
            "      pytest --diplonews-thresholds t.json    or in pytest's ini: diplonews_thresholds = t.json (relative to the rootdir)",
            f"      or pass an edited copy of expectations/gates_{name}.json as the thresholds file",
            f"  regression: --baseline reports/predictions_{name}.json fails when a gated metric moves the wrong way"
            f" by more than --tolerance (default {DEFAULT_TOLERANCE:g})",
        ]
    return "\n".join(lines)
