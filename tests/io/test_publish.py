"""Publishing a folder as one set, and what a process killed at each step leaves behind."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from diplonews import build
from diplonews.cli import main
from diplonews.io import publish

# Runs a diplonews command in a child that SIGKILLs itself at its Nth publishing step:
# a file write, a rename, a swap or a removal; exit code 99 when it ran out of steps.
KILLER = r"""
import os, shutil, signal, sys
from diplonews.io import publish
limit, count = int(sys.argv[1]), [0]
def step(function):
    def wrapped(*args, **kwargs):
        count[0] += 1
        if count[0] == limit:
            os.kill(os.getpid(), signal.SIGKILL)
        return function(*args, **kwargs)
    return wrapped
publish._write_file = step(publish._write_file)
publish._exchange = step(publish._exchange)
publish.os.rename = step(os.rename)
publish.shutil.rmtree = step(shutil.rmtree)
from diplonews.cli import main
code = main(sys.argv[2:])
sys.exit(99 if count[0] < limit else code)
"""


def snapshot(folder: Path) -> dict[str, bytes]:
    return (
        {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
        if folder.is_dir()
        else {}
    )


def test_publish_writes_a_set_and_reports_what_changed(tmp_path: Path) -> None:
    target = tmp_path / "out"
    with publish.locked(target):
        assert publish.publish_files(target, {"a/x.txt": b"1", "b.txt": b"2"}) == ["a/x.txt", "b.txt"]
        inode = (target / "a" / "x.txt").stat().st_ino
        assert publish.publish_files(target, {"a/x.txt": b"1", "b.txt": b"2"}) == []  # nothing written
        assert (target / "a" / "x.txt").stat().st_ino == inode
        assert publish.publish_files(target, {"a/x.txt": b"1"}) == ["b.txt"]  # removed
    assert snapshot(target) == {"a/x.txt": b"1"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.lock", "out"]  # no staging left


def test_a_failure_while_filling_leaves_the_target_untouched(tmp_path: Path) -> None:
    target = tmp_path / "out"
    publish.publish_files(target, {"x.txt": b"old"})

    def broken(staging: Path) -> None:
        (staging / "x.txt").write_bytes(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        publish.publish_folder(target, broken)
    assert snapshot(target) == {"x.txt": b"old"} and [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_busy_folder_is_refused_after_the_timeout(tmp_path: Path) -> None:
    from diplonews.contract.errors import DiplonewsError

    target = tmp_path / "out"
    with publish.locked(target), pytest.raises(DiplonewsError) as info, publish.locked(target, timeout=0.2):
        pass
    assert [p.code for p in info.value.problems] == ["locked"]


@pytest.mark.integration
def test_a_killed_build_leaves_the_old_or_the_new_dataset_never_a_mix(project: Path, tmp_path: Path) -> None:
    entities = project / "annotations" / "gold" / "entities.jsonl"
    lines = entities.read_text("utf-8").splitlines()
    record = json.loads(lines[0])
    record["label"] = "ORG" if record["label"] != "ORG" else "PERSON"
    entities.write_text("\n".join([json.dumps(record), *lines[1:]]) + "\n", "utf-8")
    old = snapshot(project / "dataset")
    pristine = tmp_path / "pristine"
    shutil.copytree(project, pristine)
    work = tmp_path / "work"
    seen = set()
    for limit in range(1, 200):
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(pristine, work)
        child = subprocess.run(
            [sys.executable, "-c", KILLER, str(limit), "--root", str(work), "build"], capture_output=True, text=True
        )
        state = snapshot(work / "dataset")
        if child.returncode == 99:  # ran out of steps: a complete build
            new = state
            break
        assert child.returncode == -signal.SIGKILL, child.stderr
        assert state == old or build.verify_manifest(work / "dataset") == [], (
            f"killed at step {limit}: dataset/ is a mix"
        )
        seen.add("old" if state == old else "other")
        # the next build cleans up what the killed one left and publishes the new tree
        assert main(["--root", str(work), "build"]) == 0
        assert (
            build.verify_manifest(work / "dataset") == [] and build.stale_files(work, build.compile_dataset(work)) == []
        )
        assert [p.name for p in work.iterdir() if p.name.startswith(".dataset.")] in ([], [".dataset.lock"])
    else:
        pytest.fail("the build never finished")
    assert new != old and limit > 3 and "old" in seen
