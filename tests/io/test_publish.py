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


@pytest.mark.integration
def test_a_killed_validate_leaves_the_previous_report_or_the_new_one(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text('{"article_id": "000_f1c10de2f90bfacb", "start": 0, "end": 3, "label": "GPE"}\n', "utf-8")
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n", "utf-8")
    reports = tmp_path / "reports"
    assert (
        main(["validate", "--task", "entities", "--predictions", str(bad), "--report-dir", str(reports), "--quiet"])
        == 2
    )
    old = snapshot(reports / "predictions_entities")
    for limit in range(1, 50):
        child = subprocess.run(
            [sys.executable, "-c", KILLER, str(limit), "validate", "--task", "entities", "--predictions", str(good), "--report-dir", str(reports), "--quiet"],
            capture_output=True, text=True,
        )  # fmt: skip
        state = snapshot(reports / "predictions_entities")
        if child.returncode == 99:
            break
        assert child.returncode == -signal.SIGKILL, child.stderr
        if state != old:  # swapped in before the kill: then it is the whole new set
            assert sorted(state) == ["report.html", "result.json"], f"killed at step {limit}: {sorted(state)}"
            assert (
                json.loads(state["result.json"])["source"].endswith("good.jsonl")
                and b"good.jsonl" in state["report.html"]
            )
    else:
        pytest.fail("validate never finished")
    report = json.loads(state["result.json"])
    assert report["source"].endswith("good.jsonl") and "good.jsonl" in state["report.html"].decode("utf-8")
    assert [p.name for p in reports.iterdir() if "staging" in p.name] == []  # cleaned by the completed run


@pytest.mark.integration
def test_concurrent_validates_into_one_folder_leave_one_consistent_set(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    inputs = []
    for index in range(4):
        path = tmp_path / f"p{index}.jsonl"
        path.write_text(
            json.dumps({"article_id": "000_f1c10de2f90bfacb", "start": index, "end": index + 3, "label": "GPE"}) + "\n",
            "utf-8",
        )
        inputs.append(path)
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "diplonews.cli",
                "validate",
                "--task",
                "entities",
                "--predictions",
                str(path),
                "--report-dir",
                str(reports),
                "--quiet",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for path in inputs
    ]
    assert [child.wait(timeout=300) for child in children] == [1, 1, 1, 1]
    folder = reports / "predictions_entities"
    report = json.loads((folder / "result.json").read_text("utf-8"))
    source = Path(report["source"]).name
    assert source in {path.name for path in inputs}
    assert source in (folder / "report.html").read_text("utf-8")  # the JSON and the page are one run's
    assert sorted(p.name for p in folder.iterdir()) == ["report.html", "result.json"]
