"""What one validation found: the verdict, every expectation's outcome, the metrics; and how it prints."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from diplonews.contract.errors import EXIT_FAILED, EXIT_OK, EXIT_UNUSABLE, MAX_PROBLEMS, Problem, render_problems
from diplonews.engines.outcome import Outcome
from diplonews.version import __version__

COMPACT_STAGE = 16  # a stage with more checks prints its failures and a count of the rest


@dataclass
class ValidationResult:
    """What one validation found. `success` is the verdict; `outcomes` has every expectation."""

    target: str  # "dataset" or a task name
    source: str  # the prediction file (or "<records>") or the dataset folder
    dataset: str
    n_rows: int | None = None
    problems: list[Problem] = field(default_factory=list)  # the input is unusable (at most MAX_PROBLEMS kept)
    problems_total: int = 0  # how many problems there were in all
    outcomes: list[Outcome] = field(default_factory=list)
    metrics: dict[str, float | int | None] | None = None
    metrics_detail: dict[str, Any] | None = None
    parameters: dict[str, Any] = field(default_factory=dict)  # gate thresholds used
    report_files: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what this run did not do, e.g. no gold: no metrics, no gates

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
            "problems": [problem.to_dict() for problem in self.problems[:MAX_PROBLEMS]],
            "problems_total": max(self.problems_total, len(self.problems)),
            "expectations": [outcome.to_dict() for outcome in self.outcomes],
            "parameters": self.parameters,
            "metrics": self.metrics,
            "metrics_detail": self.metrics_detail,
            "report_files": self.report_files,
            "notes": self.notes,
        }

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"<ValidationResult {self.target} {self.source}: {self.summary()}>"

    def summary(self) -> str:
        """The verdict line."""
        if not self.usable:
            return f"UNUSABLE: {max(self.problems_total, len(self.problems)):,} problem(s) in the input (exit {self.exit_code})"
        if self.success:
            return f"PASS: {len(self.outcomes)} expectations met (exit {self.exit_code})"
        return f"FAIL: {len(self.failures)} of {len(self.outcomes)} expectations failed (exit {self.exit_code})"

    def render(self, *, examples: int = 3) -> str:
        """The compact table printed by the CLI (and by the pytest gate on failure)."""
        head = f"diplonews validate {self.target}: {self.source}"
        if self.n_rows is not None:
            head += f" ({self.n_rows:,} rows)"
        lines = [head, f"  {'articles' if self.notes else 'dataset'}: {self.dataset}"]
        lines += [f"  note: {note}" for note in self.notes]
        if self.problems:
            text = render_problems(self.problems, limit=MAX_PROBLEMS, total=self.problems_total)
            lines += ["  " + line for line in text.split("\n")]
            lines.append(self.summary())
            return "\n".join(lines)
        rows = []
        for suite in dict.fromkeys(o.suite for o in self.outcomes):
            group = [o for o in self.outcomes if o.suite == suite]
            shown = (
                group
                if len(group) <= COMPACT_STAGE or suite.startswith("gates_")
                else [o for o in group if not o.success]
            )
            rows += [(stage_of(o.suite), o.check, _verdict(o, examples)) for o in shown]
            if len(shown) < len(group):
                rows.append(
                    (
                        stage_of(suite),
                        f"{len(group) - len(shown)} checks" if shown else f"all {len(group)} checks",
                        "ok",
                    )
                )
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


def stage_of(suite: str) -> str:
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
        return f"{status} {_number(observed)} (gate {limit})" + (
            " [metric undefined for this gold]" if observed is None and outcome.success else ""
        )
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
    lines = [text, *(f"    {_example(example)}" for example in outcome.examples[:examples])]
    if len(outcome.examples) > examples or (outcome.unexpected_count or 0) > len(outcome.examples[:examples]) > 0:
        lines.append(
            f"    ... {max(outcome.unexpected_count or 0, len(outcome.examples)) - examples:,} more (see the JSON result)"
        )
    return "\n".join(lines)


def _example(problem: Problem) -> str:
    hint = f"; {problem.hint}" if problem.hint else ""
    return f"{problem.location}: {problem.message}{hint}"


def _metrics_line(task: str, metrics: Mapping[str, Any]) -> str:
    if task == "cleaning":
        return ", ".join(
            f"{name} {_number(metrics[name])}"
            for name in ("boilerplate_removed", "entities_preserved", "artifacts_remaining")
        )
    parts = [
        f"{scheme} P/R/F1 {_number(metrics[f'{scheme}_micro_precision'])}/{_number(metrics[f'{scheme}_micro_recall'])}/{_number(metrics[f'{scheme}_micro_f1'])}"
        for scheme in ("strict", "exact", "partial", "ent_type")
    ]
    if task == "temporal":
        parts.append(f"value accuracy {_number(metrics['value_accuracy'])} on {metrics['value_matched']} matched")
    if task == "discrepancies":
        parts.append(f"detection recall {_number(metrics['detection_micro_recall'])}")
    return " | ".join(parts) + " (micro)"
