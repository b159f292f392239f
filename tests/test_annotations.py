"""Span resolution: surface + occurrence, explicit offsets, and the errors for each mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from diplonews.contract.errors import DiplonewsError, Problem
from diplonews.io.annotations import Article, read_raw_articles, resolve_span

AT = {"file": "f.jsonl", "line": 3}

TEXT = "Wang met Wang Yi. Wangs are many. Wang\u2019s view: Wang."


def _article(text: str = TEXT) -> Article:
    return Article("t", Path("t.txt"), text.encode("utf-8"), text)


def test_occurrence_counts_whole_words_only() -> None:
    # "Wang" inside "Wangs" is not a whole-word match; the one inside "Wang Yi" is.
    starts = [resolve_span({"text": "Wang", "occurrence": n}, _article(), AT) for n in (1, 2, 3, 4)]
    assert starts == [(0, 4), (9, 13), (34, 38), (47, 51)]


def test_ambiguous_text_without_occurrence_is_refused() -> None:
    problem = resolve_span({"text": "Wang"}, _article(), AT)
    assert isinstance(problem, Problem) and problem.key() == ("span-ambiguous", "f.jsonl", 3, "text")


def test_unique_text_needs_no_occurrence() -> None:
    assert resolve_span({"text": "Wang Yi"}, _article(), AT) == (9, 16)


def test_explicit_start_is_checked_against_the_text() -> None:
    assert resolve_span({"text": "Wang Yi", "start": 9}, _article(), AT) == (9, 16)
    problem = resolve_span({"text": "Wang Yi", "start": 10}, _article(), AT)
    assert (
        isinstance(problem, Problem)
        and problem.key() == ("span-mismatch", "f.jsonl", 3, "start")
        and "[9]" in (problem.hint or "")
    )


def test_occurrence_beyond_the_count_is_refused() -> None:
    problem = resolve_span({"text": "Wang Yi", "occurrence": 2}, _article(), AT)
    assert isinstance(problem, Problem) and problem.key() == ("out-of-range", "f.jsonl", 3, "occurrence")


def test_offsets_are_code_points_not_bytes_or_utf16() -> None:
    text = "\U0001f600 caf\u00e9 Beijing"
    start, end = resolve_span({"text": "Beijing"}, _article(text), AT)  # type: ignore[misc]
    assert (start, end) == (7, 14) and text[start:end] == "Beijing"


def test_raw_folder_without_articles_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DiplonewsError, match="no raw articles"):
        read_raw_articles(tmp_path)
