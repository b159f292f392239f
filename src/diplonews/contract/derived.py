"""Derived columns: what the GX suites check besides the contract's own columns.

Rules that need more than one column (a span's text against its article, overlaps,
anchors) are expressed on derived columns (prefixed `_`), computed by
`diplonews.engines.derive` from the rule implementations of `diplonews.contract.rules`.
Each suite's JSON lists them with how to compute them (`meta.diplonews.derived_columns`),
so a GX user can prepare a frame without diplonews (or with `diplonews.gx.prepare`).
Also here: the curator bounds the dataset suites hold the dataset to.
"""

from __future__ import annotations

from diplonews.contract import schema

ARTICLE_IDS = "article_ids"  # expectation parameter: the ids of the dataset's articles, set at run time

# Curator bounds on the dataset: rows per article, per 1,000 code points of its text,
# and how long a single mention may be. Wide on purpose: they catch a duplicated import
# or a layer dropped for one article, not a normal article.
ROWS_PER_ARTICLE: dict[str, tuple[int, int]] = {
    "entities": (1, 400),
    "temporal": (1, 100),
    "discrepancy_spans": (0, 100),
}
ROWS_PER_1K_CHARS_MAX: dict[str, float] = {"entities": 80.0, "temporal": 20.0, "discrepancy_spans": 25.0}
MAX_SPAN_TEXT_CHARS: dict[str, int] = {"entities": 120, "temporal": 120}
MAX_SURFACE_ERROR_SHARE = 0.5
MIN_DESCRIPTION_CHARS = 10


# ---- the derived columns of each suite ------------------------------------------------------------------

_SPAN_DERIVED = {
    "_article_n_chars": "length of the row's article in code points; null when article_id is unknown",
    "_text_at_span": "article.text[start:end]; null when the offsets are outside the article",
}
DERIVED: dict[str, dict[str, str]] = {
    "dataset_articles": {
        "_len_text": "len(text) in code points",
        "_utf16_units_of_text": "length of text in UTF-16 code units",
        "_sha256_of_text": "SHA-256 of text encoded as UTF-8 (the raw file's bytes)",
        **{f"_n_{layer}": f"rows of {layer} in this article" for layer in ROWS_PER_ARTICLE},
        **{f"_{layer}_per_1k_chars": f"rows of {layer} per 1,000 code points of text" for layer in ROWS_PER_ARTICLE},
    },
    "dataset_entities": {
        **_SPAN_DERIVED,
        "_overlaps_previous": "the span overlaps an earlier span of the same article",
    },
    "dataset_temporal": {
        **_SPAN_DERIVED,
        "_overlaps_previous": "the span overlaps an earlier span of the same article",
        "_anchor_resolves": "anchor is null, 'dct', or another timex_id of the same article",
    },
    "dataset_discrepancies": {
        "_n_spans": "number of spans",
        "_n_spans_outside": "spans whose article is unknown, whose offsets leave the article, or whose text is not the slice",
        "_n_span_articles": "number of distinct articles among the spans",
    },
    "dataset_tokens": {
        "_tokens_in_article": "tokens_in_article holds: every token is the article's text at its offset, the lists have equal length",
        "_tags_iob2": "tags_iob2 holds: every I-X tag of ner_tags and timex_tags continues a chunk of X",
        "_tags_known": "every tag of ner_tags and timex_tags is one of the column's tag names",
    },
    **{f"predictions_{task}": dict(_SPAN_DERIVED) for task in schema.TASKS if schema.PREDICTION_TABLES[task].spans},
    "predictions_cleaning": {},
}
