"""The dataset card: Hub metadata present, and every usage example runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import yaml

from conftest import REPO

CARD = (REPO / "dataset" / "README.md").read_text("utf-8")
EXAMPLES = re.findall(r"```python\n(.*?)```", CARD, re.DOTALL)


def test_card_has_the_hub_metadata() -> None:
    metadata = yaml.safe_load(CARD.split("---\n", 2)[1])
    for key in (
        "license",
        "language",
        "task_categories",
        "task_ids",
        "size_categories",
        "pretty_name",
        "configs",
        "dataset_info",
    ):
        assert metadata.get(key), key


def test_card_has_one_example_per_config() -> None:
    for config in ("articles", "entities", "temporal", "discrepancies"):
        assert any(f'"{config}"' in example for example in EXAMPLES), config


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_card_example_runs(index: int, tmp_path) -> None:
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_DATASETS_CACHE": str(tmp_path / "cache")}
    run = subprocess.run(
        [sys.executable, "-c", EXAMPLES[index]], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip(), "each example prints what it shows"


def test_readme_quickstart_runs(tmp_path) -> None:
    readme = (REPO / "README.md").read_text("utf-8")
    quickstart = re.search(r"## Quickstart\n\n```python\n(.*?)```", readme, re.DOTALL)
    assert quickstart
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_DATASETS_CACHE": str(tmp_path / "cache")}
    run = subprocess.run(
        [sys.executable, "-c", quickstart.group(1)], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300
    )
    assert run.returncode == 0, run.stderr[-2000:]
