"""The metrics: hand-computed on tiny fixtures, and checked against a brute-force reference."""

from __future__ import annotations

import random
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest

from diplonews import evaluate, paths
from diplonews.evaluate import Gold, kept_characters, span_scores


def spans(*rows: tuple[str, int, int, str]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"article_id": a, "start": s, "end": e, "label": label} for a, s, e, label in rows],
        schema={"article_id": pl.String, "start": pl.Int64, "end": pl.Int64, "label": pl.String},
    )


# Gold: G1 [0,5) PER, G2 [10,15) LOC, G3 [20,25) ORG.
# Predictions: P1 [0,5) PER (exact, right type), P2 [10,14) LOC (overlap, right type),
# P3 [20,25) PER (exact boundaries, wrong type), P4 [30,35) ORG (nothing there).
GOLD = spans(("a", 0, 5, "PER"), ("a", 10, 15, "LOC"), ("a", 20, 25, "ORG"))
PRED = spans(("a", 0, 5, "PER"), ("a", 10, 14, "LOC"), ("a", 20, 25, "PER"), ("a", 30, 35, "ORG"))

# Scores per prediction (P1..P4) and per gold span (G1..G3), by the SemEval-2013 rules:
#   strict:   P 1,0,0,0       G 1,0,0
#   exact:    P 1,0,1,0       G 1,0,1
#   partial:  P 1,.5,1,0      G 1,.5,1     (exact boundary 1, overlap only 0.5)
#   ent_type: P 1,1,0,0       G 1,1,0      (P3 overlaps G3 but PER != ORG)
EXPECTED_MICRO = {
    "strict": (Fraction(1, 4), Fraction(1, 3)),
    "exact": (Fraction(2, 4), Fraction(2, 3)),
    "partial": (Fraction(5, 8), Fraction(5, 6)),
    "ent_type": (Fraction(2, 4), Fraction(2, 3)),
}


def f1(p: Fraction, r: Fraction) -> Fraction:
    return 2 * p * r / (p + r)


@pytest.mark.parametrize("scheme", list(EXPECTED_MICRO))
def test_micro_scores_match_the_hand_computation(scheme: str) -> None:
    precision, recall = EXPECTED_MICRO[scheme]
    micro = span_scores(PRED, GOLD, ("PER", "LOC", "ORG"))["schemes"][scheme]["micro"]
    assert micro["precision"] == pytest.approx(float(precision))
    assert micro["recall"] == pytest.approx(float(recall))
    assert micro["f1"] == pytest.approx(float(f1(precision, recall)))


def test_per_label_and_macro_scores() -> None:
    scores = span_scores(PRED, GOLD, ("PER", "LOC", "ORG"))["schemes"]
    # strict, PER: predictions P1 (right), P3 (wrong) -> P 1/2; gold G1 found -> R 1; F1 2/3.
    per = scores["strict"]["per_label"]["PER"]
    assert (per["precision"], per["recall"], per["f1"]) == pytest.approx((0.5, 1.0, 2 / 3))
    assert (per["n_predicted"], per["n_gold"]) == (2, 1)
    # strict, LOC: P2 has the wrong boundaries -> 0/1, G2 missed -> 0/1.
    assert scores["strict"]["per_label"]["LOC"]["f1"] == 0.0
    # macro F1 = mean over PER, LOC, ORG of (2/3, 0, 0).
    assert scores["strict"]["macro"]["f1"] == pytest.approx(2 / 9)
    # ent_type: PER 2/3 (as above), LOC 1 (overlap, same type), ORG 0 -> mean 5/9.
    assert scores["ent_type"]["per_label"]["LOC"]["f1"] == pytest.approx(1.0)
    assert scores["ent_type"]["macro"]["f1"] == pytest.approx(5 / 9)


