"""The bodies of the subcommands: call one module, print its result, return the exit code.

Heavy imports (datasets, GX, the Label Studio SDK) happen inside the command that needs
them, so `diplonews --help`, `build --check` and `verify` never import Great Expectations.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from diplonews import paths
from diplonews.contract import schema
from diplonews.contract.errors import (
    EXIT_FAILED,
    EXIT_OK,
    DiplonewsError,
    Problem,
    codes_markdown,
    display_path,
    render_problems,
)
from diplonews.version import __version__


def _print_problems(problems: list[Problem], total: int | None = None) -> None:
    if problems:
        print(render_problems(problems, total=total), file=sys.stderr)


def build(args: argparse.Namespace) -> int:
    from diplonews import build as build_module

    root = paths.checkout_root(args.root, "diplonews build")
    result = build_module.compile_dataset(root)
    if args.check:
        stale = build_module.stale_files(root, result)
        _print_problems(stale)
        if stale:
            print("dataset/ is out of date: run `diplonews build` and commit the result", file=sys.stderr)
            return EXIT_FAILED
        print(f"dataset/ is up to date ({result.summary()})")
        return EXIT_OK
    changed = build_module.write(root, result)
    print(result.summary())
    print(
        f"wrote {len(changed)} changed file(s) to {display_path(root / 'dataset')}" if changed else "dataset/ unchanged"
    )
    for relative in changed:
        print(f"  {relative}")
    return EXIT_OK


def verify(args: argparse.Namespace) -> int:
    from diplonews import build as build_module

    if args.dataset:
        dataset_dir = Path(args.dataset)
    elif args.root:
        dataset_dir = paths.repo_root(args.root) / "dataset"
    else:
        dataset_dir = paths.DATASET_DIR
    problems = build_module.verify_manifest(dataset_dir)
    _print_problems(problems)
    if problems:
        return EXIT_FAILED
    print(f"{display_path(dataset_dir / paths.MANIFEST_FILE)}: every file matches its sha256 (version {__version__})")
    return EXIT_OK


def validate(args: argparse.Namespace) -> int:
    from diplonews.validation import validate_dataset, validate_predictions

    if args.task is None:
        if (
            args.predictions is not None
            or args.thresholds is not None
            or args.articles is not None
            or args.baseline is not None
        ):
            raise DiplonewsError(
                Problem(
                    "usage",
                    "--predictions, --articles, --thresholds and --baseline need --task",
                    hint=f"--task {{{','.join(schema.TASKS)}}}",
                )
            )
        result = validate_dataset(args.dataset, report_dir=args.report_dir, data_docs=args.data_docs)
    else:
        if args.predictions is None:
            raise DiplonewsError(
                Problem(
                    "usage",
                    f"--task {args.task} needs --predictions FILE",
                    hint="a .jsonl, .csv or .parquet file, one prediction per row",
                )
            )
        result = validate_predictions(
            args.task, args.predictions, dataset=args.dataset, articles=args.articles, thresholds=args.thresholds,
            report_dir=args.report_dir, data_docs=args.data_docs, engine=args.engine, master=args.master,
            baseline=args.baseline, tolerance=args.tolerance,
        )  # fmt: skip
    if result.problems:
        _print_problems(result.problems, result.problems_total)
        for name, path in result.report_files.items():
            print(f"{name}: {path}", file=sys.stderr)
        print(result.summary(), file=sys.stderr)
    elif args.quiet:
        print(result.summary())
    else:
        print(result.render())
    if args.task is not None and args.baseline is not None and result.usable:
        from diplonews.validation.regression import render_deltas

        print(render_deltas(result.outcomes))
    return result.exit_code


def gates(args: argparse.Namespace) -> int:
    """Every default gate: its threshold, what it measures, where the number comes from, how to override it."""
    from diplonews.validation.thresholds import render_gates

    print(render_gates(args.task))
    return EXIT_OK


def agreement(args: argparse.Namespace) -> int:
    from diplonews import agreement as agreement_module
    from diplonews.io.files import atomic_write_text

    result = agreement_module.agreement(agreement_module.load_sets(args.folders))
    print(agreement_module.render_table(result))
    if args.json:
        atomic_write_text(args.json, json.dumps(result, indent=2, sort_keys=True) + "\n")
        print(f"wrote {args.json}")
    return EXIT_OK


def datasheet(args: argparse.Namespace) -> int:
    from diplonews import datasheet as datasheet_module

    root = paths.checkout_root(args.root, "diplonews datasheet")
    if args.check:
        problems = datasheet_module.stale(root)
        _print_problems(problems)
        if problems:
            print("run `diplonews datasheet` and commit DATASHEET.md and figures/", file=sys.stderr)
            return EXIT_FAILED
        print(f"{datasheet_module.DATASHEET} and {datasheet_module.FIGURES_DIR}/ are up to date")
        return EXIT_OK
    written = datasheet_module.write(root)
    print(f"wrote {datasheet_module.DATASHEET} and {written} figure(s) in {datasheet_module.FIGURES_DIR}/")
    return EXIT_OK


def diff(args: argparse.Namespace) -> int:
    from diplonews import diff as diff_module

    result = diff_module.diff(args.old, args.new, paths.repo_root(args.root))
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False, default=str))
    else:
        print(diff_module.render_table(result))
    return EXIT_OK


def codes(args: argparse.Namespace) -> int:
    """Every problem code, what it means and what to do (docs/codes.md is this table)."""
    print(codes_markdown(), end="")
    return EXIT_OK


def labelstudio(args: argparse.Namespace) -> int:
    from diplonews import labelstudio as labelstudio_module

    return labelstudio_module.main(args)
