"""The gold of one dataset folder, as the scorers need it: span frames and the article texts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import polars as pl

from diplonews.io.dataset import read_dataset

GOLD_CONFIGS: tuple[str, ...] = ("entities", "temporal", "discrepancies")
# What the scorers read of each config (a large gold's other columns would only take memory).
GOLD_COLUMNS: dict[str, tuple[str, ...]] = {
    "articles": ("id", "text"),
    "entities": ("article_id", "start", "end", "label"),
    "temporal": ("article_id", "start", "end", "type", "value"),
    "discrepancies": ("discrepancy_id", "type", "spans"),
}


@dataclass
class Gold:
    """Span frames (article_id, start, end, label, and `value` / `discrepancy_id` where the task has one).

    The article texts stay in a polars frame: a dict of Python strings (`texts`) is made
    only when asked for (cleaning scores, hints), since a large non-ASCII corpus takes up
    to four bytes per character as Python strings.
    """

    articles: pl.DataFrame  # id, text
    entities: pl.DataFrame  # article_id, start, end, label
    temporal: pl.DataFrame  # article_id, start, end, label (the TIMEX3 type), value
    discrepancies: pl.DataFrame  # article_id, start, end, label (the type), discrepancy_id

    @cached_property
    def texts(self) -> dict[str, str]:
        return dict(zip(self.articles["id"].to_list(), self.articles["text"].to_list(), strict=True))

    @cached_property
    def article_ids(self) -> list[str]:
        return sorted(self.articles["id"].to_list())

    @classmethod
    def from_rows(cls, tables: Mapping[str, list[dict[str, Any]]]) -> Gold:
        articles = pl.DataFrame(
            {"id": [row["id"] for row in tables["articles"]], "text": [row["text"] for row in tables["articles"]]},
            schema={"id": pl.String, "text": pl.String},
        )
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
        return cls(articles, entities, temporal, discrepancies)

    @classmethod
    def from_dataset(cls, dataset_dir: Path) -> Gold:
        """Straight from the dataset's Parquet files with polars (fast on large synthetic datasets)."""
        tables = read_dataset(dataset_dir, ("articles", *GOLD_CONFIGS), columns=GOLD_COLUMNS)  # not `tokens`
        frames = {name: pl.DataFrame(table) for name, table in tables.items()}
        articles = frames["articles"].select("id", "text")
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
        return cls(articles, entities, temporal, discrepancies)

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
