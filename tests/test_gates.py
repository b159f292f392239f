"""The gates a user meets: `diplonews gates`, the regression gate (`--baseline`), the extras' missing SDK."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import raised
from diplonews import paths
from diplonews.cli import main as cli_main
from diplonews.contract.errors import EXIT_FAILED, EXIT_OK, EXIT_UNUSABLE
from diplonews.contract.gates import GATES
from diplonews.evaluate import metric_names
from gold_predictions import gold_predictions


def test_every_gate_names_a_metric_and_gives_its_origin() -> None:
    for task, gates in GATES.items():
        assert len({g.parameter for g in gates}) == len(gates), task
        for gate in gates:
            assert gate.metric in metric_names(task), (task, gate.metric)
            assert gate.why and gate.origin, (task, gate.parameter)


def test_gate_suites_say_why_each_number_is_what_it_is() -> None:
    for task, gates in GATES.items():
        suite = json.loads((paths.EXPECTATIONS_DIR / f"gates_{task}.json").read_text("utf-8"))
        metas = {e["meta"]["check"]: e["meta"] for e in suite["expectations"]}
        for gate in gates:
            meta = metas[f"gate.{gate.parameter}"]
            assert (meta["default"], meta["origin"], meta["floor"]) == (gate.default, gate.origin, gate.floor)
            assert gate.origin in suite["notes"]


def test_the_gates_command_lists_default_origin_and_override(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["gates"]) == EXIT_OK
    out = capsys.readouterr().out
    for task, gates in GATES.items():
        assert f"--task {task} --predictions F --thresholds" in out
        for gate in gates:
            assert re.search(rf"^  {gate.parameter} = {gate.default:g} ", out, re.MULTILINE), gate.parameter
            assert gate.origin in out
    assert "--diplonews-thresholds" in out and "diplonews_thresholds =" in out
    assert cli_main(["gates", "--task", "temporal"]) == EXIT_OK
    only = capsys.readouterr().out
    assert "min_value_recall = 0.35" in only and "min_ent_type_micro_f1" not in only


# ---- the regression gate -------------------------------------------------------------------------------


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A perfect run's report (the baseline), its predictions, and a run missing a third of the spans."""
    folder = tmp_path_factory.mktemp("regression")
    gold = gold_predictions("entities", paths.DATASET_DIR)
    full = _write(folder / "full.jsonl", gold)
    worse = _write(folder / "worse.jsonl", [r for i, r in enumerate(gold) if i % 3])
    low = {g.parameter: 0.0 if g.bound == "min" else 1.0 for g in GATES["entities"]}
    lenient = folder / "lenient.json"
    lenient.write_text(json.dumps(low), "utf-8")
    argv = ["validate", "--task", "entities", "--predictions", str(full), "--report-dir", str(folder / "before")]
    assert cli_main(argv) == EXIT_OK
    return {
        "full": full,
        "worse": worse,
        "lenient": lenient,
        "baseline": folder / "before" / "predictions_entities" / "result.json",
    }


def _validate(runs: dict[str, Path], predictions: str, report: Path, *extra: str) -> int:
    options = ["--report-dir", str(report), "--thresholds", str(runs["lenient"]), *extra]
    return cli_main(["validate", "--task", "entities", "--predictions", str(runs[predictions]), *options])


