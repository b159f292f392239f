"""Push side: annotation rows -> Label Studio tasks with pre-annotations."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from diplonews.contract import labels, schema
from diplonews.contract.errors import DiplonewsError, Problem
from diplonews.io.annotations import (
    AnnotationSet,
    Article,
)
from diplonews.io.files import read_jsonl
from diplonews.labelstudio import labeling_config as cfg
from diplonews.labelstudio.labeling_config import META_KEY, REGION_ID_PATTERN, where
from diplonews.labelstudio.offsets import OffsetMap  # the editor's offsets: code points (see offsets.py)


@dataclass
class TaskSpec:
    """One article as a Label Studio task, and the result list of its pre-annotation."""

    article_id: str
    data: dict[str, Any]
    meta: dict[str, Any]
    result: list[dict[str, Any]]


def _span_value(offsets: OffsetMap, start: int, end: int) -> dict[str, int]:
    return {"start": offsets.to_editor(start), "end": offsets.to_editor(end)}


def _region(region_id: str, control: str, offsets: OffsetMap, start: int, end: int, label: str) -> dict[str, Any]:
    value = {**_span_value(offsets, start, end), "text": offsets.text[start:end], "labels": [label]}
    return {"id": region_id, "from_name": control, "to_name": cfg.TEXT, "type": "labels", "value": value}


def _attribute(region_id: str, control: str, offsets: OffsetMap, start: int, end: int, value: str) -> dict[str, Any]:
    kind = cfg.PER_REGION[control][1]
    payload: dict[str, Any] = _span_value(offsets, start, end)
    payload["text" if kind == "textarea" else "choices"] = [value]
    return {"id": region_id, "from_name": control, "to_name": cfg.TEXT, "type": kind, "value": payload}


def _relation(from_id: str, to_id: str, label: str) -> dict[str, Any]:
    return {"from_id": from_id, "to_id": to_id, "type": "relation", "direction": "right", "labels": [label]}


def discrepancy_region_id(discrepancy_id: str, index: int) -> str:
    """Region id of the index-th (0-based) span: the suffix keeps the spans' order."""
    return f"{discrepancy_id}-s{index + 1}"


