#!/usr/bin/env python3
"""Inter-annotator agreement of the kept annotation passes, per layer.

Usage: python scripts/agreement.py [FOLDER ...] [--json annotations/agreement.json]
With no folder, every folder of annotations/passes/ is compared. The figures in
DATASHEET.md are produced by the same code (`diplonews.agreement`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from diplonews import cli

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    if not args.folders:
        args.folders = sorted(p for p in (ROOT / "annotations" / "passes").iterdir() if p.is_dir())
    return cli.main(["agreement", *map(str, args.folders), *(["--json", str(args.json)] if args.json else [])])


if __name__ == "__main__":
    raise SystemExit(main())
