"""`scripts/bench.py` keeps working (it measures; it asserts nothing, and neither does this on its figures)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_runs_end_to_end_on_a_tiny_size(tmp_path):
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench.py"), "--sizes", "3000", "--formats", "parquet", "jsonl",
         "--modes", "cli", "cli+articles", "--workdir", str(tmp_path)],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    rows = [line.split() for line in run.stdout.splitlines() if line.strip().startswith("3,000")]
    assert [(row[1], row[2]) for row in rows] == [
        ("parquet", "cli"), ("parquet", "cli+articles"), ("jsonl", "cli"), ("jsonl", "cli+articles"),
    ]  # fmt: skip
    # Exit column: the synthetic wrong answers fail the gates (1); integrity alone passes (0).
    assert [row[-1] for row in rows] == ["1", "0", "1", "0"]
    assert (tmp_path / "dataset" / "entities").is_dir()