def _article_results(article: dict[str, Any]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = [
        {
            "id": f"article-{cfg.ARTICLE_EVENT}",
            "from_name": cfg.ARTICLE_EVENT,
            "to_name": cfg.TEXT,
            "type": "choices",
            "value": {"choices": [article["event"]]},
        }
    ]
    for name in cfg.ARTICLE_TEXTAREAS:
        if article.get(name) is not None:
            results.append(
                {
                    "id": f"article-{name}",
                    "from_name": name,
                    "to_name": cfg.TEXT,
                    "type": "textarea",
                    "value": {"text": [article[name]]},
                }
            )
    return results


def _check_region_id(region_id: Any, at: str, problems: list[Problem]) -> bool:
    if not isinstance(region_id, str) or not REGION_ID_PATTERN.match(region_id):
        problems.append(
            Problem(
                "type-error" if not isinstance(region_id, str) else "bad-format",
                f"id {region_id!r} cannot be a Label Studio region id",
                where=at,
                hint="use letters, digits and _ . : - only (no '#')",
            )
        )
        return False
    return True


def build_tasks(
    source: AnnotationSet,
    raw: dict[str, Article],
    *,
    layers: dict[str, list[dict[str, Any]]] | None = None,
    preannotate: str = "all",
) -> list[TaskSpec]:
    """One task per article of `source`, pre-annotated with `layers` (default: the source's).

    Rows are compiled rows (code-point `start`/`end`, as `load_annotations` returns them);
    every problem is collected before raising, so one run shows every id that cannot be
    carried to Label Studio.
    """
    layers = source.tables if layers is None else layers
    problems: list[Problem] = []
    catalog = list(source.catalog.values())
    results: dict[str, list[dict[str, Any]]] = {article["id"]: [] for article in source.articles}
    offsets = {article_id: OffsetMap(raw[article_id].text) for article_id in results}
    ids: dict[tuple[str, str], str] = {}

    def claim(article_id: str, region_id: str, at: str) -> bool:
        if not _check_region_id(region_id, at, problems):
            return False
        first = ids.setdefault((article_id, region_id), at)
        if first != at:
            problems.append(
                Problem(
                    "duplicate-id",
                    f"region id {region_id!r} is used twice in article {article_id} (also {first})",
                    where=at,
                )
            )
            return False
        return True

    if preannotate == "all":
        for row in layers.get("entities", []):
            at = f"entities {row.get('mention_id')!r}"
            region_id, article_id = str(row["mention_id"]), row["article_id"]
            if article_id not in results or not claim(article_id, region_id, at):
                continue
            o, s, e = offsets[article_id], row["start"], row["end"]
            out = results[article_id]
            out.append(_region(region_id, cfg.ENTITY, o, s, e, row["label"]))
            if row.get("entity_id"):
                out.append(_attribute(region_id, cfg.ENTITY_ID, o, s, e, row["entity_id"]))
            canonical = row.get("canonical_name") or source.catalog.get(row.get("entity_id") or "", {}).get(
                "canonical_name"
            )
            if canonical:
                out.append(_attribute(region_id, cfg.CANONICAL_NAME, o, s, e, canonical))
            if row.get("surface_error"):
                out.append(_attribute(region_id, cfg.SURFACE_ERROR, o, s, e, cfg.SURFACE_ERROR_CHOICE))

        timexes = {row.get("timex_id"): row for row in layers.get("temporal", [])}
        for row in layers.get("temporal", []):
            at = f"temporal {row.get('timex_id')!r}"
            region_id, article_id = str(row["timex_id"]), row["article_id"]
            if article_id not in results or not claim(article_id, region_id, at):
                continue
            o, s, e = offsets[article_id], row["start"], row["end"]
            out = results[article_id]
            out.append(_region(region_id, cfg.TIMEX, o, s, e, row["type"]))
            if row.get("value") is not None:
                out.append(_attribute(region_id, cfg.TIMEX_VALUE, o, s, e, row["value"]))
            if row.get("mod") is not None:
                out.append(_attribute(region_id, cfg.TIMEX_MOD, o, s, e, row["mod"]))
            anchor = row.get("anchor")
            if anchor == labels.DCT_ANCHOR:
                out.append(_attribute(region_id, cfg.TIMEX_ANCHOR, o, s, e, cfg.DCT_CHOICE))
            elif anchor is not None:
                target = timexes.get(anchor)
                if target is None or target["article_id"] != article_id:
                    problems.append(
                        Problem(
                            "anchor-unresolved",
                            f"anchor {anchor!r} is neither 'dct' nor a timex of article {article_id}",
                            where=at,
                            field="anchor",
                            hint="an anchor becomes a relation between two regions of one task",
                        )
                    )
                    continue
                out.append(_relation(region_id, anchor, cfg.RELATION_ANCHOR))

        for row in layers.get("discrepancies", []):
            discrepancy_id = row.get("discrepancy_id")
            at = f"discrepancies {discrepancy_id!r}"
            first_in_article: dict[str, str] = {}
            for index, span in enumerate(row["spans"]):
                article_id = span["article_id"]
                region_id = discrepancy_region_id(str(discrepancy_id), index)
                if article_id not in results or not claim(article_id, region_id, f"{at} (spans[{index}])"):
                    continue
                o, s, e = offsets[article_id], span["start"], span["end"]
                out = results[article_id]
                out.append(_region(region_id, cfg.DISCREPANCY, o, s, e, row["type"]))
                if discrepancy_id:
                    out.append(_attribute(region_id, cfg.DISCREPANCY_ID, o, s, e, discrepancy_id))
                if row.get("scope"):
                    out.append(_attribute(region_id, cfg.DISCREPANCY_SCOPE, o, s, e, row["scope"]))
                if row.get("description"):
                    out.append(_attribute(region_id, cfg.DISCREPANCY_DESCRIPTION, o, s, e, row["description"]))
                correction = row.get("correction")
                if correction == "":
                    out.append(_attribute(region_id, cfg.DISCREPANCY_DELETE, o, s, e, cfg.DELETE_CHOICE))
                elif correction is not None:
                    out.append(_attribute(region_id, cfg.DISCREPANCY_CORRECTION, o, s, e, correction))
                if article_id in first_in_article:
                    out.append(_relation(first_in_article[article_id], region_id, cfg.RELATION_SAME_DISCREPANCY))
                else:
                    first_in_article[article_id] = region_id
    if problems:
        raise DiplonewsError(problems)

    tasks = []
    for article in source.articles:
        article_id = article["id"]
        data = {"text": raw[article_id].text, "article_id": article_id}
        data |= {name: article[name] for name in ("title", "publisher", "event", "dct", "dct_evidence", "language")}
        data["sha256"] = article["sha256"]
        result = results[article_id] if preannotate in {"all"} else []
        if preannotate in {"all", "metadata"}:
            result = _article_results(article) + result
        tasks.append(TaskSpec(article_id, data, {META_KEY: {"catalog": catalog}}, result))
    return tasks


def read_predictions(layer: str, path: Path, raw: dict[str, Article]) -> list[dict[str, Any]]:
    """A model's output for one layer, in the dataset's row format (JSONL), as compiled rows.

    `end` may be omitted (`start + len(text)`); ids and attributes may be missing (the
    annotator completes them). Every span is checked against the raw text.
    """
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    key = schema.DATASET_TABLES[layer].key or "id"
    letter = {"entities": "m", "temporal": "t", "discrepancies": "d"}[layer]

    def span(item: dict[str, Any], at: str) -> dict[str, Any] | None:
        article = raw.get(item.get("article_id", ""))
        if article is None:
            problems.append(
                Problem("unknown-article", f"unknown article {item.get('article_id')!r}", where=at, field="article_id")
            )
            return None
        text, start = item.get("text"), item.get("start")
        if not isinstance(text, str) or not text or not isinstance(start, int) or isinstance(start, bool):
            problems.append(
                Problem("type-error", "a span needs an integer 'start' and a non-empty 'text'", where=at, field="start")
            )
            return None
        end = item.get("end", start + len(text))
        if article.text[start:end] != text or end != start + len(text):
            problems.append(
                Problem(
                    "span-mismatch",
                    f"text {text!r} does not match article {article.id}[{start}:{end}] = {article.text[start:end]!r}",
                    where=at,
                    field="start",
                    hint="offsets are Python code points into the raw text, end exclusive",
                )
            )
            return None
        return {"article_id": article.id, "start": start, "end": end, "text": text}

    for line, record in read_jsonl(path):
        at = where(path, line)
        row = dict(record)
        row.setdefault(key, f"pred-{letter}{line:04d}")
        if layer == "discrepancies":
            spans = [span(item, f"{at} (spans[{i}])") for i, item in enumerate(record.get("spans") or [])]
            if not spans or any(s is None for s in spans):
                if not spans:
                    problems.append(
                        Problem("missing-field", "a discrepancy needs at least one span", where=at, field="spans")
                    )
                continue
            row["spans"] = spans
        else:
            located = span(record, at)
            if located is None:
                continue
            row |= located
        kind_field = "label" if layer == "entities" else "type"
        allowed = {
            "entities": labels.ENTITY_LABELS,
            "temporal": labels.TEMPORAL_TYPES,
            "discrepancies": labels.DISCREPANCY_TYPES,
        }[layer]
        if row.get(kind_field) not in allowed:
            problems.append(
                Problem(
                    "unknown-label",
                    f"unknown {kind_field} {row.get(kind_field)!r}",
                    where=at,
                    field=kind_field,
                    hint=f"one of: {', '.join(allowed)}",
                )
            )
            continue
        rows.append(row)
    if problems:
        raise DiplonewsError(problems)
    return rows
