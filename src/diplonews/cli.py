"""The `diplonews` command. Each subcommand is a thin shell around one module.

Exit codes (all commands): 0 success, 1 a check failed (stale build, failed
expectation, changed manifest), 2 unusable input (malformed file, bad offsets, unknown
labels). Heavy imports (datasets, GX) happen inside the commands that need them.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from diplonews import paths
from diplonews.errors import EXIT_FAILED, EXIT_OK, EXIT_UNUSABLE, DiplonewsError, display_path
from diplonews.version import __version__


def _root(args: argparse.Namespace) -> Path:
    return paths.repo_root(args.root)


def cmd_build(args: argparse.Namespace) -> int:
    from diplonews import build

    root = _root(args)
    result = build.compile_dataset(root)
    if args.check:
        stale = build.stale_files(root, result)
        for relative, reason in stale:
            print(f"{display_path(root / 'dataset' / relative)}: stale: {reason}", file=sys.stderr)
        if stale:
            print("dataset/ is out of date: run `diplonews build` and commit the result", file=sys.stderr)
            return EXIT_FAILED
        print(f"dataset/ is up to date ({result.summary()})")
        return EXIT_OK
    changed = build.write(root, result)
    print(result.summary())
    print(f"wrote {len(changed)} changed file(s) to {display_path(root / 'dataset')}" if changed else "dataset/ unchanged")
    for relative in changed:
        print(f"  {relative}")
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    from diplonews import build

    dataset_dir = Path(args.dataset) if args.dataset else paths.DATASET_DIR
    problems = build.verify_manifest(dataset_dir)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return EXIT_FAILED
    print(f"{display_path(dataset_dir / paths.MANIFEST_FILE)}: every file matches its sha256 (version {__version__})")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from diplonews import validate

    return validate.main(args)


def cmd_agreement(args: argparse.Namespace) -> int:
    from diplonews import agreement

    return agreement.main(args)


def cmd_datasheet(args: argparse.Namespace) -> int:
    from diplonews import datasheet

    return datasheet.main(args)


def cmd_labelstudio(args: argparse.Namespace) -> int:
    from diplonews import labelstudio

    return labelstudio.main(args)


def _add_validate(sub: argparse._SubParsersAction) -> None:
    from diplonews import schema  # the task names are the prediction tables of the contract

    parser = sub.add_parser(
        "validate",
        help="validate the dataset, or a downstream prediction file, against the contract and the GX suites",
    )
    parser.add_argument("--task", choices=schema.TASKS, help="validate predictions for this task")
    parser.add_argument("--predictions", type=Path, help="prediction file (.jsonl, .csv or .parquet)")
    parser.add_argument(
        "--thresholds", type=Path,
        help='JSON file overriding quality-gate thresholds ({"min_strict_micro_f1": 0.8}), or an edited copy of expectations/gates_<task>.json',
    )  # fmt: skip
    parser.add_argument("--dataset", type=Path, help="dataset folder (default: the installed dataset)")
    parser.add_argument("--report-dir", type=Path, default=Path("reports"), help="where the JSON result and Data Docs go")
    parser.add_argument("--quiet", action="store_true", help="print only the verdict")
    parser.set_defaults(handler=cmd_validate)


def _add_agreement(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("agreement", help="inter-annotator agreement per layer between annotation folders")
    parser.add_argument("folders", nargs="+", type=Path, help="two or more annotation folders (annotations/passes/*)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.set_defaults(handler=cmd_agreement)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="diplonews", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"diplonews {__version__}")
    parser.add_argument("--root", help="repository root (default: the checkout this package runs from)")
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help="compile annotations/gold + dataset/raw into dataset/")
    build.add_argument("--check", action="store_true", help="write nothing; exit 1 if dataset/ differs from a rebuild")
    build.set_defaults(handler=cmd_build)

    verify = sub.add_parser("verify", help="check dataset/ against MANIFEST.json")
    verify.add_argument("--dataset", type=Path, help="dataset folder (default: the installed dataset)")
    verify.set_defaults(handler=cmd_verify)

    _add_validate(sub)
    _add_agreement(sub)

    datasheet = sub.add_parser("datasheet", help="regenerate the statistics and plots of DATASHEET.md")
    datasheet.add_argument("--check", action="store_true", help="write nothing; exit 1 if DATASHEET.md is stale")
    datasheet.set_defaults(handler=cmd_datasheet)

    labelstudio_parser = sub.add_parser("labelstudio", help="push to / pull from a Label Studio server")
    _labelstudio_arguments(labelstudio_parser)
    return parser


def _labelstudio_arguments(parser: argparse.ArgumentParser) -> None:
    from diplonews import labelstudio  # light: the SDK is imported only when a command runs

    labelstudio.add_arguments(parser)
    parser.set_defaults(handler=cmd_labelstudio)


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except DiplonewsError as error:
        print(error.render(), file=sys.stderr)
        print(f"diplonews {args.command}: {len(error.problems)} problem(s); nothing was written", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return EXIT_UNUSABLE


if __name__ == "__main__":
    raise SystemExit(main())
