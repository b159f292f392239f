"""Shared fixtures: a throw-away copy of the project's sources, so tests can break things."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from diplonews import paths

REPO = paths.repo_root()
SEEDS = REPO / "dataset" / "raw"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of annotations/gold, dataset/ (raw + built files) and the shipped documents in a temp root."""
    root = tmp_path / "project"
    shutil.copytree(REPO / "annotations" / "gold", root / "annotations" / "gold")
    shutil.copytree(REPO / "dataset", root / "dataset", ignore=shutil.ignore_patterns(".*"))
    shutil.copy2(REPO / "DATASHEET.md", root / "DATASHEET.md")  # the build ships copies of these
    shutil.copy2(REPO / "annotations" / "GUIDELINES.md", root / "annotations" / "GUIDELINES.md")
    shutil.copytree(REPO / "figures", root / "figures")
    (root / "pyproject.toml").write_text("", "utf-8")  # a checkout, as far as checkout-only commands can tell
    for path in (root / "dataset" / "raw").iterdir():
        path.chmod(0o644)
    return root


def dataset_snapshot(root: Path) -> dict[str, bytes]:
    """Every file of dataset/, to prove a failed build changed nothing."""
    folder = root / "dataset"
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def keys(problems: Any) -> list[tuple[str, str | None, int | None, str | None]]:
    """(code, file, line or row, field) of each problem: what tests compare, never the English text."""
    found = problems.problems if hasattr(problems, "problems") else problems
    return [problem.key() for problem in found]


def raised(call: Any, *args: Any, **kwargs: Any) -> list[tuple[str, str | None, int | None, str | None]]:
    """The problem keys of the DiplonewsError a call raises (fails the test if it raises none)."""
    from diplonews.contract.errors import DiplonewsError

    with pytest.raises(DiplonewsError) as info:
        call(*args, **kwargs)
    return keys(info.value)
