"""diplonews' span scores equal nervaluate's (1.2.1) wherever both define them the same way.

The two agree when every span overlaps at most one span of the other side (then both
count one-to-one); nervaluate writes 0 where diplonews writes None (nothing to divide
by). Offsets: diplonews' end is exclusive, nervaluate's inclusive. Per label, nervaluate
restricts both sides to the label, as `diplonews.evaluate` does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diplonews import paths
from diplonews.evaluate import SCHEMES, Gold, evaluate, span_scores

nervaluate = pytest.importorskip("nervaluate")

REPO = paths.repo_root()
Span = tuple[str, int, int, str]  # article_id, start, end (exclusive), label


def _theirs(gold: list[Span], predicted: list[Span], labels: list[str]) -> dict[str, Any]:
    articles = sorted({span[0] for span in gold + predicted})

    def documents(spans: list[Span]) -> list[list[dict[str, Any]]]:
        return [
            [{"label": label, "start": start, "end": end - 1} for article, start, end, label in spans if article == a]
            for a in articles
        ]

    return nervaluate.Evaluator(documents(gold), documents(predicted), tags=labels, loader="dict").evaluate()


def _frame(spans: list[Span]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"article_id": a, "start": s, "end": e, "label": label} for a, s, e, label in spans],
        schema={"article_id": pl.String, "start": pl.Int64, "end": pl.Int64, "label": pl.String},
    )


def _same(ours: float | None, theirs: float) -> bool:
    return abs((ours if ours is not None else 0.0) - theirs) < 1e-9


def _one_to_one(gold: list[Span], predicted: list[Span]) -> bool:
    def most(side: list[Span], other: list[Span]) -> int:
        return max(
            (sum(1 for o in other if o[0] == s[0] and s[1] < o[2] and o[1] < s[2]) for s in side),
            default=0,
        )

    return most(gold, predicted) <= 1 and most(predicted, gold) <= 1


def assert_conforms(gold: list[Span], predicted: list[Span], schemes: tuple[str, ...] = SCHEMES) -> None:
    labels = sorted({span[3] for span in gold + predicted})
    ours = span_scores(_frame(predicted), _frame(gold), labels)["schemes"]
    if not gold and not predicted:  # nervaluate has nothing to report; diplonews says undefined
        assert all(ours[scheme]["micro"][m] is None for scheme in schemes for m in ("precision", "recall", "f1"))
        return
    theirs = _theirs(gold, predicted, labels)
    for scheme in schemes:
        result = theirs["overall"][scheme]
        for measure in ("precision", "recall", "f1"):
            assert _same(ours[scheme]["micro"][measure], getattr(result, measure)), (scheme, measure)
        for label, by_scheme in theirs["entities"].items():
            row = ours[scheme]["per_label"][label]
            for measure in ("precision", "recall", "f1"):
                assert _same(row[measure], getattr(by_scheme[scheme], measure)), (scheme, label, measure)


# ---- random inputs: disjoint windows, at most one gold and one predicted span in each ------------------


@st.composite
def matched_sides(draw: st.DrawFn) -> tuple[list[Span], list[Span]]:
    """Spans in disjoint windows, at most one per side in each: every span overlaps at most one of the other side."""
    gold: list[Span] = []
    predicted: list[Span] = []
    labels = st.sampled_from(["PERSON", "GPE", "ORG"])

    def span(article: str, low: int, high: int) -> Span:
        start = draw(st.integers(low, high - 1))
        return (article, start, draw(st.integers(start + 1, high)), draw(labels))

    for article in ("a", "b"):
        position = 0
        for _ in range(draw(st.integers(0, 8))):
            low, high = position, position + draw(st.integers(1, 12))
            position = high + draw(st.integers(0, 3))
            mode = draw(st.sampled_from(["gold", "predicted", "both", "same bounds"]))
            if mode in {"gold", "both", "same bounds"}:
                gold.append(span(article, low, high))
            if mode in {"predicted", "both"}:
                predicted.append(span(article, low, high))
            if mode == "same bounds":  # exact boundaries, the label right or wrong
                predicted.append((article, gold[-1][1], gold[-1][2], draw(labels)))
    return gold, predicted


@settings(max_examples=300, deadline=None)
@given(matched_sides())
def test_random_one_to_one_inputs_score_as_nervaluate_scores_them(sides: tuple[list[Span], list[Span]]) -> None:
    gold, predicted = sides
    assert _one_to_one(gold, predicted)
    assert_conforms(gold, predicted)


# ---- the committed files ------------------------------------------------------------------------------


def _spans(rows: list[dict[str, Any]], label: str) -> list[Span]:
    return [(row["article_id"], row["start"], row["end"], row[label]) for row in rows]


FILES = [
    *sorted((REPO / "tests" / "fixtures" / "predictions").glob("entities.jsonl")),
    *sorted((REPO / "tests" / "fixtures" / "predictions").glob("temporal.jsonl")),
    *sorted((REPO / "baselines" / "predictions").glob("*/entities.jsonl")),
    *sorted((REPO / "baselines" / "predictions").glob("*/temporal.jsonl")),
]


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixtures_and_baselines_score_as_nervaluate_scores_them(path: Path) -> None:
    """All four schemes where the file is one-to-one with the gold; strict and exact on every file."""
    task = path.stem
    label = "label" if task == "entities" else "type"
    gold_frame = Gold.from_dataset(paths.DATASET_DIR).spans(task)
    gold = [(a, s, e, lab) for a, s, e, lab in gold_frame.select("article_id", "start", "end", "label").iter_rows()]
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    predicted = _spans(rows, label)
    one_to_one = _one_to_one(gold, predicted)
    assert_conforms(gold, predicted, SCHEMES if one_to_one else ("strict", "exact"))
    if path.parent.name in {"predictions", "spacy_dateparser"}:
        assert one_to_one  # the fixtures and spaCy + dateparser are compared on all four schemes
    # the report's metrics table holds the same numbers
    table = evaluate(task, pl.DataFrame(rows), Gold.from_dataset(paths.DATASET_DIR)).table
    theirs = _theirs(gold, predicted, sorted({span[3] for span in gold + predicted}))
    for scheme in ("strict", "exact"):
        assert _same(table[f"{scheme}_micro_f1"], theirs["overall"][scheme].f1)
