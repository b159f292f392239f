"""`diplonews-predictions FILE...`: the pre-commit hook (`.pre-commit-hooks.yaml`, id `diplonews-predictions`).

Validates each prediction file pre-commit passes, like `diplonews validate --task T
--predictions FILE`, the task read from the file name (`entities.jsonl`,
`predictions/temporal_v2.csv`, `discrepancies-model.parquet`: the name starts with the
task) unless `--task` is given. A passing file prints one line, a failing one its table.
Exit code: the worst of the files' (0 pass, 1 a check failed, 2 unusable input).
No report folder is written unless `--report-dir` is given: a hook must not litter the
repository.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from diplonews.contract import schema
from diplonews.contract.errors import EXIT_OK, EXIT_UNUSABLE, Problem, render_problems


def task_of(path: Path) -> str | None:
    """The task a file's name starts with (`temporal_v2.csv` -> temporal), if any."""
    name = path.name.lower()
    return next((task for task in schema.TASKS if name.startswith(task)), None)


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    parser = argparse.ArgumentParser(prog="diplonews-predictions", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="prediction files (.jsonl, .csv, .parquet)")
    parser.add_argument("--task", choices=schema.TASKS, help="the task of every file (default: from each file name)")
    parser.add_argument("--thresholds", type=Path, help="JSON file overriding quality-gate thresholds")
    parser.add_argument("--baseline", type=Path, help="an earlier JSON report: fail when a gated metric regressed")
    parser.add_argument("--tolerance", type=float, default=None, help="with --baseline (default 0.01)")
    parser.add_argument("--dataset", type=Path, help="dataset folder (default: the installed dataset)")
    parser.add_argument("--report-dir", type=Path, default=None, help="also write each JSON result here")
    args = parser.parse_args(argv)

    from diplonews.validation import validate_predictions

    worst = EXIT_OK
    for path in args.files:
        task = args.task or task_of(path)
        if task is None:
            problem = Problem(
                "usage",
                "cannot tell the task from the file name",
                file=str(path),
                hint=f"name the file after its task ({', '.join(schema.TASKS)}), or pass --task in the hook's args",
            )
            print(render_problems([problem]), file=sys.stderr)
            worst = max(worst, EXIT_UNUSABLE)
            continue
        options: dict[str, object] = {"dataset": args.dataset, "thresholds": args.thresholds}
        if args.baseline is not None:
            options["baseline"] = args.baseline
            if args.tolerance is not None:
                options["tolerance"] = args.tolerance
        report_dir = args.report_dir / path.stem if args.report_dir is not None else None
        result = validate_predictions(task, path, report_dir=report_dir, **options)  # type: ignore[arg-type]
        if result.success:
            print(f"{path}: {task}: {result.summary()}")
        else:
            print(result.render(), file=sys.stdout if result.usable else sys.stderr)
        worst = max(worst, result.exit_code)
    return worst


if __name__ == "__main__":
    raise SystemExit(main())
