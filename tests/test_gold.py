"""The gold held to the guidelines (annotations/GUIDELINES.md), beyond what the contract checks."""

from __future__ import annotations

import itertools
import json
import re
from collections import defaultdict

import pytest

from conftest import REPO
from diplonews import build
from diplonews.contract import labels, timex
from diplonews.contract.rules import occurrences as _whole_word_starts

GOLD = REPO / "annotations" / "gold"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Whole-word occurrences of an annotated surface form that are deliberately not mentions,
# each with the guideline that says so: (article_id, start, surface) -> reason.
NOT_MENTIONS: dict[tuple[str, int, str], str] = {
    (
        "002_acfb179b67093fa8",
        308,
        "Xi",
    ): "1.4: spurious MT token in 'Earlier on Monday Xi Blinken held' (translation_artifact)",
}


@pytest.fixture(scope="module")
def gold() -> build.BuildResult:
    return build.compile_dataset(REPO)


@pytest.fixture(scope="module")
def texts(gold: build.BuildResult) -> dict[str, str]:
    return {row["id"]: row["text"] for row in gold.tables["articles"]}


def _overlap(a: tuple[str, int, int], b: tuple[str, int, int]) -> bool:
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


def test_every_layer_has_gold_for_every_article(gold: build.BuildResult, texts: dict[str, str]) -> None:
    for layer in ("entities", "temporal"):
        assert {row["article_id"] for row in gold.tables[layer]} == set(texts), layer
    covered = {span["article_id"] for row in gold.tables["discrepancies"] for span in row["spans"]}
    assert covered == set(texts)


def test_offsets_are_exact(gold: build.BuildResult, texts: dict[str, str]) -> None:
    for layer in ("entities", "temporal"):
        for row in gold.tables[layer]:
            assert texts[row["article_id"]][row["start"] : row["end"]] == row["text"], row
            assert row["text"] == row["text"].strip() and row["text"][-1] not in ",;:", row
            assert not row["text"].endswith(".") or re.search(r"\b[A-Z]\.$", row["text"]), row  # U.S. keeps its dot
    for row in gold.tables["discrepancies"]:
        for span in row["spans"]:
            assert texts[span["article_id"]][span["start"] : span["end"]] == span["text"], row["discrepancy_id"]


def test_no_entity_overlaps_another(gold: build.BuildResult) -> None:
    for layer in ("entities", "temporal"):
        by_article = defaultdict(list)
        for row in gold.tables[layer]:
            by_article[row["article_id"]].append((row["start"], row["end"], row["text"]))
        for article_id, spans in by_article.items():
            spans.sort()
            for (_, e1, t1), (s2, _, t2) in itertools.pairwise(spans):
                assert e1 <= s2, f"{layer} {article_id}: {t1!r} overlaps {t2!r}"


def test_entity_spans_have_no_determiner_or_possessive(gold: build.BuildResult) -> None:
    for row in gold.tables["entities"]:
        assert not re.match(r"(?i)(the|a|an) ", row["text"]), row
        assert not re.search(r"['\u2019]s$", row["text"]), row


def test_mention_labels_agree_with_the_catalog() -> None:
    catalog = {
        r["entity_id"]: r for r in map(json.loads, (GOLD / "entity_catalog.jsonl").read_text("utf-8").splitlines())
    }
    used = set()
    for record in map(json.loads, (GOLD / "entities.jsonl").read_text("utf-8").splitlines()):
        assert record["label"] == catalog[record["entity_id"]]["label"], record["mention_id"]
        used.add(record["entity_id"])
    assert set(catalog) == used, f"catalog entries never mentioned: {sorted(set(catalog) - used)}"


def test_every_surface_error_is_covered_by_a_name_error(gold: build.BuildResult) -> None:
    name_error_spans = [
        (s["article_id"], s["start"], s["end"])
        for r in gold.tables["discrepancies"]
        if r["type"] == "name_error"
        for s in r["spans"]
    ]
    for row in gold.tables["entities"]:
        if row["surface_error"]:
            mention = (row["article_id"], row["start"], row["end"])
            assert any(_overlap(mention, span) for span in name_error_spans), f"{row['mention_id']} {row['text']!r}"


def test_surface_forms_are_annotated_exhaustively(gold: build.BuildResult, texts: dict[str, str]) -> None:
    """A form annotated as a name anywhere is annotated at every whole-word occurrence."""
    covered = defaultdict(list)
    for row in gold.tables["entities"]:
        covered[row["article_id"]].append((row["start"], row["end"]))
    forms = {row["text"] for row in gold.tables["entities"] if len(row["text"]) > 1}
    missing = []
    for article_id, text in texts.items():
        for form in forms:
            for start in _whole_word_starts(text, form):
                end = start + len(form)
                if any(s <= start and end <= e for s, e in covered[article_id]):
                    continue
                if any(s < end and start < e for s, e in covered[article_id]):
                    continue  # part of a longer name that overlaps (e.g. inside a hyphen compound)
                if (article_id, start, form) in NOT_MENTIONS:
                    continue
                missing.append((article_id, start, form, text[max(0, start - 25) : end + 25]))
    assert not missing, "unannotated occurrences:\n" + "\n".join(map(repr, missing))


