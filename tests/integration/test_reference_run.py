"""The reference run: `diplonews validate` end to end, as CI and a downstream user run it.

Predictions derived from the gold must pass every expectation (exit 0); each deliberately
broken file must fail with its exit code and its message. Every run is a separate
`diplonews` process (the real command, its imports, its exit code); they run
concurrently to keep the module fast.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq
import pytest

from conftest import REPO
from diplonews import paths
from diplonews.contract.errors import EXIT_FAILED, EXIT_OK, EXIT_UNUSABLE
from gold_predictions import gold_predictions

pytestmark = pytest.mark.integration

BROKEN = REPO / "tests" / "fixtures" / "predictions" / "broken"
DATASET = Path(paths.DATASET_DIR)
DIPLONEWS = [sys.executable, "-m", "diplonews.cli"]


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    report_dir: Path


def _write(records: list[dict], path: Path) -> Path:
    frame = pl.DataFrame(records, infer_schema_length=None)
    if path.suffix == ".csv":
        frame.write_csv(path)
    elif path.suffix == ".parquet":
        frame.write_parquet(path)
    else:
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    work = tmp_path_factory.mktemp("reference")
    reference = {
        "entities": _write(gold_predictions("entities", DATASET), work / "entities.jsonl"),
        "temporal": _write(gold_predictions("temporal", DATASET), work / "temporal.csv"),
        "discrepancies": _write(gold_predictions("discrepancies", DATASET), work / "discrepancies.parquet"),
        "cleaning": _write(gold_predictions("cleaning", DATASET), work / "cleaning.jsonl"),
    }
    commands = {"dataset": ["validate"]}
    commands |= {
        f"gold-{task}": ["validate", "--task", task, "--predictions", str(path)] for task, path in reference.items()
    }
    commands |= {
        "shifted-offsets": [
            "validate",
            "--task",
            "entities",
            "--predictions",
            str(BROKEN / "entities_shifted_offsets.jsonl"),
        ],
        "unknown-label": [
            "validate",
            "--task",
            "entities",
            "--predictions",
            str(BROKEN / "entities_unknown_label.jsonl"),
        ],
        "missing-column": [
            "validate",
            "--task",
            "entities",
            "--predictions",
            str(BROKEN / "entities_missing_column.csv"),
        ],
        "bad-json": ["validate", "--task", "entities", "--predictions", str(BROKEN / "entities_bad_json.jsonl")],
        "bad-timex": ["validate", "--task", "temporal", "--predictions", str(BROKEN / "temporal_bad_value.jsonl")],
        "keeps-boilerplate": [
            "validate",
            "--task",
            "cleaning",
            "--predictions",
            str(BROKEN / "cleaning_keeps_boilerplate.jsonl"),
        ],
    }
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    processes = {}
    for name, command in commands.items():
        folder = work / name
        folder.mkdir()
        processes[name] = subprocess.Popen(
            [*DIPLONEWS, *command, "--report-dir", "reports"],
            cwd=folder,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    out = {}
    for name, process in processes.items():
        stdout, stderr = process.communicate(timeout=600)
        out[name] = Run(process.returncode, stdout, stderr, work / name / "reports")
    yield out
    shutil.rmtree(work, ignore_errors=True)


def test_the_dataset_passes(runs: dict[str, Run]) -> None:
    run = runs["dataset"]
    assert run.returncode == EXIT_OK, run.stdout + run.stderr
    assert run.stdout.rstrip().splitlines()[-1].startswith("PASS:")
    assert _report(run, "dataset")["success"] is True


@pytest.mark.parametrize("task", ["entities", "temporal", "discrepancies", "cleaning"])
def test_predictions_derived_from_the_gold_pass(runs: dict[str, Run], task: str) -> None:
    run = runs[f"gold-{task}"]
    assert run.returncode == EXIT_OK, run.stdout + run.stderr
    result = _report(run, f"predictions_{task}")
    assert result["success"] is True and result["n_rows"] > 0
    assert all(e["success"] for e in result["expectations"])
    if task != "cleaning":
        assert result["metrics"]["strict_micro_f1"] == 1.0
    page = run.report_dir / f"predictions_{task}" / "report.html"
    assert page.is_file() and "PASS" in page.read_text("utf-8")
    assert not (run.report_dir.parent / "gx").exists()


def _report(run: Run, stem: str) -> dict[str, Any]:
    return json.loads((run.report_dir / stem / "result.json").read_text("utf-8"))


def _failed(run: Run, check: str, stem: str = "predictions_entities") -> list[dict[str, Any]]:
    """The failing examples (problem objects) of one failed check, from the JSON report."""
    assert re.search(rf"^  \S+\s+{re.escape(check)}\s+FAIL", run.stdout, re.M), (
        f"{check} did not fail:\n{run.stdout}{run.stderr}"
    )
    [expectation] = [e for e in _report(run, stem)["expectations"] if e["check"] == check]
    assert expectation["success"] is False
    return expectation["examples"]


def _keys(problems: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(p["code"], Path(p["file"]).name, p["line"], p["field"]) for p in problems]


def test_shifted_offsets_fail_naming_line_and_the_right_start(runs: dict[str, Run]) -> None:
    run = runs["shifted-offsets"]
    assert run.returncode == EXIT_FAILED
    examples = _failed(run, "span.text_matches")
    assert "FAIL 3 of 4 rows" in run.stdout
    assert _keys(examples)[0] == ("span-mismatch", "entities_shifted_offsets.jsonl", 1, "text")
    assert examples[0]["hint"].startswith("the text occurs at start [0,")
    assert _keys(_failed(run, "span.end_within_article")) == [
        ("span-out-of-range", "entities_shifted_offsets.jsonl", 4, "end")
    ]


def test_an_unknown_label_fails(runs: dict[str, Run]) -> None:
    run = runs["unknown-label"]
    assert run.returncode == EXIT_FAILED
    examples = _failed(run, "label.label_known")
    assert (
        _keys(examples) == [("unknown-label", "entities_unknown_label.jsonl", 2, "label")]
        and examples[0]["value"] == "PERSN"
    )


def test_a_missing_column_is_unusable(runs: dict[str, Run]) -> None:
    run = runs["missing-column"]
    assert run.returncode == EXIT_UNUSABLE
    assert "error[missing-field]: field 'label'" in run.stderr
    report = _report(run, "predictions_entities")
    assert report["exit_code"] == EXIT_UNUSABLE
    assert _keys(report["problems"]) == [("missing-field", "entities_missing_column.csv", None, "label")]


def test_a_bad_json_line_is_unusable(runs: dict[str, Run]) -> None:
    run = runs["bad-json"]
    assert run.returncode == EXIT_UNUSABLE
    assert _keys(_report(run, "predictions_entities")["problems"]) == [
        ("malformed-json", "entities_bad_json.jsonl", 2, None)
    ]
    assert "entities_bad_json.jsonl:2: error[malformed-json]" in run.stderr


def test_a_value_outside_the_timex_grammar_fails(runs: dict[str, Run]) -> None:
    run = runs["bad-timex"]
    assert run.returncode == EXIT_FAILED
    assert _keys(_failed(run, "value.timex_grammar_date", "predictions_temporal")) == [
        ("timex-grammar", "temporal_bad_value.jsonl", 2, "value")
    ]
    assert _keys(_failed(run, "value.timex_grammar_duration", "predictions_temporal")) == [
        ("timex-grammar", "temporal_bad_value.jsonl", 3, "value")
    ]


def test_a_cleaning_output_that_keeps_boilerplate_fails_its_gate(runs: dict[str, Run]) -> None:
    discrepancies = pq.read_table(DATASET / paths.DATA_FILE_TEMPLATE.format(config="discrepancies")).to_pylist()
    assert any(row["type"] == "boilerplate" for row in discrepancies), (
        "the gold marks no boilerplate: this test would prove nothing"
    )
    run = runs["keeps-boilerplate"]
    assert run.returncode == EXIT_FAILED
    assert re.search(r"^  gate\s+gate\.min_boilerplate_removed\s+FAIL 0\.000 \(gate >= 0\.900\)$", run.stdout, re.M), (
        run.stdout
    )
    result = _report(run, "predictions_cleaning")
    assert result["metrics"]["boilerplate_removed"] == 0.0 and result["metrics"]["entities_preserved"] == 1.0