def test_a_metric_that_dropped_fails_with_its_delta(
    runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert _validate(runs, "worse", tmp_path, "--baseline", str(runs["baseline"])) == EXIT_FAILED
    out = capsys.readouterr().out
    assert re.search(r"strict_micro_f1\s+1\.000\s+0\.\d+\s+-0\.\d+\s+FAIL dropped", out)
    report = json.loads((tmp_path / "predictions_entities" / "result.json").read_text("utf-8"))
    regressions = [e for e in report["expectations"] if e["suite"] == "regression"]
    assert {e["kwargs"]["column"] for e in regressions} == {g.metric for g in GATES["entities"]}
    assert all(e["code"] == "regression" and not e["success"] for e in regressions)
    f1 = next(e for e in regressions if e["kwargs"]["column"] == "strict_micro_f1")
    assert f1["kwargs"]["baseline"] == 1.0 and f1["kwargs"]["delta"] == pytest.approx(f1["observed"] - 1.0)
    assert [e["success"] for e in report["expectations"] if e["suite"] != "regression"] == [True] * (
        len(report["expectations"]) - len(regressions)
    )  # only the regression gate failed: the absolute gates were set low


def test_no_regression_passes_and_the_tolerance_is_an_option(
    runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _validate(runs, "full", tmp_path / "same", "--baseline", str(runs["baseline"])) == EXIT_OK
    assert "no metric regressed" in capsys.readouterr().out
    wide = ("--baseline", str(runs["baseline"]), "--tolerance", "0.5")
    assert _validate(runs, "worse", tmp_path / "wide", *wide) == EXIT_OK


@pytest.mark.parametrize(
    ("content", "code", "field"),
    [
        ("{not json", "malformed-json", None),
        ("[1, 2]", "bad-baseline", None),
        (json.dumps({"target": "temporal", "metrics": {"strict_micro_f1": 0.5}}), "bad-baseline", "target"),
        (json.dumps({"target": "entities", "metrics": None}), "bad-baseline", "metrics"),
        (json.dumps({"target": "entities", "metrics": {"strict_micro_f1": "high"}}), "bad-baseline", "metrics.strict_micro_f1"),
    ],
)  # fmt: skip
def test_an_unusable_baseline_is_exit_2(
    runs: dict[str, Path], tmp_path: Path, content: str, code: str, field: str | None
) -> None:
    baseline = tmp_path / "previous.json"
    baseline.write_text(content, "utf-8")
    assert _validate(runs, "full", tmp_path / "r", "--baseline", str(baseline)) == EXIT_UNUSABLE
    report = json.loads((tmp_path / "r" / "predictions_entities" / "result.json").read_text("utf-8"))
    assert [(p["code"], p["field"]) for p in report["problems"]] == [(code, field)]


def test_a_missing_baseline_or_a_negative_tolerance_is_exit_2(runs: dict[str, Path], tmp_path: Path) -> None:
    assert _validate(runs, "full", tmp_path / "a", "--baseline", str(tmp_path / "nope.json")) == EXIT_UNUSABLE
    negative = ("--baseline", str(runs["baseline"]), "--tolerance", "-0.1")
    assert _validate(runs, "full", tmp_path / "b", *negative) == EXIT_UNUSABLE
    report = json.loads((tmp_path / "b" / "predictions_entities" / "result.json").read_text("utf-8"))
    assert [(p["code"], p["field"]) for p in report["problems"]] == [("bad-threshold", "--tolerance")]
    assert cli_main(["validate", "--baseline", str(runs["baseline"])]) == EXIT_UNUSABLE  # needs --task


# ---- extras ---------------------------------------------------------------------------------------------


def test_the_label_studio_workflow_without_its_extra_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from diplonews.labelstudio import server

    monkeypatch.setitem(sys.modules, "label_studio_sdk", None)  # as if `pip install diplonews` (no extra)
    assert raised(server.connect, "http://127.0.0.1:1", "token") == [
        ("missing-dependency", None, None, "label-studio-sdk")
    ]
    monkeypatch.setenv("LABEL_STUDIO_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "token")
    assert cli_main(["labelstudio", "pull", "--out", "x"]) == EXIT_UNUSABLE


def test_the_core_install_does_not_require_the_label_studio_sdk() -> None:
    import tomllib

    project = tomllib.loads((paths.repo_root() / "pyproject.toml").read_text("utf-8"))["project"]
    assert not any(d.startswith("label-studio") for d in project["dependencies"])
    assert project["optional-dependencies"]["labelstudio"] == ["label-studio-sdk>=2.1"]
    assert "diplonews[labelstudio]" in project["optional-dependencies"]["test"]