def test_per_label_rows_restrict_both_sides_to_the_label() -> None:
    """A label never takes credit for a span of another label (the exact and partial schemes ignore labels)."""
    scores = span_scores(PRED, GOLD, ("PER", "LOC", "ORG"))["schemes"]
    # ORG: the gold G3 [20,25) is found only by P3, a PER: label-blind, G3 would have exact recall 1.
    org = scores["exact"]["per_label"]["ORG"]
    assert org["recall"] == 0.0 and org["n_gold"] == 1
    assert scores["exact"]["micro"]["recall"] == pytest.approx(2 / 3)  # micro still counts G3 as found
    assert scores["exact"]["per_label"] == scores["strict"]["per_label"]  # within a label, exact implies strict
    # partial, LOC: P2 overlaps G2 (same label) -> 0.5 each side.
    loc = scores["partial"]["per_label"]["LOC"]
    assert (loc["precision"], loc["recall"]) == pytest.approx((0.5, 0.5))


def test_a_label_with_no_gold_and_no_prediction_is_undefined_not_perfect() -> None:
    gold = _gold("x" * 50, entities=[(0, 5, "PERSON")])
    predicted = pl.DataFrame({"article_id": ["t"], "start": [0], "end": [5], "label": ["PERSON"], "text": ["xxxxx"]})
    table = evaluate.evaluate("entities", predicted, gold).table
    assert table["strict_PERSON_recall"] == 1.0
    for scheme in evaluate.SCHEMES:
        for measure in evaluate.MEASURES:
            assert table[f"{scheme}_GPE_{measure}"] is None  # no GPE anywhere: nothing to measure
    temporal = evaluate.evaluate(
        "temporal",
        pl.DataFrame({"article_id": ["t"], "start": [0], "end": [5], "type": ["DATE"], "value": [None]}),
        gold,
    ).table
    assert temporal["value_accuracy"] is None and temporal["value_recall"] is None  # no gold timex


def test_macro_averages_follow_one_rule_for_precision_recall_and_f1() -> None:
    """Mean over the labels in the gold or the predictions, an undefined per-label value counting 0."""
    gold = spans(("a", 0, 5, "PER"), ("a", 10, 15, "LOC"))
    pred = spans(("a", 0, 5, "PER"), ("a", 20, 25, "ORG"))  # LOC never predicted, ORG only predicted
    strict = span_scores(pred, gold, ("PER", "LOC", "ORG"))["schemes"]["strict"]
    per = strict["per_label"]
    assert per["LOC"]["precision"] is None and per["ORG"]["recall"] is None
    assert strict["macro"]["precision"] == pytest.approx((1 + 0 + 0) / 3)  # LOC's undefined precision counts 0
    assert strict["macro"]["recall"] == pytest.approx((1 + 0 + 0) / 3)  # ORG's undefined recall counts 0
    assert strict["macro"]["f1"] == pytest.approx((1 + 0 + 0) / 3)
    assert span_scores(spans(), spans(), ())["schemes"]["strict"]["macro"] == dict.fromkeys(evaluate.MEASURES)


def test_conventions_for_empty_sides() -> None:
    none = spans()
    only_gold = span_scores(none, GOLD, ("PER",))["schemes"]["strict"]["micro"]
    assert only_gold == {"precision": None, "recall": 0.0, "f1": 0.0}
    only_pred = span_scores(PRED, none, ("PER",))["schemes"]["strict"]["micro"]
    assert only_pred == {"precision": 0.0, "recall": None, "f1": 0.0}
    assert span_scores(none, none, ())["schemes"]["strict"]["micro"] == {"precision": None, "recall": None, "f1": None}


def test_spans_only_match_within_their_article_and_touching_is_not_overlap() -> None:
    gold = spans(("a", 0, 5, "PER"))
    other_article = spans(("b", 0, 5, "PER"))
    touching = spans(("a", 5, 9, "PER"))
    assert span_scores(other_article, gold, ("PER",))["schemes"]["ent_type"]["micro"]["f1"] == 0.0
    assert span_scores(touching, gold, ("PER",))["schemes"]["partial"]["micro"]["f1"] == 0.0


