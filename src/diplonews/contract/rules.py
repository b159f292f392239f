"""Every cross-column and cross-table rule of the contract, each implemented once.

`schema.Table.rules` names the rules a table obeys; this module says what each rule means
(`RULES`), which problem code a violation carries, and implements it: vectorised on
polars for the engines (pandera on pandas and polars, the GX derived columns, the
streaming validator), and as `check_span` for the readers (annotation folders, Label
Studio pushes and pulls) that see one span at a time. No engine re-implements a rule.

Offsets are Python code points into the raw text, end exclusive.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from diplonews.contract import labels, timex


@dataclass(frozen=True)
class Rule:
    """A named rule: what must hold, and the problem code of a row that breaks it."""

    name: str
    code: str
    description: str


RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        Rule("span_in_article", "span-mismatch", "article_id is a known article, 0 <= start < end <= n_chars, and text == article.text[start:end]"),
        Rule("no_overlap", "span-overlap", "no two spans of one article in this table overlap"),
        Rule("timex_value_grammar", "timex-grammar", "value is a valid TIMEX3 value for the row's type (diplonews.contract.timex)"),
        Rule("anchor_resolves", "anchor-unresolved", "anchor is 'dct', null, or the timex_id of another temporal expression of the same article"),
        Rule("spans_in_articles", "span-mismatch", "every span of `spans` lies in its article and its text matches"),
        Rule("scope_matches_spans", "scope-mismatch", "intra_document spans lie in one article; cross_document spans in two or more"),
        Rule(
            "prediction_span_in_article", "span-mismatch",
            "article_id is a known article, 0 <= start < end <= n_chars, and text == article.text[start:end] when text is given",
        ),
        Rule("unique_prediction", "duplicate-row", "no two rows share article_id, start, end and label (or type)"),
        Rule("tokens_in_article", "token-mismatch", "article_id is known; tokens, starts and both tag lists have one entry per token; every token is article.text[start:start + len(token)], non-empty, without whitespace, after the previous one"),
        Rule("tags_iob2", "iob-invalid", "every I-X tag continues a chunk of X (follows B-X or I-X): strict IOB2"),
        Rule("covers_every_article", "missing-article", "one row per article of the dataset: every article_id is known, none is missing, none is repeated"),
    )
}  # fmt: skip


# ---- one span at a time (readers) -----------------------------------------------------

_WORD = re.compile(r"\w")


def occurrences(text: str, surface: str, *, whole_words: bool = True, limit: int | None = None) -> list[int]:
    """Start offsets of `surface` in `text` (by default not glued to a word character on either side)."""
    starts: list[int] = []
    if not surface:
        return starts
    position = text.find(surface)
    while position != -1 and (limit is None or len(starts) < limit):
        end = position + len(surface)
        glued_before = position > 0 and bool(_WORD.match(text[position - 1])) and bool(_WORD.match(surface[0]))
        glued_after = end < len(text) and bool(_WORD.match(text[end])) and bool(_WORD.match(surface[-1]))
        if not whole_words or not (glued_before or glued_after):
            starts.append(position)
        position = text.find(surface, position + (len(surface) if whole_words else 1))
    return starts


def where_text_occurs(text: str, surface: str) -> str:
    """The one hint every span check gives: where the span's text does occur."""
    found = occurrences(text, surface, whole_words=False, limit=5)
    return f"the text occurs at start {found}" if found else "the text does not occur in the article"


@dataclass(frozen=True)
class SpanViolation:
    """Why a span breaks `span_in_article`: a problem code, a message, a hint, the field at fault."""

    code: str
    message: str
    field: str
    hint: str | None = None


def check_span(article_id: str, text: str, start: object, end: object, surface: str | None) -> SpanViolation | None:
    """`span_in_article` for one span: `text[start:end] == surface` (when given) and in range."""
    if isinstance(start, bool) or isinstance(end, bool) or not isinstance(start, int) or not isinstance(end, int):
        return SpanViolation("type-error", f"start and end must be integers, found {start!r} and {end!r}", "start")
    if not 0 <= start < end <= len(text):
        return SpanViolation(
            "span-out-of-range",
            f"span [{start}, {end}) is empty, reversed or outside article {article_id} (length {len(text)} code points)",
            "start" if not 0 <= start < len(text) else "end",
            "0 <= start < end <= the article's length, in code points",
        )
    if surface is not None and text[start:end] != surface:
        return SpanViolation(
            "span-mismatch",
            f"text {surface!r} does not match article {article_id}[{start}:{end}] = {text[start:end]!r}",
            "start",
            f"{where_text_occurs(text, surface)}; offsets are Python code points into the raw text, end exclusive",
        )
    return None


