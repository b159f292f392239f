"""The pytest plugin, as a downstream repository uses it (run with pytester, in-process: GX loads once)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import REPO
from diplonews import paths
from diplonews import validation as validate
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
    result.stdout.fnmatch_lines(["*diplonews?entities=*preds.jsonl?*PASSED*", "*span.text_matches*FAIL 3 of 4 rows*"])
    assert (pytester.path / "reports" / "predictions_entities" / "result.json").is_file()


def test_thresholds_option_applies_to_the_gates(pytester: pytest.Pytester, gold_file: Path) -> None:
    records = [json.loads(line) for line in gold_file.read_text("utf-8").splitlines()][::2]
    half = pytester.path / "half.jsonl"
    half.write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
    thresholds = pytester.path / "thresholds.json"
    thresholds.write_text(json.dumps({"min_strict_micro_recall": 0.99}), "utf-8")
    passed = pytester.runpytest_inprocess("-p", "no:cacheprovider", f"--diplonews-predictions=entities={half}")
    passed.assert_outcomes(passed=1)
    failed = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", f"--diplonews-predictions=entities={half}", f"--diplonews-thresholds={thresholds}"
    )
    failed.assert_outcomes(failed=1)
    failed.stdout.fnmatch_lines(["*gate.min_strict_micro_recall*FAIL*(gate >= 0.990)*"])


def test_a_malformed_option_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--diplonews-predictions=ner=preds.jsonl")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*expected TASK=FILE with TASK one of entities, temporal, discrepancies, cleaning*"])
