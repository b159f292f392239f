"""Agreement figures on hand-made annotation sets, checked against hand computation."""

from __future__ import annotations

from pathlib import Path

import pytest

from diplonews.agreement import agreement, disagreements, pair_agreement, write_adjudication
from diplonews.contract.errors import DiplonewsError
from diplonews.io.annotations import AnnotationSet


def _entity(start: int, end: int, label: str, entity_id: str, surface_error: bool = False) -> dict:
    return {
        "article_id": "x",
        "mention_id": f"m{start}",
        "start": start,
        "end": end,
        "text": "?" * (end - start),
        "label": label,
        "entity_id": entity_id,
        "canonical_name": entity_id,
        "surface_error": surface_error,
    }


def _timex(start: int, end: int, kind: str, value: str | None, mod: str | None = None) -> dict:
    return {
        "article_id": "x",
        "timex_id": f"t{start}",
        "start": start,
        "end": end,
        "text": "?",
        "type": kind,
        "value": value,
        "mod": mod,
        "anchor": None,
    }


def _discrepancy(ident: str, kind: str, *spans: tuple[str, int, int]) -> dict:
    return {
        "discrepancy_id": ident,
        "type": kind,
        "scope": "intra_document" if len({s[0] for s in spans}) == 1 else "cross_document",
        "spans": [{"article_id": a, "start": s, "end": e, "text": "?"} for a, s, e in spans],
        "description": "d",
        "correction": None,
    }


def _set(entities: list, temporal: list, discrepancies: list, dct: str = "2024-04-26") -> AnnotationSet:
    article = {"id": "x", "event": "2024-04-china", "dct": dct, "title": None, "publisher": None}
    return AnnotationSet(
        Path("."),
        articles=[article],
        tables={"entities": entities, "temporal": temporal, "discrepancies": discrepancies},
    )


A = _set(
    [_entity(0, 4, "PERSON", "e1"), _entity(10, 15, "GPE", "e2"), _entity(20, 25, "ORG", "e3")],
    [_timex(0, 5, "DURATION", "PT7H30M", "MORE_THAN"), _timex(30, 36, "DATE", "2024-04-26")],
    [_discrepancy("d1", "name_error", ("x", 10, 15)), _discrepancy("d2", "boilerplate", ("x", 100, 120))],
)
B = _set(
    [
        _entity(0, 4, "PERSON", "e1"),
        _entity(10, 15, "LOC", "e2"),
        _entity(21, 25, "ORG", "e3"),
        _entity(30, 33, "GPE", "e4"),
    ],
    [_timex(0, 5, "DURATION", "PT7.5H", "MORE_THAN"), _timex(30, 36, "DATE", "2024-04-25")],
    [_discrepancy("k1", "translation_artifact", ("x", 12, 18)), _discrepancy("k2", "boilerplate", ("x", 100, 120))],
    dct="2024-04-25",
)


def test_entity_span_and_label_agreement() -> None:
    figures = pair_agreement(A, B)["entities"]
    assert figures["span_f1_exact"] == pytest.approx(4 / 7)  # 2 exact matches, 3 + 4 spans
    assert figures["span_f1_overlap"] == pytest.approx(6 / 7)  # [20,25) overlaps [21,25)
    assert figures["label_agreement"] == pytest.approx(1 / 2)  # PERSON=PERSON, GPE!=LOC
    assert figures["label_kappa"] == pytest.approx((0.5 - 0.25) / 0.75)


def test_timex_values_compare_canonically() -> None:
    figures = pair_agreement(A, B)["temporal"]
    assert figures["span_f1_exact"] == 1.0
    assert figures["value_agreement"] == pytest.approx(1 / 2)  # PT7H30M == PT7.5H; dates differ
    assert figures["mod_agreement"] == 1.0


def test_discrepancy_type_agreement_on_overlapping_spans() -> None:
    figures = pair_agreement(A, B)["discrepancies"]
    assert figures["span_f1_exact"] == pytest.approx(1 / 2)
    assert figures["span_f1_overlap"] == 1.0
    assert figures["type_agreement"] == pytest.approx(1 / 2)


def test_article_metadata_agreement() -> None:
    assert pair_agreement(A, B)["articles"]["dct_agreement"] == 0.0
    assert pair_agreement(A, A)["articles"]["event_agreement"] == 1.0


def test_linking_agreement_counts_coreference_pairs() -> None:
    one = _set([_entity(0, 1, "PERSON", "p"), _entity(2, 3, "PERSON", "p"), _entity(4, 5, "PERSON", "q")], [], [])
    other = _set([_entity(0, 1, "PERSON", "a"), _entity(2, 3, "PERSON", "b"), _entity(4, 5, "PERSON", "b")], [], [])
    # one links (0,2); other links (2,4): no common pair -> F1 0; identical ids with other names -> 1
    assert pair_agreement(one, other)["entities"]["linking_pairwise_f1"] == 0.0
    renamed = _set([_entity(0, 1, "PERSON", "z"), _entity(2, 3, "PERSON", "z"), _entity(4, 5, "PERSON", "y")], [], [])
    assert pair_agreement(one, renamed)["entities"]["linking_pairwise_f1"] == 1.0


def test_identical_sets_agree_fully_and_need_no_adjudication() -> None:
    result = agreement({"a": A, "b": A})
    assert all(v in (1.0, None) or k.startswith("n_") for layer in result["mean"].values() for k, v in layer.items())
    agreed, worklist = disagreements({"a": A, "b": A})
    assert worklist == [] and len(agreed["entities"]) == 3


def test_disagreements_list_every_differing_item(tmp_path: Path) -> None:
    agreed, worklist = disagreements({"a": A, "b": B})
    entity_items = [w for w in worklist if w["layer"] == "entities"]
    # [10,15) label differs, [20,25) and [21,25) and [30,33) exist on one side only
    assert sorted((w["start"], w["end"]) for w in entity_items) == [(10, 15), (20, 25), (21, 25), (30, 33)]
    assert [r["start"] for r in agreed["entities"]] == [0]
    kept, listed = write_adjudication({"a": A, "b": B}, tmp_path)
    assert kept == len(agreed["entities"]) + len(agreed["temporal"]) + len(agreed["discrepancies"])
    assert listed == len(worklist) and (tmp_path / "disagreements.jsonl").read_text("utf-8").count("\n") == listed


def test_agreement_needs_two_annotators() -> None:
    with pytest.raises(DiplonewsError, match="two or more annotators"):
        agreement({"a": A})


def test_overlap_matching_never_finds_fewer_pairs_than_exact_matching() -> None:
    """Two items on one span (two discrepancies citing the same sentence) each take their own partner."""
    from diplonews.agreement import Item, match

    def item(start: int, end: int, kind: str) -> Item:
        return Item(("x", start, end), {"type": kind}, {})

    side_a = [item(0, 10, "quote_variant"), item(0, 10, "name_error"), item(20, 30, "name_error")]
    side_b = [item(0, 10, "name_error"), item(0, 10, "quote_variant"), item(22, 30, "name_error")]
    exact, overlap = match(side_a, side_b, exact=True), match(side_a, side_b, exact=False)
    assert len(exact) == 2 and len(overlap) == 3
    assert {id(b) for _, b in overlap} == {id(b) for b in side_b}  # each partner used once
    assert all(a.attributes == b.attributes for a, b in exact)  # on a shared span, the agreeing partner
