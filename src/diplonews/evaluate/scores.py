"""Span metrics as partial sums: scored per partition of whole articles, then combined.

Every span's score depends only on the spans of the other side in its own article, so
the metrics decompose by article. `score_partition` scores the predictions of some
articles against the gold of those articles and returns a `Partial`: per label, the
number of predictions and their score sums; per gold span (by its row in the gold
frame), its scores, whether a prediction has its exact boundaries and whether one of
those has its value. `combine` adds the partials up (a gold span whose article has no
prediction scores 0) and turns the sums into precision, recall and F1. Sums of 0, 0.5
and 1 are exact in floating point, so the order of the partitions never changes a digit:
one partition (`evaluate`, in memory) and many (streaming, Spark) give equal tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from diplonews.contract import timex
from diplonews.evaluate.matching import SCORE_COLUMNS, encode, pair_scores

SCHEMES: tuple[str, ...] = ("strict", "exact", "partial", "ent_type")
MEASURES: tuple[str, ...] = ("precision", "recall", "f1")
GOLD_ROW = "_gold_row"
# The score column each scheme's per-label rows sum (both sides restricted to the label).
_WITHIN_LABEL = {"strict": "strict", "exact": "strict", "partial": "partial_within_label", "ent_type": "ent_type"}


@dataclass
class Partial:
    """What one partition contributes: prediction sums per label, and the scores of its gold spans."""

    predicted: pl.DataFrame  # label, n, strict, exact, partial, ent_type, partial_within_label
    gold: pl.DataFrame  # _gold_row, strict, exact, partial, ent_type, partial_within_label, value_matched, value_right


def normalise(frame: pl.DataFrame, label: str) -> pl.DataFrame:
    """article_id, start, end, label (+ value when there is one) with one dtype everywhere."""
    columns = [
        pl.col("article_id").cast(pl.String),
        pl.col("start").cast(pl.Int64),
        pl.col("end").cast(pl.Int64),
        pl.col(label).cast(pl.String).alias("label"),
    ]
    if "value" in frame.columns:
        columns.append(pl.col("value").cast(pl.String))
    return frame.select(columns)


def gold_of(predicted: pl.DataFrame, gold: pl.DataFrame) -> pl.DataFrame:
    """The gold spans of the articles `predicted` has predictions in."""
    return gold.join(predicted.select(pl.col("article_id").cast(pl.String)).unique(), on="article_id", how="semi")


def score_partition(predicted: pl.DataFrame, gold: pl.DataFrame) -> Partial:
    """Scores of `predicted` (normalised; every prediction of its articles) against `gold` (with `_gold_row`)."""
    pred_codes, gold_codes, n_labels = encode(predicted, gold)
    pred_scores, gold_scores = pair_scores(pred_codes, gold_codes, n_labels)
    sums = (
        pl.DataFrame({"label": predicted["label"].cast(pl.String), **pred_scores})
        .group_by("label")
        .agg(pl.len().cast(pl.Int64).alias("n"), *[pl.col(c).sum() for c in SCORE_COLUMNS])
    )
    rows = pl.DataFrame({GOLD_ROW: gold[GOLD_ROW], **gold_scores})
    if "value" in gold.columns and "value" in predicted.columns:
        rows = rows.join(_value_hits(predicted, gold), on=GOLD_ROW, how="left")
    return Partial(sums, rows)


def _value_hits(predicted: pl.DataFrame, gold: pl.DataFrame) -> pl.DataFrame:
    """Per gold TIMEX3 found with exact boundaries: whether one of those predictions has its value (canonically)."""
    pairs = gold.select(GOLD_ROW, "article_id", "start", "end", pl.col("value").alias("gold_value")).join(
        predicted.select("article_id", "start", "end", pl.col("value").alias("pred_value")),
        on=["article_id", "start", "end"],
        how="inner",
    )
    canonical: dict[str | None, Any] = {}

    def same(gold_value: str | None, pred_value: str | None) -> bool:
        for value in (gold_value, pred_value):
            if value not in canonical:
                canonical[value] = timex.canonical_value(value)
        return bool(canonical[gold_value] == canonical[pred_value])

    right = [same(g, p) for g, p in zip(pairs["gold_value"].to_list(), pairs["pred_value"].to_list(), strict=True)]
    return (
        pairs.select(GOLD_ROW)
        .with_columns(pl.Series("value_right", right, dtype=pl.Boolean))
        .group_by(GOLD_ROW)
        .agg(pl.lit(True).alias("value_matched"), pl.col("value_right").any())
    )


# ---- combining partials ---------------------------------------------------------------


def _ratio(numerator: float, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def f1_score(precision: float | None, recall: float | None) -> float | None:
    if precision is None and recall is None:
        return None
    if precision is None or recall is None:
        return 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _prf(score_sum_pred: float, n_pred: int, score_sum_gold: float, n_gold: int) -> dict[str, float | None]:
    precision = _ratio(score_sum_pred, n_pred)
    recall = _ratio(score_sum_gold, n_gold)
    return {"precision": precision, "recall": recall, "f1": f1_score(precision, recall)}


def _macro(per_label: Mapping[str, Mapping[str, float | None]]) -> dict[str, float | None]:
    """Unweighted means over the labels present in the gold or the predictions, an undefined value counting 0.

    One rule for the three measures (scikit-learn's `average="macro", zero_division=0`):
    a label only in the gold has precision 0, a label only predicted has recall 0.
    """
    if not per_label:
        return dict.fromkeys(MEASURES)
    return {
        measure: sum(scores[measure] or 0.0 for scores in per_label.values()) / len(per_label) for measure in MEASURES
    }


def gold_scores(gold: pl.DataFrame, scored_rows: Iterable[pl.DataFrame]) -> pl.DataFrame:
    """Every gold span with its scores: those of the partition its article was in, else 0."""
    frames = [rows for rows in scored_rows if rows.height]
    scored = pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame(schema={GOLD_ROW: pl.UInt32})
    out = gold.join(scored, on=GOLD_ROW, how="left", maintain_order="left")
    missing = [pl.lit(0.0).alias(c) for c in SCORE_COLUMNS if c not in out.columns]
    missing += [pl.lit(False).alias(c) for c in ("value_matched", "value_right") if c not in out.columns]
    return out.with_columns(missing).with_columns(
        pl.col(list(SCORE_COLUMNS)).fill_null(0.0), pl.col("value_matched", "value_right").fill_null(False)
    )


def span_metrics(predicted_sums: pl.DataFrame, scored_gold: pl.DataFrame, label_set: Iterable[str]) -> dict[str, Any]:
    """Per scheme: micro, macro and per-label precision, recall and F1, with the counts."""
    label_set = tuple(label_set)
    pred_rows = {row["label"]: row for row in predicted_sums.iter_rows(named=True)}
    gold_by_label = scored_gold.group_by("label").agg(pl.len().alias("n"), *[pl.col(c).sum() for c in SCORE_COLUMNS])
    gold_rows = {row["label"]: row for row in gold_by_label.iter_rows(named=True)}
    present = sorted(set(pred_rows) | set(gold_rows), key=lambda name: (name not in label_set, name))
    n_predicted = sum(int(row["n"]) for row in pred_rows.values())
    result: dict[str, Any] = {"n_predicted": n_predicted, "n_gold": scored_gold.height, "schemes": {}}
    for scheme in SCHEMES:
        per_label = {}
        column = _WITHIN_LABEL[scheme]
        for name in present:
            p, g = pred_rows.get(name), gold_rows.get(name)
            per_label[name] = {
                **_prf(p[column] if p else 0.0, p["n"] if p else 0, g[column] if g else 0.0, g["n"] if g else 0),
                "n_predicted": p["n"] if p else 0,
                "n_gold": g["n"] if g else 0,
            }
        micro = _prf(
            sum(float(row[scheme]) for row in pred_rows.values()),
            n_predicted,
            float(scored_gold[scheme].sum()),
            scored_gold.height,
        )
        result["schemes"][scheme] = {"micro": micro, "macro": _macro(per_label), "per_label": per_label}
    return result


def combine_sums(sums: Iterable[pl.DataFrame]) -> pl.DataFrame:
    """Prediction sums (`Partial.predicted`) added up per label."""
    frames = [frame for frame in sums if frame.height]
    if not frames:
        return pl.DataFrame(schema={"label": pl.String, "n": pl.Int64, **dict.fromkeys(SCORE_COLUMNS, pl.Float64)})
    return pl.concat(frames, how="vertical_relaxed").group_by("label").agg(pl.col("n", *SCORE_COLUMNS).sum())


def with_gold_rows(gold: pl.DataFrame) -> pl.DataFrame:
    return gold.with_row_index(GOLD_ROW)


def span_scores(predicted: pl.DataFrame, gold: pl.DataFrame, label_set: Iterable[str]) -> dict[str, Any]:
    """Per scheme: micro, macro and per-label precision, recall and F1 of `predicted` against `gold` (span frames)."""
    predicted, gold = normalise(predicted, "label"), with_gold_rows(normalise(gold, "label"))
    partial = score_partition(predicted, gold)
    return span_metrics(partial.predicted, gold_scores(gold, [partial.gold]), label_set)


def timex_values(scored_gold: pl.DataFrame) -> dict[str, Any]:
    """Values compared canonically: accuracy on the gold expressions found with exact boundaries, recall on all."""
    matched = int(scored_gold["value_matched"].sum())
    right = int(scored_gold["value_right"].sum())
    return {
        "value_accuracy": _ratio(right, matched),
        "value_matched": matched,
        "value_recall": _ratio(right, scored_gold.height),
    }


def detection(scored_gold: pl.DataFrame, types: Iterable[str]) -> dict[str, Any]:
    """Per type: the share of gold discrepancies with a span overlapped by a prediction of that type."""
    per_discrepancy = (
        scored_gold.group_by("discrepancy_id", "label").agg((pl.col("ent_type") > 0).any().alias("_hit"))
    ).sort("discrepancy_id")
    per_type: dict[str, dict[str, Any]] = {}
    for name in types:
        rows = per_discrepancy.filter(pl.col("label") == name)
        per_type[name] = {"recall": _ratio(int(rows["_hit"].sum()), rows.height), "n_gold": rows.height}
    return {
        "micro_recall": _ratio(int(per_discrepancy["_hit"].sum()), per_discrepancy.height),
        "n_gold": per_discrepancy.height,
        "per_type": per_type,
    }


def is_first_of_key(frame: pl.DataFrame) -> pl.Series:
    """True for the first span of each (article, start, end, label): a span two discrepancies share scores once."""
    return frame.select(pl.struct("article_id", "start", "end", "label").is_first_distinct().alias("_first"))["_first"]
