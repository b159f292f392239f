"""Token-level entity predictions: turned into spans for the span scores, and scored per chunk like seqeval.

`diplonews validate --task entities` accepts IOB2 tags over the `tokens` config's tokens
(JSONL or CoNLL, `diplonews.io.token_predictions.read_token_predictions`). They are scored twice:

* as spans: each chunk decoded to code-point offsets (`diplonews.export.tokens.decode`)
  and scored like any span file (strict / exact / partial / type);
* as tokens, with seqeval's scheme (the CoNLL-2000 `conlleval` chunk scores): micro,
  macro and weighted precision / recall / F1 over chunks, per type with support, and token
  accuracy; `default` reads tags like conlleval (an `I-X` after `O` starts a chunk),
  `strict` like seqeval's `mode="strict", scheme=IOB2` (only `B-X I-X*` is a chunk).
  A test checks every figure against seqeval 1.2.2 itself.

A sentence the file does not predict counts as all `O` (nothing found), like a span file
that omits an article.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow.parquet as pq

from diplonews import paths
from diplonews.contract import labels
from diplonews.contract.errors import DiplonewsError, Problem, display_path
from diplonews.export import tokens as tokenizer
from diplonews.io.predictions import PredictionFile
from diplonews.io.token_predictions import TokenPredictions, read_token_predictions

MODES: tuple[str, ...] = ("default", "strict")


def read_sentences(dataset_dir: Path) -> list[dict[str, Any]]:
    path = dataset_dir / paths.DATA_FILE_TEMPLATE.format(config="tokens")
    if not path.is_file():
        raise DiplonewsError(
            Problem(
                "missing-file",
                "the dataset has no tokens config: token-level predictions need it",
                file=display_path(path),
                hint="rebuild the dataset with `diplonews build` (0.2 and later have it)",
            )
        )
    rows = pq.read_table(path).to_pylist()
    return sorted(rows, key=lambda row: (row["article_id"], row["sentence_id"]))


def strict_chunks(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """IOB2 chunks read strictly: `B-X` then `I-X`*; an `I-X` that starts nothing is no chunk."""
    out: list[tuple[str, int, int]] = []
    label: str | None = None
    first = 0
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, name = tag.partition("-")
        if label is not None and not (prefix == "I" and name == label):
            out.append((label, first, i - 1))
            label = None
        if prefix == "B":
            label, first = name, i
    return out


def _chunk_sets(sequences: Iterable[Sequence[str]], mode: str) -> tuple[set[tuple[int, str, int, int]], Counter[str]]:
    read = tokenizer.chunks if mode == "default" else strict_chunks
    found: set[tuple[int, str, int, int]] = set()
    for index, tags in enumerate(sequences):
        found |= {(index, label, first, last) for label, first, last in read(tags)}
    return found, Counter(label for _, label, _, _ in found)


def _prf(tp: int, n_pred: int, n_true: int) -> dict[str, float]:
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_true if n_true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def chunk_scores(
    y_true: Sequence[Sequence[str]], y_pred: Sequence[Sequence[str]], mode: str = "default"
) -> dict[str, Any]:
    """seqeval's `classification_report(..., output_dict=True)` figures (zero_division=0), and accuracy."""
    gold, n_true = _chunk_sets(y_true, mode)
    predicted, n_pred = _chunk_sets(y_pred, mode)
    hits = Counter(label for _, label, _, _ in gold & predicted)
    per_type = {
        label: {**_prf(hits[label], n_pred[label], n_true[label]), "support": n_true[label]}
        for label in sorted(set(n_true) | set(n_pred))
    }
    micro = {**_prf(sum(hits.values()), sum(n_pred.values()), sum(n_true.values())), "support": sum(n_true.values())}
    support = np.array([scores["support"] for scores in per_type.values()], dtype=float)

    def average(weights: np.ndarray | None) -> dict[str, float]:
        out: dict[str, float] = {}
        for measure in ("precision", "recall", "f1"):
            values = np.array([scores[measure] for scores in per_type.values()], dtype=float)
            if not len(values):
                out[measure] = 0.0
            elif weights is None:
                out[measure] = float(values.mean())
            else:
                out[measure] = float((values * weights).sum() / weights.sum()) if weights.sum() else 0.0
        return out

    flat_true = [tag for tags in y_true for tag in tags]
    flat_pred = [tag for tags in y_pred for tag in tags]
    accuracy = sum(a == b for a, b in zip(flat_true, flat_pred, strict=True)) / len(flat_true) if flat_true else None
    return {
        "mode": mode,
        "micro avg": micro,
        "macro avg": {**average(None), "support": micro["support"]},
        "weighted avg": {**average(support), "support": micro["support"]},
        "per_type": per_type,
        "accuracy": accuracy,
        "n_tokens": len(flat_true),
    }


def token_level_scores(
    predictions: TokenPredictions, sentences: Sequence[Mapping[str, Any]], column: str = "ner_tags"
) -> dict[str, Any]:
    """Both modes over every sentence of the config (unpredicted sentences count as all O)."""
    y_true = [list(row[column]) for row in sentences]
    y_pred = [predictions.tags.get(row["sentence_id"], ["O"] * len(row["tokens"])) for row in sentences]
    return {
        "format": predictions.format,
        "n_sentences": len(sentences),
        "n_sentences_predicted": len(predictions.tags),
        **{mode: chunk_scores(y_true, y_pred, mode) for mode in MODES},
    }


def span_predictions(
    predictions: TokenPredictions, sentences: Sequence[Mapping[str, Any]], texts: Mapping[str, str]
) -> PredictionFile:
    """The chunks as a span prediction file (article_id, start, end, label, text), each row at its sentence's line."""
    records: dict[str, list[Any]] = {name: [] for name in ("article_id", "start", "end", "label", "text")}
    lines: list[int] = []
    for row in sentences:
        tags = predictions.tags.get(row["sentence_id"])
        if tags is None:
            continue
        for span in tokenizer.decode(tokenizer.sentence_of_row(row), tags):
            for name, value in zip(
                records,
                (row["article_id"], span.start, span.end, span.label, texts[row["article_id"]][span.start : span.end]),
                strict=True,
            ):
                records[name].append(value)
            lines.append(predictions.lines[row["sentence_id"]])
    frame = pl.DataFrame(
        records,
        schema={"article_id": pl.String, "start": pl.Int64, "end": pl.Int64, "label": pl.String, "text": pl.String},
    )
    return PredictionFile(predictions.name, predictions.format, frame, None, np.array(lines, dtype=np.int64))


def read(
    predictions: str | Path | Sequence[Mapping[str, Any]], dataset_dir: Path, texts: Mapping[str, str]
) -> tuple[PredictionFile, dict[str, Any]]:
    """Token-level entity predictions as a span file, and their token-level scores."""
    sentences = read_sentences(dataset_dir)
    tags = read_token_predictions(predictions, sentences, labels.NER_TAGS)
    return span_predictions(tags, sentences, texts), token_level_scores(tags, sentences)