def _brute_force(
    pred: list[tuple[str, int, int, str]], gold: list[tuple[str, int, int, str]]
) -> dict[str, tuple[float, float]]:
    """Sums of scores per side, straight from the definitions, O(n*m)."""

    def score(span: tuple[str, int, int, str], others: list[tuple[str, int, int, str]], scheme: str) -> float:
        a, s, e, label = span
        if not 0 <= s < e:
            return 0.0
        same = [o for o in others if o[0] == a]
        exact = any(o[1] == s and o[2] == e for o in same)
        overlap = any(o[1] < e and s < o[2] and 0 <= o[1] < o[2] for o in same)
        return {
            "strict": float(any(o[1] == s and o[2] == e and o[3] == label for o in same)),
            "exact": float(exact),
            "partial": 1.0 if exact else 0.5 if overlap else 0.0,
            "ent_type": float(any(o[1] < e and s < o[2] and o[3] == label and 0 <= o[1] < o[2] for o in same)),
        }[scheme]

    return {
        scheme: (sum(score(p, gold, scheme) for p in pred), sum(score(g, pred, scheme) for g in gold))
        for scheme in evaluate.SCHEMES
    }


@pytest.mark.parametrize("seed", range(8))
def test_vectorised_matching_agrees_with_brute_force_on_random_spans(seed: int) -> None:
    rng = random.Random(seed)

    def random_spans(n: int) -> list[tuple[str, int, int, str]]:
        out = set()
        while len(out) < n:
            start = rng.randrange(-2, 60)
            out.add((rng.choice("ab"), start, start + rng.randrange(-1, 12), rng.choice(("X", "Y"))))
        return sorted(out)

    pred, gold = random_spans(rng.randrange(1, 40)), random_spans(rng.randrange(1, 40))
    expected = _brute_force(pred, gold)
    result = span_scores(spans(*pred), spans(*gold), ("X", "Y"))
    for scheme, (pred_sum, gold_sum) in expected.items():
        micro = result["schemes"][scheme]["micro"]
        assert micro["precision"] == pytest.approx(pred_sum / len(pred)), scheme
        assert micro["recall"] == pytest.approx(gold_sum / len(gold)), scheme


def _gold(
    text: str,
    *,
    entities: list[tuple[int, int, str]] = (),
    discrepancies: list[tuple[str, str, list[tuple[int, int]]]] = (),
    temporal: list[tuple[int, int, str, str | None]] = (),
) -> Gold:
    return Gold.from_rows(
        {
            "articles": [{"id": "t", "text": text}],
            "entities": [{"article_id": "t", "start": s, "end": e, "label": label} for s, e, label in entities],
            "temporal": [
                {"article_id": "t", "start": s, "end": e, "type": kind, "value": value}
                for s, e, kind, value in temporal
            ],
            "discrepancies": [
                {
                    "discrepancy_id": did,
                    "type": kind,
                    "spans": [{"article_id": "t", "start": s, "end": e} for s, e in where],
                }
                for did, kind, where in discrepancies
            ],
        }
    )


def test_timex_value_accuracy_compares_canonical_values_on_exact_matches() -> None:
    gold = _gold(
        "x" * 100,
        temporal=[
            (0, 5, "DURATION", "PT7H30M"),
            (10, 15, "DATE", None),
            (20, 25, "DATE", "2024-04-26"),
            (30, 35, "DATE", "2024-04-25"),
        ],
    )
    predicted = pl.DataFrame(
        {
            "article_id": ["t"] * 4,
            "start": [0, 10, 20, 31],
            "end": [5, 15, 25, 35],
            "type": ["DURATION", "DATE", "DATE", "DATE"],
            "value": ["PT7.5H", None, "2024-04-27", "2024-04-25"],
        }
    )
    metrics = evaluate.evaluate("temporal", predicted, gold).table
    # Matched with exact boundaries: the first three (the fourth starts at 31). Right: PT7.5H == PT7H30M,
    # null == null; wrong: 2024-04-27. So 2 of 3.
    assert metrics["value_matched"] == 3
    assert metrics["value_accuracy"] == pytest.approx(2 / 3)
    # value recall: right values with exact boundaries over all four gold expressions.
    assert metrics["value_recall"] == pytest.approx(2 / 4)


def test_discrepancy_detection_counts_a_discrepancy_found_by_any_of_its_spans() -> None:
    gold = _gold(
        "y" * 100,
        discrepancies=[
            ("d1", "name_error", [(0, 5), (50, 55)]),
            ("d2", "boilerplate", [(60, 70)]),
            ("d3", "name_error", [(80, 85)]),
        ],
    )
    predicted = pl.DataFrame(
        {"article_id": ["t", "t"], "start": [52, 60], "end": [53, 70], "type": ["name_error", "quote_variant"]}
    )
    table = evaluate.evaluate("discrepancies", predicted, gold).table
    # d1 is found through its second span; d2 only by a prediction of another type; d3 not at all.
    assert table["detection_micro_recall"] == pytest.approx(1 / 3)
    assert table["detection_name_error_recall"] == pytest.approx(1 / 2)
    assert table["detection_boilerplate_recall"] == 0.0
    assert table["detection_factual_conflict_recall"] is None  # no gold discrepancy of that type


