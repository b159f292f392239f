"""The streaming engine equals the GX path: same verdict, codes, counts, examples (file:line), metrics.

Random predictions (seeded, with every kind of fault: offsets outside, reversed, text not
the slice, unknown labels and articles, blank text, duplicates across batches), written
as JSONL, CSV or Parquet, validated twice: through GX on the whole frame, and batch by
batch with tiny batches, many hash partitions and spilling forced.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import polars as pl
import pytest

from diplonews import validation
from diplonews.contract import labels
from diplonews.evaluate import Gold
from diplonews.io import sources
from diplonews.validation import streaming

GOLD = Gold.from_dataset(Path(__file__).resolve().parents[2] / "dataset")
TEXTS = ["", " ", "\u3000", "\x1c", "abc", "Blinken", None]


def _random_rows(task: str, seed: int, n: int) -> list[dict]:
    rnd = random.Random(seed)
    ids = [*GOLD.article_ids, "unknown_article"]
    rows: list[dict] = []
    for _ in range(n):
        article = rnd.choice(ids)
        text = GOLD.texts.get(article, "x" * 50)
        if task == "cleaning":
            rows.append({"article_id": article, "text": text[: rnd.randint(0, len(text))]})
            continue
        start = rnd.randint(-1, len(text) + 1)
        end = start + rnd.randint(-1, 15)
        row = {"article_id": article, "start": start, "end": end}
        if rnd.random() < 0.8:
            row["text"] = text[max(start, 0) : max(end, 0)] if rnd.random() < 0.7 else rnd.choice(TEXTS)
        if task == "entities":
            row["label"] = rnd.choice([*labels.ENTITY_LABELS[:4], "PERSN"])
        elif task == "temporal":
            row["type"] = rnd.choice(["DATE", "TIME", "DURATION", "SET", "DAY"])
            row["value"] = rnd.choice(["2023-06-18", "2023-06-18TMO", "P2D", "P1W", "XXXX-WXX-1", "June", "PT", None])
        else:
            row["type"] = rnd.choice([*labels.DISCREPANCY_TYPES[:3], "nonsense"])
        rows.append(row)
    rows += [dict(rows[rnd.randrange(len(rows))]) for _ in range(max(1, n // 20))]  # duplicates, far apart
    rnd.shuffle(rows)
    return rows


def _write(rows: list[dict], path: Path) -> Path:
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(row) + "\n" for row in rows), "utf-8")
    else:
        columns = sorted({key for row in rows for key in row})
        frame = pl.DataFrame(
            [{c: row.get(c) for c in columns} for row in rows],
            schema={c: (pl.Int64 if c in {"start", "end"} else pl.String) for c in columns},
        )
        frame.write_csv(path) if path.suffix == ".csv" else frame.write_parquet(path, row_group_size=37)
    return path


def _comparable(result: validation.ValidationResult) -> dict:
    out = result.to_dict()
    out.pop("report_files")
    return out


@pytest.fixture
def tiny_batches(monkeypatch):
    monkeypatch.setattr(sources, "BATCH_ROWS", 50)
    monkeypatch.setattr(sources, "CHUNK_BYTES", 2048)
    monkeypatch.setattr(streaming, "SPILL_ROWS", 60)
    monkeypatch.setattr(streaming, "PARTITION_ROWS", 40)


@pytest.mark.parametrize(
    ("task", "suffix", "seed"),
    [
        ("entities", ".jsonl", 1),
        ("entities", ".parquet", 2),
        ("entities", ".csv", 3),
        ("temporal", ".jsonl", 4),
        ("temporal", ".parquet", 5),
        ("discrepancies", ".jsonl", 6),
        ("cleaning", ".jsonl", 7),
    ],
)
def test_streaming_equals_gx(tmp_path, tiny_batches, task, suffix, seed):
    path = _write(_random_rows(task, seed, 400), tmp_path / f"preds{suffix}")
    reference = validation.validate_predictions(task, path, streaming=False)
    streamed = validation.validate_predictions(task, path, streaming=True)
    assert reference.usable and reference.exit_code == 1
    assert _comparable(streamed) == _comparable(reference)
    failing = [o for o in reference.outcomes if not o.success and o.suite.startswith("predictions_")]
    assert failing and all(o.examples for o in failing if o.unexpected_count)


def test_articles_mode_equals_gx_and_has_no_gates(tmp_path, tiny_batches):
    articles = pl.DataFrame({"id": ["a1", "a2"], "text": ["Blinken met Wang Yi in Beijing.", "Qin Gang said so."]})
    articles.write_parquet(tmp_path / "articles.parquet")
    rows = [
        {"article_id": "a1", "start": 0, "end": 7, "label": "PERSON", "text": "Blinken"},
        {"article_id": "a1", "start": 12, "end": 19, "label": "PERSON", "text": "Wang Yi"},
        {"article_id": "a2", "start": 0, "end": 8, "label": "PERSON", "text": "Qin Gan"},  # not the slice
        {"article_id": "a3", "start": 0, "end": 3, "label": "ORG", "text": "Qin"},  # unknown article
        {"article_id": "a1", "start": 0, "end": 7, "label": "PERSON", "text": "Blinken"},  # duplicate
    ] * 30
    path = _write(rows, tmp_path / "preds.jsonl")
    reference = validation.validate_predictions(
        "entities", path, articles=tmp_path / "articles.parquet", streaming=False
    )
    streamed = validation.validate_predictions("entities", path, articles=tmp_path / "articles.parquet")
    assert _comparable(streamed) == _comparable(reference)
    assert streamed.metrics is None and not any(o.suite.startswith("gates_") for o in streamed.outcomes)
    assert streamed.notes == [validation.predictions.NO_GOLD_NOTE]
    codes = {o.check: (o.code, o.unexpected_count) for o in streamed.failures}
    assert codes == {
        "span.article_known": ("unknown-article", 30),
        "span.text_matches": ("span-mismatch", 30),
        "span.no_duplicate": ("duplicate-row", 150),  # every row repeats 30 times
    }
    example = streamed.outcome("span.text_matches").examples[0]
    assert (example.code, example.line, example.field) == ("span-mismatch", 3, "text")


def test_parts_in_a_folder_and_a_glob_equal_one_file(tmp_path, tiny_batches):
    rows = _random_rows("entities", 11, 300)
    whole = validation.validate_predictions("entities", _write(rows, tmp_path / "whole.parquet"))
    (tmp_path / "parts").mkdir()
    for index in range(3):
        _write(
            rows[index * 100 : (index + 1) * 100 + (21 if index == 2 else 0)], tmp_path / "parts" / f"p{index}.parquet"
        )
    by_folder = validation.validate_predictions("entities", tmp_path / "parts")
    by_glob = validation.validate_predictions("entities", str(tmp_path / "parts" / "p*.parquet"))
    assert {**_comparable(by_folder), "source": ""} == {**_comparable(by_glob), "source": ""}
    for check in ("span.text_matches", "span.no_duplicate", "label.label_known"):
        assert by_folder.outcome(check).unexpected_count == whole.outcome(check).unexpected_count
    assert by_folder.metrics == whole.metrics
    files = {Path(e.file).name for o in by_folder.failures for e in o.examples if o.suite.startswith("predictions_")}
    assert "p0.parquet" in files and files <= {"p0.parquet", "p1.parquet", "p2.parquet"}


def test_unusable_part_names_file_and_line(tmp_path, tiny_batches):
    rows = _random_rows("entities", 12, 200)
    path = _write(rows, tmp_path / "preds.jsonl")
    lines = path.read_text("utf-8").splitlines()
    lines[150] = '{"article_id": "x", "start": "zero"}'
    path.write_text("\n".join(lines) + "\n", "utf-8")
    streamed = validation.validate_predictions("entities", path)
    reference = validation.validate_predictions("entities", path, streaming=False)
    assert streamed.exit_code == reference.exit_code == 2
    assert [(p.code, p.line, p.field) for p in streamed.problems] == [
        (p.code, p.line, p.field) for p in reference.problems
    ]


def test_no_match_and_empty_inputs(tmp_path):
    missing = validation.validate_predictions("entities", str(tmp_path / "nothing*.jsonl"))
    assert [p.code for p in missing.problems] == ["file-not-found"]
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "a.parquet").write_bytes(b"")
    assert [p.code for p in validation.validate_predictions("entities", tmp_path / "empty").problems] == ["no-rows"]
    bad_articles = tmp_path / "articles.jsonl"
    bad_articles.write_text('{"id": "a", "text": "x"}\n{"id": "a", "text": "y"}\n{"text": "z"}\n', "utf-8")
    result = validation.validate_predictions("entities", tmp_path / "empty", articles=bad_articles)
    assert sorted((p.code, p.line) for p in result.problems) == [
        ("duplicate-id", 1),
        ("duplicate-id", 2),
        ("null-value", 3),
    ]
    refused = validation.validate_predictions("entities", tmp_path / "empty", articles=bad_articles, thresholds={})
    assert [p.code for p in refused.problems] == ["usage"]
