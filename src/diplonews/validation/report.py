"""Writing a validation's report folder: the JSON result and the GX Data Docs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from diplonews.contract.errors import display_path
from diplonews.io.files import atomic_write_text
from diplonews.validation.result import ValidationResult
from diplonews.validation.runtime import engine


def finish(
    result: ValidationResult, report_dir: str | Path | None, run_id: Any, suites: Sequence[str]
) -> ValidationResult:
    if report_dir is None:
        return result
    folder = Path(report_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stem = "dataset" if result.target == "dataset" else f"predictions_{result.target}"
    json_path = folder / f"{stem}.json"
    if run_id is not None:
        index = engine().build_docs(
            folder / "data_docs" / stem, run_id, suites
        )  # per target: runs for other targets stay
        result.report_files["data docs"] = display_path(index)
    result.report_files["result"] = display_path(json_path)
    atomic_write_text(
        json_path, json.dumps(result.to_dict(), indent=2, ensure_ascii=False, allow_nan=False, default=str) + "\n"
    )
    return result
