"""The pytest plugin, as a downstream repository uses it (run with pytester, in-process: GX loads once)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import REPO
from diplonews import paths
from diplonews import validation as validate
from diplonews.contract.gates import GATES
from gold_predictions import gold_predictions

pytest_plugins = ("pytester",)

BROKEN = REPO / "tests" / "fixtures" / "predictions" / "broken"


@pytest.fixture(scope="module", autouse=True)
def warm() -> None:
    """Import everything a validation uses in this process first: an in-process pytester run
    forgets the modules first imported inside it, and a second run would mix two copies."""
    validate.validate_predictions("entities", BROKEN / "entities_unknown_label.jsonl")


@pytest.fixture
def gold_file(pytester: pytest.Pytester) -> Path:
    records = gold_predictions("entities", Path(paths.DATASET_DIR))
    assert records, "the gold has no entities"
    path = pytester.path / "preds.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
    return path


def test_the_gate_fixture_passes_good_and_fails_bad_predictions(pytester: pytest.Pytester, gold_file: Path) -> None:
    pytester.makepyfile(
        test_model=f"""
        import json

        def test_good(diplonews_gate):
            result = diplonews_gate("entities", {str(gold_file)!r})
            assert result.metrics["strict_micro_f1"] == 1.0

        def test_records(diplonews_gate):
            records = [json.loads(line) for line in open({str(gold_file)!r})]
            diplonews_gate("entities", records)

        def test_bad(diplonews_gate):
            diplonews_gate("entities", {str(BROKEN / "entities_unknown_label.jsonl")!r})
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        ["*test_bad*", "*label.label_known*FAIL 1 of 3 rows*", "*entities_unknown_label.jsonl:2: label 'PERSN'*"]
    )
    assert "Traceback" not in result.stdout.str()  # a failed gate reads as its table, not as a stack


def test_the_option_adds_one_test_per_file(pytester: pytest.Pytester, gold_file: Path) -> None:
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider",
        f"--diplonews-predictions=entities={gold_file}",
        f"--diplonews-predictions=entities={BROKEN / 'entities_shifted_offsets.jsonl'}",
        f"--diplonews-report-dir={pytester.path / 'reports'}",
        "-v",
    )  # fmt: skip
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*preds.jsonl::diplonews?entities? PASSED*", "*span.text_matches*FAIL 3 of 4 rows*"])
    assert (pytester.path / "reports" / "predictions_entities" / "result.json").is_file()


def test_thresholds_option_applies_to_the_gates(pytester: pytest.Pytester, gold_file: Path) -> None:
    records = [json.loads(line) for line in gold_file.read_text("utf-8").splitlines()][::2]
    half = pytester.path / "half.jsonl"
    half.write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
    default = pytester.runpytest_inprocess("-p", "no:cacheprovider", f"--diplonews-predictions=entities={half}")
    default.assert_outcomes(failed=1)  # half the gold fails the evidence-based defaults
    default.stdout.fnmatch_lines(["*gate.min_ent_type_micro_f1*FAIL*(gate >= 0.860)*"])
    low = {g.parameter: 0.0 if g.bound == "min" else 1.0 for g in GATES["entities"]}
    lenient = pytester.path / "lenient.json"
    lenient.write_text(json.dumps(low), "utf-8")
    passed = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", f"--diplonews-predictions=entities={half}", f"--diplonews-thresholds={lenient}"
    )
    passed.assert_outcomes(passed=1)
    thresholds = pytester.path / "thresholds.json"
    thresholds.write_text(json.dumps({**low, "min_strict_micro_recall": 0.99}), "utf-8")
    failed = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", f"--diplonews-predictions=entities={half}", f"--diplonews-thresholds={thresholds}"
    )
    failed.assert_outcomes(failed=1)
    failed.stdout.fnmatch_lines(["*gate.min_strict_micro_recall*FAIL*(gate >= 0.990)*"])


def test_ini_paths_resolve_from_the_rootdir_and_items_carry_the_file_path(
    pytester: pytest.Pytester, gold_file: Path
) -> None:
    """pytest run from a subfolder: the ini's paths still point at the rootdir's files; the node id is the file's."""
    (pytester.path / "preds").mkdir()
    gold_file.rename(pytester.path / "preds" / "entities.jsonl")
    shutil.copy(BROKEN / "entities_shifted_offsets.jsonl", pytester.path / "preds" / "shifted.jsonl")
    (pytester.path / "ci").mkdir()
    (pytester.path / "ci" / "thresholds.json").write_text(json.dumps({"min_strict_micro_f1": 0.99}), "utf-8")
    pytester.makeini(
        """
        [pytest]
        diplonews_predictions =
            entities=preds/entities.jsonl
            entities=preds/shifted.jsonl
        diplonews_thresholds = ci/thresholds.json
        diplonews_report_dir = reports
        """
    )
    subfolder = pytester.mkdir("tests")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(subfolder)
        result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-v", "--rootdir", str(pytester.path))
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*preds/entities.jsonl::diplonews?entities? PASSED*",
            "*preds/shifted.jsonl::diplonews?entities? FAILED*",
            "*gate.min_strict_micro_f1*(gate >= 0.990)*",  # the ini's thresholds file was found from tests/
        ]
    )
    ids = [report.nodeid for report in result.reprec.getreports("pytest_runtest_logreport") if report.when == "call"]  # type: ignore[attr-defined]
    assert sorted(ids) == ["preds/entities.jsonl::diplonews[entities]", "preds/shifted.jsonl::diplonews[entities]"]
    assert (pytester.path / "reports" / "predictions_entities" / "result.json").is_file()
    assert not (subfolder / "reports").exists()


def test_a_failure_shows_the_table_without_gx_logs_or_warnings(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", f"--diplonews-predictions=entities={BROKEN / 'entities_shifted_offsets.jsonl'}"
    )
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "span.text_matches" in out
    for noise in ("Captured log", "great_expectations", "DeprecationWarning", "INFO", "warnings summary"):
        assert noise not in out, noise


def test_a_malformed_option_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--diplonews-predictions=ner=preds.jsonl")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*expected TASK=FILE with TASK one of entities, temporal, discrepancies, cleaning*"])
