"""The default quality gates: one bound per metric, the single source of every threshold.

The GX gate suites (`expectations/gates_<task>.json`), `diplonews gates`, the pytest
plugin's defaults and the README table are all generated from `GATES`. A threshold is a
GX expectation parameter (`{"$PARAMETER": "min_strict_micro_f1"}`): override it per run
with `--thresholds`, in pytest's ini, or in a copy of the suite.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Gate:
    """A quality gate: a bound on one metric; its default is the suite's expectation parameter."""

    metric: str
    bound: Literal["min", "max"]
    default: float
    why: str

    @property
    def parameter(self) -> str:
        return f"{self.bound}_{self.metric}"


# The default gates. Thresholds are GX expectation parameters: override them with
# `--thresholds FILE` ({"min_strict_micro_f1": 0.8}) or in your own copy of the gate suite.
GATES: dict[str, tuple[Gate, ...]] = {
    "entities": (
        Gate("strict_micro_f1", "min", 0.5, "exact boundaries and type on at least half of the mentions, balanced"),
        Gate("ent_type_micro_f1", "min", 0.6, "the right type on overlapping spans"),
    ),
    "temporal": (
        Gate("strict_micro_f1", "min", 0.5, "exact boundaries and TIMEX3 type"),
        Gate("value_accuracy", "min", 0.6, "normalised values right on the spans found with exact boundaries"),
    ),
    "discrepancies": (
        Gate("ent_type_micro_f1", "min", 0.3, "predicted spans overlap gold discrepancy spans of the same type"),
        Gate(
            "detection_micro_recall", "min", 0.3, "share of gold discrepancies with at least one span found (same type)"
        ),
    ),
    "cleaning": (
        Gate("boilerplate_removed", "min", 0.9, "share of the gold boilerplate characters removed"),
        Gate("entities_preserved", "min", 0.95, "share of gold entity mentions (outside boilerplate) kept intact"),
        Gate("artifacts_remaining", "max", 0.25, "share of the gold extraction-artifact characters still there"),
    ),
}
