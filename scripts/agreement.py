#!/usr/bin/env python3
"""Inter-annotator agreement of the kept annotation passes, per layer.

Usage: python scripts/agreement.py [FOLDER ...] [--json annotations/agreement.json]
With no folder, every folder of annotations/passes/ is compared. The figures in
DATASHEET.md are produced by the same code (`diplonews.agreement`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from diplonews import agreement
from diplonews.errors import DiplonewsError

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    if not args.folders:
        args.folders = sorted(p for p in (ROOT / "annotations" / "passes").iterdir() if p.is_dir())
    try:
        return agreement.main(args)
    except DiplonewsError as error:
        print(error.render(), file=sys.stderr)
        return error.exit_code


if __name__ == "__main__":
    raise SystemExit(main())
