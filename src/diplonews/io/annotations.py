"""Reading an annotation folder (the gold, a pass, a Label Studio pull) into table rows.

The folder format is the one `annotations/GUIDELINES.md` section 0 describes. This module
checks what only the source can tell (JSON shape, field names and types, span
resolution against the raw text) and records where each row came from, so that the
contract checks run later on the compiled tables can still name `file:line`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from diplonews.contract import rules, schema, types
from diplonews.contract.errors import DiplonewsError, Problem, display_path
from diplonews.io.files import decode_utf8, json_type, read_bytes, read_jsonl, sha256_bytes

ARTICLES_FILE = "articles.jsonl"
CATALOG_FILE = "entity_catalog.jsonl"
LAYER_FILES = {"entities": "entities.jsonl", "temporal": "temporal.jsonl", "discrepancies": "discrepancies.jsonl"}


@dataclass(frozen=True)
class SourceField:
    name: str
    dtype: str
    required: bool = True
    nullable: bool = False


def _from_table(table: schema.Table, names: tuple[str, ...]) -> tuple[SourceField, ...]:
    return tuple(SourceField(name, table.column(name).dtype, nullable=table.column(name).nullable) for name in names)


_SPAN_SOURCE = (SourceField("start", "int32", required=False), SourceField("occurrence", "int32", required=False))

# Fields of each source file: taken from the contract, plus the span locators.
SOURCE_FIELDS: dict[str, tuple[SourceField, ...]] = {
    ARTICLES_FILE: (
        *_from_table(schema.ARTICLES, ("id", "title", "publisher", "event", "dct", "dct_evidence", "language")),
        SourceField("sha256", "string", required=False),
    ),
    CATALOG_FILE: (
        SourceField("entity_id", "string"),
        SourceField("canonical_name", "string"),
        SourceField("label", "class_label"),
        SourceField("description", "string", required=False, nullable=True),
    ),
    "entities.jsonl": (
        *_from_table(schema.ENTITIES, ("mention_id", "article_id", "text", "label", "entity_id", "surface_error")),
        *_SPAN_SOURCE,
    ),
    "temporal.jsonl": (
        *_from_table(schema.TEMPORAL, ("timex_id", "article_id", "text", "type", "value", "mod", "anchor")),
        *_SPAN_SOURCE,
    ),
    "discrepancies.jsonl": _from_table(
        schema.DISCREPANCIES, ("discrepancy_id", "type", "scope", "spans", "description", "correction")
    ),
}
SPAN_ITEM_FIELDS = (
    SourceField("article_id", "string"),
    SourceField("text", "string"),
    *_SPAN_SOURCE,
)


@dataclass
class Article:
    id: str
    path: Path
    raw: bytes
    text: str


@dataclass
class AnnotationSet:
    """Compiled rows per table, plus the source location of every row."""

    folder: Path
    articles: list[dict[str, Any]] = field(default_factory=list)
    catalog: dict[str, dict[str, Any]] = field(default_factory=dict)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    sources: dict[str, list[Location]] = field(default_factory=dict)  # table -> where each row came from
    problems: list[Problem] = field(default_factory=list)  # with raise_problems=False: what did not compile


def read_raw_articles(raw_dir: Path) -> dict[str, Article]:
    """The raw corpus: every `*.txt` of the folder, strict UTF-8, keyed by stem."""
    paths = sorted(raw_dir.glob("*.txt"))
    if not paths:
        raise DiplonewsError(Problem("missing-file", "no raw articles (*.txt) found", file=display_path(raw_dir)))
    articles = {}
    problems = []
    for path in paths:
        try:
            data = read_bytes(path)
            text = decode_utf8(data, display_path(path))
        except DiplonewsError as error:
            problems.extend(error.problems)
            continue
        articles[path.stem] = Article(path.stem, path, data, text)
    if problems:
        raise DiplonewsError(problems)
    return articles


def _check_fields(record: dict[str, Any], fields: tuple[SourceField, ...], at: Location) -> list[Problem]:
    problems = []
    known = {spec.name for spec in fields}
    for key in record:
        if key not in known:
            problems.append(
                Problem(
                    "unknown-field",
                    f"unknown field {key!r}",
                    **at,
                    field=key,
                    hint=f"expected fields: {', '.join(sorted(known))}",
                )
            )
    for spec in fields:
        if spec.name not in record:
            if spec.required:
                problems.append(Problem("missing-field", "required field is missing", **at, field=spec.name))
            continue
        value = record[spec.name]
        if value is None:
            if not spec.nullable:
                problems.append(Problem("null-value", "must not be null", **at, field=spec.name))
            continue
        if not types.value_ok(spec.dtype, value):
            problems.append(
                Problem(
                    "type-error",
                    f"expected {types.TYPES[spec.dtype].described}, found {json_type(value)}",
                    field=spec.name,
                    value=value,
                    **at,
                )
            )
    return problems


Location = dict[str, Any]  # Problem location kwargs: file, line, where


def first_at(at: Location) -> str:
    return f"{at['file']}:{at['line']}"


def resolve_span(record: dict[str, Any], article: Article, at: Location) -> tuple[int, int] | Problem:
    """Offsets of a span given as start+text, text+occurrence, or a unique text."""
    surface = record["text"]
    if not surface:
        return Problem("empty-value", "span text is empty", **at, field="text")
    text = article.text
    if record.get("start") is not None:
        start = record["start"]
        violation = rules.check_span(article.id, text, start, start + len(surface), surface)
        if violation is not None:
            return Problem(violation.code, violation.message, **at, field=violation.field, hint=violation.hint)
        return start, start + len(surface)
    starts = rules.occurrences(text, surface)
    if not starts:
        return Problem("span-not-found", f"text {surface!r} not found in article {article.id}", **at, field="text")
    occurrence = record.get("occurrence")
    if occurrence is None:
        if len(starts) > 1:
            return Problem(
                "span-ambiguous",
                f"text {surface!r} occurs {len(starts)} times in article {article.id}",
                **at,
                field="text",
                hint='add "occurrence": N (1-based) or "start"',
            )
        occurrence = 1
    if not 1 <= occurrence <= len(starts):
        return Problem(
            "out-of-range",
            f"occurrence {occurrence} of {surface!r} requested, article {article.id} has {len(starts)}",
            **at,
            field="occurrence",
        )
    start = starts[occurrence - 1]
    return start, start + len(surface)


def _load(path: Path, *, required: bool = True) -> list[tuple[int, dict[str, Any]]]:
    if not path.exists() and not required:
        return []
    return read_jsonl(path)


def load_annotations(
    folder: Path, raw: dict[str, Article], *, require_pins: bool = False, raise_problems: bool = True
) -> AnnotationSet:
    """Compile an annotation folder into table rows, or raise with every problem found.

    With `raise_problems=False` the problems are kept in `AnnotationSet.problems` and the
    rows that did compile are returned, so a caller can check those too and report every
    problem of a file in one run.

    `require_pins`: the gold must pin each raw file's sha256, so an edited raw file cannot
    slip under annotations whose offsets it silently shifted.
    """
    result = AnnotationSet(folder)
    problems: list[Problem] = []

    # Articles: metadata per raw file; every raw file must be described, and only those.
    path = folder / ARTICLES_FILE
    seen_articles: dict[str, Location] = {}
    for line, record in _load(path):
        at: Location = {"file": display_path(path), "line": line}
        found = _check_fields(record, SOURCE_FIELDS[ARTICLES_FILE], at)
        if found:
            problems.extend(found)
            continue
        article_id = record["id"]
        if article_id in seen_articles:
            problems.append(
                Problem(
                    "duplicate-id",
                    f"duplicate article id {article_id!r} (first at {first_at(seen_articles[article_id])})",
                    **at,
                    field="id",
                )
            )
            continue
        seen_articles[article_id] = at
        article = raw.get(article_id)
        if article is None:
            problems.append(
                Problem(
                    "unknown-article",
                    f"no raw file for article {article_id!r}",
                    **at,
                    field="id",
                    hint=f"known: {', '.join(sorted(raw))}",
                )
            )
            continue
        digest = sha256_bytes(article.raw)
        pinned = record.get("sha256")
        if pinned is None and require_pins:
            problems.append(
                Problem(
                    "missing-pin",
                    "missing sha256 pin of the raw file",
                    **at,
                    field="sha256",
                    hint=f"the raw file's sha256 is {digest}",
                )
            )
        elif pinned is not None and pinned != digest:
            problems.append(
                Problem(
                    "raw-file-changed",
                    f"raw file {article.path.name} has sha256 {digest}, the annotations were made on {pinned}",
                    field="sha256",
                    hint="raw files are byte-exact copies of the seeds and must not be edited; restore the file "
                    "(or, for a deliberate new text, re-check every span of the article and update the pin)",
                    **at,
                ),
            )
        row = {
            "id": article_id,
            "text": article.text,
            "sha256": digest,
            "source_file": f"raw/{article.path.name}",
            "title": record["title"],
            "publisher": record["publisher"],
            "event": record["event"],
            "dct": record["dct"],
            "dct_evidence": record["dct_evidence"],
            "language": record["language"],
            "n_chars": len(article.text),
            "n_utf16_units": len(article.text.encode("utf-16-le")) // 2,
        }
        result.articles.append(row)
        result.sources.setdefault("articles", []).append(at)
    for article_id in sorted(set(raw) - set(seen_articles)):
        problems.append(
            Problem(
                "missing-article",
                f"raw article {article_id!r} has no line",
                file=display_path(path),
                hint="add its metadata line",
            )
        )

    # Entity catalog.
    path = folder / CATALOG_FILE
    catalog_at: dict[str, Location] = {}
    for line, record in _load(path, required=False):
        at = {"file": display_path(path), "line": line}
        found = _check_fields(record, SOURCE_FIELDS[CATALOG_FILE], at)
        if found:
            problems.extend(found)
            continue
        entity_id = record["entity_id"]
        if entity_id in catalog_at:
            problems.append(
                Problem(
                    "duplicate-id",
                    f"duplicate entity_id {entity_id!r} (first at {first_at(catalog_at[entity_id])})",
                    **at,
                    field="entity_id",
                )
            )
            continue
        catalog_at[entity_id] = at
        result.catalog[entity_id] = record

    for table_name, file_name in LAYER_FILES.items():
        path = folder / file_name
        if require_pins and not path.exists():  # the gold has every layer; a pass may have some
            problems.append(
                Problem(
                    "missing-file",
                    f"the gold has no {table_name} layer",
                    file=display_path(path),
                    hint="restore the file from git",
                )
            )
            continue
        rows: list[dict[str, Any]] = []
        sources: list[Location] = []
        for line, record in _load(path, required=False):
            at = {"file": display_path(path), "line": line}
            found = _check_fields(record, SOURCE_FIELDS[file_name], at)
            if found:
                problems.extend(found)
                continue
            compiled = _compile_record(table_name, record, raw, result.catalog, at, problems)
            if compiled is not None:
                rows.append(compiled)
                sources.append(at)
        result.tables[table_name] = rows
        result.sources[table_name] = sources
    if problems and raise_problems:
        raise DiplonewsError(problems)
    result.problems = problems
    return result


def _compile_record(
    table_name: str,
    record: dict[str, Any],
    raw: dict[str, Article],
    catalog: dict[str, dict[str, Any]],
    at: Location,
    problems: list[Problem],
) -> dict[str, Any] | None:
    if table_name == "discrepancies":
        spans = []
        if not record["spans"]:
            problems.append(Problem("span-out-of-range", "a discrepancy needs at least one span", **at, field="spans"))
            return None
        for index, item in enumerate(record["spans"]):
            item_at: Location = {**at, "where": f"spans[{index}]"}
            if not isinstance(item, dict):
                problems.append(
                    Problem(
                        "not-an-object", f"expected an object, found {type(item).__name__}", **item_at, field="spans"
                    )
                )
                return None
            found = _check_fields(item, SPAN_ITEM_FIELDS, item_at)
            if found:
                problems.extend(found)
                return None
            article = raw.get(item["article_id"])
            if article is None:
                problems.append(
                    Problem("unknown-article", f"unknown article {item['article_id']!r}", **item_at, field="article_id")
                )
                return None
            resolved = resolve_span(item, article, item_at)
            if isinstance(resolved, Problem):
                problems.append(resolved)
                return None
            spans.append({"article_id": article.id, "start": resolved[0], "end": resolved[1], "text": item["text"]})
        return {
            "discrepancy_id": record["discrepancy_id"],
            "type": record["type"],
            "scope": record["scope"],
            "spans": spans,
            "description": record["description"],
            "correction": record["correction"],
        }

    article = raw.get(record["article_id"])
    if article is None:
        problems.append(
            Problem(
                "unknown-article",
                f"unknown article {record['article_id']!r}",
                **at,
                field="article_id",
                hint=f"known: {', '.join(sorted(raw))}",
            )
        )
        return None
    resolved = resolve_span(record, article, at)
    if isinstance(resolved, Problem):
        problems.append(resolved)
        return None
    start, end = resolved
    if table_name == "entities":
        entry = catalog.get(record["entity_id"])
        if entry is None:
            problems.append(
                Problem(
                    "unknown-entity",
                    f"entity_id {record['entity_id']!r} is not in the entity catalog",
                    **at,
                    field="entity_id",
                    hint=f"add it to {CATALOG_FILE}",
                )
            )
            return None
        return {
            "article_id": article.id,
            "mention_id": record["mention_id"],
            "start": start,
            "end": end,
            "text": record["text"],
            "label": record["label"],
            "entity_id": record["entity_id"],
            "canonical_name": entry["canonical_name"],
            "surface_error": record["surface_error"],
        }
    return {
        "article_id": article.id,
        "timex_id": record["timex_id"],
        "start": start,
        "end": end,
        "text": record["text"],
        "type": record["type"],
        "value": record["value"],
        "mod": record["mod"],
        "anchor": record["anchor"],
    }
