"""Writing a validation's report folder as one set: the JSON result, report.html and (on request) GX Data Docs.

Each target gets its own folder, `<report-dir>/<stem>/` (`dataset`, `predictions_<task>`),
staged and swapped in whole (`diplonews.io.publish`): a reader sees one run's JSON, HTML
and Data Docs together, or the previous run's, never a mix. Concurrent runs on one folder
are serialised. The folder is checked for writability before any work (`preflight`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from diplonews.contract.errors import DiplonewsError, display_path
from diplonews.io import publish
from diplonews.validation import html
from diplonews.validation.result import ValidationResult
from diplonews.validation.runtime import engine

RESULT_FILE = "result.json"
HTML_FILE = "report.html"
DATA_DOCS_DIR = "data_docs"


def stem(target: str) -> str:
    return "dataset" if target == "dataset" else f"predictions_{target}"


def preflight(result: ValidationResult, report_dir: str | Path | None) -> bool:
    """Refuse an unwritable report folder before the run (a file in the way, read-only, no space)."""
    if report_dir is None:
        return True
    try:
        publish.check_writable_folder(Path(report_dir))
    except DiplonewsError as error:
        result.problems, result.problems_total = error.problems, error.total
        return False
    return True


def result_json(result: ValidationResult) -> bytes:
    """The JSON result; text the input smuggled in (lone surrogates) is kept as JSON escapes."""
    text = json.dumps(result.to_dict(), indent=2, ensure_ascii=False, allow_nan=False, default=str) + "\n"
    return text.encode("utf-8", "backslashreplace")


def finish(
    result: ValidationResult,
    report_dir: str | Path | None,
    run_id: Any,
    suites: Sequence[str],
    *,
    data_docs: bool = False,
) -> ValidationResult:
    """Write the report folder (when asked) and record its files in `result.report_files`."""
    if report_dir is None:
        return result
    folder = Path(report_dir) / stem(result.target)
    files = {"result": folder / RESULT_FILE, "report": folder / HTML_FILE}
    if data_docs and run_id is not None:
        files["data docs"] = folder / DATA_DOCS_DIR / "results.html"
    result.report_files = {name: display_path(path) for name, path in files.items()}

    def fill(staging: Path) -> None:
        if data_docs and run_id is not None:
            engine().build_docs(staging / DATA_DOCS_DIR, run_id, suites)
        (staging / HTML_FILE).write_text(html.render(result), "utf-8", errors="backslashreplace")
        (staging / RESULT_FILE).write_bytes(result_json(result))

    try:
        with publish.locked(folder):
            publish.publish_folder(folder, fill)
    except DiplonewsError as error:
        result.report_files = {}
        result.problems, result.problems_total = (
            [*result.problems, *error.problems],
            result.problems_total + error.total,
        )
    except OSError as error:
        result.report_files = {}
        result.problems = [*result.problems, publish.not_writable(folder, error)]
        result.problems_total += 1
    return result
