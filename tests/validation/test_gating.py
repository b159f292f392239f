"""Gates on polars equal gates on GX; suites beyond plain range checks go to GX."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest

from diplonews.engines import derive
from diplonews.engines import gx as gx_engine
from diplonews.evaluate import metric_names
from diplonews.validation import gating
from diplonews.validation.runtime import engine
from diplonews.validation.thresholds import gate_document

TASKS = ("entities", "temporal", "discrepancies", "cleaning")


def _random_table(task: str, parameters: dict[str, Any], rnd: random.Random) -> dict[str, float | int | None]:
    bounds = [value for value in parameters.values() if isinstance(value, int | float)]
    table: dict[str, float | int | None] = {}
    for name in metric_names(task):
        choice = rnd.random()
        if choice < 0.2:
            table[name] = None  # undefined for this gold: not a failing row, in GX as here
        elif choice < 0.5 and bounds:
            table[name] = rnd.choice(bounds) + rnd.choice((0.0, 1e-12, -1e-12))  # on and around a threshold
        elif name.startswith("n_") or name.endswith("_count"):
            table[name] = rnd.randrange(0, 50)
        else:
            table[name] = rnd.random()
    return table


def _on_gx(document: dict[str, Any], parameters: dict[str, Any], table: dict[str, Any]) -> list[Any]:
    gx = engine()
    suite = gx.load_suite(document)
    run = gx.run(suite, derive.metrics_frame(table), parameters, gx.new_run_id("gating-test"))
    return gx_engine.outcomes(run, suite)


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("seed", range(3))
def test_polars_gates_equal_gx_gates(task: str, seed: int) -> None:
    rnd = random.Random(f"{task}-{seed}")
    document, defaults = gate_document(task, None)
    parameters = {name: rnd.choice((value, 0.0, 1.0, rnd.random())) for name, value in defaults.items()}
    assert gating.runs_on_polars(task, document, parameters)
    verdicts: set[bool] = set()
    for _ in range(4):
        table = _random_table(task, parameters, rnd)
        ours = gating.outcomes_on_polars(document, parameters, table)
        theirs = _on_gx(document, parameters, table)
        assert [o.to_dict() for o in ours] == [o.to_dict() for o in theirs]
        verdicts |= {o.success for o in ours}
    assert verdicts == {True, False}  # the random tables hit both sides of the gates


def test_a_failing_and_a_passing_gate_on_both_engines() -> None:
    document, parameters = gate_document("temporal", None)
    table = dict.fromkeys(metric_names("temporal"), 1.0)
    column = document["expectations"][0]["kwargs"]["column"]
    table[column] = 0.0
    ours = gating.outcomes_on_polars(document, parameters, table)
    assert [o.success for o in ours] == [o.success for o in _on_gx(document, parameters, table)]
    assert [o.success for o in ours].count(False) == 1 and ours[0].code == "gate-failed"
    assert ours[0].unexpected_values == [0.0]


def _edited(task: str, change: str) -> tuple[dict[str, Any], dict[str, Any]]:
    document, parameters = gate_document(task, None)
    document = copy.deepcopy(document)
    expectation = document["expectations"][0]
    if change == "mostly":
        expectation["kwargs"]["mostly"] = 0.5
    elif change == "unknown column":
        expectation["kwargs"]["column"] = "no_such_metric"
    elif change == "other kind":
        expectation["type"] = "expect_column_values_to_not_be_null"
    elif change == "undefined parameter":
        expectation["kwargs"]["min_value"] = {"$PARAMETER": "nowhere"}
    elif change == "text bound":
        expectation["kwargs"]["min_value"] = "0.5"
    elif change == "no bound":
        expectation["kwargs"].pop("min_value", None)
        expectation["kwargs"].pop("max_value", None)
    elif change == "row condition":
        expectation["kwargs"]["row_condition"] = 'n_gold == "1"'
    return document, parameters


@pytest.mark.parametrize(
    "change",
    ["mostly", "unknown column", "other kind", "undefined parameter", "text bound", "no bound", "row condition"],
)
def test_anything_beyond_a_plain_range_check_runs_on_gx(change: str) -> None:
    document, parameters = _edited("entities", change)
    assert not gating.runs_on_polars("entities", document, parameters)


def test_a_plain_user_copy_with_overridden_parameters_runs_on_polars() -> None:
    document, parameters = gate_document("entities", {"min_strict_micro_f1": 0.5, "max_n_predicted": 10})
    assert gating.runs_on_polars("entities", document, parameters)
    assert any(e["kwargs"]["column"] == "n_predicted" for e in document["expectations"])
