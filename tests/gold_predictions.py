"""Predictions derived from the gold of a dataset folder: what a perfect model would output.

Used by the reference run (they must pass every gate) and by tests that break one thing
in an otherwise perfect file. Read straight from the Parquet files with pyarrow, not
through `diplonews.evaluate`, so the tests do not grade the code with its own reading.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from diplonews import paths


def _rows(dataset: Path, config: str) -> list[dict[str, Any]]:
    return pq.read_table(dataset / paths.DATA_FILE_TEMPLATE.format(config=config)).to_pylist()


def texts(dataset: Path) -> dict[str, str]:
    return {row["id"]: row["text"] for row in _rows(dataset, "articles")}


def gold_predictions(task: str, dataset: Path) -> list[dict[str, Any]]:
    """One record per gold span (deduplicated the way the contract requires), or per article for cleaning."""
    if task == "entities":
        return [
            {k: row[k] for k in ("article_id", "start", "end", "label", "text")} for row in _rows(dataset, "entities")
        ]
    if task == "temporal":
        return [
            {k: row[k] for k in ("article_id", "start", "end", "type", "value", "text")}
            for row in _rows(dataset, "temporal")
        ]
    if task == "discrepancies":
        seen: set[tuple[Any, ...]] = set()
        out = []
        for row in _rows(dataset, "discrepancies"):
            for span in row["spans"]:
                key = (span["article_id"], span["start"], span["end"], row["type"])
                if key not in seen:
                    seen.add(key)
                    out.append(
                        {
                            "article_id": span["article_id"],
                            "start": span["start"],
                            "end": span["end"],
                            "type": row["type"],
                            "text": span["text"],
                        }
                    )
        return out
    assert task == "cleaning", task
    return [{"article_id": article_id, "text": text} for article_id, text in cleaned_texts(dataset).items()]


def removable_spans(dataset: Path) -> dict[str, list[tuple[int, int]]]:
    """Gold boilerplate and extraction-artifact spans per article: what a cleaner should delete."""
    out: dict[str, list[tuple[int, int]]] = {}
    for row in _rows(dataset, "discrepancies"):
        if row["type"] in {"boilerplate", "extraction_artifact"}:
            for span in row["spans"]:
                out.setdefault(span["article_id"], []).append((span["start"], span["end"]))
    return out


def cleaned_texts(dataset: Path) -> dict[str, str]:
    """Each article with the gold boilerplate and extraction artifacts cut out."""
    spans = removable_spans(dataset)
    out = {}
    for article_id, text in texts(dataset).items():
        keep = [True] * len(text)
        for start, end in spans.get(article_id, []):
            keep[start:end] = [False] * (end - start)
        out[article_id] = "".join(char for char, kept in zip(text, keep, strict=True) if kept)
    return out
