"""Scored partition by partition (streaming, Spark), the metrics equal the scores of one in-memory frame."""

from __future__ import annotations

import pickle
import random

import polars as pl
import pytest

from diplonews import paths
from diplonews.contract import labels
from diplonews.evaluate import Gold, Scorer, evaluate

GOLD = Gold.from_dataset(paths.DATASET_DIR)


def _predictions(task: str, rnd: random.Random, n: int) -> pl.DataFrame:
    """Gold spans (some shifted, relabelled, duplicated) and random spans, over the gold's articles and an unknown one."""
    ids = [*GOLD.article_ids, "not_in_the_gold"]
    rows: list[dict[str, object]] = []
    if task == "cleaning":
        for article in ids[:-1]:
            text = GOLD.texts[article]
            lines = text.splitlines(keepends=True)
            rows.append({"article_id": article, "text": "".join(line for line in lines if rnd.random() < 0.7)})
        return pl.DataFrame(rows)
    label = "label" if task == "entities" else "type"
    names = {
        "entities": labels.ENTITY_LABELS,
        "temporal": ("DATE", "TIME", "DURATION", "SET"),
        "discrepancies": labels.DISCREPANCY_TYPES,
    }[task]
    for row in GOLD.spans(task).iter_rows(named=True):
        if rnd.random() < 0.3:
            continue
        start, end = row["start"] + rnd.choice((0, 0, 0, 1, -1)), row["end"] + rnd.choice((0, 0, 0, 2))
        kept = {"article_id": row["article_id"], "start": start, "end": end}
        kept[label] = row["label"] if rnd.random() < 0.8 else rnd.choice(names)
        if task == "temporal":
            kept["value"] = row["value"] if rnd.random() < 0.7 else rnd.choice(("2023-06-18", "P2D", None))
        rows += [kept] * rnd.choice((1, 1, 1, 2))  # some duplicates
    for _ in range(n):
        article = rnd.choice(ids)
        length = len(GOLD.texts.get(article, "x" * 80))
        start = rnd.randrange(-1, length)
        row = {"article_id": article, "start": start, "end": start + rnd.randrange(-1, 20), label: rnd.choice(names)}
        if task == "temporal":
            row["value"] = rnd.choice(("2023-06-18", "2024-04-26", "PT7H30M", None))
        rows.append(row)
    rnd.shuffle(rows)
    return pl.DataFrame(rows)


def _partitions(frame: pl.DataFrame, rnd: random.Random, k: int) -> list[pl.DataFrame]:
    """`k` partitions holding whole articles each (some empty), in a random order."""
    ids = frame["article_id"].unique().to_list()
    where = {article: rnd.randrange(k) for article in ids}
    tagged = frame.with_columns(pl.col("article_id").replace_strict(where, return_dtype=pl.Int64).alias("_p"))
    parts = [tagged.filter(pl.col("_p") == p).drop("_p") for p in range(k)]
    rnd.shuffle(parts)
    return parts


@pytest.mark.parametrize("task", ["entities", "temporal", "discrepancies", "cleaning"])
@pytest.mark.parametrize("seed", range(4))
def test_partitioned_scores_equal_in_memory_scores(task: str, seed: int) -> None:
    rnd = random.Random(f"{task}/{seed}")
    frame = _predictions(task, rnd, 300)
    whole = evaluate(task, frame, GOLD)
    scorer = Scorer(task, GOLD)
    for part in _partitions(frame, rnd, rnd.choice((2, 5, 13))):
        # As on Spark: the partial result travels pickled.
        scorer.add_partial(pickle.loads(pickle.dumps(scorer.partition_scorer(part))))
    streamed = scorer.metrics()
    assert streamed.table == whole.table
    assert streamed.detail == whole.detail
    if task != "cleaning":
        assert whole.table["n_predicted"] == frame.height  # every prediction counted once
        assert 0 < whole.table["strict_micro_recall"] < 1  # neither nothing nor everything found


def test_gold_spans_of_articles_without_predictions_count_as_missed() -> None:
    only_one = GOLD.entities.filter(pl.col("article_id") == GOLD.article_ids[0])
    table = evaluate("entities", only_one, GOLD).table
    assert table["n_gold"] == GOLD.entities.height
    assert table["strict_micro_precision"] == 1.0
    assert table["strict_micro_recall"] == pytest.approx(only_one.height / GOLD.entities.height)


def test_no_predictions_at_all() -> None:
    scorer = Scorer("temporal", GOLD)
    table = scorer.metrics().table
    assert table["n_predicted"] == 0 and table["n_gold"] == GOLD.temporal.height
    assert table["strict_micro_precision"] is None and table["strict_micro_recall"] == 0.0
    assert table["value_matched"] == 0 and table["value_recall"] == 0.0


def test_offsets_too_large_to_pack_fall_back_and_agree() -> None:
    """Exact matching packs (article, start, end, label) into one integer; huge offsets take the struct path."""
    gold = Gold.from_rows(
        {
            "articles": [{"id": "a", "text": "x"}],
            "entities": [
                {"article_id": "a", "start": 0, "end": 5, "label": "PERSON"},
                {"article_id": "a", "start": 2**40, "end": 2**40 + 3, "label": "GPE"},
            ],
            "temporal": [],
            "discrepancies": [],
        }
    )
    predicted = pl.DataFrame(
        {"article_id": ["a", "a"], "start": [0, 2**40], "end": [5, 2**40 + 3], "label": ["PERSON", "ORG"]}
    )
    table = evaluate("entities", predicted, gold).table
    assert (table["exact_micro_f1"], table["strict_micro_f1"]) == (1.0, 0.5)