# ---- vectorised (engines) -------------------------------------------------------------


def articles_frame(texts: Mapping[str, str] | pl.DataFrame) -> pl.DataFrame:
    """article_id, _article_text, _article_n_chars: from id -> text, or a frame of `id` and `text` (kept in polars)."""
    if isinstance(texts, pl.DataFrame):
        frame = texts.select(
            pl.col("id").cast(pl.String).alias("article_id"), pl.col("text").cast(pl.String).alias("_article_text")
        )
    else:
        frame = pl.DataFrame(
            {"article_id": list(texts), "_article_text": list(texts.values())},
            schema={"article_id": pl.String, "_article_text": pl.String},
        )
    return frame.with_columns(pl.col("_article_text").str.len_chars().cast(pl.Int64).alias("_article_n_chars"))


def span_slices(frame: pl.DataFrame, texts: Mapping[str, str] | pl.DataFrame) -> pl.DataFrame:
    """Two columns for `span_in_article`: the article's length and `article[start:end]`.

    `_article_n_chars` is null when the article is unknown; `_text_at_span` is null when
    the offsets are not 0 <= start < end <= length. Row order is kept.
    """
    articles = texts if isinstance(texts, pl.DataFrame) else articles_frame(texts)
    keys = frame.select(
        pl.col("article_id").cast(pl.String), pl.col("start").cast(pl.Int64), pl.col("end").cast(pl.Int64)
    )
    if articles.height > 1000:  # a large corpus: join only the articles this frame names (a hash of a few ids)
        articles = articles.filter(pl.col("article_id").is_in(keys["article_id"].unique().implode()))
    joined = keys.join(articles, on="article_id", how="left", maintain_order="left")
    inside = (pl.col("start") >= 0) & (pl.col("start") < pl.col("end")) & (pl.col("end") <= pl.col("_article_n_chars"))
    return joined.select(
        "_article_n_chars",
        pl.when(inside)
        .then(pl.col("_article_text").str.slice(pl.col("start"), pl.col("end") - pl.col("start")))
        .alias("_text_at_span"),
    )


def span_in_article(
    frame: pl.DataFrame, texts: Mapping[str, str] | pl.DataFrame, *, text_optional: bool = False
) -> pl.Series:
    """True where the span lies in its article and its text equals the slice (null text passes when optional)."""
    sliced = span_slices(frame, texts)["_text_at_span"]
    if "text" not in frame.columns:
        return sliced.is_not_null().alias("span_in_article")
    text = frame["text"]
    matches = (sliced == text).fill_null(False)
    if text_optional:
        matches = matches | (text.is_null() & sliced.is_not_null())
    return matches.alias("span_in_article")


def overlaps_previous(frame: pl.DataFrame) -> pl.Series:
    """True where a span overlaps an earlier span (by start) of the same article: `no_overlap` fails there."""
    indexed = frame.select("article_id", "start", "end").with_row_index("_row")
    ordered = indexed.sort(["article_id", "start", "end", "_row"])
    reach = ordered.select(
        pl.col("_row"),
        (pl.col("end").cum_max().shift(1).over("article_id") > pl.col("start")).fill_null(False).alias("_overlaps"),
    )
    return reach.sort("_row")["_overlaps"].alias("_overlaps_previous")


def timex_value_ok(frame: pl.DataFrame) -> pl.Series:
    """`timex_value_grammar`: each value valid for its TIMEX3 type (null is allowed)."""
    ok = [
        timex.is_valid_value(kind, value)
        for kind, value in zip(frame["type"].to_list(), frame["value"].to_list(), strict=True)
    ]
    return pl.Series("timex_value_grammar", ok, dtype=pl.Boolean)


def anchor_resolves(frame: pl.DataFrame) -> pl.Series:
    """`anchor_resolves`: anchor is null, 'dct', or another timex_id of the same article."""
    ids = frame.select(pl.col("article_id"), pl.col("timex_id").alias("anchor"), pl.lit(True).alias("_known")).unique(
        ["article_id", "anchor"]
    )
    joined = frame.select("article_id", "anchor", "timex_id").join(
        ids, on=["article_id", "anchor"], how="left", maintain_order="left"
    )
    ok = (
        pl.col("anchor").is_null()
        | (pl.col("anchor") == labels.DCT_ANCHOR)
        | (pl.col("_known").fill_null(False) & (pl.col("anchor") != pl.col("timex_id")))
    )
    return joined.select(ok.fill_null(False).alias("anchor_resolves"))["anchor_resolves"]


