"""Cleaning scores: boilerplate removed, entity mentions preserved, extraction artifacts left, as character shares.

A cleaned text is aligned with its original (`kept_characters`), so a character counts as
kept only where the alignment keeps it, never because the same string occurs elsewhere.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

import polars as pl

from diplonews.evaluate.gold import Gold

BOILERPLATE = "boilerplate"
EXTRACTION_ARTIFACT = "extraction_artifact"


def _ratio(numerator: float, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


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
