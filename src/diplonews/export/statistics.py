"""Statistics tables computed from the built rows, for the card and the datasheet.

Every number a document shows about the data comes from here, so a test can recompute
them and fail when a document drifts.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from diplonews.contract import labels
from diplonews.export import tokens as tokenizer


def _table(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def statistics_markdown(tables: dict[str, list[dict[str, Any]]]) -> str:
    articles = tables["articles"]
    entities = tables["entities"]
    temporal = tables["temporal"]
    discrepancies = tables["discrepancies"]
    per_article = {name: Counter(row["article_id"] for row in tables[name]) for name in ("entities", "temporal")}
    discrepancies_per_article: Counter[str] = Counter()
    for row in discrepancies:
        for article_id in {span["article_id"] for span in row["spans"]}:
            discrepancies_per_article[article_id] += 1
    article_rows = [
        (
            f"`{row['id']}`",
            row["event"],
            row["dct"] or "null",
            row["n_chars"],
            per_article["entities"][row["id"]],
            per_article["temporal"][row["id"]],
            discrepancies_per_article[row["id"]],
        )
        for row in articles
    ]
    article_rows.append(
        (
            "**total**",
            "",
            "",
            sum(row["n_chars"] for row in articles),
            len(entities),
            len(temporal),
            len(discrepancies),
        )
    )
    label_counts = Counter(row["label"] for row in entities)
    entity_ids = {row["entity_id"] for row in entities}
    cross_article = {
        entity_id
        for entity_id in entity_ids
        if len({row["article_id"] for row in entities if row["entity_id"] == entity_id}) > 1
    }
    type_counts = Counter(row["type"] for row in temporal)
    discrepancy_counts = Counter((row["type"], row["scope"]) for row in discrepancies)
    sections = [
        "### Articles\n\n"
        + _table(("article", "event", "dct", "characters", "mentions", "timexes", "discrepancies"), article_rows),
        "### Entity mentions per label\n\n"
        + _table(("label", "mentions"), [(label, label_counts[label]) for label in labels.ENTITY_LABELS])
        + f"\n\n{len(entities)} mentions of {len(entity_ids)} entities; {len(cross_article)} entities are mentioned "
        f"in more than one article; {sum(row['surface_error'] for row in entities)} mentions have a surface error.",
        "### Temporal expressions per type\n\n"
        + _table(("type", "timexes"), [(kind, type_counts[kind]) for kind in labels.TEMPORAL_TYPES])
        + f"\n\n{sum(row['value'] is None for row in temporal)} timexes have no value (the text does not determine it).",
        "### Discrepancies per type and scope\n\n"
        + _table(
            ("type", *labels.DISCREPANCY_SCOPES, "total"),
            [
                (
                    kind,
                    *(discrepancy_counts[(kind, scope)] for scope in labels.DISCREPANCY_SCOPES),
                    sum(discrepancy_counts[(kind, scope)] for scope in labels.DISCREPANCY_SCOPES),
                )
                for kind in labels.DISCREPANCY_TYPES
            ],
        ),
    ]
    if "tokens" in tables:
        sections.append(tokens_markdown(tables))
    return "\n\n".join(sections) + "\n"


def forced_splits(tables: dict[str, list[dict[str, Any]]]) -> int:
    """Tokens of the `tokens` config beyond the regex's own: each is a token split at a gold boundary."""
    natural = sum(len(tokenizer.tokenize(row["text"])) for row in tables["articles"])
    return sum(len(row["tokens"]) for row in tables["tokens"]) - natural


def tokens_markdown(tables: dict[str, list[dict[str, Any]]]) -> str:
    rows = tables["tokens"]
    per_article: dict[str, list[int]] = {}
    for row in rows:
        per_article.setdefault(row["article_id"], []).append(len(row["tokens"]))
    table_rows: list[tuple[Any, ...]] = [
        (f"`{article_id}`", len(lengths), sum(lengths), max(lengths))
        for article_id, lengths in sorted(per_article.items())
    ]
    lengths = [len(row["tokens"]) for row in rows]
    table_rows.append(("**total**", len(rows), sum(lengths), max(lengths, default=0)))
    n_split = forced_splits(tables)
    recovered = recovered_spans(tables)
    return (
        "### Tokens (the `tokens` config)\n\n"
        + _table(("article", "sentences", "tokens", "longest sentence"), table_rows)
        + f"\n\n{n_split} token(s) of the regex tokenisation had to be split at a gold entity or timex boundary; "
        f"decoding the IOB2 tags over the token offsets gives back {recovered['entities']} of "
        f"{len(tables['entities'])} entity mentions and {recovered['temporal']} of {len(tables['temporal'])} "
        "temporal expressions exactly (same offsets, same label)."
    )


def recovered_spans(tables: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    """How many gold spans of each layer the tags of the `tokens` config give back exactly."""
    decoded: dict[str, set[tuple[str, int, int, str]]] = {"entities": set(), "temporal": set()}
    for row in tables["tokens"]:
        sentence = tokenizer.sentence_of_row(row)
        for layer, column in (("entities", "ner_tags"), ("temporal", "timex_tags")):
            decoded[layer] |= {
                (row["article_id"], s.start, s.end, s.label) for s in tokenizer.decode(sentence, row[column])
            }
    gold = {
        "entities": {(r["article_id"], r["start"], r["end"], r["label"]) for r in tables["entities"]},
        "temporal": {(r["article_id"], r["start"], r["end"], r["type"]) for r in tables["temporal"]},
    }
    return {layer: len(gold[layer] & decoded[layer]) for layer in gold}
