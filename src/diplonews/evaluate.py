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

Everything runs on polars (interval overlap by an as-of join), so a million predicted
spans score in about a second.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from diplonews.contract import schema, timex
from diplonews.io.dataset import read_dataset

SCHEMES: tuple[str, ...] = ("strict", "exact", "partial", "ent_type")
MEASURES: tuple[str, ...] = ("precision", "recall", "f1")
BOILERPLATE = "boilerplate"
EXTRACTION_ARTIFACT = "extraction_artifact"


# ---- the gold -------------------------------------------------------------------------


@dataclass
class Gold:
    """The gold of one dataset folder, as the evaluation needs it (span frames + texts)."""

    texts: dict[str, str]
    entities: pl.DataFrame  # article_id, start, end, label
    temporal: pl.DataFrame  # article_id, start, end, label (the TIMEX3 type), value
    discrepancies: pl.DataFrame  # article_id, start, end, label (the type), discrepancy_id
    article_ids: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.article_ids = sorted(self.texts)

    @classmethod
    def from_rows(cls, tables: Mapping[str, list[dict[str, Any]]]) -> Gold:
        texts = {row["id"]: row["text"] for row in tables["articles"]}
        entities = _span_frame(tables["entities"], "label")
        temporal = _span_frame(tables["temporal"], "type", extra=("value",))
        exploded = [
            {
                "article_id": span["article_id"],
                "start": span["start"],
                "end": span["end"],
                "type": row["type"],
                "discrepancy_id": row["discrepancy_id"],
            }
            for row in tables["discrepancies"]
            for span in row["spans"]
        ]
        discrepancies = _span_frame(exploded, "type", extra=("discrepancy_id",))
        return cls(texts, entities, temporal, discrepancies)

    @classmethod
    def from_dataset(cls, dataset_dir: Path) -> Gold:
        """Straight from the dataset's Parquet files with polars (fast on large synthetic datasets)."""
        frames = {name: pl.DataFrame(table) for name, table in read_dataset(dataset_dir).items()}
        articles = frames["articles"]
        texts = dict(zip(articles["id"].to_list(), articles["text"].to_list(), strict=True))
        entities = (
            frames["entities"].select("article_id", "start", "end", "label").cast({"start": pl.Int64, "end": pl.Int64})
        )
        temporal = (
            frames["temporal"]
            .select("article_id", "start", "end", pl.col("type").alias("label"), "value")
            .cast({"start": pl.Int64, "end": pl.Int64})
        )
        discrepancies = (
            frames["discrepancies"]
            .select(pl.col("type").alias("label"), "discrepancy_id", "spans")
            .explode("spans")
            .unnest("spans")
            .select("article_id", "start", "end", "label", "discrepancy_id")
            .cast({"start": pl.Int64, "end": pl.Int64})
        )
        return cls(texts, entities, temporal, discrepancies)

    def spans(self, task: str) -> pl.DataFrame:
        return {"entities": self.entities, "temporal": self.temporal, "discrepancies": self.discrepancies}[task]


def _span_frame(rows: list[dict[str, Any]], label: str, extra: tuple[str, ...] = ()) -> pl.DataFrame:
    spec = {
        "article_id": pl.String,
        "start": pl.Int64,
        "end": pl.Int64,
        "label": pl.String,
        **{name: pl.String for name in extra},
    }
    data = {name: [row[label if name == "label" else name] for row in rows] for name in spec}
    return pl.DataFrame(data, schema=spec)


# ---- span matching --------------------------------------------------------------------


def _normalise(frame: pl.DataFrame, label: str) -> pl.DataFrame:
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


def _exact_hits(left: pl.DataFrame, right: pl.DataFrame, keys: list[str]) -> pl.Series:
    """For each left row: does `right` hold a row with the same keys?"""
    wanted = right.select(pl.struct(keys).alias("_key"))["_key"].unique().implode()
    return left.select(pl.struct(keys).is_in(wanted).alias("_hit"))["_hit"]


