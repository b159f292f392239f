"""CI integration, run for real: the pre-commit hook (`pre-commit try-repo`) and the example GitHub workflow.

The hook is tried against a temporary git repository holding prediction files. pre-commit
installs a `language: python` hook into its own virtual environment from the hook
repository (pip, the package's dependencies: minutes, and the package index), so the fast
test tries a copy of `.pre-commit-hooks.yaml` that differs only in `language: system` (the
entry found on PATH, this environment's); the integration test tries the real one.

The workflow's `run:` steps are executed in order, in a copy of `examples/model-repo/`,
with the job's environment; the `uses:` steps (checkout, setup-python, upload-artifact)
are what this test does itself. `DIPLONEWS_REQUIREMENT` names the already installed
package, so the install step runs pip without fetching anything.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from diplonews import paths
from gold_predictions import gold_predictions

REPO = paths.repo_root()
BIN = Path(sys.executable).parent
BROKEN = REPO / "tests" / "fixtures" / "predictions" / "broken" / "entities_shifted_offsets.jsonl"
PRE_COMMIT = shutil.which("pre-commit", path=str(BIN)) or shutil.which("pre-commit")


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
        "GX_ANALYTICS_ENABLED": "false", "HF_DATASETS_OFFLINE": "1",
        **extra,
    }  # fmt: skip


def _git(folder: Path, env: dict[str, str], *args: str) -> None:
    subprocess.run(["git", *args], cwd=folder, env=env, check=True, capture_output=True)


def _jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")


@pytest.fixture
def model_repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A git repository with a good prediction file and a file the hook must ignore."""
    env = _env(tmp_path)
    repo = tmp_path / "model"
    repo.mkdir()
    _git(repo, env, "init", "-q")
    _jsonl(repo / "predictions" / "entities.jsonl", gold_predictions("entities", paths.DATASET_DIR))
    (repo / "notes.jsonl").write_text('{"not": "a prediction"}\n', "utf-8")
    _git(repo, env, "add", ".")
    return repo, env


def _try_repo(hook_repo: Path, model: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    assert PRE_COMMIT, "pre-commit is in the test extra"
    return subprocess.run(
        [PRE_COMMIT, "try-repo", str(hook_repo), "diplonews-predictions", "--all-files", "--verbose"],
        cwd=model, env=env, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip


def _check_hook(hook_repo: Path, model_repo: tuple[Path, dict[str, str]]) -> None:
    repo, env = model_repo
    passed = _try_repo(hook_repo, repo, env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "predictions/entities.jsonl: entities: PASS" in passed.stdout
    assert "notes.jsonl" not in passed.stdout  # not named after a task: not a prediction file
    shutil.copy(BROKEN, repo / "predictions" / "entities_v2.jsonl")
    _git(repo, env, "add", ".")
    failed = _try_repo(hook_repo, repo, env)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "span.text_matches" in failed.stdout and "Failed" in failed.stdout
    assert "predictions/entities.jsonl: entities: PASS" in failed.stdout  # each file judged on its own
    assert not (repo / "reports").exists()  # the hook writes nothing into the repository


def test_the_pre_commit_hook_with_the_local_environment(
    tmp_path: Path, model_repo: tuple[Path, dict[str, str]]
) -> None:
    manifest = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert [hook["id"] for hook in manifest] == ["diplonews-predictions"]
    assert manifest[0]["language"] == "python"
    manifest[0]["language"] = "system"  # the one change: use this environment's diplonews-predictions
    hook_repo = tmp_path / "hooks"
    hook_repo.mkdir()
    (hook_repo / ".pre-commit-hooks.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False), "utf-8")
    _git(hook_repo, model_repo[1], "init", "-q")
    _git(hook_repo, model_repo[1], "add", ".")
    _git(hook_repo, model_repo[1], "commit", "-qm", "hooks")
    _check_hook(hook_repo, model_repo)


@pytest.mark.integration
def test_the_pre_commit_hook_as_published(model_repo: tuple[Path, dict[str, str]]) -> None:
    """`language: python`: pre-commit pip-installs this repository into its own environment (slow, needs the index)."""
    _check_hook(REPO, model_repo)


# ---- the GitHub Actions example -------------------------------------------------------------------------

EXAMPLE = REPO / "examples" / "model-repo"
WORKFLOW = EXAMPLE / ".github" / "workflows" / "quality-gates.yml"
DONE_BY_THE_TEST = {"actions/checkout", "actions/setup-python", "actions/upload-artifact"}


def _run(step: dict[str, Any], checkout: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", step["run"]],
        cwd=checkout, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip


def test_the_example_workflow_runs_its_steps_in_order(tmp_path: Path) -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text("utf-8"))
    (job,) = workflow["jobs"].values()
    checkout = tmp_path / "checkout"
    shutil.copytree(EXAMPLE, checkout)  # actions/checkout
    env = _env(tmp_path, **{key: str(value) for key, value in job.get("env", {}).items()})
    env["DIPLONEWS_REQUIREMENT"] = "diplonews"  # installed here: pip says so and fetches nothing
    ran = []
    for step in job["steps"]:
        if "uses" in step:
            assert step["uses"].split("@")[0] in DONE_BY_THE_TEST, step["uses"]
            if step["uses"].startswith("actions/upload-artifact"):
                assert (checkout / step["with"]["path"]).is_dir()  # what the artifact would hold
            continue
        done = _run(step, checkout, env)
        assert done.returncode == 0, f"step {step.get('name')!r}:\n{done.stdout}\n{done.stderr}"
        ran.append(step["name"])
    assert ran == ["Install diplonews", "Predict", "Quality gates"]
    assert (checkout / "reports" / "predictions_entities" / "result.json").is_file()

    # A regression in the model's output fails the gates step, with the table and without GX noise.
    shutil.copy(BROKEN, checkout / "predictions" / "entities.jsonl")
    gates = next(step for step in job["steps"] if step.get("name") == "Quality gates")
    failed = _run(gates, checkout, env)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "FAILED predictions/entities.jsonl::diplonews[entities]" in failed.stdout
    assert "span.text_matches" in failed.stdout
    assert "Captured log" not in failed.stdout and "DeprecationWarning" not in failed.stdout
