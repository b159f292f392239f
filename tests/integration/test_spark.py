"""`--engine spark` on a local Spark session equals the local engine: verdict, counts, examples, metrics.

Needs pyspark (the `spark` or `test` extra) and Java 17+; about 10 s of session start.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from diplonews import validation
from diplonews.io import sources
from diplonews.validation import spark as spark_validation
from diplonews.validation import streaming

pytest.importorskip("pyspark")
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("java") is None, reason="a local Spark session needs Java"),
]
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "validation"))
from test_streaming import _comparable, _random_rows, _write  # noqa: E402


def test_spark_equals_local(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "BATCH_ROWS", 100)
    monkeypatch.setattr(streaming, "PARTITION_ROWS", 150)  # metrics scored in several Spark partitions
    rows = _random_rows("entities", 21, 600)
    (tmp_path / "parts").mkdir()
    _write(rows[:300], tmp_path / "parts" / "a.parquet")
    _write(rows[300:], tmp_path / "parts" / "b.jsonl")
    local = validation.validate_predictions("entities", tmp_path / "parts")
    spark = validation.validate_predictions("entities", tmp_path / "parts", engine="spark")
    assert local.exit_code == 1
    assert _comparable(spark) == _comparable(local)
    assert spark.outcome("span.no_duplicate").unexpected_count > 0
    assert spark.metrics is not None and spark.metrics["n_predicted"] == spark.n_rows == 630  # 600 + 30 repeats

    for task, seed in (("temporal", 23), ("discrepancies", 24)):  # TIMEX3 values, detection across articles
        path = _write(_random_rows(task, seed, 400), tmp_path / f"{task}.parquet")
        local = validation.validate_predictions(task, path)
        spark = validation.validate_predictions(task, path, engine="spark")
        assert _comparable(spark) == _comparable(local), task
        assert spark.metrics is not None and spark.metrics["n_predicted"] == spark.n_rows, task
        assert spark.metrics["partial_micro_recall"] > 0, task  # some random spans overlap the gold

    articles = pl.DataFrame({"id": ["a1"], "text": ["Blinken met Wang Yi."]})
    articles.write_ndjson(tmp_path / "articles.jsonl")
    preds = _write(
        [{"article_id": "a1", "start": 0, "end": 7, "label": "PERSON", "text": "Blinkn"}] * 3,
        tmp_path / "p.jsonl",
    )
    local = validation.validate_predictions("entities", preds, articles=tmp_path / "articles.jsonl")
    spark = validation.validate_predictions("entities", preds, articles=tmp_path / "articles.jsonl", engine="spark")
    assert _comparable(spark) == _comparable(local)
    assert spark.outcome("span.text_matches").examples[0].line == 1


def test_workers_read_large_articles_from_their_source(tmp_path, monkeypatch):
    """Beyond SHIP_BYTES the article frame is not shipped in tasks: each worker reads the dataset or the articles."""
    monkeypatch.setattr(spark_validation, "SHIP_BYTES", 0)
    path = _write(_random_rows("entities", 25, 300), tmp_path / "p.parquet")
    local = validation.validate_predictions("entities", path)
    spark = validation.validate_predictions("entities", path, engine="spark")
    assert _comparable(spark) == _comparable(local)
    assert spark.metrics is not None and spark.outcome("span.text_matches").unexpected_count > 0

    pl.DataFrame({"id": ["a1", "a2"], "text": ["Blinken met Wang Yi.", "Qin Gang"]}).write_parquet(
        tmp_path / "articles.parquet"
    )
    preds = _write(
        [{"article_id": "a2", "start": 0, "end": 8, "label": "PERSON", "text": "Qin Gang"},
         {"article_id": "a1", "start": 12, "end": 19, "label": "PERSON", "text": "Wang Y"}],
        tmp_path / "q.jsonl",
    )  # fmt: skip
    local = validation.validate_predictions("entities", preds, articles=tmp_path / "articles.parquet")
    spark = validation.validate_predictions("entities", preds, articles=tmp_path / "articles.parquet", engine="spark")
    assert _comparable(spark) == _comparable(local)
    assert [e.line for e in spark.outcome("span.text_matches").examples] == [2]


def test_articles_a_worker_cannot_read_are_an_unusable_input_not_a_crash(tmp_path, monkeypatch):
    """On a cluster the corpus path may not exist on an executor: exit 2 naming the file, nothing half-written."""
    monkeypatch.setattr(spark_validation, "SHIP_BYTES", 0)
    missing = tmp_path / "only-on-the-driver.parquet"
    monkeypatch.setattr(
        spark_validation.ArticleSource, "of", classmethod(lambda cls, kind, path: cls("articles", str(missing), "x"))
    )
    pl.DataFrame({"id": ["a1"], "text": ["Blinken"]}).write_parquet(tmp_path / "articles.parquet")
    preds = _write(
        [{"article_id": "a1", "start": 0, "end": 7, "label": "PERSON", "text": "Blinken"}], tmp_path / "p.jsonl"
    )
    result = validation.validate_predictions(
        "entities", preds, articles=tmp_path / "articles.parquet", engine="spark", report_dir=tmp_path / "r"
    )
    assert result.exit_code == 2 and not result.outcomes
    assert [(p.code, p.file) for p in result.problems] == [("unreadable-parquet", str(missing))]
    assert (tmp_path / "r" / "predictions_entities" / "result.json").is_file()  # the verdict, written whole


def test_cli_spark_engine(tmp_path):
    preds = _write(_random_rows("temporal", 22, 100), tmp_path / "p.parquet")
    run = subprocess.run(
        [sys.executable, "-m", "diplonews.cli", "validate", "--task", "temporal", "--predictions", str(preds),
         "--engine", "spark", "--report-dir", str(tmp_path / "r"), "--quiet"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 1, run.stderr
    assert run.stdout.startswith("FAIL")
