#!/usr/bin/env python
"""Fuzz every reader and entry point for longer than CI does (tests/test_fuzz.py, random seeds).

    python scripts/fuzz.py [--examples 500]

Exit 0 when every property held; otherwise pytest prints the falsifying example (the
smallest input hypothesis found), which belongs in tests/test_hostile_inputs.py.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--examples", type=int, default=500, help="examples per property (CI runs 25)")
    args = parser.parse_args(argv)
    env = {**os.environ, "DIPLONEWS_FUZZ_EXAMPLES": str(args.examples), "DIPLONEWS_FUZZ_RANDOM": "1"}
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(ROOT / "tests" / "test_fuzz.py"),
        "-q",
        "-p",
        "no:cacheprovider",
        "--hypothesis-show-statistics",
    ]
    return subprocess.call(command, cwd=ROOT, env=env)


if __name__ == "__main__":
    raise SystemExit(main())
