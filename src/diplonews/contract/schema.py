"""The data contract: every table and column of diplonews, declared once.

This is the registry (the "api" side, in pandera's terms): engine-neutral
declarations of what each column is and what must hold. Engines live in
`diplonews.backends`: pandera-on-pandas and pandera-on-polars checks, Arrow/Parquet
schemas, Hugging Face `Features`, GX suites, Croissant, the Label Studio config. They
all *read* this module; none of them restates a column, a type or a label set, so a
new engine never touches the contract and the contract never drifts between engines.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pyarrow as pa

from diplonews.contract import labels, types
from diplonews.contract.types import SPAN_FIELDS, DType

__all__ = ["SPAN_FIELDS", "Column", "DType", "SpanColumns", "Table"]

ARTICLE_ID_PATTERN = r"^\d{3}_[0-9a-f]{16}$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"


@dataclass(frozen=True)
class Column:
    """One column: its type, meaning and the constraints every engine enforces."""

    name: str
    dtype: DType
    description: str
    nullable: bool = False
    labels: tuple[str, ...] | None = None  # closed value set; ClassLabel when dtype="class_label"
    pattern: str | None = None  # regex every non-null value must match in full
    unique: bool = False
    min_value: int | None = None
    non_empty: bool = False  # strings: no "" (and no whitespace-only) value

    @property
    def type(self) -> types.TypeSpec:
        return types.TYPES[self.dtype]

    def to_arrow(self) -> pa.Field:
        return pa.field(self.name, types.arrow_type(self.dtype), nullable=self.nullable)

    def to_gx_type(self) -> str:
        return self.type.gx

    def to_pandas_dtype(self) -> Any:
        return self.type.pandas

    def to_croissant_type(self) -> str:
        return self.type.croissant


@dataclass(frozen=True)
class SpanColumns:
    """Columns that together locate a span in an article: `text == article.text[start:end]`."""

    article_id: str = "article_id"
    start: str = "start"
    end: str = "end"
    text: str | None = "text"


@dataclass(frozen=True)
class Table:
    """One config of the dataset (or one prediction format)."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: str | None = None  # unique id column
    spans: SpanColumns | None = None  # this table's rows are spans of articles
    optional: frozenset[str] = frozenset()  # columns a file may omit (predictions)
    rules: tuple[str, ...] = ()  # names of rules (diplonews.contract.rules.RULES) every engine enforces

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(name for name in self.column_names if name not in self.optional)


def _article_id(description: str = "Id of the article (the raw file's stem).") -> Column:
    return Column("article_id", "string", description, pattern=ARTICLE_ID_PATTERN)


def _span_columns(what: str) -> tuple[Column, ...]:
    return (
        Column("start", "int32", f"Start of the {what}: Python code-point offset into the article text.", min_value=0),
        Column(
            "end", "int32", f"End of the {what} (exclusive), in code points; `text == article[start:end]`.", min_value=1
        ),
        Column("text", "string", f"The {what} exactly as it stands in the article.", non_empty=True),
    )


ARTICLES = Table(
    name="articles",
    description="The five raw articles, byte-exact, with provenance and the inferred document creation date.",
    key="id",
    columns=(
        Column("id", "string", "Article id: the raw file's stem.", pattern=ARTICLE_ID_PATTERN, unique=True),
        Column(
            "text", "string", "The raw article: exactly the file's UTF-8 content, nothing normalised.", non_empty=True
        ),
        Column("sha256", "string", "SHA-256 of the raw file's bytes.", pattern=SHA256_PATTERN, unique=True),
        Column(
            "source_file",
            "string",
            "Path of the raw file inside the dataset folder.",
            pattern=r"^raw/\S+\.txt$",
            unique=True,
        ),
        Column(
            "title",
            "string",
            "The headline when the file starts with one; null otherwise.",
            nullable=True,
            non_empty=True,
        ),
        Column(
            "publisher",
            "string",
            "Publisher when the text names it (dateline, footer); null otherwise.",
            nullable=True,
            non_empty=True,
        ),
        Column("event", "class_label", "Which visit the article reports.", labels=labels.EVENTS),
        Column(
            "dct",
            "string",
            "Document creation date (ISO YYYY-MM-DD) inferred from the text; null if undetermined.",
            nullable=True,
            pattern=DATE_PATTERN,
        ),
        Column(
            "dct_evidence", "string", "The words of the text the dct was inferred from.", nullable=True, non_empty=True
        ),
        Column("language", "string", "ISO 639-1 code of the article's language.", pattern=r"^[a-z]{2}$"),
        Column("n_chars", "int32", "Length of `text` in code points.", min_value=1),
        Column(
            "n_utf16_units",
            "int32",
            "Length of `text` in UTF-16 code units (what JavaScript strings count).",
            min_value=1,
        ),
    ),
)