def test_weekdays_are_annotated_everywhere(gold: build.BuildResult, texts: dict[str, str]) -> None:
    covered = defaultdict(list)
    for row in gold.tables["temporal"]:
        covered[row["article_id"]].append((row["start"], row["end"]))
    for article_id, text in texts.items():
        for day in WEEKDAYS:
            for start in _whole_word_starts(text, day):
                assert any(s <= start < e for s, e in covered[article_id]), f"{article_id}: {day} at {start}"


def test_timex_values_are_valid_and_in_the_event_window(gold: build.BuildResult) -> None:
    articles = {row["id"]: row for row in gold.tables["articles"]}
    for row in gold.tables["temporal"]:
        assert timex.is_valid_value(row["type"], row["value"]), row
        if row["type"] == "DURATION":
            assert row["anchor"] is None, row
            assert row["value"] is None or "." not in row["value"], f"{row['timex_id']}: integer components (PT7H30M)"
        article = articles[row["article_id"]]
        if row["anchor"] == labels.DCT_ANCHOR and article["dct"] is None:
            assert row["value"] is None, f"{row['timex_id']}: resolved against an unknown dct"
        day = re.match(r"^\d{4}-\d{2}-\d{2}", row["value"] or "")
        if row["type"] in ("DATE", "TIME") and day:
            first, last = labels.EVENT_WINDOWS[article["event"]]
            assert first <= day.group(0) <= last, (
                f"{row['timex_id']} {row['text']!r} = {row['value']} outside {first}..{last}"
            )


def test_article_dct_lies_in_its_event_window(gold: build.BuildResult) -> None:
    for row in gold.tables["articles"]:
        first, last = labels.EVENT_WINDOWS[row["event"]]
        assert row["dct"] is not None and first <= row["dct"] <= last, row["id"]
        assert row["dct_evidence"], row["id"]


def test_boilerplate_lies_outside_the_article_body(gold: build.BuildResult, texts: dict[str, str]) -> None:
    """Boilerplate covers whole lines and never touches the title or a body discrepancy."""
    body_types = {"quote_variant", "factual_conflict", "outdated_claim", "attribution_error"}
    body_spans = [
        (s["article_id"], s["start"], s["end"])
        for r in gold.tables["discrepancies"]
        if r["type"] in body_types
        for s in r["spans"]
    ]
    titles = {
        row["id"]: (texts[row["id"]].index(row["title"]), texts[row["id"]].index(row["title"]) + len(row["title"]))
        for row in gold.tables["articles"]
        if row["title"]
    }
    boilerplate = [r for r in gold.tables["discrepancies"] if r["type"] == "boilerplate"]
    assert boilerplate, "the corpus has boilerplate blocks"
    for row in boilerplate:
        assert row["correction"] == "", row["discrepancy_id"]
        for span in row["spans"]:
            text = texts[span["article_id"]]
            assert span["start"] == 0 or text[span["start"] - 1] == "\n", f"{row['discrepancy_id']} starts mid-line"
            assert span["end"] == len(text) or text[span["end"]] == "\n", f"{row['discrepancy_id']} ends mid-line"
            located = (span["article_id"], span["start"], span["end"])
            assert not any(_overlap(located, other) for other in body_spans), row["discrepancy_id"]
            if span["article_id"] in titles:
                assert not _overlap(located, (span["article_id"], *titles[span["article_id"]])), row["discrepancy_id"]


def test_cross_document_discrepancies_span_two_articles(gold: build.BuildResult) -> None:
    cross = [r for r in gold.tables["discrepancies"] if r["scope"] == "cross_document"]
    assert cross
    for row in cross:
        assert len({s["article_id"] for s in row["spans"]}) >= 2, row["discrepancy_id"]
    for row in gold.tables["discrepancies"]:
        if row["scope"] == "intra_document":
            assert len({s["article_id"] for s in row["spans"]}) == 1, row["discrepancy_id"]


def test_every_discrepancy_type_occurs(gold: build.BuildResult) -> None:
    assert {r["type"] for r in gold.tables["discrepancies"]} == set(labels.DISCREPANCY_TYPES)


def test_qin_gang_is_one_entity_across_renderings(gold: build.BuildResult) -> None:
    forms = {row["text"]: row["surface_error"] for row in gold.tables["entities"] if row["entity_id"] == "qin_gang"}
    assert forms.get("Qin Gang") is False
    assert forms.get("Chen Gang") is True and forms.get("Kane") is True
