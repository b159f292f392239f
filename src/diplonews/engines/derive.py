"""Derived columns for the GX suites, computed with the contract's rule implementations.

`diplonews.contract.derived` says which derived columns each suite checks; this module
computes them, always through `diplonews.contract.rules`, so GX and pandera judge a span
by the same code. Frames are built on polars and handed to GX as pandas.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import pandas as pd
import polars as pl
import pyarrow as pa

from diplonews.contract import rules, schema
from diplonews.contract.derived import DERIVED, ROWS_PER_ARTICLE


def frames_from_arrow(tables: Mapping[str, pa.Table]) -> dict[str, pd.DataFrame]:
    """pandas frames that keep what the Parquet files store: int32 stays int32, strings are
    Python `str` objects (so GX checks each value's type, on any pandas), lists are lists."""
    frames = {}
    for name, arrow in tables.items():
        columns = {}
        for column in schema.DATASET_TABLES[name].columns:
            array = arrow.column(column.name)
            if column.dtype in {"int32", "bool"}:
                columns[column.name] = array.to_pandas()
            else:
                columns[column.name] = pd.Series(array.to_pylist(), dtype=object)
        frames[name] = pd.DataFrame(columns)
    return frames


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def derive_dataset(tables: Mapping[str, pa.Table]) -> dict[str, pd.DataFrame]:
    """The four configs with the derived columns their suites check."""
    frames = frames_from_arrow(tables)
    polars = {name: pl.from_arrow(table) for name, table in tables.items()}
    articles = frames["articles"].copy()
    texts = dict(zip(articles["id"], articles["text"], strict=True))
    article_frame = rules.articles_frame(texts)
    out: dict[str, pd.DataFrame] = {}
    articles["_len_text"] = articles["text"].map(len).astype("int32")
    articles["_utf16_units_of_text"] = articles["text"].map(_utf16_units).astype("int32")
    articles["_sha256_of_text"] = (
        articles["text"]
        .map(lambda text: hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest())
        .astype(object)
    )
    discrepancy_spans = rules.explode_spans(_frame(polars["discrepancies"]))
    counts = {
        "entities": frames["entities"]["article_id"].value_counts(),
        "temporal": frames["temporal"]["article_id"].value_counts(),
        "discrepancy_spans": pd.Series(discrepancy_spans["article_id"].to_list(), dtype=object).value_counts(),
    }
    for layer in ROWS_PER_ARTICLE:
        n = articles["id"].map(counts[layer]).fillna(0).astype("int64")
        articles[f"_n_{layer}"] = n
        articles[f"_{layer}_per_1k_chars"] = n * 1000.0 / articles["_len_text"].clip(lower=1)
    out["articles"] = articles
    for name in ("entities", "temporal"):
        frame = frames[name].copy()
        spans = _frame(polars[name])
        sliced = rules.span_slices(spans, article_frame)
        frame["_article_n_chars"] = sliced["_article_n_chars"].to_pandas().astype("Int64")
        frame["_text_at_span"] = pd.Series(sliced["_text_at_span"].to_list(), index=frame.index, dtype=object)
        frame["_overlaps_previous"] = rules.overlaps_previous(spans).to_list()
        if name == "temporal":
            frame["_anchor_resolves"] = rules.anchor_resolves(spans).to_list()
        out[name] = frame
    discrepancies = frames["discrepancies"].copy()
    summary = rules.spans_summary(_frame(polars["discrepancies"]), article_frame)
    for column in ("_n_spans", "_n_spans_outside", "_n_span_articles"):
        discrepancies[column] = summary[column].to_pandas().astype("int64")
    out["discrepancies"] = discrepancies
    if "tokens" in tables:
        tokens = frames["tokens"].copy()
        token_frame = _frame(polars["tokens"])
        tokens["_tokens_in_article"] = rules.tokens_in_article(token_frame, article_frame).to_list()
        tokens["_tags_iob2"] = rules.tags_iob2(token_frame).to_list()
        known = {name: frozenset(schema.TOKENS.column(name).labels or ()) for name in ("ner_tags", "timex_tags")}
        tokens["_tags_known"] = [
            all(tag in known["ner_tags"] for tag in ner or ()) and all(tag in known["timex_tags"] for tag in tmx or ())
            for ner, tmx in zip(tokens["ner_tags"], tokens["timex_tags"], strict=True)
        ]
        out["tokens"] = tokens
    for name, frame in out.items():
        expected = [*schema.DATASET_TABLES[name].column_names, *DERIVED[f"dataset_{name}"]]
        if sorted(frame.columns) != sorted(expected):  # pragma: no cover - DERIVED and this function disagree
            raise RuntimeError(f"derived columns of {name}: {sorted(frame.columns)} != {sorted(expected)}")
        out[name] = frame[expected]
    return out


def _frame(value: pl.DataFrame | pl.Series) -> pl.DataFrame:
    if not isinstance(value, pl.DataFrame):  # pragma: no cover - from_arrow of a Table is a DataFrame
        raise TypeError("expected a table")
    return value


def derive_predictions_polars(task: str, frame: pl.DataFrame, texts: Mapping[str, str] | pl.DataFrame) -> pl.DataFrame:
    """The prediction frame the integrity suite checks, on polars: every contract column
    (optional ones null-filled) + the derived columns. The streaming engine checks each
    batch of this; `derive_predictions` hands the whole of it to GX as pandas."""
    table = schema.PREDICTION_TABLES[task]
    for column in table.columns:
        if column.name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=column.type.polars_input).alias(column.name))
    frame = frame.select(table.column_names)
    if table.spans is not None:
        frame = pl.concat([frame, rules.span_slices(frame, texts)], how="horizontal")
    expected = [*table.column_names, *DERIVED[f"predictions_{task}"]]
    if frame.columns != expected:  # pragma: no cover - DERIVED and this function disagree
        raise RuntimeError(f"derived columns of {task}: {frame.columns} != {expected}")
    return frame


def derive_predictions(task: str, frame: pl.DataFrame, texts: Mapping[str, str] | pl.DataFrame) -> pd.DataFrame:
    """The prediction frame as GX sees it: every contract column (optional ones null-filled) + derived.

    Runs on polars: the article text is joined by reference (string views), sliced, and
    dropped before the frame becomes pandas, so a million rows cost a few hundred MB.
    """
    return derive_predictions_polars(task, frame, texts).to_pandas()


def metrics_frame(table: Mapping[str, float | int | None]) -> pd.DataFrame:
    """The one-row metrics table the gate suites validate (null = undefined for this gold)."""
    return pd.DataFrame({name: pd.Series([value], dtype="float64") for name, value in table.items()})