ENTITIES = Table(
    name="entities",
    description="Every named-entity mention, linked across articles to one entity per real-world referent.",
    key="mention_id",
    spans=SpanColumns(),
    rules=("span_in_article", "no_overlap"),
    columns=(
        _article_id(),
        Column("mention_id", "string", "Unique id of the mention.", unique=True, non_empty=True),
        *_span_columns("mention"),
        Column("label", "class_label", "OntoNotes entity type.", labels=labels.ENTITY_LABELS),
        Column(
            "entity_id", "string", "Id of the real-world referent; equal across all articles.", pattern=r"^[a-z0-9_]+$"
        ),
        Column("canonical_name", "string", "The referent's established name.", non_empty=True),
        Column(
            "surface_error",
            "bool",
            "True when the surface form is a mistranslation or misspelling of the referent's name.",
        ),
    ),
)

TEMPORAL = Table(
    name="temporal",
    description="Every temporal expression, TIMEX3-normalised against the article's dct.",
    key="timex_id",
    spans=SpanColumns(),
    rules=("span_in_article", "no_overlap", "timex_value_grammar", "anchor_resolves"),
    columns=(
        _article_id(),
        Column("timex_id", "string", "Unique id of the temporal expression.", unique=True, non_empty=True),
        *_span_columns("temporal expression"),
        Column("type", "class_label", "TIMEX3 type.", labels=labels.TEMPORAL_TYPES),
        Column(
            "value", "string", "TIMEX3 value; null when the text does not determine it.", nullable=True, non_empty=True
        ),
        Column("mod", "string", "TIMEX3 mod, or null.", nullable=True, labels=labels.TIMEX_MODS),
        Column(
            "anchor",
            "string",
            "What the value was resolved against: 'dct', another timex_id of the article, or null when fully specified.",
            nullable=True,
            non_empty=True,
        ),
    ),
)

DISCREPANCIES = Table(
    name="discrepancies",
    description="Errors, artifacts, boilerplate and cross-article disagreements, each located by one or more spans.",
    key="discrepancy_id",
    rules=("spans_in_articles", "scope_matches_spans"),
    columns=(
        Column("discrepancy_id", "string", "Unique id of the discrepancy.", unique=True, non_empty=True),
        Column("type", "class_label", "Kind of discrepancy.", labels=labels.DISCREPANCY_TYPES),
        Column("scope", "class_label", "Within one article or across articles.", labels=labels.DISCREPANCY_SCOPES),
        Column("spans", "span_list", "Where it shows: a list of {article_id, start, end, text}, at least one."),
        Column("description", "string", "What is wrong and how one knows.", non_empty=True),
        Column(
            "correction",
            "string",
            "What should stand there ('' = delete); null where no single correction applies.",
            nullable=True,
        ),
    ),
)


