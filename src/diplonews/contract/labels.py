"""The label sets: defined here once.

Everything that names a label (the pandera contract, the dataset card's ClassLabel
features, the GX suites, the Label Studio config, the guidelines test) reads these
tuples. Order matters: it fixes the ClassLabel integer ids, so append, never reorder.
"""

from __future__ import annotations

ENTITY_LABELS: tuple[str, ...] = (
    "PERSON",
    "NORP",
    "ORG",
    "GPE",
    "LOC",
    "FAC",
    "EVENT",
    "PRODUCT",
    "WORK_OF_ART",
    "LAW",
    "MONEY",
)

TEMPORAL_TYPES: tuple[str, ...] = ("DATE", "TIME", "DURATION", "SET")

# TIMEX3 `mod` values (ISO-TimeML).
TIMEX_MODS: tuple[str, ...] = (
    "BEFORE",
    "AFTER",
    "ON_OR_BEFORE",
    "ON_OR_AFTER",
    "LESS_THAN",
    "MORE_THAN",
    "EQUAL_OR_LESS",
    "EQUAL_OR_MORE",
    "START",
    "MID",
    "END",
    "APPROX",
)

DISCREPANCY_TYPES: tuple[str, ...] = (
    "factual_conflict",
    "quote_variant",
    "outdated_claim",
    "name_error",
    "attribution_error",
    "translation_artifact",
    "extraction_artifact",
    "boilerplate",
)

DISCREPANCY_SCOPES: tuple[str, ...] = ("intra_document", "cross_document")

EVENTS: tuple[str, ...] = ("2023-06-beijing", "2024-04-china")

# The days each event covers (inclusive), used to check that gold DATE values fall in the
# window of the article's event unless the text refers elsewhere.
EVENT_WINDOWS: dict[str, tuple[str, str]] = {
    "2023-06-beijing": ("2023-06-18", "2023-06-19"),
    "2024-04-china": ("2024-04-24", "2024-04-26"),
}

# The value of `temporal.anchor` that means "resolved against the document creation time".
DCT_ANCHOR = "dct"


def iob_tags(label_set: tuple[str, ...]) -> tuple[str, ...]:
    """IOB2 tag names of a label set: `O`, then `B-X`, `I-X` per label in the set's order.

    Derived, never typed: appending a label to the set appends its two tags, so the
    ClassLabel ids of the existing tags never move.
    """
    return ("O", *(f"{prefix}-{label}" for label in label_set for prefix in ("B", "I")))


# The token view (`tokens` config): entity tags over ENTITY_LABELS, timex tags over TEMPORAL_TYPES.
NER_TAGS: tuple[str, ...] = iob_tags(ENTITY_LABELS)
TIMEX_TAGS: tuple[str, ...] = iob_tags(TEMPORAL_TYPES)
