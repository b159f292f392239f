"""What every baseline shares: the articles it reads, the rows it writes, line offsets.

A baseline reads only what a system would have at prediction time: each article's raw
text and its document creation time (`dct`). It never reads the gold.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from diplonews import paths

Row = dict[str, Any]

# The column order of each task's rows, as documented in tests/fixtures/predictions/README.md.
COLUMNS: dict[str, tuple[str, ...]] = {
    "entities": ("article_id", "start", "end", "label", "text"),
    "temporal": ("article_id", "start", "end", "type", "value", "text"),
    "discrepancies": ("article_id", "start", "end", "type", "text"),
    "cleaning": ("article_id", "text"),
}
LABEL_COLUMN: dict[str, str] = {"entities": "label", "temporal": "type", "discrepancies": "type"}


@dataclass(frozen=True)
class Article:
    id: str
    text: str
    dct: dt.date | None


def load_articles(dataset_dir: Path | None = None) -> list[Article]:
    """The articles of the built dataset (Parquet), sorted by id."""
    folder = dataset_dir or paths.DATASET_DIR
    rows = pq.read_table(
        folder / paths.DATA_FILE_TEMPLATE.format(config="articles"), columns=["id", "text", "dct"]
    ).to_pylist()
    return sorted(
        (Article(row["id"], row["text"], dt.date.fromisoformat(row["dct"]) if row["dct"] else None) for row in rows),
        key=lambda article: article.id,
    )


def span(article: Article, start: int, end: int, label_column: str, label: str, **extra: Any) -> Row:
    """One predicted span, `text` read back from the article (so it always matches the offsets)."""
    return {
        "article_id": article.id,
        "start": start,
        "end": end,
        label_column: label,
        **extra,
        "text": article.text[start:end],
    }


def regex_spans(article: Article, pattern: re.Pattern[str], label_column: str, label: str) -> list[Row]:
    return [
        span(article, m.start(), m.end(), label_column, label)
        for m in pattern.finditer(article.text)
        if m.end() > m.start()
    ]


@dataclass(frozen=True)
class Line:
    start: int  # offset of the first code point of the line
    end: int  # offset just past its last code point (the newline excluded)
    text: str

    @property
    def stripped(self) -> tuple[int, int]:
        """Offsets of the line without its leading and trailing whitespace."""
        lead = len(self.text) - len(self.text.lstrip())
        trail = len(self.text) - len(self.text.rstrip())
        return self.start + lead, self.end - trail


def lines(text: str) -> Iterator[Line]:
    """The lines of a text with their offsets; `\\n` is the only line separator (the raw files use it)."""
    start = 0
    for piece in text.split("\n"):
        yield Line(start, start + len(piece), piece)
        start += len(piece) + 1


def delete_ranges(text: str, ranges: Iterable[tuple[int, int]]) -> str:
    """`text` without the code points in `ranges` (which may overlap)."""
    keep = [True] * len(text)
    for start, end in ranges:
        start, end = max(start, 0), min(end, len(text))
        keep[start:end] = [False] * max(end - start, 0)
    return "".join(char for char, kept in zip(text, keep, strict=True) if kept)


def finalise(task: str, rows: Iterable[Mapping[str, Any]]) -> list[Row]:
    """Rows in the documented column order, deduplicated and sorted: the file is a pure function of the input."""
    columns = COLUMNS[task]
    ordered = [{name: row[name] for name in columns} for row in rows]
    if task == "cleaning":
        return sorted(ordered, key=lambda row: row["article_id"])
    unique = {(row["article_id"], row["start"], row["end"], row[LABEL_COLUMN[task]]): row for row in ordered}
    return [unique[key] for key in sorted(unique)]


def render_jsonl(rows: Iterable[Mapping[str, Any]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