TEXT = "Hello Blinken.\nSee also: ads\nWang Yi met.Â\n"
BOILERPLATE = (TEXT.index("See also: ads"), TEXT.index("See also: ads") + len("See also: ads"))
ARTIFACT = (TEXT.index("Â"), TEXT.index("Â") + 1)
MENTIONS = [
    (TEXT.index("Blinken"), TEXT.index("Blinken") + 7, "PERSON"),
    (TEXT.index("Wang Yi"), TEXT.index("Wang Yi") + 7, "PERSON"),
    (TEXT.index("ads"), TEXT.index("ads") + 3, "ORG"),
]
CLEAN_GOLD = _gold(
    TEXT,
    entities=MENTIONS,
    discrepancies=[("d1", "boilerplate", [BOILERPLATE]), ("d2", "extraction_artifact", [ARTIFACT])],
)


@pytest.mark.parametrize(
    ("cleaned", "removed", "preserved", "remaining"),
    [
        # A perfect cleaner: boilerplate and the artifact gone, both mentions outside boilerplate kept.
        ("Hello Blinken.\nWang Yi met.\n", 1.0, 1.0, 0.0),
        # A cleaner that does nothing.
        (TEXT, 0.0, 1.0, 1.0),
        # Drops " ads" only: 3 of the 11 non-space characters of "See also: ads".
        ("Hello Blinken.\nSee also:\nWang Yi met.Â\n", 3 / 11, 1.0, 1.0),
        # Too eager: loses "Blinken" with the boilerplate.
        ("Hello.\nWang Yi met.\n", 1.0, 0.5, 0.0),
    ],
)
def test_cleaning_scores(cleaned: str, removed: float, preserved: float, remaining: float) -> None:
    table = evaluate.evaluate("cleaning", {"t": cleaned}, CLEAN_GOLD).table
    assert table["boilerplate_removed"] == pytest.approx(removed)
    assert table["entities_preserved"] == pytest.approx(preserved)
    assert table["artifacts_remaining"] == pytest.approx(remaining)
    assert table["n_entity_mentions"] == 2  # "ads" lies inside the boilerplate and is not counted


def test_kept_characters_follows_an_alignment_not_a_search() -> None:
    # The second "Beijing" is deleted; a substring search would still find the first one.
    original = "Beijing talks.\nIn Beijing.\n"
    kept = kept_characters(original, "Beijing talks.\nIn.\n")
    second = original.rindex("Beijing")
    assert all(kept[: len("Beijing")])
    assert not any(kept[second : second + len("Beijing")])


def test_metrics_table_has_every_named_metric_for_every_task() -> None:
    gold = Gold.from_dataset(Path(paths.DATASET_DIR))
    empty = {"entities": ("label",), "temporal": ("type", "value"), "discrepancies": ("type",)}
    for task, extra in empty.items():
        frame = pl.DataFrame(
            {"article_id": [], "start": [], "end": [], **{name: [] for name in extra}},
            schema={"article_id": pl.String, "start": pl.Int64, "end": pl.Int64, **{name: pl.String for name in extra}},
        )
        table = evaluate.evaluate(task, frame, gold).table
        assert tuple(table) == evaluate.metric_names(task)
        assert table["n_gold"] == gold.spans(task).unique(["article_id", "start", "end", "label"]).height > 0
        assert table["strict_micro_recall"] == 0.0


def test_the_cleaning_metrics_name_discrepancy_types_of_the_contract() -> None:
    from diplonews import evaluate as evaluate_module
    from diplonews.contract import labels

    assert evaluate_module.label_set("discrepancies") == labels.DISCREPANCY_TYPES
    assert {evaluate_module.BOILERPLATE, evaluate_module.EXTRACTION_ARTIFACT} <= set(labels.DISCREPANCY_TYPES)
