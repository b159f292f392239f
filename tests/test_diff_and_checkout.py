"""`diplonews diff` between versions, checkout-only commands refusing elsewhere, `diplonews.load`."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, dataset_snapshot
from diplonews import build, diff, paths
from diplonews.cli import main
from diplonews.contract.errors import EXIT_OK, EXIT_UNUSABLE, DiplonewsError


def _relabel(project: Path) -> None:
    gold = project / "annotations" / "gold" / "entities.jsonl"
    lines = gold.read_text("utf-8").splitlines(keepends=True)
    first = json.loads(lines[0])
    lines[0] = json.dumps({**first, "label": "NORP"}) + "\n"
    del lines[1]  # 000-m002 removed
    gold.write_text("".join(lines), "utf-8")
    build.write(project, build.compile_dataset(project))


def test_diff_of_two_folders_names_added_removed_and_changed_fields(project: Path, tmp_path: Path, capsys) -> None:
    old = tmp_path / "old"
    shutil.copytree(project / "dataset", old)
    _relabel(project)
    result = diff.diff(str(old), str(project / "dataset"))
    entities = result.layers["entities"]
    assert entities.removed == ["000-m002"] and entities.added == []
    assert entities.changed == {"000-m001": {"label": ("GPE", "NORP")}}
    assert not result.layers["temporal"].changed and not result.layers["discrepancies"].changed
    assert set(result.layers["tokens"].changed) == {"000-s001"}
    assert main(["diff", str(old), str(project), "--json"]) == EXIT_OK  # a checkout holding dataset/ works too
    printed = json.loads(capsys.readouterr().out)
    assert printed["layers"]["entities"]["changed"] == [
        {"id": "000-m001", "fields": {"label": {"old": "GPE", "new": "NORP"}}}
    ]
    assert main(["diff", str(old), str(old)]) == EXIT_OK
    assert "no annotation changed" in capsys.readouterr().out


def test_diff_between_git_revisions(project: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@e.org", *args],
            cwd=project,
            check=True,
            capture_output=True,
        )

    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "one")
    git("tag", "v1")
    _relabel(project)
    git("commit", "-qam", "two")
    result = diff.diff("v1", "HEAD", project)
    assert result.layers["entities"].changed == {"000-m001": {"label": ("GPE", "NORP")}}
    assert "- `entities`: 0 added, 1 removed, 1 changed (fields: label)" in diff.changelog_summary(result)


@pytest.mark.parametrize("spec", ["no-such-revision", "README.md"])
def test_diff_refuses_an_unusable_folder_or_revision(project: Path, spec: str, capsys) -> None:
    assert main(["--root", str(project), "diff", spec, str(project / "dataset")]) == EXIT_UNUSABLE
    assert "error[unknown-revision]" in capsys.readouterr().err
    empty = project / "empty"
    empty.mkdir()
    with pytest.raises(DiplonewsError) as info:
        diff.diff(str(empty), str(project / "dataset"), project)
    assert [p.code for p in info.value.problems] == ["missing-file"]


@pytest.mark.parametrize(
    "argv", [["build"], ["build", "--check"], ["datasheet"], ["datasheet", "--check"], ["labelstudio", "config"]]
)
def test_checkout_only_commands_refuse_elsewhere_and_write_nothing(tmp_path: Path, argv: list[str], capsys) -> None:
    installed = tmp_path / "site-packages"  # what an installed package's parent folder looks like
    (installed / "dataset").mkdir(parents=True)
    before = sorted(p.relative_to(installed) for p in installed.rglob("*"))
    assert main(["--root", str(installed), *argv]) == EXIT_UNUSABLE
    assert "error[needs-checkout]" in capsys.readouterr().err
    assert sorted(p.relative_to(installed) for p in installed.rglob("*")) == before


def test_checkout_root_accepts_this_checkout_and_the_fixture(project: Path) -> None:
    assert paths.checkout_root() == REPO and paths.checkout_root(project) == project
    before = dataset_snapshot(project)
    assert main(["--root", str(project), "build", "--check"]) == EXIT_OK
    assert dataset_snapshot(project) == before


def test_load_refuses_a_folder_that_is_no_dataset(tmp_path: Path) -> None:
    import diplonews

    with pytest.raises(DiplonewsError) as info:
        diplonews.load("entities", dataset=tmp_path)
    assert [p.code for p in info.value.problems] == ["file-not-found"]
    with pytest.raises(DiplonewsError) as info:
        diplonews.load("nope")
    assert [p.code for p in info.value.problems] == ["usage"]
