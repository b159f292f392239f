"""Validation of predictions and of the dataset: suites from the registry, readers, stages, API, CLI."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import REPO, keys, raised
from diplonews import paths
from diplonews import validation as validate
from diplonews.cli import main as cli_main
from diplonews.contract import labels, schema, timex
from diplonews.contract.derived import ARTICLE_IDS
from diplonews.contract.errors import EXIT_FAILED, EXIT_OK, EXIT_UNUSABLE, DiplonewsError
from diplonews.contract.gates import GATES
from diplonews.contract.rules import RULES
from diplonews.engines import gx as gx_backend
from diplonews.export import gx_suites
from diplonews.io import predictions
from gold_predictions import gold_predictions, texts

FIXTURES = REPO / "tests" / "fixtures" / "predictions"
DATASET = Path(paths.DATASET_DIR)


@pytest.fixture(scope="session")
def engine() -> gx_backend.Engine:
    """The one GX context of the test session (GX takes seconds to import)."""
    return validate.engine()


@pytest.fixture(scope="module")
def gold_entities() -> list[dict[str, Any]]:
    records = gold_predictions("entities", DATASET)
    assert len(records) > 0, "the gold has no entities: nothing to validate against"
    return records


def _jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


# ---- the suites are generated from the registry ---------------------------------------


def test_committed_suites_are_what_the_registry_generates() -> None:
    generated = gx_suites.generate_suites()
    committed = {path.name: path.read_bytes() for path in paths.EXPECTATIONS_DIR.glob("*.json")}
    assert set(committed) == set(generated), "run `python scripts/generate_expectations.py` and commit expectations/"
    stale = [name for name, data in generated.items() if committed[name] != data]
    assert stale == [], f"stale suites {stale}: run `python scripts/generate_expectations.py`"


def test_every_suite_loads_into_gx_without_losing_an_expectation(engine: gx_backend.Engine) -> None:
    for path in sorted(paths.EXPECTATIONS_DIR.glob("*.json")):
        document = gx_suites.read_suite_document(path)
        suite = engine.load_suite(document)
        assert len(suite.expectations) == len(document["expectations"]) > 0, path.name


def test_loading_refuses_a_suite_gx_would_shorten(engine: gx_backend.Engine) -> None:
    document = gx_suites.gate_suite("entities")
    document["expectations"].append({"type": "expect_the_unexpected", "kwargs": {"column": "x"}, "meta": {}})
    with pytest.raises(ValueError, match="expect_the_unexpected"):
        engine.load_suite(document)


def _kwargs(suite: dict[str, Any], check: str) -> dict[str, Any]:
    (found,) = [e["kwargs"] for e in suite["expectations"] if e["meta"]["check"] == check]
    return found


def test_suites_carry_the_registry_label_sets_and_rules() -> None:
    for name, table in schema.DATASET_TABLES.items():
        suite = gx_suites.dataset_suite(name)
        for column in table.columns:
            if column.labels is not None and column.dtype.endswith("_list"):  # tag lists: a derived column
                assert _kwargs(suite, "tokens.tags_known")["column"] == "_tags_known"
            elif column.labels is not None:
                assert _kwargs(suite, f"{column.name}.label_known")["value_set"] == list(column.labels)
            if column.unique:
                assert _kwargs(suite, f"{column.name}.unique")["column"] == column.name
    predicted = gx_suites.prediction_suite("entities")
    assert _kwargs(predicted, "label.label_known")["value_set"] == list(labels.ENTITY_LABELS)
    assert _kwargs(predicted, "span.article_known")["value_set"] == {"$PARAMETER": ARTICLE_IDS}
    assert _kwargs(predicted, "span.no_duplicate")["column_list"] == ["article_id", "start", "end", "label"]
    assert _kwargs(gx_suites.prediction_suite("discrepancies"), "type.label_known")["value_set"] == list(
        labels.DISCREPANCY_TYPES
    )


def test_gate_suites_hold_thresholds_as_parameters_with_their_defaults() -> None:
    for task, gates in GATES.items():
        suite = json.loads((paths.EXPECTATIONS_DIR / f"gates_{task}.json").read_text("utf-8"))
        assert gx_suites.default_parameters(suite) == {gate.parameter: gate.default for gate in gates}
        for gate in gates:
            assert _kwargs(suite, f"gate.{gate.parameter}")[f"{gate.bound}_value"] == {"$PARAMETER": gate.parameter}


def test_prediction_tables_reuse_the_dataset_columns() -> None:
    assert schema.PREDICTION_ENTITIES.column("label") is schema.ENTITIES.column("label")
    assert schema.PREDICTION_TEMPORAL.column("value") is schema.TEMPORAL.column("value")
    assert schema.PREDICTION_DISCREPANCIES.column("type") is schema.DISCREPANCIES.column("type")
    for table in schema.PREDICTION_TABLES.values():
        assert all(rule in RULES for rule in table.rules), table.name


SAMPLE_VALUES = [
    "2024", "2024-04", "2024-04-26", "2024-W17", "2024-Q2", "202X", "20XX", "PRESENT_REF", "2024-04-26T16:30",
    "2024-04-26T08:30Z", "2024-04-26T16:30:05+08:00", "2024-04-26TMO", "PT7H30M", "PT7.5H", "P5Y", "PTXH", "P1DT2H",
    "XXXX-WXX-1", "XXXX-XX-XX", "P", "PT", "2024-4-26", "next friday", "2024-04-26 ", " 2024", "T16:30", "P7.H", "2024-W7",
]  # fmt: skip


@pytest.mark.parametrize("timex_type", list(timex.GRAMMAR))
def test_gx_regex_accepts_exactly_what_the_timex_grammar_accepts(timex_type: str) -> None:
    gold_values = (
        pq.read_table(DATASET / paths.DATA_FILE_TEMPLATE.format(config="temporal")).column("value").to_pylist()
    )
    values = sorted({*SAMPLE_VALUES, *(v for v in gold_values if v)})
    compact = re.compile(gx_suites.gx_regex(timex.GRAMMAR[timex_type]))
    python = [timex.is_valid_value(timex_type, v) for v in values]
    assert any(python) and not all(python)
    assert [compact.search(v) is not None for v in values] == python
    # and as pandas runs it (pyarrow's RE2 under pandas 3), the way GX calls it
    assert pd.Series(values, dtype=object).astype(str).str.contains(compact.pattern).tolist() == python


# ---- reading prediction files ---------------------------------------------------------


def test_the_three_formats_read_to_the_same_frame() -> None:
    table = schema.PREDICTION_ENTITIES
    frames = [
        predictions.read_predictions(FIXTURES / f"entities.{suffix}", table).frame for suffix in ("jsonl", "parquet")
    ]
    csv = predictions.read_predictions(FIXTURES / "entities.csv", table).frame
    assert frames[0].equals(frames[1])
    assert frames[0].height == len((FIXTURES / "entities.jsonl").read_text("utf-8").splitlines())
    assert csv.drop("text").equals(frames[0].drop("text"))
    assert csv["text"].null_count() == 1  # an empty CSV field: no text given for that span


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"article_id": "a", "start": "3", "end": 5, "label": "GPE"}\n', ("type-error", "x.jsonl", 1, "start")),
        ('{"article_id": "a", "start": 1, "end": 5.0, "label": "GPE"}\n', ("type-error", "x.jsonl", 1, "end")),
        ('{"article_id": "a", "start": 1, "end": 5, "label": 7}\n', ("type-error", "x.jsonl", 1, "label")),
        (
            '{"article_id": "a", "start": 1, "end": 10000000000000000000000000000000, "label": "GPE"}\n',
            ("out-of-range", "x.jsonl", 1, "end"),
        ),
        (
            '{"article_id": "a", "start": 1, "start": 2, "end": 5, "label": "GPE"}\n',
            ("malformed-json", "x.jsonl", 1, None),
        ),
        ('{"article_id": "a", "start": 1, "end": 5, "label": "GPE"}\n[1]\n', ("not-an-object", "x.jsonl", 2, None)),
    ],
)
def test_malformed_jsonl_names_line_and_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str, expected: tuple[Any, ...]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.jsonl").write_text(content, "utf-8")
    assert raised(predictions.read_predictions, Path("x.jsonl"), schema.PREDICTION_ENTITIES) == [expected]


def test_temporal_value_may_be_null_but_not_absent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    rows = [
        {"article_id": "a", "start": 1, "end": 5, "type": "DATE", "value": None},
        {"article_id": "a", "start": 6, "end": 9, "type": "DATE"},
    ]
    assert raised(predictions.read_predictions, _jsonl(Path("t.jsonl"), rows), schema.PREDICTION_TEMPORAL) == [
        ("missing-field", "t.jsonl", 2, "value")
    ]


def test_csv_and_parquet_type_errors_name_the_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("p.csv").write_text('article_id,start,end,label,text\na,1,5,GPE,"two\nlines"\na,x,5,GPE,y\n', "utf-8")
    assert raised(predictions.read_predictions, Path("p.csv"), schema.PREDICTION_ENTITIES) == [
        ("type-error", "p.csv", 4, "start")
    ]
    pq.write_table(pa.table({"article_id": ["a"], "start": [1.5], "end": [5], "label": ["GPE"]}), "p.parquet")
    assert raised(predictions.read_predictions, Path("p.parquet"), schema.PREDICTION_ENTITIES) == [
        ("type-error", "p.parquet", None, "start")
    ]


FAST_PATH_CASES = {
    "clean": "",
    "blank line": "\n",
    "indented line": "  ",
    "two objects on a line": "TWO",
    "duplicate key": "DUP",
    "string offset": "STR",
    "null label": "NULL",
    "missing value key": "NOVALUE",
    "unknown field": "EXTRA",
    "crlf": "CRLF",
}


def _temporal_file(path: Path, case: str) -> Path:
    line = (
        '{"article_id": "000_f1c10de2f90bfacb", "start": %d, "end": %d, "type": "DATE", "value": "2024", "text": "x"}'
    )
    lines = [line % (i, i + 1) for i in range(200)]
    special = {
        "\n": "",
        "  ": "  " + lines[5],
        "TWO": lines[5] + " " + lines[6],
        "DUP": lines[5].replace('"start": 5,', '"start": 5, "start": 6,'),
        "STR": lines[5].replace('"start": 5,', '"start": "5",'),
        "NULL": lines[5].replace('"type": "DATE"', '"type": null'),
        "NOVALUE": lines[5].replace(', "value": "2024"', ""),
        "EXTRA": lines[5].replace('"text"', '"score": 0.5, "text"'),
    }
    if case in special:
        lines[5] = special[case]
    text = "\n".join(lines) + "\n"
    path.write_bytes(text.replace("\n", "\r\n").encode() if case == "CRLF" else text.encode())
    return path


@pytest.mark.parametrize("case", list(FAST_PATH_CASES))
def test_fast_jsonl_reader_agrees_with_the_strict_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    path = _temporal_file(tmp_path / "t.jsonl", FAST_PATH_CASES[case])
    monkeypatch.setattr(predictions, "FAST_JSONL_BYTES", 0)  # the fast path for any file

    def read() -> Any:
        try:
            source = predictions.read_predictions(path, schema.PREDICTION_TEMPORAL)
        except DiplonewsError as error:
            return error.render()
        return source.frame, [source.where(row) for row in (0, 5, source.n_rows - 1)]

    fast = read()
    monkeypatch.setattr(predictions, "FAST_JSONL_BYTES", 1 << 40)  # strict reader only
    strict = read()
    if isinstance(strict, str):
        assert fast == strict
    else:
        assert fast[0].equals(strict[0]) and fast[1] == strict[1]
        assert fast[1] == [f"{path}:1", f"{path}:7" if case == "blank line" else f"{path}:6", f"{path}:200"]
    if case == "clean":
        assert predictions._read_jsonl_fast(path, schema.PREDICTION_TEMPORAL) is not None  # the fast path really ran
    else:
        assert predictions._read_jsonl_fast(path, schema.PREDICTION_TEMPORAL) is None


# ---- the stages, through the Python API -----------------------------------------------


def test_gold_derived_predictions_pass_with_perfect_scores(
    engine: gx_backend.Engine, gold_entities: list[dict[str, Any]]
) -> None:
    result = validate.validate_predictions("entities", gold_entities)
    assert result.success and result.exit_code == EXIT_OK, result.render()
    assert result.n_rows == len(gold_entities)
    assert result.metrics["strict_micro_f1"] == 1.0 and result.metrics["n_gold"] == len(gold_entities)
    assert {o.check for o in result.outcomes} >= {"span.text_matches", "span.no_duplicate", "gate.min_strict_micro_f1"}


def test_integrity_failures_name_the_rows(engine: gx_backend.Engine, gold_entities: list[dict[str, Any]]) -> None:
    records = [dict(r) for r in gold_entities[:6]]
    records[1]["start"] += 1  # text no longer matches
    records[2]["label"] = "PERSN"
    records[3]["article_id"] = "999_0000000000000000"
    records.append(dict(records[0]))  # a duplicate
    result = validate.validate_predictions("entities", records)
    assert not result.success and result.exit_code == EXIT_FAILED
    failed = {o.check: o for o in result.failures}
    assert set(failed) >= {"span.text_matches", "label.label_known", "span.article_known", "span.no_duplicate"}
    assert keys(failed["span.text_matches"].examples)[0] == ("span-mismatch", "<records>", 2, "text")
    assert failed["span.text_matches"].examples[0].hint is not None  # where the text does occur
    assert keys(failed["label.label_known"].examples) == [("unknown-label", "<records>", 3, "label")]
    assert failed["label.label_known"].examples[0].value == "PERSN"
    assert keys(failed["span.article_known"].examples) == [("unknown-article", "<records>", 4, "article_id")]
    assert failed["span.article_known"].unexpected_count == 1
    assert failed["span.no_duplicate"].unexpected_count == 2


def test_a_frame_is_validated_like_a_file(engine: gx_backend.Engine, gold_entities: list[dict[str, Any]]) -> None:
    frame = pd.DataFrame(gold_entities).drop(columns=["text"])
    assert validate.validate_predictions("entities", frame).success
    assert validate.validate_predictions("entities", pl.from_pandas(frame)).success
    broken = frame.assign(start=frame["start"] - 1_000_000)
    result = validate.validate_predictions("entities", broken)
    assert result.outcome("start.min").unexpected_count == len(frame)


def test_unusable_input_stops_before_gx(gold_entities: list[dict[str, Any]]) -> None:
    records = [{k: v for k, v in r.items() if k != "label"} for r in gold_entities[:3]]
    result = validate.validate_predictions("entities", records)
    assert result.exit_code == EXIT_UNUSABLE and result.outcomes == []
    assert keys(result.problems) == [("missing-field", "<records>", None, "label")]
    records = [{**r, "label": None} if i == 1 else r for i, r in enumerate(gold_entities[:3])]
    assert keys(validate.validate_predictions("entities", records).problems) == [
        ("null-value", "<records>", 2, "label")
    ]


def test_thresholds_override_defaults_and_add_gates(
    engine: gx_backend.Engine, gold_entities: list[dict[str, Any]], tmp_path: Path
) -> None:
    half = gold_entities[::2]  # precision 1, recall about 1/2
    default = validate.validate_predictions("entities", half)
    assert not default.success  # the evidence-based defaults stop half the gold ...
    assert {o.suite for o in default.failures} == {"gates_entities"}
    low = {g.parameter: 0.0 if g.bound == "min" else 1.0 for g in GATES["entities"]}
    lenient = validate.validate_predictions("entities", half, thresholds=low)  # ... explicit thresholds let it pass
    f1 = lenient.metrics["strict_micro_f1"]
    assert lenient.success and 0.5 < f1 < 1.0
    assert lenient.parameters == low
    strict = validate.validate_predictions("entities", half, thresholds={**low, "min_strict_micro_f1": (f1 + 1) / 2})
    assert not strict.success and [o.check for o in strict.failures] == ["gate.min_strict_micro_f1"]
    per_label = validate.validate_predictions("entities", half, thresholds={**low, "min_strict_micro_recall": 0.9})
    assert [o.check for o in per_label.failures] == ["gate.min_strict_micro_recall"]
    added = per_label.outcome("gate.min_strict_micro_recall")
    assert added.observed == per_label.metrics["strict_micro_recall"] < 0.9 and added.kwargs["min_value"] == 0.9
    bad = validate.validate_predictions("entities", half, thresholds={"min_strict_micro_fone": 0.5, "max_n_gold": "x"})
    assert bad.exit_code == EXIT_UNUSABLE
    assert [(p.code, p.field) for p in bad.problems] == [
        ("unknown-threshold", "min_strict_micro_fone"),
        ("bad-threshold", "max_n_gold"),
    ]
    # a user's own copy of the gate suite, with a higher default in its meta
    copy = json.loads((paths.EXPECTATIONS_DIR / "gates_entities.json").read_text("utf-8"))
    copy["meta"]["diplonews"]["parameters"] = {**low, "min_strict_micro_f1": (f1 + 1) / 2}
    (tmp_path / "gates.json").write_text(json.dumps(copy), "utf-8")
    mine = validate.validate_predictions("entities", half, thresholds=tmp_path / "gates.json")
    assert [o.check for o in mine.failures] == ["gate.min_strict_micro_f1"]
    # a copy GX cannot load whole is refused, not half-applied
    copy["expectations"].append({"type": "expect_metric_to_be_great", "kwargs": {}, "meta": {}})
    (tmp_path / "gates.json").write_text(json.dumps(copy), "utf-8")
    refused = validate.validate_predictions("entities", half, thresholds=tmp_path / "gates.json")
    assert refused.exit_code == EXIT_UNUSABLE and [p.code for p in refused.problems] == ["bad-suite"]
    assert validate.validate_predictions("entities", half, thresholds=low).success  # and the default suite is back


def test_report_files_and_no_gx_folder(
    engine: gx_backend.Engine, gold_entities: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = validate.validate_predictions("entities", gold_entities, report_dir="reports", data_docs=True)
    report = json.loads(Path("reports/predictions_entities/result.json").read_text("utf-8"))
    assert report["success"] is True and report["n_rows"] == len(gold_entities)
    assert {e["check"] for e in report["expectations"]} == {o.check for o in result.outcomes}
    assert "PASS" in Path("reports/predictions_entities/report.html").read_text("utf-8")
    index = Path("reports/predictions_entities/data_docs/index.html")
    assert index.is_file() and "predictions_entities" in index.read_text("utf-8")
    pages = list(Path("reports/predictions_entities/data_docs/validations").rglob("*.html"))
    assert pages
    offline = Path("reports/predictions_entities/data_docs/results.html").read_text("utf-8")
    assert all(page.relative_to("reports/predictions_entities/data_docs").as_posix() in offline for page in pages)
    assert not Path("gx").exists() and os.environ["GX_ANALYTICS_ENABLED"] == "false"


# ---- the dataset ----------------------------------------------------------------------


def test_the_committed_dataset_passes(engine: gx_backend.Engine) -> None:
    result = validate.validate_dataset()
    assert result.success, result.render()
    suites = {o.suite for o in result.outcomes}
    assert suites == {f"dataset_{n}" for n in schema.CONFIG_NAMES} | {f"contract_{n}" for n in schema.CONFIG_NAMES}
    rows = {
        name: pq.read_metadata(DATASET / paths.DATA_FILE_TEMPLATE.format(config=name)).num_rows
        for name in schema.CONFIG_NAMES
    }
    assert result.n_rows == sum(rows.values()) and all(rows.values())


def test_a_corrupted_dataset_fails_both_pandera_and_gx(engine: gx_backend.Engine, tmp_path: Path) -> None:
    dataset = tmp_path / "dataset"
    shutil.copytree(DATASET, dataset, ignore=shutil.ignore_patterns("raw"))
    path = dataset / paths.DATA_FILE_TEMPLATE.format(config="entities")
    rows = pq.read_table(path).to_pylist()
    rows[0]["text"] = rows[0]["text"] + "!"  # no longer the slice
    rows.append(dict(rows[1]))  # a duplicate mention: same id, overlapping span
    pq.write_table(pa.Table.from_pylist(rows, schema=pq.read_schema(path)), path)
    result = validate.validate_dataset(dataset)
    assert result.exit_code == EXIT_FAILED
    failed = {(o.suite, o.check) for o in result.failures}
    assert ("dataset_entities", "span.text_matches") in failed
    assert ("dataset_entities", "mention_id.unique") in failed
    assert ("dataset_entities", "span.no_overlap") in failed
    assert any(suite == "contract_entities" for suite, _ in failed)
    assert keys(result.outcome("span.text_matches", "dataset_entities").examples)[0] == (
        "span-mismatch",
        "entities",
        1,
        "text",
    )


def test_a_dataset_folder_without_configs_is_unusable(tmp_path: Path) -> None:
    result = validate.validate_dataset(tmp_path)
    assert result.exit_code == EXIT_UNUSABLE
    assert {p.code for p in result.problems} == {"missing-file"} and len(result.problems) == len(schema.CONFIG_NAMES)


# ---- the command ----------------------------------------------------------------------


def test_cli_prints_the_table_and_exit_codes(
    engine: gx_backend.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert (
        cli_main(
            [
                "validate",
                "--task",
                "entities",
                "--predictions",
                str(FIXTURES / "broken" / "entities_unknown_label.jsonl"),
                "--report-dir",
                "r",
            ]
        )
        == EXIT_FAILED
    )
    out = capsys.readouterr().out
    assert re.search(r"integrity\s+label\.label_known\s+FAIL 1 of 3 rows", out)
    assert "entities_unknown_label.jsonl:2: label 'PERSN'" in out
    assert out.rstrip().endswith(f"(exit {EXIT_FAILED})")
    assert cli_main(["validate", "--task", "entities"]) == EXIT_UNUSABLE
    assert "error[usage]" in capsys.readouterr().err
    assert cli_main(["validate", "--predictions", "x.jsonl"]) == EXIT_UNUSABLE
    assert cli_main(
        ["validate", "--task", "cleaning", "--predictions", str(FIXTURES / "cleaning.jsonl"), "--quiet"]
    ) in {EXIT_OK, EXIT_FAILED}
    assert capsys.readouterr().out.count("\n") == 1


@pytest.mark.parametrize(
    "example", sorted(p.name for p in FIXTURES.iterdir() if p.is_file() and p.suffix in predictions.FORMATS)
)
def test_every_example_file_passes_the_integrity_suite(engine: gx_backend.Engine, example: str) -> None:
    task = example.split(".")[0]
    result = validate.validate_predictions(task, FIXTURES / example)
    assert result.usable, result.render()
    integrity = [o for o in result.outcomes if o.suite == f"predictions_{task}"]
    assert integrity and all(o.success for o in integrity), result.render()
    assert result.n_rows > 0
    if task == "cleaning":
        assert result.n_rows == len(texts(DATASET))  # one cleaned text per article
