"""The built wheel carries the dataset, its datasheet and guidelines, loads as `diplonews`, and refuses
checkout-only commands without writing anything."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

SNIPPET = """
import diplonews, datasets, json, pathlib
entities = datasets.load_dataset(diplonews.DATASET_PATH, "entities", split="test")
tokens = diplonews.load("tokens")
articles = diplonews.load("articles")
folder = pathlib.Path(diplonews.DATASET_PATH)
print(json.dumps({
    "path": diplonews.DATASET_PATH, "entities": entities.num_rows, "articles": articles.num_rows,
    "tokens": tokens.num_rows, "names": [entities.info.dataset_name, tokens.info.dataset_name],
    "citation": bool(entities.info.citation), "docs": sorted(p.name for p in folder.glob("*.md")),
}))
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp_path = tmp_path_factory.mktemp("wheel")
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(REPO)], check=True, timeout=300
    )
    (wheel,) = wheels.glob("diplonews-*.whl")
    target = tmp_path / "target"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        timeout=300,
    )
    return target


def _env(target: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(target),
        "HF_DATASETS_OFFLINE": "1",
        "HF_DATASETS_CACHE": str(target.parent / "cache"),
    }


def _files(target: Path) -> list[str]:
    return sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if "__pycache__" not in p.parts)


def test_installed_wheel_exposes_the_dataset(installed: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-c", SNIPPET],
        capture_output=True,
        text=True,
        env=_env(installed),
        cwd=installed.parent,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    found = json.loads(run.stdout.strip().splitlines()[-1])
    assert found["path"].startswith(str(installed)) and Path(found["path"]).name == "diplonews"
    assert found["articles"] == len(list((REPO / "dataset" / "raw").glob("*.txt"))) and found["entities"] > 0
    assert found["tokens"] > 0 and found["names"] == ["diplonews", "diplonews"] and found["citation"]
    assert {"README.md", "DATASHEET.md", "GUIDELINES.md"} <= set(found["docs"])


@pytest.mark.parametrize(
    "argv",
    [["build"], ["build", "--check"], ["datasheet"], ["labelstudio", "config"], ["labelstudio", "config", "--check"]],
)
def test_checkout_only_commands_refuse_on_the_installed_package(installed: Path, argv: list[str]) -> None:
    before = _files(installed)
    run = subprocess.run(
        [sys.executable, "-m", "diplonews.cli", *argv],
        capture_output=True,
        text=True,
        env=_env(installed),
        cwd=installed.parent,
        timeout=300,
    )
    assert run.returncode == 2, (run.stdout, run.stderr[-2000:])
    assert "error[needs-checkout]" in run.stderr
    assert _files(installed) == before  # nothing written (no <site-packages>/annotations, no dataset/)


def test_verify_works_on_the_installed_dataset(installed: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "diplonews.cli", "verify"],
        capture_output=True,
        text=True,
        env=_env(installed),
        cwd=installed.parent,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
