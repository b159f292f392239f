"""Validating the dataset folder: the pandera contract, then the four GX dataset suites."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from diplonews import paths
from diplonews.contract import schema
from diplonews.contract.derived import ARTICLE_IDS
from diplonews.contract.errors import DiplonewsError, Problem, display_path
from diplonews.engines import derive
from diplonews.engines import gx as gx_engine
from diplonews.engines.outcome import Outcome
from diplonews.engines.pandera_pandas import validate_dataset as pandera_validate_dataset
from diplonews.export.gx_suites import read_suite_document
from diplonews.io.dataset import read_dataset, to_frames
from diplonews.validation.predictions import locate_examples
from diplonews.validation.report import finish, preflight
from diplonews.validation.result import ValidationResult
from diplonews.validation.runtime import engine


def _contract_outcomes(frames: Mapping[str, pd.DataFrame]) -> list[Outcome]:
    """The pandera contract's verdict: one outcome per (table, code, field), its problems as examples."""
    problems = pandera_validate_dataset(frames)
    grouped: dict[tuple[str, str, str | None], list[Problem]] = {}
    for problem in problems:
        grouped.setdefault((problem.file or "", problem.code, problem.field), []).append(problem)
    out = []
    for name in schema.CONFIG_NAMES:
        suite, n_rows = f"contract_{name}", len(frames[name])
        table_problems = {key: value for key, value in grouped.items() if key[0] == name}
        if not table_problems:
            out.append(
                Outcome(
                    suite,
                    "pandera",
                    "pandera",
                    f"the pandera contract of {name}",
                    {},
                    True,
                    None,
                    0,
                    n_rows,
                    [],
                    [],
                    None,
                )
            )
        for (_, code, column), items in table_problems.items():
            outcome = Outcome(
                suite, f"{column}: {code}" if column else code, "pandera", items[0].message, {"column": column}, False, None,
                len(items), n_rows, [p.row - 1 for p in items if p.row is not None][:10], [p.value for p in items][:10], None, code=code,
            )  # fmt: skip
            outcome.examples = items[:10]
            out.append(outcome)
    return out


def _table_row(table: str, row: int) -> dict[str, Any]:
    return {"file": table, "row": row + 1}


def validate_dataset(
    dataset: str | Path | None = None, *, report_dir: str | Path | None = None, data_docs: bool = False
) -> ValidationResult:
    """The dataset against the pandera contract and the four GX dataset suites."""
    dataset_dir = Path(dataset) if dataset is not None else paths.DATASET_DIR
    result = ValidationResult("dataset", display_path(dataset_dir), display_path(dataset_dir))
    if not preflight(result, report_dir):
        return result
    try:
        arrow = read_dataset(dataset_dir)
    except DiplonewsError as error:
        result.problems, result.problems_total = error.problems, error.total
        return finish(result, report_dir, None, ())
    rows = {name: table.to_pylist() for name, table in arrow.items()}
    frames = to_frames(rows)
    result.n_rows = sum(len(table) for table in rows.values())
    contract = _contract_outcomes(frames)
    derived = derive.derive_dataset(arrow)
    gx = engine()
    run_id = gx.new_run_id("dataset")
    parameters = {ARTICLE_IDS: sorted(frames["articles"]["id"])}
    suites = []
    checked: list[Outcome] = []
    for name in schema.CONFIG_NAMES:
        suite = gx.load_suite(read_suite_document(paths.EXPECTATIONS_DIR / f"dataset_{name}.json"))
        suites.append(suite.name)
        found = gx_engine.outcomes(gx.run(suite, derived[name], parameters, run_id), suite)
        locate_examples(found, partial(_table_row, name))
        checked += found
    result.outcomes = contract + checked
    result.metrics = {f"rows_{name}": len(rows[name]) for name in schema.CONFIG_NAMES}
    return finish(result, report_dir, run_id, suites, data_docs=data_docs)
