"""Scores of downstream predictions against the gold: what the quality gates are set on.

Span tasks are scored under the four matching schemes of SemEval-2013 task 9.1 as
popularised by nervaluate, so a model that finds the right words with slightly wrong
boundaries is told so rather than scored zero:

* ``strict``   exact boundaries and the same label;
* ``exact``    exact boundaries, label ignored;
* ``partial``  overlap, label ignored; an exact boundary match scores 1, an overlap 0.5;
* ``ent_type`` overlap and the same label.

Each side is credited on its own: a prediction scores by its best gold partner
(precision), a gold span by its best predicted partner (recall). When every span overlaps
at most one span of the other side this is nervaluate's one-to-one count, number for
number (`tests/test_nervaluate_conformance.py` checks it on random inputs); unlike
nervaluate it stays well defined when a side has overlapping or nested spans, or a
prediction overlaps two gold spans (both are found, rather than one of them "missed").

Three levels per scheme, each defined one way:

* ``micro``: every span counts once, whatever its label (the gates' main numbers);
* per label: both sides restricted to that label, as nervaluate's per-type results, so
  a label never takes credit for a span of another label (its ``exact`` row equals its
  ``strict`` row, its ``partial`` row counts overlaps within the label). A label with no
  gold and no prediction has no row: its metrics are undefined (None), never 1.0;
* ``macro``: the unweighted mean over the labels present in the gold or the predictions
  of the per-label precision, recall and F1, an undefined per-label value counting 0
  (scikit-learn's ``average="macro", zero_division=0``); macro F1 is the mean of the
  per-label F1s, not the F1 of the macro precision and recall.

Conventions: precision is undefined (None) with no predictions, recall with no gold; F1
is the harmonic mean, 0 when only one of the two is defined (a label only predicted, or
only in the gold), None when neither is. nervaluate writes 0 where this module writes None.

TIMEX3 values: ``value_accuracy`` is the share of right values among the gold expressions
found with exact boundaries (blind to how many were found); ``value_recall`` is the share of
all gold expressions found with exact boundaries *and* the right value.

The metrics decompose by article (`diplonews.evaluate.scores`): `evaluate` scores one
frame in memory, a `Scorer` takes the predictions partition by partition (each partition
holding every prediction of its articles) in bounded memory, and both give the same table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from diplonews.contract import schema
from diplonews.evaluate.cleaning import BOILERPLATE, EXTRACTION_ARTIFACT, cleaning_scores, kept_characters
from diplonews.evaluate.gold import GOLD_CONFIGS, Gold
from diplonews.evaluate.scores import (
    MEASURES,
    SCHEMES,
    Partial,
    combine_sums,
    detection,
    f1_score,
    gold_of,
    gold_scores,
    is_first_of_key,
    normalise,
    score_partition,
    span_metrics,
    span_scores,
    timex_values,
    with_gold_rows,
)

__all__ = [
    "BOILERPLATE",
    "EXTRACTION_ARTIFACT",
    "GOLD_CONFIGS",
    "MEASURES",
    "SCHEMES",
    "Gold",
    "Metrics",
    "Partial",
    "PartitionScorer",
    "Scorer",
    "cleaning_scores",
    "evaluate",
    "f1_score",
    "kept_characters",
    "label_set",
    "metric_names",
    "span_scores",
]


@dataclass
class Metrics:
    """`table`: one flat row, metric name -> value (what the gate suite validates); `detail`: nested."""

    task: str
    table: dict[str, float | int | None]
    detail: dict[str, Any]


def label_set(task: str) -> tuple[str, ...]:
    column = schema.label_column(schema.PREDICTION_TABLES[task])
    return column.labels if column is not None and column.labels is not None else ()


def metric_names(task: str) -> tuple[str, ...]:
    """Every column of the task's metrics table, in a fixed order (gates may name any of them)."""
    if task == "cleaning":
        return (
            "boilerplate_removed",
            "entities_preserved",
            "artifacts_remaining",
            "artifacts_remaining_count",
            "n_boilerplate_spans",
            "n_boilerplate_chars",
            "n_entity_mentions",
            "n_artifact_spans",
            "n_articles_missing",
        )
    names = ["n_predicted", "n_gold"]
    for scheme in SCHEMES:
        for group in ("micro", "macro", *label_set(task)):
            names += [f"{scheme}_{group}_{measure}" for measure in MEASURES]
    if task == "temporal":
        names += ["value_accuracy", "value_matched", "value_recall"]
    if task == "discrepancies":
        names += ["detection_micro_recall", *[f"detection_{name}_recall" for name in label_set(task)]]
    return tuple(names)