def _group_codes(left: pl.DataFrame, right: pl.DataFrame, by: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """One integer per row for its `by` key (article, or article and label), the same in both frames."""
    codes_left = np.zeros(left.height, dtype=np.int64)
    codes_right = np.zeros(right.height, dtype=np.int64)
    for column in by:
        categories = pl.concat([left[column], right[column]]).drop_nulls().unique().sort()
        kind = pl.Enum(categories.to_list())
        codes_left = codes_left * len(categories) + left[column].cast(kind).to_physical().to_numpy().astype(np.int64)
        codes_right = codes_right * len(categories) + right[column].cast(kind).to_physical().to_numpy().astype(np.int64)
    return codes_left, codes_right


def _overlap_hits(left: pl.DataFrame, right: pl.DataFrame, by: list[str]) -> pl.Series:
    """For each left span: does it overlap (share a code point with) a span of `right` in the same `by` group?

    The right spans of a group that start before the left span ends form a prefix of the
    group sorted by start; the left span overlaps one of them iff the largest end in that
    prefix lies beyond the left start. A binary search finds the prefix, a running maximum
    gives its reach: O((n + m) log m), and the (large) left side is never sorted.
    """
    right = right.filter((pl.col("start") >= 0) & (pl.col("start") < pl.col("end")))  # a malformed span matches nothing
    if right.height == 0 or left.height == 0:
        return pl.Series("_hit", [False] * left.height, dtype=pl.Boolean)
    group_left, group_right = _group_codes(left, right, by)
    right_start, right_end = right["start"].to_numpy(), right["end"].to_numpy()
    left_start, left_end = left["start"].to_numpy(), left["end"].to_numpy()
    order = np.lexsort((right_start, group_right))
    group_right, right_start, right_end = group_right[order], right_start[order], right_end[order]
    # Offsets as keys, each group in its own band: band = group * big, so one sorted array serves all groups.
    big = int(max(right_end.max(), left_end.max(), right_start.max(), 0)) + 2
    band_right = group_right * big
    reach = np.maximum.accumulate(right_end + band_right) - band_right  # running max of end, restarting per group
    keys = band_right + right_start
    probe = group_left * big + np.clip(left_end - 1, -1, None)
    index = np.searchsorted(keys, probe, side="right") - 1
    safe = np.clip(index, 0, None)
    hit = (
        (index >= 0)
        & (group_right[safe] == group_left)
        & (reach[safe] > left_start)
        & (left_start >= 0)
        & (left_start < left_end)
    )
    return pl.Series("_hit", hit, dtype=pl.Boolean)


def _side_scores(side: pl.DataFrame, other: pl.DataFrame) -> pl.DataFrame:
    """Scores of each span of `side` under the four schemes, against the spans of `other`."""
    exact = _exact_hits(side, other, ["article_id", "start", "end"])
    strict = _exact_hits(side, other, ["article_id", "start", "end", "label"])
    overlap = _overlap_hits(side, other, ["article_id"])
    typed = _overlap_hits(side, other, ["article_id", "label"])
    return side.select("label").with_columns(
        strict.cast(pl.Float64).alias("strict"),
        exact.cast(pl.Float64).alias("exact"),
        pl.when(exact).then(1.0).when(overlap).then(0.5).otherwise(0.0).alias("partial"),
        typed.cast(pl.Float64).alias("ent_type"),
        # Per label, both sides hold only that label: exact boundaries then imply the label.
        pl.when(strict).then(1.0).when(typed).then(0.5).otherwise(0.0).alias("partial_within_label"),
    )


# The column of `_side_scores` each scheme's per-label rows sum (both sides restricted to the label).
_WITHIN_LABEL = {"strict": "strict", "exact": "strict", "partial": "partial_within_label", "ent_type": "ent_type"}


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


def span_scores(predicted: pl.DataFrame, gold: pl.DataFrame, label_set: Iterable[str]) -> dict[str, Any]:
    """Per scheme: micro, macro and per-label precision, recall and F1, with the counts."""
    pred_scores = _side_scores(predicted, gold)
    gold_scores = _side_scores(gold, predicted)
    within = sorted(set(_WITHIN_LABEL.values()))
    pred_by_label = pred_scores.group_by("label").agg(pl.len().alias("n"), *[pl.col(s).sum() for s in within])
    gold_by_label = gold_scores.group_by("label").agg(pl.len().alias("n"), *[pl.col(s).sum() for s in within])
    pred_rows = {row["label"]: row for row in pred_by_label.iter_rows(named=True)}
    gold_rows = {row["label"]: row for row in gold_by_label.iter_rows(named=True)}
    present = sorted(set(pred_rows) | set(gold_rows), key=lambda name: (name not in label_set, name))
    result: dict[str, Any] = {"n_predicted": predicted.height, "n_gold": gold.height, "schemes": {}}
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
            float(pred_scores[scheme].sum()), pred_scores.height, float(gold_scores[scheme].sum()), gold_scores.height
        )
        result["schemes"][scheme] = {"micro": micro, "macro": _macro(per_label), "per_label": per_label}
    return result


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


