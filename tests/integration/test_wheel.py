"""The built wheel carries the dataset: `load_dataset(diplonews.DATASET_PATH, ...)` works installed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO

SNIPPET = """
import diplonews, datasets, pathlib
entities = datasets.load_dataset(diplonews.DATASET_PATH, "entities", split="test")
articles = datasets.load_dataset(diplonews.DATASET_PATH, "articles", split="test")
print(diplonews.DATASET_PATH, entities.num_rows, articles.num_rows)
"""


def test_installed_wheel_exposes_the_dataset(tmp_path: Path) -> None:
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
    env = {
        **os.environ,
        "PYTHONPATH": str(target),
        "HF_DATASETS_OFFLINE": "1",
        "HF_DATASETS_CACHE": str(tmp_path / "cache"),
    }
    run = subprocess.run(
        [sys.executable, "-c", SNIPPET], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300
    )
    assert run.returncode == 0, run.stderr[-3000:]
    path, n_entities, n_articles = run.stdout.split()
    assert path.startswith(str(target)) and path.endswith("_dataset")
    assert int(n_articles) == len(list((REPO / "dataset" / "raw").glob("*.txt"))) and int(n_entities) > 0
