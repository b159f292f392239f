"""The `tokens` config: deterministic regex tokenisation, IOB2 tags that give back every gold span."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from conftest import REPO
from diplonews import paths
from diplonews.contract import labels, rules
from diplonews.export import statistics
from diplonews.export import tokens as tok


def _config(name: str) -> list[dict]:
    return pq.read_table(REPO / "dataset" / paths.DATA_FILE_TEMPLATE.format(config=name)).to_pylist()


ARTICLES = {row["id"]: row["text"] for row in _config("articles")}
ENTITIES = _config("entities")
TEMPORAL = _config("temporal")
TOKENS = _config("tokens")


def _decoded(column: str) -> set[tuple[str, int, int, str]]:
    out = set()
    for row in TOKENS:
        sentence = tok.sentence_of_row(row)
        out |= {(row["article_id"], s.start, s.end, s.label) for s in tok.decode(sentence, row[column])}
    return out


def test_every_gold_entity_is_recovered_exactly_from_tags_and_offsets() -> None:
    gold = {(r["article_id"], r["start"], r["end"], r["label"]) for r in ENTITIES}
    assert _decoded("ner_tags") == gold


def test_every_gold_timex_is_recovered_exactly_from_tags_and_offsets() -> None:
    gold = {(r["article_id"], r["start"], r["end"], r["type"]) for r in TEMPORAL}
    assert _decoded("timex_tags") == gold


def test_tokens_are_the_article_text_at_their_offsets() -> None:
    for row in TOKENS:
        text = ARTICLES[row["article_id"]]
        assert len(row["tokens"]) == len(row["starts"]) == len(row["ner_tags"]) == len(row["timex_tags"]) > 0
        for token, start in zip(row["tokens"], row["starts"], strict=True):
            assert text[start : start + len(token)] == token and not any(c.isspace() for c in token)
        assert rules.iob2_ok(row["ner_tags"]) and rules.iob2_ok(row["timex_tags"])
        assert set(row["ner_tags"]) <= set(labels.NER_TAGS) and set(row["timex_tags"]) <= set(labels.TIMEX_TAGS)


def test_sentences_cover_every_token_of_every_article_once_in_order() -> None:
    for article_id, text in ARTICLES.items():
        rows = [row for row in TOKENS if row["article_id"] == article_id]
        assert [row["sentence_id"] for row in rows] == [tok.sentence_id(article_id, i) for i in range(len(rows))]
        starts = [start for row in rows for start in row["starts"]]
        assert starts == sorted(starts)
        covered = "".join(token for row in rows for token in row["tokens"])
        assert covered == "".join(text.split()), article_id  # nothing but whitespace is left out


def test_no_gold_boundary_falls_inside_a_token_and_the_forced_splits_are_reported() -> None:
    """Mentions off the regex's token boundaries are listed; after the split none remains."""
    alignment = tok.Alignment()
    rows = tok.token_rows(ARTICLES, ENTITIES, TEMPORAL, alignment)
    assert rows == TOKENS  # deterministic: the build's rows, recomputed
    # The one mention that needs a split: "rightsChina" (a missing separator, discrepancy d033).
    assert alignment.forced_splits == [("003_e233cf04cd56c81c", 1579)]
    assert ARTICLES["003_e233cf04cd56c81c"][1573:1584] == "rightsChina"
    assert alignment.kept_together == []  # no sentence break had to be dropped inside a span
    tables = {"articles": [{"id": k, "text": v} for k, v in ARTICLES.items()], "tokens": TOKENS}
    assert statistics.forced_splits(tables) == len(alignment.forced_splits)
    for layer in (ENTITIES, TEMPORAL):
        for row in layer:
            for offset in (row["start"], row["end"]):
                inside = [
                    (r["sentence_id"], t)
                    for r in TOKENS
                    if r["article_id"] == row["article_id"]
                    for t, s in zip(r["tokens"], r["starts"], strict=True)
                    if s < offset < s + len(t)
                ]
                assert not inside, (row, inside)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mr. Blinken met Wang Yi. He left.", ["Mr . Blinken met Wang Yi .", "He left ."]),
        ("The U.S. State Department said so.", ["The U . S . State Department said so ."]),
        ("“We agree.” Then he left.", ["“ We agree . ”", "Then he left ."]),
        ("It cost $1,000.5 on 10:30 today\nNext line", ["It cost $ 1,000.5 on 10:30 today", "Next line"]),
        ("rightsChina support", ["rightsChina support"]),
    ],
)
def test_tokenisation_is_the_documented_regex(text: str, expected: list[str]) -> None:
    assert [" ".join(s.tokens) for s in tok.sentences("000_0000000000000000", text)] == expected


def test_a_sentence_break_inside_a_span_is_dropped() -> None:
    alignment = tok.Alignment()
    found = tok.sentences("000_0000000000000000", "Gen. Xu met St. Yves. Then.", [tok.Span(0, 7, "PERSON")], alignment)
    assert [" ".join(s.tokens) for s in found] == ["Gen . Xu met St . Yves .", "Then ."]
    text = "Ab. Then B."
    found = tok.sentences("000_0000000000000000", text, [tok.Span(0, 8, "X")], alignment)
    assert len(found) == 1 and alignment.kept_together == [("000_0000000000000000", 4)]


def test_chunks_read_iob_like_conlleval() -> None:
    assert tok.chunks(["B-PERSON", "I-PERSON", "O", "I-GPE", "I-GPE", "B-GPE", "I-ORG"]) == [
        ("PERSON", 0, 1),
        ("GPE", 3, 4),
        ("GPE", 5, 5),
        ("ORG", 6, 6),
    ]


def test_the_card_documents_the_tokens_config_and_its_figures() -> None:
    card = (REPO / "dataset" / "README.md").read_text("utf-8")
    n_tokens = sum(len(row["tokens"]) for row in TOKENS)
    assert "config_name: tokens" in card and f"| **total** | {len(TOKENS)} | {n_tokens} |" in card
    manifest = json.loads((REPO / "dataset" / "MANIFEST.json").read_text("utf-8"))
    assert paths.DATA_FILE_TEMPLATE.format(config="tokens") in {entry["path"] for entry in manifest["files"]}