def timex_value_accuracy(predicted: pl.DataFrame, gold: pl.DataFrame) -> dict[str, Any]:
    """Values compared canonically: accuracy on the gold expressions found with exact boundaries, recall on all."""
    pairs = (
        gold.select("article_id", "start", "end", pl.col("value").alias("gold_value"))
        .with_row_index("_gold")
        .join(
            predicted.select("article_id", "start", "end", pl.col("value").alias("pred_value")),
            on=["article_id", "start", "end"],
            how="inner",
        )
    )
    correct: dict[int, bool] = {}
    for row in pairs.iter_rows(named=True):
        same = timex.canonical_value(row["gold_value"]) == timex.canonical_value(row["pred_value"])
        correct[row["_gold"]] = correct.get(row["_gold"], False) or same
    matched = len(correct)
    right = sum(correct.values())
    return {
        "value_accuracy": _ratio(right, matched),
        "value_matched": matched,
        "value_recall": _ratio(right, gold.height),
    }


def discrepancy_detection(predicted: pl.DataFrame, gold: pl.DataFrame, types: Iterable[str]) -> dict[str, Any]:
    """Per type: the share of gold discrepancies with a span overlapped by a prediction of that type."""
    hit = _overlap_hits(gold, predicted, ["article_id", "label"])
    per_discrepancy = (
        gold.with_columns(hit.alias("_hit"))
        .group_by("discrepancy_id", "label")
        .agg(pl.col("_hit").any())
        .sort("discrepancy_id")
    )
    per_type: dict[str, dict[str, Any]] = {}
    for name in types:
        rows = per_discrepancy.filter(pl.col("label") == name)
        per_type[name] = {"recall": _ratio(int(rows["_hit"].sum()), rows.height), "n_gold": rows.height}
    return {
        "micro_recall": _ratio(int(per_discrepancy["_hit"].sum()), per_discrepancy.height),
        "n_gold": per_discrepancy.height,
        "per_type": per_type,
    }


# ---- cleaning -------------------------------------------------------------------------


def kept_characters(original: str, cleaned: str) -> bytearray:
    """For each code point of `original`: 1 if the cleaned text kept it (by alignment), else 0.

    Lines are aligned first (cleaning mostly drops or keeps whole lines), then the code
    points of the lines that changed, which keeps the alignment fast on long articles.
    """
    kept = bytearray(len(original))
    old_lines = original.splitlines(keepends=True)
    new_lines = cleaned.splitlines(keepends=True)
    old_starts = [0]
    for line in old_lines:
        old_starts.append(old_starts[-1] + len(line))
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            kept[old_starts[i1] : old_starts[i2]] = b"\x01" * (old_starts[i2] - old_starts[i1])
        elif tag == "replace":
            old_chunk = original[old_starts[i1] : old_starts[i2]]
            new_chunk = "".join(new_lines[j1:j2])
            chars = difflib.SequenceMatcher(None, old_chunk, new_chunk, autojunk=False)
            for block in chars.get_matching_blocks():
                start = old_starts[i1] + block.a
                kept[start : start + block.size] = b"\x01" * block.size
    return kept


def _visible(text: str, start: int, end: int) -> list[int]:
    """Offsets of the non-whitespace code points of a span: whitespace changes are not content."""
    return [i for i in range(start, end) if not text[i].isspace()]


