"""scripts/release.py on a throw-away clone: bump, rebuild, changelog, commit, tag."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for name in ("src", "annotations", "dataset", "scripts", "figures"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__", ".*"))
    for name in ("CHANGELOG.md", "DATASHEET.md", "pyproject.toml", "README.md", ".gitignore"):
        shutil.copy(REPO / name, root / name)
    _git(root, "init", "-q")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@example.org", "add", "-A")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "start")
    return root


def _release(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(root / "scripts" / "release.py"), "--root", str(root), *args],
        capture_output=True,
        text=True,
        env={
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.org",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.org",
            "PATH": "/usr/bin:/bin",
            "HOME": str(root.parent),
        },
    )


def test_release_bumps_rebuilds_and_tags(clone: Path) -> None:
    from diplonews.version import __version__

    major, minor, _ = (int(x) for x in __version__.split("."))
    expected = f"{major}.{minor + 1}.0"
    result = _release(clone, "--bump", "minor", "--date", "2030-01-02")
    assert result.returncode == 0, result.stderr
    assert f'__version__ = "{expected}"' in (clone / "src" / "diplonews" / "version.py").read_text("utf-8")
    assert json.loads((clone / "dataset" / "MANIFEST.json").read_text("utf-8"))["version"] == expected
    card = (clone / "dataset" / "README.md").read_text("utf-8")
    assert f"version: {expected}" in card and f"# Dataset card for diplonews {expected}" in card
    changelog = (clone / "CHANGELOG.md").read_text("utf-8")
    assert f"## [Unreleased]\n\n## [{expected}] - 2030-01-02\n" in changelog
    assert "### Gold changes\n\n- first release" in changelog
    assert f"v{expected}" in _git(clone, "tag", "--list").split()
    assert _git(clone, "status", "--porcelain") == ""


def test_release_refuses_a_dirty_tree(clone: Path) -> None:
    (clone / "annotations" / "gold" / "temporal.jsonl").write_text("", "utf-8")
    result = _release(clone, "--bump", "patch")
    assert result.returncode == 2 and "uncommitted changes" in result.stderr
    assert _git(clone, "tag", "--list") == ""


def test_release_refuses_an_empty_unreleased_section(clone: Path) -> None:
    changelog = clone / "CHANGELOG.md"
    text = changelog.read_text("utf-8")
    head, _, _ = text.partition("## [Unreleased]")
    changelog.write_text(head + "## [Unreleased]\n", "utf-8")
    _git(clone, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qam", "empty")
    result = _release(clone, "--bump", "patch")
    assert result.returncode != 0 and "Unreleased section is empty" in result.stderr


def test_release_summarises_the_gold_changes_since_the_previous_tag(clone: Path) -> None:
    _git(clone, "tag", "v0.0.1")
    gold = clone / "annotations" / "gold" / "entities.jsonl"
    lines = gold.read_text("utf-8").splitlines(keepends=True)
    record = json.loads(lines[0])
    assert record["mention_id"] == "000-m001" and record["label"] == "GPE"
    lines[0] = json.dumps({**record, "label": "NORP", "surface_error": True}) + "\n"
    gold.write_text("".join(lines), "utf-8")
    _git(clone, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qam", "relabel")
    result = _release(clone, "--bump", "patch", "--date", "2030-01-03", "--no-tag")
    assert result.returncode == 0, result.stderr
    changelog = (clone / "CHANGELOG.md").read_text("utf-8")
    assert "### Gold changes (`diplonews diff v0.0.1 HEAD`)" in changelog
    assert "- `entities`: 0 added, 0 removed, 1 changed (fields: label, surface_error)" in changelog
    assert "- `tokens`: 0 added, 0 removed, 1 changed (fields: ner_tags)" in changelog


def test_release_refuses_outside_a_checkout(clone: Path) -> None:
    (clone / "pyproject.toml").unlink()
    _git(clone, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qam", "no project file")
    result = _release(clone, "--bump", "patch")
    assert result.returncode == 2 and "needs-checkout" in result.stderr
    assert _git(clone, "status", "--porcelain") == ""
