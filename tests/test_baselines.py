"""The committed baselines (scripts/baselines, baselines/): reproducible, valid, and checked for staleness.

Only the trivial baselines run here (pure Python, fast); the off-the-shelf ones (spaCy,
dateparser) are re-scored from their committed predictions, never regenerated.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from diplonews import paths
from diplonews.contract.gates import GATES

REPO = paths.repo_root()
SCRIPT = REPO / "scripts" / "baselines" / "run.py"


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


run = _load("diplonews_baselines_run", SCRIPT)
TRIVIAL = [baseline for baseline in run.BASELINES if baseline.kind == "trivial"]


@pytest.fixture(scope="module")
def articles() -> list[Any]:
    return run.load_articles(paths.DATASET_DIR)


@pytest.fixture(scope="module")
def committed_check() -> Any:
    """`run.py --check` on this checkout, once: every committed file re-scored by `diplonews validate`."""
    return run.run(REPO, check=True)


def test_check_passes_on_the_committed_state(committed_check):
    assert committed_check.problems == []
    assert committed_check.stale == [], f"run `{run.COMMAND}` and commit baselines/"
    assert committed_check.exit_code == 0


def test_every_committed_prediction_file_is_usable(committed_check):
    """Exit 0 (gates pass) or 1 (a gate fails) from `diplonews validate`, never 2; integrity always holds."""
    baselines = committed_check.results["baselines"]
    assert set(baselines) == {baseline.name for baseline in run.BASELINES}
    for baseline in run.BASELINES:
        scored = baselines[baseline.name]["tasks"]
        assert set(scored) == set(baseline.tasks), baseline.name
        for task, entry in scored.items():
            assert entry["exit_code"] in (0, 1), (baseline.name, task)
            assert entry["metrics"], (baseline.name, task)
            assert entry["exit_code"] == (0 if all(entry["gates"].values()) else 1), (baseline.name, task)


def test_the_default_gates_stop_every_trivial_baseline(committed_check):
    """The defaults come from this evidence: each non-floor gate fails every trivial baseline of its task, each
    floor is passed by some trivial baseline (else it is no floor), the off-the-shelf systems pass."""
    baselines = committed_check.results["baselines"]
    for task, gates in GATES.items():
        scored = [(b, baselines[b.name]["tasks"][task]) for b in run.BASELINES if task in b.tasks]
        trivial = [entry for b, entry in scored if b.kind == "trivial"]
        assert trivial, task
        assert all(entry["exit_code"] == 1 for entry in trivial), task
        for gate in gates:
            verdicts = [entry["gates"][gate.parameter] for entry in trivial]
            assert any(verdicts) if gate.floor else not any(verdicts), (task, gate.parameter, gate.floor)
    assert baselines["spacy_sm"]["tasks"]["entities"]["exit_code"] == 0
    assert baselines["spacy_dateparser"]["tasks"]["temporal"]["exit_code"] == 0


@pytest.mark.parametrize("baseline", TRIVIAL, ids=lambda baseline: baseline.name)
def test_trivial_baselines_are_deterministic_and_well_formed(baseline, articles):
    for task in baseline.tasks:
        first = run.predictions(baseline, task, articles)
        assert first == run.predictions(baseline, task, list(reversed(articles))), "output depends on input order"
        assert first == (REPO / "baselines" / "predictions" / baseline.name / f"{task}.jsonl").read_text(
            encoding="utf-8"
        )
        rows = [json.loads(line) for line in first.splitlines()]
        assert rows, f"{baseline.name} predicts nothing for {task}"
        texts = {article.id: article.text for article in articles}
        if task == "cleaning":
            assert [row["article_id"] for row in rows] == sorted(texts)
            continue
        label = "label" if task == "entities" else "type"
        keys = [(row["article_id"], row["start"], row["end"], row[label]) for row in rows]
        assert keys == sorted(set(keys)), "rows are sorted and unique"
        assert all(texts[row["article_id"]][row["start"] : row["end"]] == row["text"] for row in rows)


def _alter_first_line(path: Path, column: str, value: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    row = json.loads(lines[0])
    assert row[column] != value
    row[column] = value
    lines[0] = json.dumps(row, ensure_ascii=False) + "\n"
    path.write_text("".join(lines), encoding="utf-8")


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "baselines", tmp_path / "baselines")
    return tmp_path


def test_check_fails_when_a_trivial_prediction_line_changes(copy):
    _alter_first_line(copy / "baselines" / "predictions" / "caps_person" / "entities.jsonl", "label", "GPE")
    outcome = run.run(copy, check=True, only=["caps_person"])
    assert outcome.exit_code == 1
    stale = " ".join(outcome.stale)
    assert "baselines/predictions/caps_person/entities.jsonl: stale" in stale  # regenerated: differs
    assert "baselines/results.json: stale" in stale  # re-scored: the table moved
    assert "baselines/RESULTS.md: stale" in stale


def test_check_fails_when_an_off_the_shelf_prediction_line_changes(copy):
    """The spaCy file is not regenerated by --check, but re-scoring it shows the table no longer matches."""
    _alter_first_line(copy / "baselines" / "predictions" / "spacy_sm" / "entities.jsonl", "label", "ORG")
    outcome = run.run(copy, check=True, only=["spacy_sm"])
    assert outcome.exit_code == 1
    assert not any("predictions/spacy_sm" in line for line in outcome.stale)
    assert any(line.startswith("baselines/results.json: stale") for line in outcome.stale)


def test_the_command_line(copy, capsys):
    (copy / "baselines" / "RESULTS.md").write_text("# edited by hand\n", encoding="utf-8")
    assert run.main(["--check", "--only", "identity", "--root", str(copy)]) == 1
    assert "baselines/RESULTS.md: stale" in capsys.readouterr().err
