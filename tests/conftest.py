"""Shared fixtures: a throw-away copy of the project's sources, so tests can break things."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from diplonews import paths

REPO = paths.repo_root()
SEEDS = REPO / "dataset" / "raw"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of annotations/gold and dataset/ (raw + built files) in a temp root."""
    root = tmp_path / "project"
    shutil.copytree(REPO / "annotations" / "gold", root / "annotations" / "gold")
    shutil.copytree(REPO / "dataset", root / "dataset", ignore=shutil.ignore_patterns(".*"))
    for path in (root / "dataset" / "raw").iterdir():
        path.chmod(0o644)
    return root


def dataset_snapshot(root: Path) -> dict[str, bytes]:
    """Every file of dataset/, to prove a failed build changed nothing."""
    folder = root / "dataset"
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
