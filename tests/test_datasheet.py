"""DATASHEET.md and the card cannot drift from the data."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import REPO, keys
from diplonews import build, datasheet
from diplonews.cli import main
from diplonews.contract import labels
from diplonews.contract.errors import EXIT_FAILED, EXIT_OK


@pytest.fixture
def sheet_project(project: Path) -> Path:
    shutil.copy(REPO / "DATASHEET.md", project / "DATASHEET.md")
    shutil.copytree(REPO / "figures", project / "figures", dirs_exist_ok=True)  # the project fixture has them already
    if (REPO / "annotations" / "passes").is_dir():
        shutil.copytree(REPO / "annotations" / "passes", project / "annotations" / "passes")
    return project


def test_committed_datasheet_is_up_to_date() -> None:
    assert datasheet.stale(REPO) == [], "run `diplonews datasheet` and commit DATASHEET.md and figures/"


def test_numbers_in_the_datasheet_and_card_are_the_data() -> None:
    result = build.compile_dataset(REPO)
    total_chars = sum(row["n_chars"] for row in result.tables["articles"])
    for document in (REPO / "DATASHEET.md", REPO / "dataset" / "README.md"):
        text = document.read_text("utf-8")
        row = re.search(r"\| \*\*total\*\* \|  \|  \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|", text)
        assert row, document
        assert [int(x) for x in row.groups()] == [
            total_chars,
            len(result.tables["entities"]),
            len(result.tables["temporal"]),
            len(result.tables["discrepancies"]),
        ], document
        for label in labels.ENTITY_LABELS:
            count = sum(r["label"] == label for r in result.tables["entities"])
            assert f"| {label} | {count} |" in text, (document, label)


def test_changing_an_annotation_makes_the_datasheet_stale_until_regenerated(
    sheet_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entities = sheet_project / "annotations" / "gold" / "entities.jsonl"
    lines = entities.read_text("utf-8").splitlines()
    record = json.loads(lines[-1])
    record["label"] = "ORG" if record["label"] != "ORG" else "NORP"
    catalog = sheet_project / "annotations" / "gold" / "entity_catalog.jsonl"  # keep the catalog consistent
    entries = [json.loads(x) for x in catalog.read_text("utf-8").splitlines()]
    for entry in entries:
        if entry["entity_id"] == record["entity_id"]:
            entry["label"] = record["label"]
    catalog.write_text("".join(json.dumps(e) + "\n" for e in entries), "utf-8")
    entities.write_text("\n".join([*lines[:-1], json.dumps(record)]) + "\n", "utf-8")
    assert main(["--root", str(sheet_project), "build"]) == EXIT_OK
    assert main(["--root", str(sheet_project), "datasheet", "--check"]) == EXIT_FAILED
    found = {
        (code, Path(file).relative_to(sheet_project).as_posix())
        for code, file, _, _ in keys(datasheet.stale(sheet_project))
    }
    assert found == {("stale-file", "DATASHEET.md"), ("stale-file", "figures/entity_labels.png")}
    assert main(["--root", str(sheet_project), "datasheet"]) == EXIT_OK
    assert main(["--root", str(sheet_project), "datasheet", "--check"]) == EXIT_OK


def test_missing_marker_is_a_clear_error(sheet_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = sheet_project / "DATASHEET.md"
    path.write_text(path.read_text("utf-8").replace("<!-- agreement:end -->", ""), "utf-8")
    assert main(["--root", str(sheet_project), "datasheet"]) == 2
    assert "error[stale-file]" in capsys.readouterr().err


def test_figures_are_pngs_of_the_data() -> None:
    for name in ("entity_labels.png", "discrepancies_by_article.png"):
        data = (REPO / "figures" / name).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 5000, name
    assert "figures/entity_labels.png" in (REPO / "DATASHEET.md").read_text("utf-8")


def test_datasheet_has_every_gebru_section() -> None:
    text = (REPO / "DATASHEET.md").read_text("utf-8")
    for section in (
        "Motivation",
        "Composition",
        "Collection process",
        "Preprocessing, cleaning, labeling",
        "Uses",
        "Distribution",
        "Maintenance",
    ):
        assert f"## {section}" in text, section
