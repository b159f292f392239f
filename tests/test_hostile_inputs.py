"""The defects a hostile tester reproduced on 0.1.0, each as a regression test: the documented exit
code and problem code, never a traceback (exit 3) and never exit 1 without a verdict."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import REPO, keys
from diplonews import validation
from diplonews.cli import main
from diplonews.contract.errors import EXIT_OK, EXIT_UNUSABLE

ARTICLE = "000_f1c10de2f90bfacb"


def _cli(tmp_path: Path, *argv: str) -> int:
    return main(["validate", *argv, "--report-dir", str(tmp_path / "reports"), "--quiet"])


def test_a_lone_surrogate_in_a_text_is_unusable_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text(
        f'{{"article_id": "{ARTICLE}", "start": 0, "end": 3, "label": "GPE", "text": "\\ud800"}}\n', "utf-8"
    )
    assert _cli(tmp_path, "--task", "entities", "--predictions", str(path)) == EXIT_UNUSABLE
    report = json.loads((tmp_path / "reports" / "predictions_entities" / "result.json").read_text("utf-8"))
    assert [(p["code"], p["line"], p["field"]) for p in report["problems"]] == [("not-utf8", 1, "text")]


def test_a_uint64_offset_column_is_out_of_range(tmp_path: Path) -> None:
    path = tmp_path / "p.parquet"
    pq.write_table(
        pa.table(
            {
                "article_id": [ARTICLE],
                "start": pa.array([0], pa.uint64()),
                "end": pa.array([2**64 - 1], pa.uint64()),
                "label": ["GPE"],
            }
        ),
        path,
    )
    result = validation.validate_predictions("entities", path)
    assert result.exit_code == EXIT_UNUSABLE and keys(result.problems) == [("out-of-range", str(path), None, "end")]


def test_an_integer_of_ten_to_the_thirty_is_out_of_range(tmp_path: Path) -> None:
    record = {"article_id": ARTICLE, "start": 0, "end": 10**30, "label": "GPE"}
    result = validation.validate_predictions("entities", [record])
    assert keys(result.problems) == [("out-of-range", "<records>", 1, "end")]


@pytest.mark.parametrize("value", [None, {"article_id": ARTICLE}, 0.5, "no-such-file.txt", b"bytes"])
def test_the_api_returns_problems_for_any_input(value: Any) -> None:
    result = validation.validate_predictions("entities", value)
    assert result.exit_code == EXIT_UNUSABLE and len(result.problems) == 1


def test_a_generator_of_records_is_accepted() -> None:
    gold = pq.read_table(REPO / "dataset" / "entities" / "test-00000-of-00001.parquet").to_pylist()
    records = ({k: row[k] for k in ("article_id", "start", "end", "label")} for row in gold)
    result = validation.validate_predictions("entities", records)
    assert result.usable and result.n_rows == len(gold)


def test_duplicate_dataframe_columns_are_named() -> None:
    frame = pd.DataFrame([[ARTICLE, 0, 3, "GPE", 1]], columns=["article_id", "start", "end", "label", "start"])
    result = validation.validate_predictions("entities", frame)
    assert keys(result.problems) == [("duplicate-id", "<dataframe>", None, "start")]


@pytest.mark.parametrize(
    "thresholds",
    [0.5, [1], {"min_strict_micro_f1": 1.5}, {"min_strict_micro_f1": -1}, {"min_strict_micro_f1": float("nan")}],
)
def test_bad_thresholds_are_unusable(thresholds: Any) -> None:
    result = validation.validate_predictions(
        "entities", [{"article_id": ARTICLE, "start": 0, "end": 3, "label": "GPE"}], thresholds=thresholds
    )
    assert result.exit_code == EXIT_UNUSABLE and {p.code for p in result.problems} == {"bad-threshold"}


@pytest.mark.parametrize(
    ("suite", "expected"),
    [
        ({"name": "gates_entities", "expectations": []}, "bad-suite"),
        (
            {
                "name": "gates_entities",
                "expectations": [
                    {
                        "type": "expect_column_values_to_be_between",
                        "kwargs": {"column": "strict_micro_f1", "min_value": {"$PARAMETER": "undefined_one"}},
                    }
                ],
                "meta": {"diplonews": {"parameters": {}}},
            },
            "bad-suite",
        ),
    ],
)
def test_unusable_gate_suites_are_refused(tmp_path: Path, suite: dict[str, Any], expected: str) -> None:
    path = tmp_path / "gates.json"
    path.write_text(json.dumps(suite), "utf-8")
    result = validation.validate_predictions(
        "entities", [{"article_id": ARTICLE, "start": 0, "end": 3, "label": "GPE"}], thresholds=path
    )
    assert result.exit_code == EXIT_UNUSABLE and [p.code for p in result.problems] == [expected]


def test_a_semicolon_csv_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(f"article_id;start;end;label\n{ARTICLE};0;3;GPE\n", "utf-8")
    result = validation.validate_predictions("entities", path)
    assert keys(result.problems) == [("unreadable-csv", str(path), 1, None)]


def test_a_utf16_file_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_bytes(json.dumps({"article_id": ARTICLE, "start": 0, "end": 3, "label": "GPE"}).encode("utf-16"))
    assert [p.code for p in validation.validate_predictions("entities", path).problems] == ["not-utf8"]


def test_millions_of_bad_lines_keep_a_bounded_report(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text("not json\n" * 20_000, "utf-8")
    result = validation.validate_predictions("entities", path, report_dir=tmp_path / "r")
    assert len(result.problems) == 200 and result.problems_total == 20_000
    report = json.loads((tmp_path / "r" / "predictions_entities" / "result.json").read_text("utf-8"))
    assert len(report["problems"]) == 200 and report["problems_total"] == 20_000


def test_a_huge_value_is_cut_in_the_report(tmp_path: Path) -> None:
    text = "x" * 5_000_000
    result = validation.validate_predictions(
        "entities", [{"article_id": ARTICLE, "start": 0, "end": 3, "label": 7, "text": text}], report_dir=tmp_path
    )
    assert result.exit_code == EXIT_UNUSABLE
    assert (tmp_path / "predictions_entities" / "result.json").stat().st_size < 20_000


@pytest.mark.parametrize(
    "manifest",
    [
        '{"files": [{"sha256": "x", "bytes": 1}]}',
        '{"files": [{"path": "../../etc/passwd", "sha256": "x", "bytes": 1}]}',
        "[]",
        "{",
    ],
)
def test_a_malformed_manifest_is_unusable(tmp_path: Path, manifest: str) -> None:
    (tmp_path / "MANIFEST.json").write_text(manifest, "utf-8")
    assert main(["verify", "--dataset", str(tmp_path)]) == EXIT_UNUSABLE


def test_verify_honours_root(project: Path) -> None:
    assert main(["--root", str(project), "verify"]) == EXIT_OK
    (project / "dataset" / "stray.txt").write_text("x", "utf-8")
    assert main(["--root", str(project), "verify"]) == 1


def test_a_corrupt_dataset_parquet_is_unusable(tmp_path: Path) -> None:
    import shutil

    dataset = tmp_path / "dataset"
    shutil.copytree(REPO / "dataset", dataset)
    (dataset / "entities" / "test-00000-of-00001.parquet").write_bytes(b"PAR1 not really")
    result = validation.validate_dataset(dataset)
    assert result.exit_code == EXIT_UNUSABLE and [p.code for p in result.problems] == ["unreadable-parquet"]
    pq.write_table(pa.table({"id": [1]}), dataset / "articles" / "test-00000-of-00001.parquet")
    result = validation.validate_predictions(
        "entities", [{"article_id": ARTICLE, "start": 0, "end": 3, "label": "GPE"}], dataset=dataset
    )
    assert result.exit_code == EXIT_UNUSABLE and "missing-field" in {p.code for p in result.problems}


def test_a_deleted_gold_layer_is_named(project: Path) -> None:
    from diplonews import build

    (project / "annotations" / "gold" / "temporal.jsonl").unlink()
    with pytest.raises(Exception) as info:
        build.compile_dataset(project)
    assert keys(info.value) == [("missing-file", str(project / "annotations" / "gold" / "temporal.jsonl"), None, None)]
