"""The exit-code contract: 3 for a bug (one line, traceback saved privately), 130 for Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from diplonews.cli import commands, main
from diplonews.contract.errors import EXIT_INTERNAL, EXIT_INTERRUPTED


def test_an_internal_error_is_one_line_and_a_private_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(args: object) -> int:
        raise RuntimeError("a bug")

    monkeypatch.setattr(commands, "codes", broken)
    assert main(["codes"]) == EXIT_INTERNAL
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.strip().splitlines()) == 1
    assert "Traceback" not in captured.err
    saved = Path(re.search(r"the traceback is in (\S+);", captured.err).group(1))  # type: ignore[union-attr]
    assert "RuntimeError: a bug" in saved.read_text("utf-8")
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    saved.unlink()


def test_ctrl_c_exits_130_with_one_line(tmp_path: Path) -> None:
    gold = tmp_path / "p.jsonl"
    gold.write_text('{"article_id": "000_f1c10de2f90bfacb", "start": 0, "end": 3, "label": "GPE"}\n' * 1000, "utf-8")
    child = subprocess.Popen(
        [sys.executable, "-m", "diplonews.cli", "validate", "--task", "entities", "--predictions", str(gold), "--report-dir", str(tmp_path / "r")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while (
        not (tmp_path / "r").exists() and time.monotonic() < deadline
    ):  # the run has begun (its report folder is checked first)
        time.sleep(0.05)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=120)
    assert child.returncode == EXIT_INTERRUPTED, (out, err)
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not [p for p in tmp_path.rglob("*") if "staging" in p.name]
    assert os.path.exists(gold)