def explode_spans(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per span of a `spans` list column, with `_row`, the row it came from."""
    return (
        frame.select(pl.col("spans")).with_row_index("_row").explode("spans").drop_nulls("spans").unnest("spans")
        if frame.height
        else pl.DataFrame(
            schema={"_row": pl.UInt32, "article_id": pl.String, "start": pl.Int64, "end": pl.Int64, "text": pl.String}
        )
    )


def spans_summary(frame: pl.DataFrame, texts: Mapping[str, str] | pl.DataFrame) -> pl.DataFrame:
    """Per row of a span-list table: `_n_spans`, `_n_spans_outside` (breaking span_in_article), `_n_span_articles`."""
    spans = explode_spans(frame)
    ok = span_in_article(spans, texts) if spans.height else pl.Series([], dtype=pl.Boolean)
    per_row = (
        spans.with_columns(ok.alias("_ok"))
        .group_by("_row")
        .agg(
            pl.len().alias("_n_spans"),
            (~pl.col("_ok")).sum().alias("_n_spans_outside"),
            pl.col("article_id").n_unique().alias("_n_span_articles"),
        )
    )
    rows = pl.DataFrame({"_row": pl.arange(0, frame.height, eager=True).cast(pl.UInt32)})
    return rows.join(per_row, on="_row", how="left", maintain_order="left").select(
        pl.col("_n_spans").fill_null(0).cast(pl.Int64),
        pl.col("_n_spans_outside").fill_null(0).cast(pl.Int64),
        pl.col("_n_span_articles").fill_null(0).cast(pl.Int64),
    )


def spans_in_articles(frame: pl.DataFrame, texts: Mapping[str, str] | pl.DataFrame) -> pl.Series:
    summary = spans_summary(frame, texts)
    return ((summary["_n_spans"] > 0) & (summary["_n_spans_outside"] == 0)).alias("spans_in_articles")


def scope_matches_spans(frame: pl.DataFrame) -> pl.Series:
    n_articles = spans_summary(frame, {})["_n_span_articles"]
    scope = frame["scope"]
    ok = ((scope == "intra_document") & (n_articles == 1)) | ((scope == "cross_document") & (n_articles >= 2))
    return ok.fill_null(False).alias("scope_matches_spans")


def _tokens_ok(text: str | None, tokens: list[str] | None, starts: list[int] | None, *tags: list[str] | None) -> bool:
    if text is None or tokens is None or starts is None or any(t is None for t in tags):
        return False
    if not tokens or len(starts) != len(tokens) or any(len(t or ()) != len(tokens) for t in tags):
        return False
    previous_end = 0
    for token, start in zip(tokens, starts, strict=True):
        if not token or start < previous_end or text[start : start + len(token)] != token or _SPACE.search(token):
            return False
        previous_end = start + len(token)
    return True


_SPACE = re.compile(r"\s")


def tokens_in_article(frame: pl.DataFrame, texts: Mapping[str, str] | pl.DataFrame) -> pl.Series:
    """`tokens_in_article`: each row's tokens are the article's text at their offsets, lists of equal length."""
    articles = texts if isinstance(texts, pl.DataFrame) else articles_frame(texts)
    lookup = dict(zip(articles["article_id"].to_list(), articles["_article_text"].to_list(), strict=True))
    ok = [
        _tokens_ok(lookup.get(article_id), tokens, starts, ner, timex_)
        for article_id, tokens, starts, ner, timex_ in zip(
            frame["article_id"].to_list(),
            frame["tokens"].to_list(),
            frame["starts"].to_list(),
            frame["ner_tags"].to_list(),
            frame["timex_tags"].to_list(),
            strict=True,
        )
    ]
    return pl.Series("tokens_in_article", ok, dtype=pl.Boolean)


def iob2_ok(tags: list[str] | None) -> bool:
    """Strict IOB2: an `I-X` follows `B-X` or `I-X`."""
    if tags is None:
        return False
    previous = "O"
    for tag in tags:
        if tag.startswith("I-") and previous[2:] != tag[2:]:
            return False
        previous = tag
    return True


def tags_iob2(frame: pl.DataFrame) -> pl.Series:
    ok = [
        iob2_ok(ner) and iob2_ok(timex_)
        for ner, timex_ in zip(frame["ner_tags"].to_list(), frame["timex_tags"].to_list(), strict=True)
    ]
    return pl.Series("tags_iob2", ok, dtype=pl.Boolean)