def cleaning_scores(cleaned: Mapping[str, str], gold: Gold) -> dict[str, Any]:
    """Boilerplate removed, entity mentions preserved, extraction artifacts remaining (character shares)."""
    kept = {
        article_id: kept_characters(gold.texts[article_id], text)
        for article_id, text in cleaned.items()
        if article_id in gold.texts
    }
    missing = [article_id for article_id in gold.article_ids if article_id not in kept]
    for article_id in missing:  # no cleaned text: nothing was removed (and the integrity suite fails)
        kept[article_id] = bytearray(b"\x01" * len(gold.texts[article_id]))

    def spans_of(kind: str) -> list[tuple[str, int, int]]:
        rows = gold.discrepancies.filter(pl.col("label") == kind).select("article_id", "start", "end").unique()
        return sorted(rows.iter_rows())

    boilerplate = spans_of(BOILERPLATE)
    artifacts = spans_of(EXTRACTION_ARTIFACT)
    boilerplate_chars = removed_chars = 0
    for article_id, start, end in boilerplate:
        visible = _visible(gold.texts[article_id], start, end)
        boilerplate_chars += len(visible)
        removed_chars += sum(1 for i in visible if not kept[article_id][i])
    artifact_chars = remaining_chars = remaining_spans = 0
    for article_id, start, end in artifacts:
        visible = _visible(gold.texts[article_id], start, end)
        still = sum(1 for i in visible if kept[article_id][i])
        artifact_chars += len(visible)
        remaining_chars += still
        remaining_spans += 2 * still > len(visible)
    in_boilerplate: dict[str, list[tuple[int, int]]] = {}
    for article_id, start, end in boilerplate:
        in_boilerplate.setdefault(article_id, []).append((start, end))
    mentions = preserved = 0
    for article_id, start, end in gold.entities.select("article_id", "start", "end").iter_rows():
        if any(start < b_end and b_start < end for b_start, b_end in in_boilerplate.get(article_id, ())):
            continue  # a mention inside boilerplate should go with it
        mentions += 1
        preserved += all(kept[article_id][i] for i in range(start, end))
    return {
        "boilerplate_removed": _ratio(removed_chars, boilerplate_chars),
        "entities_preserved": _ratio(preserved, mentions),
        "artifacts_remaining": _ratio(remaining_chars, artifact_chars),
        "artifacts_remaining_count": remaining_spans,
        "n_boilerplate_spans": len(boilerplate),
        "n_boilerplate_chars": boilerplate_chars,
        "n_entity_mentions": mentions,
        "n_artifact_spans": len(artifacts),
        "n_articles_missing": len(missing),
    }


# ---- the metrics table ----------------------------------------------------------------


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


def evaluate(task: str, predictions: pl.DataFrame | Mapping[str, str], gold: Gold) -> Metrics:
    """Score one task's predictions (a frame of spans, or article_id -> cleaned text) against the gold."""
    if task == "cleaning":
        if isinstance(predictions, pl.DataFrame):
            predictions = dict(zip(predictions["article_id"].to_list(), predictions["text"].to_list(), strict=True))
        detail = cleaning_scores(predictions, gold)
        return Metrics(task, {name: detail[name] for name in metric_names(task)}, detail)
    assert isinstance(predictions, pl.DataFrame)
    label = schema.label_column(schema.PREDICTION_TABLES[task])
    assert label is not None
    predicted = _normalise(predictions, label.name)
    gold_spans = gold.spans(task)
    names = label_set(task)
    scores_gold = (
        gold_spans.unique(["article_id", "start", "end", "label"], maintain_order=True)
        if task == "discrepancies"
        else gold_spans
    )
    detail = span_scores(predicted, scores_gold, names)
    table: dict[str, float | int | None] = {"n_predicted": detail["n_predicted"], "n_gold": detail["n_gold"]}
    for scheme, scores in detail["schemes"].items():
        for group in ("micro", "macro", *names):
            values = scores[group] if group in ("micro", "macro") else scores["per_label"].get(group, {})
            for measure in MEASURES:
                table[f"{scheme}_{group}_{measure}"] = values.get(measure)
    if task == "temporal":
        detail["timex"] = timex_value_accuracy(predicted, gold_spans)
        table.update(detail["timex"])
    if task == "discrepancies":
        detail["detection"] = discrepancy_detection(predicted, gold_spans, names)
        table["detection_micro_recall"] = detail["detection"]["micro_recall"]
        for name in names:
            table[f"detection_{name}_recall"] = detail["detection"]["per_type"][name]["recall"]
    assert tuple(table) == metric_names(task), "metrics table and metric_names disagree"
    return Metrics(task, table, detail)


# The label sets the tasks are scored with come from the contract; keep them in one place.