TOKENS = Table(
    name="tokens",
    description="The token view of entities and temporal expressions: one row per sentence, IOB2 tags per token.",
    key="sentence_id",
    rules=("tokens_in_article", "tags_iob2"),
    columns=(
        _article_id(),
        Column(
            "sentence_id",
            "string",
            "Unique id of the sentence: the article's number and the sentence's 1-based position, e.g. 000-s001.",
            pattern=r"^\d{3}-s\d{3}$",
            unique=True,
        ),
        Column(
            "tokens",
            "string_list",
            "The sentence's tokens, exactly as they stand in the article (regex tokenisation, see the card).",
        ),
        Column(
            "starts",
            "int32_list",
            "Code-point offset of each token in the article: tokens[i] == article[starts[i]:starts[i] + len(tokens[i])].",
        ),
        Column(
            "ner_tags",
            "class_label_list",
            "IOB2 tag of each token for the entities layer (B-/I- + the entity label, or O).",
            labels=labels.NER_TAGS,
        ),
        Column(
            "timex_tags",
            "class_label_list",
            "IOB2 tag of each token for the temporal layer (B-/I- + the TIMEX3 type, or O).",
            labels=labels.TIMEX_TAGS,
        ),
    ),
)

DATASET_TABLES: dict[str, Table] = {
    table.name: table for table in (ARTICLES, ENTITIES, TEMPORAL, DISCREPANCIES, TOKENS)
}
CONFIG_NAMES: tuple[str, ...] = tuple(DATASET_TABLES)
SPLIT = "test"


def span_tables() -> Iterator[Table]:
    return (table for table in DATASET_TABLES.values() if table.spans is not None)


# ---- downstream predictions: what a model or pipeline hands to `diplonews validate` --------
#
# One span per row, located like the gold's spans; the label column reuses the gold's
# column (and so its label set). `text` is optional: when given it must equal the slice.


def _prediction_span_columns() -> tuple[Column, ...]:
    start, end, text = _span_columns("predicted span")
    return (
        start,
        end,
        replace(
            text, nullable=True, description="Optional: the span's text; when given it must equal `article[start:end]`."
        ),
    )


PREDICTION_ENTITIES = Table(
    name="predictions_entities",
    description="Predicted entity mentions, one span per row.",
    spans=SpanColumns(),
    optional=frozenset({"text"}),
    rules=("prediction_span_in_article", "unique_prediction"),
    columns=(_article_id(), *_prediction_span_columns(), ENTITIES.column("label")),
)

PREDICTION_TEMPORAL = Table(
    name="predictions_temporal",
    description="Predicted temporal expressions with their TIMEX3 type and value, one span per row.",
    spans=SpanColumns(),
    optional=frozenset({"text"}),
    rules=("prediction_span_in_article", "unique_prediction", "timex_value_grammar"),
    columns=(_article_id(), *_prediction_span_columns(), TEMPORAL.column("type"), TEMPORAL.column("value")),
)

PREDICTION_DISCREPANCIES = Table(
    name="predictions_discrepancies",
    description="Predicted discrepancy spans with their type, one span per row.",
    spans=SpanColumns(),
    optional=frozenset({"text"}),
    rules=("prediction_span_in_article", "unique_prediction"),
    columns=(_article_id(), *_prediction_span_columns(), DISCREPANCIES.column("type")),
)

PREDICTION_CLEANING = Table(
    name="predictions_cleaning",
    description="The output of a cleaning pipeline: one cleaned text per article.",
    key="article_id",
    rules=("covers_every_article",),
    columns=(
        _article_id(),
        Column(
            "text", "string", "The cleaned article: boilerplate and extraction artifacts removed, everything else kept."
        ),
    ),
)

PREDICTION_TABLES: dict[str, Table] = {
    "entities": PREDICTION_ENTITIES,
    "temporal": PREDICTION_TEMPORAL,
    "discrepancies": PREDICTION_DISCREPANCIES,
    "cleaning": PREDICTION_CLEANING,
}
TASKS: tuple[str, ...] = tuple(PREDICTION_TABLES)


def label_column(table: Table) -> Column | None:
    """The column holding the closed label set a span is classified with (`label` or `type`)."""
    return next((column for column in table.columns if column.dtype == "class_label"), None)