@dataclass
class PartitionScorer:
    """Scores one partition of predictions against the gold spans it holds: the part a Spark task runs.

    Holds the task and the gold spans only (not the article texts), so it pickles small.
    """

    task: str
    gold_spans: pl.DataFrame | None  # with `_gold_row`; None for cleaning

    def __call__(self, predictions: pl.DataFrame) -> Partial | pl.DataFrame:
        """The partial result of one partition (picklable; a cleaning partition is its texts)."""
        if self.gold_spans is None:
            return predictions.select(pl.col("article_id").cast(pl.String), pl.col("text").cast(pl.String))
        label = schema.label_column(schema.PREDICTION_TABLES[self.task])
        assert label is not None
        predicted = normalise(predictions, label.name)
        return score_partition(predicted, gold_of(predicted, self.gold_spans))


@dataclass
class Scorer:
    """One task's metrics accumulated over partitions of the predictions.

    Each frame given to `add` must hold every prediction of its articles (partition by
    article, e.g. by a hash of `article_id`); a partial result may also come from
    elsewhere (`partition_scorer` run by a Spark task) and be added with `add_partial`.
    Memory: the gold and one partition; what is kept is sums per label plus one row per
    gold span (and, for cleaning, the cleaned texts: one row per article).
    """

    task: str
    gold: Gold
    sums: pl.DataFrame = field(default_factory=lambda: combine_sums([]))  # predictions: n and score sums per label
    gold_rows: list[pl.DataFrame] = field(default_factory=list)  # the scores of the gold spans scored so far
    texts: list[pl.DataFrame] = field(default_factory=list)  # cleaning: article_id, text (one row per article)

    def __post_init__(self) -> None:
        spans = with_gold_rows(self.gold.spans(self.task)) if self.task != "cleaning" else None
        self.partition_scorer = PartitionScorer(self.task, spans)

    def add(self, predictions: pl.DataFrame) -> None:
        self.add_partial(self.partition_scorer(predictions))

    def add_partial(self, partial: Partial | pl.DataFrame) -> None:
        if isinstance(partial, pl.DataFrame):
            self.texts.append(partial)
            return
        self.sums = combine_sums([self.sums, partial.predicted])  # one running sum per label
        self.gold_rows.append(partial.gold)

    def metrics(self) -> Metrics:
        task = self.task
        if task == "cleaning":
            frame = (
                pl.concat(self.texts, how="vertical_relaxed")
                if self.texts
                else pl.DataFrame(schema={"article_id": pl.String, "text": pl.String})
            )
            texts = dict(zip(frame["article_id"].to_list(), frame["text"].to_list(), strict=True))
            detail = cleaning_scores(texts, self.gold)
            return Metrics(task, {name: detail[name] for name in metric_names(task)}, detail)
        spans = self.partition_scorer.gold_spans
        assert spans is not None
        names = label_set(task)
        scored = gold_scores(spans, self.gold_rows)
        deduplicated = scored.filter(is_first_of_key(scored)) if task == "discrepancies" else scored
        detail = span_metrics(self.sums, deduplicated, names)
        table: dict[str, float | int | None] = {"n_predicted": detail["n_predicted"], "n_gold": detail["n_gold"]}
        for scheme, scores in detail["schemes"].items():
            for group in ("micro", "macro", *names):
                values = scores[group] if group in ("micro", "macro") else scores["per_label"].get(group, {})
                for measure in MEASURES:
                    table[f"{scheme}_{group}_{measure}"] = values.get(measure)
        if task == "temporal":
            detail["timex"] = timex_values(scored)
            table.update(detail["timex"])
        if task == "discrepancies":
            detail["detection"] = detection(scored, names)
            table["detection_micro_recall"] = detail["detection"]["micro_recall"]
            for name in names:
                table[f"detection_{name}_recall"] = detail["detection"]["per_type"][name]["recall"]
        assert tuple(table) == metric_names(task), "metrics table and metric_names disagree"
        return Metrics(task, table, detail)


def evaluate(task: str, predictions: pl.DataFrame | Mapping[str, str], gold: Gold) -> Metrics:
    """Score one task's predictions (a frame of spans, or article_id -> cleaned text) against the gold."""
    scorer = Scorer(task, gold)
    if isinstance(predictions, Mapping):
        predictions = pl.DataFrame(
            {"article_id": list(predictions), "text": list(predictions.values())},
            schema={"article_id": pl.String, "text": pl.String},
        )
    scorer.add(predictions)
    return scorer.metrics()
