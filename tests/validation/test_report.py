"""The report folder: one set per run, escaped HTML, refused before any work when unwritable."""

from __future__ import annotations

import errno
import json
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import keys
from diplonews import validation
from diplonews.contract.errors import EXIT_FAILED, EXIT_UNUSABLE
from diplonews.io import publish
from diplonews.validation import report

ARTICLE = "000_f1c10de2f90bfacb"
PAYLOADS = ["<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "\"'><svg onload=alert(3)>"]


def _hostile_records() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for i, payload in enumerate(PAYLOADS):
        records.append({"article_id": ARTICLE, "start": i, "end": i + 5, "label": payload, "text": payload})
        records.append({"article_id": payload, "start": 0, "end": 3, "label": "GPE", "text": payload})
    return records


def _raw_tags(text: str) -> list[str]:
    """Payload markup that survived as markup (GX's own pages carry script tags of their own)."""
    return re.findall(r"<script>alert|<img src=x|<svg onload", text, re.I)


def test_no_payload_survives_as_markup_in_any_written_html(tmp_path: Path) -> None:
    result = validation.validate_predictions("entities", _hostile_records(), report_dir=tmp_path, data_docs=True)
    assert result.exit_code == EXIT_FAILED
    pages = list(tmp_path.rglob("*.html"))
    assert len(pages) > 3  # report.html, the offline index and GX's pages
    for page in pages:
        assert _raw_tags(page.read_text("utf-8")) == [], page
    report = (tmp_path / "predictions_entities" / "report.html").read_text("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report  # shown as text


def test_a_run_writes_one_folder_with_json_and_html(tmp_path: Path) -> None:
    result = validation.validate_predictions("entities", _hostile_records(), report_dir=tmp_path)
    folder = tmp_path / "predictions_entities"
    assert sorted(p.name for p in folder.iterdir()) == ["report.html", "result.json"]
    data = json.loads((folder / "result.json").read_text("utf-8"))
    assert data["exit_code"] == result.exit_code and data["success"] is False
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".predictions_entities.staging")]


def test_an_unusable_run_replaces_the_whole_previous_set(tmp_path: Path) -> None:
    validation.validate_predictions("entities", _hostile_records(), report_dir=tmp_path, data_docs=True)
    result = validation.validate_predictions("entities", [{"article_id": ARTICLE}], report_dir=tmp_path)
    assert result.exit_code == EXIT_UNUSABLE
    folder = tmp_path / "predictions_entities"
    assert sorted(p.name for p in folder.iterdir()) == [
        "report.html",
        "result.json",
    ]  # old Data Docs gone with their run
    assert json.loads((folder / "result.json").read_text("utf-8"))["exit_code"] == EXIT_UNUSABLE


@pytest.mark.parametrize("case", ["a file", "under a file", "disk full"])
def test_an_unwritable_report_dir_is_refused_before_the_run(
    tmp_path: Path, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "reports"
    if case == "a file":
        target.write_text("not a folder", "utf-8")
    elif case == "under a file":
        (tmp_path / "file").write_text("x", "utf-8")
        target = tmp_path / "file" / "reports"
    else:

        def full(*args: Any, **kwargs: Any) -> Any:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(publish.tempfile, "TemporaryFile", full)
    result = validation.validate_predictions("entities", _hostile_records(), report_dir=target)
    assert result.exit_code == EXIT_UNUSABLE and result.outcomes == []
    assert keys(result.problems) == [("not-writable", str(target), None, None)]
    assert not (target / "predictions_entities").exists()


def test_a_full_disk_while_writing_leaves_the_previous_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    validation.validate_predictions("entities", _hostile_records(), report_dir=tmp_path)
    before = (tmp_path / "predictions_entities" / "result.json").read_bytes()

    def full(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(report, "result_json", full)
    result = validation.validate_predictions("entities", [{"article_id": ARTICLE}], report_dir=tmp_path)
    assert result.exit_code == EXIT_UNUSABLE and "not-writable" in [p.code for p in result.problems]
    assert (tmp_path / "predictions_entities" / "result.json").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if "staging" in p.name] == []
