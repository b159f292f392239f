"""The `diplonews` command: argument parsing and the exit-code contract, nothing else.

Exit codes (every command): 0 success; 1 a check failed (a failed expectation or gate, a
stale or mismatched file); 2 unusable input (a clear error: file:line, field, code);
3 an internal error (one line, and where the traceback was saved); 130 interrupted (Ctrl-C).
No input, however malformed, exits 1 without a verdict.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

from diplonews.cli import commands
from diplonews.contract import schema
from diplonews.contract.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, DiplonewsError
from diplonews.version import __version__

ISSUES_URL = "the project's issue tracker"


def _add_validate(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "validate",
        help="validate the dataset, or a downstream prediction file, against the contract and the GX suites",
    )
    parser.add_argument("--task", choices=schema.TASKS, help="validate predictions for this task")
    parser.add_argument(
        "--predictions", type=Path,
        help="prediction file (.jsonl, .csv or .parquet), or a folder or a quoted glob of such parts; read in batches",
    )  # fmt: skip
    parser.add_argument(
        "--articles", type=Path,
        help="your own articles (Parquet/JSONL with id and text; a file, folder or glob): integrity only, no gold, no metrics or gates",
    )  # fmt: skip
    parser.add_argument(
        "--engine", choices=("local", "spark"), default="local",
        help="local (batches on this machine, default) or spark (the same checks as Spark tasks; pip install 'diplonews[spark]')",
    )  # fmt: skip
    parser.add_argument(
        "--master", help="Spark master URL for --engine spark (default: $SPARK_REMOTE for Spark Connect, else local[*])"
    )
    parser.add_argument(
        "--thresholds", type=Path,
        help='JSON file overriding quality-gate thresholds ({"min_strict_micro_f1": 0.8}), or an edited copy of expectations/gates_<task>.json',
    )  # fmt: skip
    parser.add_argument("--dataset", type=Path, help="dataset folder (default: the installed dataset)")
    parser.add_argument(
        "--report-dir", type=Path, default=Path("reports"),
        help="where <target>/result.json and report.html go, written as one set (default: reports)",
    )  # fmt: skip
    parser.add_argument(
        "--data-docs", action="store_true", help="also build GX Data Docs (they load their styles from public CDNs)"
    )
    parser.add_argument("--quiet", action="store_true", help="print only the verdict")
    _add_regression_options(parser)
    parser.set_defaults(handler=commands.validate)


def _add_regression_options(parser: argparse.ArgumentParser) -> None:
    from diplonews.validation.regression import DEFAULT_TOLERANCE

    parser.add_argument(
        "--baseline", type=Path,
        help="an earlier JSON report of the same task (reports/predictions_<task>.json): fail when a gated metric regressed",
    )  # fmt: skip
    parser.add_argument(
        "--tolerance", type=float, default=DEFAULT_TOLERANCE,
        help=f"with --baseline: how far (absolute) a metric may move the wrong way (default {DEFAULT_TOLERANCE})",
    )  # fmt: skip


def _add_gates(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("gates", help="list every default quality gate: threshold, origin, how to override it")
    parser.add_argument("--task", choices=schema.TASKS, help="only this task's gates")
    parser.set_defaults(handler=commands.gates)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="diplonews", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--version", action="version", version=f"diplonews {__version__}")
    parser.add_argument("--root", help="repository root (default: the checkout this package runs from)")
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help="compile annotations/gold + dataset/raw into dataset/")
    build.add_argument("--check", action="store_true", help="write nothing; exit 1 if dataset/ differs from a rebuild")
    build.set_defaults(handler=commands.build)

    verify = sub.add_parser("verify", help="check dataset/ against MANIFEST.json")
    verify.add_argument(
        "--dataset", type=Path, help="dataset folder (default: the installed dataset, or <root>/dataset with --root)"
    )
    verify.set_defaults(handler=commands.verify)

    _add_validate(sub)
    _add_gates(sub)

    agreement = sub.add_parser("agreement", help="inter-annotator agreement per layer between annotation folders")
    agreement.add_argument(
        "folders", nargs="+", type=Path, help="two or more annotation folders (annotations/passes/*)"
    )
    agreement.add_argument("--json", type=Path, help="also write the figures as JSON")
    agreement.set_defaults(handler=commands.agreement)

    datasheet = sub.add_parser("datasheet", help="regenerate the statistics and plots of DATASHEET.md")
    datasheet.add_argument("--check", action="store_true", help="write nothing; exit 1 if DATASHEET.md is stale")
    datasheet.set_defaults(handler=commands.datasheet)

    diff = sub.add_parser("diff", help="what changed in the gold between two dataset folders or git revisions")
    diff.add_argument("old", help="a dataset folder (or a checkout holding dataset/), or a git revision")
    diff.add_argument("new", help="a dataset folder (or a checkout holding dataset/), or a git revision")
    diff.add_argument("--json", action="store_true", help="print the differences as JSON")
    diff.set_defaults(handler=commands.diff)

    codes = sub.add_parser("codes", help="list every problem code, what it means and what to do")
    codes.set_defaults(handler=commands.codes)

    from diplonews import labelstudio  # light: the SDK is imported only when a command runs

    labelstudio_parser = sub.add_parser("labelstudio", help="push to / pull from a Label Studio server")
    labelstudio.add_arguments(labelstudio_parser)
    labelstudio_parser.set_defaults(handler=commands.labelstudio)
    return parser


def _save_traceback(command: str) -> Path | None:
    """Write the current exception's traceback to a private file; its path, or None if even that fails."""
    try:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        handle, name = tempfile.mkstemp(prefix=f"diplonews-{command}-{stamp}-", suffix=".txt")
        with os.fdopen(handle, "w", encoding="utf-8") as out:  # mkstemp: mode 0600
            out.write(f"diplonews {__version__}, command: {command}, argv: {sys.argv!r}\n\n")
            out.write(traceback.format_exc())
        return Path(name)
    except Exception:  # pragma: no cover - the disk is gone: say so without a path
        return None


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
        print(f"diplonews {args.command}: {error.total} problem(s); nothing was written", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"diplonews {args.command}: interrupted; nothing half-written was left behind", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:
        saved = _save_traceback(args.command)
        where = f"the traceback is in {saved}" if saved else "the traceback could not be saved"
        print(
            f"diplonews {args.command}: internal error ({type(error).__name__}), a bug in diplonews {__version__}, not in your input; "
            f"{where}; please report it with that file to {ISSUES_URL} (exit {EXIT_INTERNAL})",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    raise SystemExit(main())
