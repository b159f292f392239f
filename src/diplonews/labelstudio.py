"""The Label Studio workflow: push articles and pre-annotations, pull annotations back.

Annotators extend and correct the gold in Label Studio, so the way back must lose and
shift nothing. Label Studio counts offsets in UTF-16 code units (JavaScript strings), the
annotation folders in code points; every span is converted by the small pure functions
below and then re-read from the raw article, and a region whose text does not match is
refused rather than silently moved. Ids survive the trip because each region's id *is* the
mention_id / timex_id (discrepancy spans: `<discrepancy_id>-s<n>`, keeping the spans'
order), and every attribute the annotation format has is a per-region control of the
labeling config (`diplonews.backends.labelstudio_config`). `pull` checks everything an
export holds before it writes anything, and writes one folder per annotator in exactly the
format `diplonews.annotations.load_annotations` reads.

The SDK is imported only inside the commands that talk to a server: `diplonews --help`
and the unit tests stay fast and work without it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from diplonews import agreement, labels, paths, schema, timex
from diplonews.annotations import (
    ARTICLES_FILE,
    CATALOG_FILE,
    LAYER_FILES,
    AnnotationSet,
    Article,
    load_annotations,
    read_raw_articles,
)
from diplonews.backends import labelstudio_config as cfg
from diplonews.errors import EXIT_FAILED, EXIT_OK, DiplonewsError, Problem, display_path, where
from diplonews.files import atomic_write_text, dump_jsonl, read_jsonl, sha256_bytes

if TYPE_CHECKING:
    from label_studio_sdk import LabelStudio

URL_ENV = "LABEL_STUDIO_URL"
API_KEY_ENV = "LABEL_STUDIO_API_KEY"
DEFAULT_PROJECT = "diplonews"
PROVENANCE_FILE = "labelstudio.json"
META_KEY = "diplonews"  # task.meta[META_KEY]: what the folder format has and the task data does not show
_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]+$")  # no '#': the editor appends '#<annotation>' to region ids
_ENTITY_ID_PATTERN = re.compile(schema.ENTITIES.column("entity_id").pattern or r"^[a-z0-9_]+$")
_DATE_PATTERN = re.compile(schema.DATE_PATTERN)


# ---- offsets: code points <-> UTF-16 code units ------------------------------------------


def _units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def codepoints_to_utf16(text: str, index: int) -> int:
    """UTF-16 offset of code-point offset `index`: each non-BMP character counts twice."""
    if not 0 <= index <= len(text):
        raise ValueError(f"code-point offset {index} is outside the text (length {len(text)})")
    return index + sum(1 for char in text[:index] if ord(char) > 0xFFFF)


def utf16_to_codepoints(text: str, offset: int) -> int:
    """Code-point offset of UTF-16 offset `offset`; refuses an offset inside a surrogate pair."""
    if offset < 0:
        raise ValueError(f"UTF-16 offset {offset} is negative")
    units = 0
    for index, char in enumerate(text):
        if units == offset:
            return index
        units += _units(char)
        if units > offset:
            raise ValueError(f"UTF-16 offset {offset} falls inside the surrogate pair of {char!r} (code point {index})")
    if units == offset:
        return len(text)
    raise ValueError(f"UTF-16 offset {offset} is outside the text (length {units} UTF-16 units)")


class OffsetMap:
    """Both conversions for one text in O(1) each: an article has hundreds of spans."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._utf16 = [0]
        for char in text:
            self._utf16.append(self._utf16[-1] + _units(char))
        self._codepoint = {units: index for index, units in enumerate(self._utf16)}

    def to_utf16(self, index: int) -> int:
        if not 0 <= index <= len(self.text):
            raise ValueError(f"code-point offset {index} is outside the text (length {len(self.text)})")
        return self._utf16[index]

    def to_codepoints(self, offset: int) -> int:
        found = self._codepoint.get(offset)
        if found is None:
            return utf16_to_codepoints(self.text, offset)  # raises with the precise reason
        return found


# ---- push: annotation rows -> Label Studio tasks -------------------------------------------


@dataclass
class TaskSpec:
    """One article as a Label Studio task, and the result list of its pre-annotation."""

    article_id: str
    data: dict[str, Any]
    meta: dict[str, Any]
    result: list[dict[str, Any]]


def _span_value(offsets: OffsetMap, start: int, end: int) -> dict[str, int]:
    return {"start": offsets.to_utf16(start), "end": offsets.to_utf16(end)}


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
                {"id": f"article-{name}", "from_name": name, "to_name": cfg.TEXT, "type": "textarea", "value": {"text": [article[name]]}}
            )
    return results


def _check_region_id(region_id: Any, at: str, problems: list[Problem]) -> bool:
    if not isinstance(region_id, str) or not _ID_PATTERN.match(region_id):
        problems.append(
            Problem(at, f"id {region_id!r} cannot be a Label Studio region id", hint="use letters, digits and _ . : - only (no '#')")
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
            problems.append(Problem(at, f"region id {region_id!r} is used twice in article {article_id} (also {first})"))
            return False
        return True

    if preannotate == "all":
        for row in layers.get("entities", []):
            at = f"entities {row.get('mention_id')!r}"
            region_id, article_id = row.get("mention_id"), row["article_id"]
            if article_id not in results or not claim(article_id, region_id, at):
                continue
            o, s, e = offsets[article_id], row["start"], row["end"]
            out = results[article_id]
            out.append(_region(region_id, cfg.ENTITY, o, s, e, row["label"]))
            if row.get("entity_id"):
                out.append(_attribute(region_id, cfg.ENTITY_ID, o, s, e, row["entity_id"]))
            canonical = row.get("canonical_name") or source.catalog.get(row.get("entity_id") or "", {}).get("canonical_name")
            if canonical:
                out.append(_attribute(region_id, cfg.CANONICAL_NAME, o, s, e, canonical))
            if row.get("surface_error"):
                out.append(_attribute(region_id, cfg.SURFACE_ERROR, o, s, e, cfg.SURFACE_ERROR_CHOICE))

        timexes = {row.get("timex_id"): row for row in layers.get("temporal", [])}
        for row in layers.get("temporal", []):
            at = f"temporal {row.get('timex_id')!r}"
            region_id, article_id = row.get("timex_id"), row["article_id"]
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
                        Problem(at, f"anchor {anchor!r} is neither 'dct' nor a timex of article {article_id}", field="anchor",
                                hint="an anchor becomes a relation between two regions of one task")
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
            problems.append(Problem(at, f"unknown article {item.get('article_id')!r}", field="article_id"))
            return None
        text, start = item.get("text"), item.get("start")
        if not isinstance(text, str) or not text or not isinstance(start, int) or isinstance(start, bool):
            problems.append(Problem(at, "a span needs an integer 'start' and a non-empty 'text'", field="start"))
            return None
        end = item.get("end", start + len(text))
        if article.text[start:end] != text or end != start + len(text):
            problems.append(
                Problem(at, f"text {text!r} does not match article {article.id}[{start}:{end}] = {article.text[start:end]!r}",
                        field="start", hint="offsets are Python code points into the raw text, end exclusive")
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
                    problems.append(Problem(at, "a discrepancy needs at least one span", field="spans"))
                continue
            row["spans"] = spans
        else:
            located = span(record, at)
            if located is None:
                continue
            row |= located
        kind_field = "label" if layer == "entities" else "type"
        allowed = {"entities": labels.ENTITY_LABELS, "temporal": labels.TEMPORAL_TYPES, "discrepancies": labels.DISCREPANCY_TYPES}[layer]
        if row.get(kind_field) not in allowed:
            problems.append(Problem(at, f"unknown {kind_field} {row.get(kind_field)!r}", field=kind_field, hint=f"one of: {', '.join(allowed)}"))
            continue
        rows.append(row)
    if problems:
        raise DiplonewsError(problems)
    return rows


# ---- pull: a Label Studio export -> one annotation folder per annotator --------------------


@dataclass
class _Region:
    id: str
    control: str  # entity | timex | discrepancy
    label: str
    start: int
    end: int
    text: str
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)  # control -> result


@dataclass
class _DiscrepancySpan:
    region_id: str
    article_id: str
    start: int
    end: int
    text: str
    type: str
    discrepancy_id: str | None
    scope: str | None
    description: str | None
    correction: str | None
    delete: bool
    at: str
    task_order: int
    group: str = ""  # discrepancy_id once resolved


@dataclass
class PulledFolder:
    """One annotator's annotation, ready to be written: file name -> records."""

    annotator: str
    slug: str
    files: dict[str, list[dict[str, Any]]]
    provenance: dict[str, Any]


def annotator_slug(email: str) -> str:
    """A folder name from an email: lowercase, every run of other characters becomes '-'."""
    slug = re.sub(r"[^a-z0-9]+", "-", email.lower()).strip("-")
    return slug or "annotator"


def _text_entries(result: dict[str, Any], at: str, problems: list[Problem]) -> str | None:
    """A TextArea's value; several entries (one per Enter) are joined by newlines."""
    entries = result.get("value", {}).get("text")
    if entries is None:
        return None
    if isinstance(entries, str):
        entries = [entries]
    if not isinstance(entries, list) or not all(isinstance(entry, str) for entry in entries):
        problems.append(Problem(at, f"expected a list of strings, found {entries!r}", field=result.get("from_name")))
        return None
    text = "\n".join(entries)
    return text if text.strip() else None


def _one_choice(result: dict[str, Any] | None, allowed: tuple[str, ...], at: str, problems: list[Problem]) -> str | None:
    if result is None:
        return None
    choices = result.get("value", {}).get("choices")
    control = result.get("from_name")
    if not isinstance(choices, list) or len(choices) > 1:
        problems.append(Problem(at, f"expected one choice, found {choices!r}", field=control))
        return None
    if not choices:
        return None
    if choices[0] not in allowed:
        problems.append(Problem(at, f"unknown choice {choices[0]!r}", field=control, hint=f"one of: {', '.join(allowed)}"))
        return None
    return choices[0]


def _clean_id(value: Any) -> Any:
    """The editor may append '#<annotation id>' to region ids; the stored id is before it."""
    return value.split("#", 1)[0] if isinstance(value, str) else value


@dataclass
class _TaskPull:
    """What one annotation of one task contributes to its annotator's folder."""

    article: dict[str, Any]
    entities: list[dict[str, Any]]
    canonical: dict[str, list[tuple[str, str]]]  # entity_id -> (canonical name, where)
    temporal: list[dict[str, Any]]
    spans: list[_DiscrepancySpan]
    where: dict[str, str]  # mention/timex id -> where


def convert_annotation(
    result: list[dict[str, Any]],
    article: Article,
    task_data: dict[str, Any],
    at: str,
    task_order: int,
) -> tuple[_TaskPull | None, list[Problem]]:
    """One annotation's result list -> rows of the folder format, or the problems found."""
    problems: list[Problem] = []
    offsets = OffsetMap(article.text)
    regions: dict[str, _Region] = {}
    refused: set[str] = set()  # regions already reported: their attributes and relations are not reported again
    attributes: list[tuple[str, dict[str, Any]]] = []
    relations: list[dict[str, Any]] = []
    article_controls: dict[str, dict[str, Any]] = {}

    if not isinstance(result, list):
        return None, [Problem(at, f"annotation result must be a list, found {type(result).__name__}", field="result")]
    for index, item in enumerate(result):
        item_at = f"{at}, result[{index}]"
        if not isinstance(item, dict):
            problems.append(Problem(item_at, f"expected an object, found {type(item).__name__}"))
            continue
        if item.get("type") == "relation":
            relations.append({**item, "_at": item_at})
            continue
        control = item.get("from_name")
        region_id = _clean_id(item.get("id"))
        if region_id is not None:
            item_at = f"{at}, region {region_id!r}"
        if control in cfg.LABEL_VALUES:
            value = item.get("value") or {}
            chosen = value.get("labels")
            if not isinstance(region_id, str) or not region_id:
                problems.append(Problem(item_at, "region has no id", field="id"))
                continue
            refused.add(region_id)  # until it passes every check below
            if not isinstance(chosen, list) or len(chosen) != 1:
                problems.append(Problem(item_at, f"a region needs exactly one label, found {chosen!r}", field=control))
                continue
            if chosen[0] not in cfg.LABEL_VALUES[control]:
                problems.append(
                    Problem(item_at, f"unknown {control} label {chosen[0]!r}", field=control,
                            hint=f"labels of {control}: {', '.join(cfg.LABEL_VALUES[control])}; the label sets live in src/diplonews/labels.py")
                )
                continue
            if region_id in regions:
                other = regions[region_id].control
                problems.append(
                    Problem(item_at, f"region carries two labels ({other} and {control})", field=control,
                            hint="a region is an entity, a timex or a discrepancy span: split it into two regions")
                )
                continue
            start, end = value.get("start"), value.get("end")
            if not all(isinstance(x, int) and not isinstance(x, bool) for x in (start, end)):
                problems.append(Problem(item_at, f"start/end must be integers, found {start!r}/{end!r}", field="start"))
                continue
            try:
                cp_start, cp_end = offsets.to_codepoints(start), offsets.to_codepoints(end)
            except ValueError as error:
                problems.append(Problem(item_at, f"bad UTF-16 offset: {error}", field="start"))
                continue
            if cp_start >= cp_end:
                problems.append(Problem(item_at, f"empty or reversed span [{start}, {end}) (UTF-16)", field="start"))
                continue
            surface = article.text[cp_start:cp_end]
            claimed = value.get("text")
            if claimed != surface:
                problems.append(
                    Problem(item_at,
                            f"region text {claimed!r} does not match article {article.id}[{cp_start}:{cp_end}] = {surface!r} "
                            f"(UTF-16 [{start}, {end}))", field="text",
                            hint="the task text differs from the raw article, or the offsets were not counted in UTF-16 code units")
                )
                continue
            regions[region_id] = _Region(region_id, control, chosen[0], cp_start, cp_end, surface)
            refused.discard(region_id)
        elif control in cfg.PER_REGION:
            attributes.append((item_at, {**item, "id": region_id}))
        elif control in cfg.ARTICLE_CONTROLS:
            if control in article_controls:
                problems.append(Problem(item_at, "article field given twice", field=control))
                continue
            article_controls[control] = item
        else:
            problems.append(
                Problem(item_at, f"unknown control {control!r}", field="from_name",
                        hint="the project's labeling config differs from annotations/label_studio.xml; push to update it")
            )

    for item_at, item in attributes:
        control, region_id = item["from_name"], item["id"]
        region = regions.get(region_id)
        if region is None and region_id in refused:
            continue
        if region is None:
            problems.append(Problem(item_at, "attribute of a missing region (no labeled region has this id)", field=control))
            continue
        owner = cfg.PER_REGION[control][0]
        if region.control != owner:
            problems.append(Problem(item_at, f"{control} belongs to {owner} regions, this region is a {region.control}", field=control))
            continue
        if control in region.attributes:
            problems.append(Problem(item_at, "attribute given twice", field=control))
            continue
        region.attributes[control] = item

    anchors: dict[str, str] = {}
    groups = _UnionFind()
    for relation in relations:
        rel_at = relation["_at"]
        ends = (_clean_id(relation.get("from_id")), _clean_id(relation.get("to_id")))
        missing = [end for end in ends if end not in regions]
        if any(end in refused for end in missing):
            continue
        if missing:
            problems.append(
                Problem(rel_at, f"relation {ends[0]!r} -> {ends[1]!r} points to a missing region {missing[0]!r}", field="to_id",
                        hint="delete the relation, or restore the region it links")
            )
            continue
        first, second = regions[ends[0]], regions[ends[1]]
        rel_labels = relation.get("labels") or []
        if not isinstance(rel_labels, list) or len(rel_labels) > 1 or (rel_labels and rel_labels[0] not in cfg.RELATION_LABELS):
            problems.append(Problem(rel_at, f"unknown relation label(s) {rel_labels!r}", field="labels",
                                    hint=f"one of: {', '.join(cfg.RELATION_LABELS)}"))
            continue
        kinds = {first.control, second.control}
        label = rel_labels[0] if rel_labels else (cfg.RELATION_ANCHOR if kinds == {cfg.TIMEX} else cfg.RELATION_SAME_DISCREPANCY)
        if label == cfg.RELATION_ANCHOR:
            if kinds != {cfg.TIMEX}:
                problems.append(Problem(rel_at, f"an anchor relation links two timexes, not {first.control} -> {second.control}", field="labels"))
                continue
            direction = relation.get("direction", "right")
            if direction not in {"right", "left"}:
                problems.append(Problem(rel_at, f"an anchor relation needs a direction, found {direction!r}", field="direction",
                                        hint="point it from the anchored timex to its anchor"))
                continue
            anchored, anchor = (first, second) if direction == "right" else (second, first)
            if anchored.id in anchors and anchors[anchored.id] != anchor.id:
                problems.append(Problem(rel_at, f"timex {anchored.id!r} has two anchor relations", field="labels"))
                continue
            anchors[anchored.id] = anchor.id
        else:
            if kinds != {cfg.DISCREPANCY}:
                problems.append(Problem(rel_at, f"a {label} relation links two discrepancy spans, not {first.control} -> {second.control}",
                                        field="labels"))
                continue
            groups.union(first.id, second.id)

    pulled = _TaskPull(_article_fields(article_controls, task_data, at, problems), [], {}, [], [], {})
    for region in sorted(regions.values(), key=lambda r: (r.start, r.end, r.id)):
        region_at = f"{at}, region {region.id!r}"
        if region.control == cfg.ENTITY:
            _entity_row(region, article.id, region_at, pulled, problems)
        elif region.control == cfg.TIMEX:
            _timex_row(region, article.id, anchors, region_at, pulled, problems)
        else:
            pulled.spans.append(_discrepancy_span(region, article.id, region_at, task_order, problems))
    # Spans linked by relations in this task must agree on their discrepancy_id (or lack one).
    components: dict[str, list[_DiscrepancySpan]] = {}
    for span in pulled.spans:
        components.setdefault(groups.find(span.region_id), []).append(span)
    for members in components.values():
        named = sorted({span.discrepancy_id for span in members if span.discrepancy_id})
        if len(named) > 1:
            problems.append(
                Problem(members[0].at, f"spans linked by {cfg.RELATION_SAME_DISCREPANCY} relations have different discrepancy_ids {named}",
                        field=cfg.DISCREPANCY_ID, hint="one discrepancy, one id: fix the ids or delete the relation")
            )
            continue
        group = named[0] if named else f"d-{min(members, key=lambda s: (s.start, s.region_id)).region_id}"
        for span in members:
            span.group = group
    return (None if problems else pulled), problems


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        self.parent.setdefault(item, item)
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)


def _article_fields(controls: dict[str, dict[str, Any]], data: dict[str, Any], at: str, problems: list[Problem]) -> dict[str, Any]:
    """The articles.jsonl line: annotated fields from the annotation, the rest from the task."""
    text = {name: _text_entries(controls[name], at, problems) if name in controls else None for name in cfg.ARTICLE_TEXTAREAS}
    found = len(problems)
    event = _one_choice(controls.get(cfg.ARTICLE_EVENT), labels.EVENTS, at, problems)
    if event is None and len(problems) == found:
        problems.append(Problem(at, "the article's event is not chosen", field=cfg.ARTICLE_EVENT, hint=f"choose one of: {', '.join(labels.EVENTS)}"))
    record = {
        "id": data["article_id"],
        "title": text["title"],
        "publisher": text["publisher"],
        "event": event,
        "dct": text["dct"].strip() if text["dct"] else None,
        "dct_evidence": text["dct_evidence"],
        "language": data["language"],
        "sha256": data.get("sha256"),
    }
    if record["dct"] is not None and not _DATE_PATTERN.match(record["dct"]):
        problems.append(Problem(at, f"dct {record['dct']!r} is not a date YYYY-MM-DD", field="dct", hint="leave it empty when the text does not determine it"))
    return record


def _entity_row(region: _Region, article_id: str, at: str, pulled: _TaskPull, problems: list[Problem]) -> None:
    entity_id = _text_entries(region.attributes[cfg.ENTITY_ID], at, problems) if cfg.ENTITY_ID in region.attributes else None
    canonical = _text_entries(region.attributes[cfg.CANONICAL_NAME], at, problems) if cfg.CANONICAL_NAME in region.attributes else None
    if entity_id is not None:
        entity_id = entity_id.strip()
    elif canonical is not None:
        entity_id = re.sub(r"[^a-z0-9]+", "_", canonical.lower()).strip("_")
    if not entity_id:
        problems.append(Problem(at, "entity mention has no entity_id (and no canonical name to derive it from)", field=cfg.ENTITY_ID,
                                hint="type the referent's entity_id, e.g. qin_gang"))
        return
    if not _ENTITY_ID_PATTERN.match(entity_id):
        problems.append(Problem(at, f"entity_id {entity_id!r} is not a lowercase slug", field=cfg.ENTITY_ID, hint="use a-z, 0-9 and _ only, e.g. qin_gang"))
        return
    surface_error = _one_choice(region.attributes.get(cfg.SURFACE_ERROR), (cfg.SURFACE_ERROR_CHOICE,), at, problems) is not None
    if canonical is not None:
        pulled.canonical.setdefault(entity_id, []).append((canonical, at))
    pulled.where[region.id] = at
    pulled.entities.append(
        {
            "mention_id": region.id,
            "article_id": article_id,
            "start": region.start,
            "text": region.text,
            "label": region.label,
            "entity_id": entity_id,
            "surface_error": surface_error,
        }
    )


def _timex_row(
    region: _Region, article_id: str, anchors: dict[str, str], at: str, pulled: _TaskPull, problems: list[Problem]
) -> None:
    value = _text_entries(region.attributes[cfg.TIMEX_VALUE], at, problems) if cfg.TIMEX_VALUE in region.attributes else None
    value = value.strip() if value is not None else None
    if not timex.is_valid_value(region.label, value):
        problems.append(Problem(at, f"{value!r} is not a valid TIMEX3 value for type {region.label}", field=cfg.TIMEX_VALUE,
                                hint="see annotations/GUIDELINES.md section 2.4; leave it empty when the text does not determine it"))
        return
    mod = _one_choice(region.attributes.get(cfg.TIMEX_MOD), labels.TIMEX_MODS, at, problems)
    dct = _one_choice(region.attributes.get(cfg.TIMEX_ANCHOR), (cfg.DCT_CHOICE,), at, problems)
    anchor: str | None = labels.DCT_ANCHOR if dct else None
    if region.id in anchors:
        if anchor is not None:
            problems.append(Problem(at, "anchored both to the dct and, by a relation, to another timex", field=cfg.TIMEX_ANCHOR,
                                    hint="untick dct or delete the anchor relation"))
            return
        anchor = anchors[region.id]
    pulled.where[region.id] = at
    pulled.temporal.append(
        {
            "timex_id": region.id,
            "article_id": article_id,
            "start": region.start,
            "text": region.text,
            "type": region.label,
            "value": value,
            "mod": mod,
            "anchor": anchor,
        }
    )


def _discrepancy_span(region: _Region, article_id: str, at: str, task_order: int, problems: list[Problem]) -> _DiscrepancySpan:
    def text(control: str) -> str | None:
        return _text_entries(region.attributes[control], at, problems) if control in region.attributes else None

    discrepancy_id = text(cfg.DISCREPANCY_ID)
    discrepancy_id = discrepancy_id.strip() if discrepancy_id else None
    if discrepancy_id is not None and not _ID_PATTERN.match(discrepancy_id):
        problems.append(Problem(at, f"discrepancy_id {discrepancy_id!r} has characters outside letters, digits and _ . : -",
                                field=cfg.DISCREPANCY_ID))
    return _DiscrepancySpan(
        region_id=region.id,
        article_id=article_id,
        start=region.start,
        end=region.end,
        text=region.text,
        type=region.label,
        discrepancy_id=discrepancy_id,
        scope=_one_choice(region.attributes.get(cfg.DISCREPANCY_SCOPE), labels.DISCREPANCY_SCOPES, at, problems),
        description=text(cfg.DISCREPANCY_DESCRIPTION),
        correction=_raw_text(region.attributes.get(cfg.DISCREPANCY_CORRECTION)),
        delete=_one_choice(region.attributes.get(cfg.DISCREPANCY_DELETE), (cfg.DELETE_CHOICE,), at, problems) is not None,
        at=at,
        task_order=task_order,
    )


def _raw_text(result: dict[str, Any] | None) -> str | None:
    """A correction keeps its exact text (leading/trailing spaces can be the correction)."""
    if result is None:
        return None
    entries = result.get("value", {}).get("text")
    if isinstance(entries, str):
        entries = [entries]
    if not isinstance(entries, list) or not entries:
        return None
    text = "\n".join(str(entry) for entry in entries)
    return text or None


def _span_order(span: _DiscrepancySpan) -> tuple[int, int, int, str]:
    match = re.fullmatch(re.escape(span.group) + r"-s(\d+)", span.region_id)
    index = int(match.group(1)) if match else sys.maxsize
    return (index, span.task_order, span.start, span.region_id)


def _merge_discrepancies(spans: list[_DiscrepancySpan], problems: list[Problem]) -> list[dict[str, Any]]:
    """Group spans by discrepancy id across tasks; every span must agree on the shared fields."""
    groups: dict[str, list[_DiscrepancySpan]] = {}
    for span in spans:
        groups.setdefault(span.group, []).append(span)
    records = []
    for discrepancy_id, members in sorted(groups.items()):
        members.sort(key=_span_order)

        def agreed(name: str, values: list[tuple[Any, str]], required: bool = False, members: list[_DiscrepancySpan] = members,
                   discrepancy_id: str = discrepancy_id) -> Any:
            distinct = sorted({value for value, _ in values if value is not None}, key=str)
            if len(distinct) > 1:
                shown = "; ".join(f"{value!r} at {at}" for value, at in values if value is not None)
                problems.append(Problem(members[0].at, f"discrepancy {discrepancy_id}: its spans disagree on {name}: {shown}", field=name,
                                        hint="the fields of a discrepancy must be equal on all its spans (or left empty on all but one)"))
                return None
            if not distinct and required:
                problems.append(Problem(members[0].at, f"discrepancy {discrepancy_id} has no {name}", field=name,
                                        hint=f"fill {name} on one of its spans"))
            return distinct[0] if distinct else None

        kind = agreed("type", [(span.type, span.at) for span in members])
        description = agreed(cfg.DISCREPANCY_DESCRIPTION, [(span.description, span.at) for span in members], required=True)
        scope = agreed(cfg.DISCREPANCY_SCOPE, [(span.scope, span.at) for span in members])
        if scope is None:
            scope = "intra_document" if len({span.article_id for span in members}) == 1 else "cross_document"
        corrections = [(span.correction, span.at) for span in members] + [("", span.at) for span in members if span.delete]
        correction = agreed("correction", corrections)
        records.append(
            {
                "discrepancy_id": discrepancy_id,
                "type": kind,
                "scope": scope,
                "spans": [{"article_id": span.article_id, "start": span.start, "text": span.text} for span in members],
                "description": description,
                "correction": correction,
            }
        )
    return records


def _merged_catalog(tasks: list[dict[str, Any]], problems: list[Problem]) -> dict[str, dict[str, Any]]:
    """The catalog the tasks were pushed with (identical in every task of one push)."""
    catalog: dict[str, dict[str, Any]] = {}
    source: dict[str, str] = {}
    for task in tasks:
        entries = ((task.get("meta") or {}).get(META_KEY) or {}).get("catalog") or []
        for entry in entries:
            if not isinstance(entry, dict) or "entity_id" not in entry:
                continue
            entity_id = entry["entity_id"]
            if entity_id in catalog and catalog[entity_id] != entry:
                problems.append(Problem(f"task {task.get('id')}", f"the catalog entry of {entity_id!r} differs from the one in task {source[entity_id]}",
                                        field="meta", hint="push again: every task gets the same catalog"))
                continue
            catalog.setdefault(entity_id, entry)
            source.setdefault(entity_id, str(task.get("id")))
    return catalog


def _build_catalog(
    base: dict[str, dict[str, Any]], entities: list[dict[str, Any]], canonical: dict[str, list[tuple[str, str]]],
    where_of: dict[str, str], problems: list[Problem],
) -> list[dict[str, Any]]:
    """The catalog entries the annotator's regions imply: their canonical names win."""
    labels_of: dict[str, Counter[str]] = {}
    first_at: dict[str, str] = {}
    for row in entities:
        labels_of.setdefault(row["entity_id"], Counter())[row["label"]] += 1
        first_at.setdefault(row["entity_id"], where_of[row["mention_id"]])
    catalog = {entity_id: dict(entry) for entity_id, entry in base.items()}
    for entity_id in labels_of:
        names = canonical.get(entity_id, [])
        distinct = sorted({name for name, _ in names})
        if len(distinct) > 1:
            shown = "; ".join(f"{name!r} at {at}" for name, at in names)
            problems.append(Problem(first_at[entity_id], f"entity {entity_id!r} has different canonical names: {shown}",
                                    field=cfg.CANONICAL_NAME, hint="one referent, one canonical name: make them equal"))
            continue
        if entity_id in catalog:
            if distinct and catalog[entity_id].get("canonical_name") != distinct[0]:
                catalog[entity_id]["canonical_name"] = distinct[0]
            continue
        if not distinct:
            problems.append(Problem(first_at[entity_id], f"new entity {entity_id!r} has no canonical name", field=cfg.CANONICAL_NAME,
                                    hint="type the referent's established English name on one of its mentions"))
            continue
        counts = labels_of[entity_id]
        label = max(counts, key=lambda name: (counts[name], -labels.ENTITY_LABELS.index(name)))
        catalog[entity_id] = {"entity_id": entity_id, "canonical_name": distinct[0], "label": label, "description": None}
    return list(catalog.values())


def convert_export(
    export: list[dict[str, Any]],
    users: dict[int, str],
    raw: dict[str, Article],
    *,
    only: Iterable[str] | None = None,
) -> list[PulledFolder]:
    """A project's JSON export -> one folder per annotator; raises with every problem found."""
    problems: list[Problem] = []
    wanted = {email.lower() for email in only} if only else None
    tasks: list[dict[str, Any]] = []
    for task in sorted(export, key=lambda t: (str((t.get("data") or {}).get("article_id")), t.get("id", 0))):
        data = task.get("data") or {}
        at = f"task {task.get('id')}"
        article_id = data.get("article_id")
        if not isinstance(article_id, str) or not isinstance(data.get("text"), str):
            problems.append(Problem(at, "task has no article_id/text in its data: not a diplonews task", field="data",
                                    hint="pull from a project created by `diplonews labelstudio push`"))
            continue
        if not isinstance(data.get("language"), str):
            problems.append(Problem(at, "task has no language in its data", field="data.language", hint="push again: push writes it"))
            continue
        article = raw.get(article_id)
        if article is None:
            problems.append(Problem(at, f"article {article_id!r} has no raw file", field="article_id", hint="pass the --raw-dir the project was pushed from"))
            continue
        if data["text"] != article.text:
            problems.append(
                Problem(at, f"the task's text of article {article_id} differs from {display_path(article.path)} "
                            f"(sha256 {sha256_bytes(data['text'].encode('utf-8'))[:12]} vs {sha256_bytes(article.raw)[:12]})",
                        field="data.text", hint="offsets would shift: pull with the raw text the project was pushed with")
            )
            continue
        tasks.append(task)
    seen_articles: dict[str, Any] = {}
    for task in tasks:
        article_id = task["data"]["article_id"]
        if article_id in seen_articles:
            problems.append(Problem(f"task {task.get('id')}", f"article {article_id} is also task {seen_articles[article_id]}", field="data.article_id",
                                    hint="one task per article: delete the duplicate task"))
        seen_articles.setdefault(article_id, task.get("id"))
    for article_id in sorted(set(raw) - set(seen_articles)):
        problems.append(Problem(display_path(raw[article_id].path), f"article {article_id} has no task in the project",
                                hint="push it first, or pass a --raw-dir holding only the project's articles"))
    base_catalog = _merged_catalog(tasks, problems)
    if problems:
        raise DiplonewsError(problems)

    # annotator email -> article_id -> (task, annotation)
    by_annotator: dict[str, dict[str, tuple[dict[str, Any], dict[str, Any]]]] = {}
    for task in tasks:
        for annotation in task.get("annotations") or []:
            if annotation.get("was_cancelled"):
                continue
            user = annotation.get("completed_by")
            user_id = user.get("id") if isinstance(user, dict) else user
            email = users.get(user_id) if isinstance(user_id, int) else None
            if email is None and isinstance(user, dict):
                email = user.get("email")
            email = email or f"user-{user_id}"
            if wanted is not None and email.lower() not in wanted:
                continue
            mine = by_annotator.setdefault(email, {})
            article_id = task["data"]["article_id"]
            if article_id in mine:
                problems.append(
                    Problem(f"task {task.get('id')}", f"{email} has two annotations of article {article_id} "
                                                      f"({mine[article_id][1].get('id')} and {annotation.get('id')})",
                            hint="delete the one that should not count in Label Studio, then pull again")
                )
                continue
            mine[article_id] = (task, annotation)

    slugs: dict[str, str] = {}
    folders = []
    for email in sorted(by_annotator):
        slug = annotator_slug(email)
        if slug in slugs:
            problems.append(Problem("", f"annotators {slugs[slug]} and {email} map to the same folder name {slug!r}"))
            continue
        slugs[slug] = email
        folder = _convert_annotator(email, slug, tasks, by_annotator[email], raw, base_catalog, problems)
        if folder is not None:
            folders.append(folder)
    if problems:
        raise DiplonewsError(problems)
    return folders


def _convert_annotator(
    email: str,
    slug: str,
    tasks: list[dict[str, Any]],
    annotations: dict[str, tuple[dict[str, Any], dict[str, Any]]],
    raw: dict[str, Article],
    base_catalog: dict[str, dict[str, Any]],
    problems: list[Problem],
) -> PulledFolder | None:
    articles: list[dict[str, Any]] = []
    entities: list[dict[str, Any]] = []
    temporal: list[dict[str, Any]] = []
    spans: list[_DiscrepancySpan] = []
    canonical: dict[str, list[tuple[str, str]]] = {}
    where_of: dict[str, str] = {}
    provenance_tasks = []
    found = len(problems)
    for order, task in enumerate(tasks):
        data = task["data"]
        article_id = data["article_id"]
        if article_id not in annotations:
            # Not annotated by this annotator: the article line as pushed, no spans.
            articles.append(
                {"id": article_id, **{name: data.get(name) for name in ("title", "publisher", "event", "dct", "dct_evidence")},
                 "language": data["language"], "sha256": data.get("sha256")}
            )
            continue
        _, annotation = annotations[article_id]
        at = f"task {task.get('id')} (article {article_id}), annotation {annotation.get('id')} by {email}"
        pulled, found_here = convert_annotation(annotation.get("result") or [], raw[article_id], data, at, order)
        problems.extend(found_here)
        if pulled is None:
            continue
        articles.append(pulled.article)
        entities += pulled.entities
        temporal += pulled.temporal
        spans += pulled.spans
        for entity_id, names in pulled.canonical.items():
            canonical.setdefault(entity_id, []).extend(names)
        for region_id, region_at in pulled.where.items():
            if region_id in where_of:
                problems.append(Problem(region_at, f"id {region_id!r} is also used at {where_of[region_id]}", field="id",
                                        hint="mention and timex ids are unique across all articles: rename one region's id"))
            where_of[region_id] = region_at
        provenance_tasks.append(
            {"task": task.get("id"), "article_id": article_id, "annotation": annotation.get("id"), "updated_at": annotation.get("updated_at")}
        )
    discrepancies = _merge_discrepancies(spans, problems)
    catalog = _build_catalog(base_catalog, entities, canonical, where_of, problems)
    if len(problems) > found:
        return None
    for article in articles:
        if article.get("sha256") is None:
            article["sha256"] = sha256_bytes(raw[article["id"]].raw)
    files = {
        ARTICLES_FILE: sorted(articles, key=lambda r: r["id"]),
        CATALOG_FILE: catalog,
        LAYER_FILES["entities"]: sorted(entities, key=lambda r: (r["article_id"], r["start"], r["mention_id"])),
        LAYER_FILES["temporal"]: sorted(temporal, key=lambda r: (r["article_id"], r["start"], r["timex_id"])),
        LAYER_FILES["discrepancies"]: discrepancies,
    }
    annotated = sorted(annotations)
    provenance = {
        "annotator": email,
        "annotated_articles": annotated,
        "not_annotated": sorted({t["data"]["article_id"] for t in tasks} - set(annotated)),
        "tasks": provenance_tasks,
    }
    return PulledFolder(email, slug, files, provenance)


def folder_bytes(folder: PulledFolder, project: int | None = None) -> dict[str, bytes]:
    """The files of one folder; an empty layer has no file (the loader refuses empty files)."""
    out = {name: dump_jsonl(records).encode("utf-8") for name, records in folder.files.items() if records}
    provenance = {"project": project, **folder.provenance}
    out[PROVENANCE_FILE] = (json.dumps(provenance, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return out


def write_folders(folders: list[PulledFolder], out_dir: Path, raw: dict[str, Article], *, project: int | None = None) -> list[Path]:
    """Stage every folder, load each back with the folder loader, then swap them in.

    Nothing in `out_dir` changes unless every folder loads; a folder is replaced as a whole
    (files of a layer that became empty disappear), by renames within `out_dir`.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".pull-", dir=out_dir))
    try:
        problems: list[Problem] = []
        for folder in folders:
            target = staging / folder.slug
            target.mkdir()
            for name, data in folder_bytes(folder, project).items():
                (target / name).write_bytes(data)
            try:
                load_annotations(target, raw)
            except DiplonewsError as error:
                problems.extend(Problem(f"{folder.annotator}: {p.where}", p.what, p.field, p.hint) for p in error.problems)
        if problems:
            raise DiplonewsError(problems)
        written = []
        for folder in folders:
            final = out_dir / folder.slug
            old = staging / f"{folder.slug}.old"
            if final.exists():
                final.rename(old)
            (staging / folder.slug).rename(final)
            written.append(final)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# ---- agreement and adjudication over pulled folders ---------------------------------------


def load_folders(folders: list[Path], raw_dir: Path) -> dict[str, AnnotationSet]:
    if len(folders) < 2:
        raise DiplonewsError(Problem("", f"needs two or more annotation folders, got {len(folders)}"))
    raw = read_raw_articles(raw_dir)
    sets: dict[str, AnnotationSet] = {}
    problems: list[Problem] = []
    for folder in folders:
        name = folder.resolve().name
        if name in sets:
            problems.append(Problem(display_path(folder), f"two folders are named {name!r}", hint="annotators are told apart by folder name"))
            continue
        try:
            sets[name] = load_annotations(folder, raw)
        except DiplonewsError as error:
            problems.extend(error.problems)
    if problems:
        raise DiplonewsError(problems)
    return sets


def annotated_articles(folder: Path) -> set[str] | None:
    """Articles an annotator actually annotated (from the pull's record); None = all."""
    path = folder / PROVENANCE_FILE
    if not path.is_file():
        return None
    try:
        return set(json.loads(path.read_text(encoding="utf-8"))["annotated_articles"])
    except (ValueError, KeyError, TypeError):
        raise DiplonewsError(Problem(display_path(path), "unreadable pull record", hint="pull again")) from None


def restrict(annotation_set: AnnotationSet, article_ids: set[str]) -> AnnotationSet:
    """The same annotation limited to some articles: agreement compares like with like."""
    tables: dict[str, list[dict[str, Any]]] = {
        name: [row for row in rows if row["article_id"] in article_ids]
        for name, rows in annotation_set.tables.items() if name != "discrepancies"
    }
    discrepancies = []
    for row in annotation_set.tables.get("discrepancies", []):
        spans = [span for span in row["spans"] if span["article_id"] in article_ids]
        if spans:
            discrepancies.append({**row, "spans": spans})
    tables["discrepancies"] = discrepancies
    return AnnotationSet(
        annotation_set.folder,
        articles=[row for row in annotation_set.articles if row["id"] in article_ids],
        catalog=annotation_set.catalog,
        tables=tables,
    )


def comparable_sets(folders: list[Path], raw_dir: Path) -> tuple[dict[str, AnnotationSet], list[str]]:
    """Load the folders and keep the articles every annotator annotated."""
    sets = load_folders(folders, raw_dir)
    common: set[str] | None = None
    for folder in folders:
        done = annotated_articles(folder)
        if done is not None:
            common = done if common is None else common & done
    if common is None:
        return sets, sorted({row["id"] for s in sets.values() for row in s.articles})
    if not common:
        raise DiplonewsError(Problem("", "no article was annotated by every annotator", hint="agreement needs shared articles"))
    return {name: restrict(s, common) for name, s in sets.items()}, sorted(common)


# ---- the server ----------------------------------------------------------------------------


def _is_loopback(url: str) -> bool:
    host = urlparse(url).hostname or ""
    return host in {"localhost", "::1"} or host.startswith("127.")


@dataclass
class Server:
    """An SDK client and the URL it talks to (for the messages)."""

    client: LabelStudio
    url: str

    def call(self, what: str, function: Any) -> Any:
        """Run one SDK call; turn transport and HTTP failures into a Problem that says what to do."""
        import httpx
        from label_studio_sdk.core.api_error import ApiError

        try:
            return function()
        except httpx.HTTPError as error:
            raise DiplonewsError(Problem(self.url, f"cannot {what}: {type(error).__name__}: {error}",
                                         hint="is the server running? scripts/label_studio.sh status")) from None
        except ApiError as error:
            body = error.body if isinstance(error.body, str) else json.dumps(error.body, ensure_ascii=False)
            hint = None
            if error.status_code == 401:
                hint = f"check {API_KEY_ENV}; a legacy token needs LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN=true on the server"
            elif error.status_code == 404:
                hint = "check --project-id"
            raise DiplonewsError(Problem(self.url, f"cannot {what}: HTTP {error.status_code}: {body[:800]}", hint=hint)) from None


def connect(url: str | None, api_key: str | None) -> Server:
    """An SDK client for the server named by the flags or the environment, never by the repo."""
    url = url or os.environ.get(URL_ENV)
    api_key = api_key or os.environ.get(API_KEY_ENV)
    problems = []
    if not url:
        problems.append(Problem("", "no Label Studio server given", field="--url",
                                hint=f"pass --url or set {URL_ENV} (scripts/label_studio.sh start prints it)"))
    if not api_key:
        problems.append(Problem("", "no API token given", field="--api-key",
                                hint=f"pass --api-key or set {API_KEY_ENV} (scripts/label_studio.sh start prints it)"))
    if problems:
        raise DiplonewsError(problems)
    assert url is not None and api_key is not None
    import httpx
    from label_studio_sdk import LabelStudio

    url = url.rstrip("/")
    # Proxies from the environment must not see a local server's token.
    http = httpx.Client(timeout=120, follow_redirects=True, trust_env=not _is_loopback(url))
    server = Server(LabelStudio(base_url=url, api_key=api_key, httpx_client=http), url)
    server.call("check the API token", lambda: server.client.users.whoami())
    return server


def find_project(server: Server, title: str | None, project_id: int | None) -> Any | None:
    if project_id is not None:
        return server.call(f"get project {project_id}", lambda: server.client.projects.get(id=project_id))
    matches = [p for p in server.call("list projects", lambda: list(server.client.projects.list())) if p.title == title]
    if len(matches) > 1:
        raise DiplonewsError(Problem(server.url, f"{len(matches)} projects are titled {title!r} (ids {', '.join(str(p.id) for p in matches)})",
                                     field="--project", hint="choose one with --project-id"))
    return matches[0] if matches else None


def export_project(server: Server, project_id: int) -> list[dict[str, Any]]:
    """Every task with its data, meta and submitted annotations (drafts are not exported)."""
    chunks = server.call(f"export project {project_id}", lambda: list(
        server.client.projects.exports.download_sync(project_id, export_type="JSON", download_all_tasks=True)))
    export = json.loads(b"".join(chunks))
    if not isinstance(export, list):
        raise DiplonewsError(Problem(server.url, f"the export of project {project_id} is not a list of tasks"))
    return export


def user_emails(server: Server) -> dict[int, str]:
    users = server.call("list users", lambda: list(server.client.users.list()))
    return {user.id: user.email for user in users if user.id is not None and user.email}


@dataclass
class PushReport:
    project_id: int
    created_project: bool
    created_tasks: int = 0
    updated_tasks: int = 0
    kept: list[str] = field(default_factory=list)


def push_tasks(
    server: Server,
    tasks: list[TaskSpec],
    *,
    title: str,
    project_id: int | None,
    as_annotations: bool,
    model_version: str,
    overlap: int,
) -> PushReport:
    """Create or update the project; never touch an existing annotation.

    Everything that can refuse is checked before the first change: a task whose text
    differs from the article's would carry annotations whose offsets no longer fit.
    """
    client = server.client
    config = cfg.label_config()
    project = find_project(server, title, project_id)
    existing: dict[str, dict[str, Any]] = {}
    if project is not None:
        problems = []
        for task in export_project(server, project.id):
            article_id = (task.get("data") or {}).get("article_id")
            if article_id is not None:
                existing.setdefault(article_id, task)
        for spec in tasks:
            task = existing.get(spec.article_id)
            if task is not None and task["data"].get("text") != spec.data["text"]:
                problems.append(Problem(f"task {task['id']} (article {spec.article_id})",
                                        "the task holds a different text of this article; its annotations' offsets would not fit the new text",
                                        field="data.text", hint="pull its annotations first, then push into a new project (--project NEW-TITLE)"))
        if problems:
            raise DiplonewsError(problems)
    # maximum_annotations: how many annotators see each task; model_version: which predictions pre-annotate.
    settings: dict[str, Any] = {"maximum_annotations": overlap, "model_version": model_version, "show_collab_predictions": True}
    if project is None:
        project = server.call("create the project", lambda: client.projects.create(
            title=title, label_config=config, description="diplonews: see annotations/GUIDELINES.md", **settings))
        report = PushReport(project.id, created_project=True)
    else:
        report = PushReport(project.id, created_project=False)
        changes = dict(settings)
        if project.label_config != config:
            changes["label_config"] = config
        server.call("update the project", lambda: client.projects.update(id=project.id, **changes))

    me = server.call("check the API token", lambda: client.users.whoami()).id
    new = [spec for spec in tasks if spec.article_id not in existing]
    if new:
        request = []
        for spec in new:
            item: dict[str, Any] = {"data": spec.data, "meta": spec.meta}
            if spec.result:
                if as_annotations:
                    item["annotations"] = [{"result": spec.result}]
                else:
                    item["predictions"] = [{"result": spec.result, "model_version": model_version}]
            request.append(item)
        server.call("import tasks", lambda: client.projects.import_tasks(id=project.id, request=request, return_task_ids=True))
        report.created_tasks = len(new)
    for spec in tasks:
        task = existing.get(spec.article_id)
        if task is None:
            continue
        task_id = task["id"]
        server.call(f"update task {task_id}", lambda task_id=task_id, spec=spec: client.tasks.update(id=str(task_id), data=spec.data, meta=spec.meta))
        report.updated_tasks += 1
        if not spec.result:
            continue
        if as_annotations:
            mine = [a for a in task.get("annotations") or [] if a.get("completed_by") == me]
            if mine:
                report.kept.append(f"task {task_id} (article {spec.article_id}): your annotation {mine[0].get('id')} is left as it is")
                continue
            server.call(f"annotate task {task_id}", lambda task_id=task_id, spec=spec: client.annotations.create(id=task_id, result=spec.result))
        else:
            old = server.call(f"list predictions of task {task_id}", lambda task_id=task_id: client.predictions.list(task=task_id))
            for prediction in old:
                if prediction.model_version == model_version and prediction.id is not None:
                    server.call(f"delete prediction {prediction.id}", lambda pid=prediction.id: client.predictions.delete(id=pid))
            server.call(f"pre-annotate task {task_id}", lambda task_id=task_id, spec=spec: client.predictions.create(
                task=task_id, result=spec.result, model_version=model_version))
    return report


# ---- command line -------------------------------------------------------------------------


def _root(args: argparse.Namespace) -> Path:
    return paths.repo_root(getattr(args, "root", None))


def _server_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", help=f"Label Studio server (default: ${URL_ENV})")
    parser.add_argument("--api-key", help=f"API token (default: ${API_KEY_ENV})")
    parser.add_argument("--project", default=DEFAULT_PROJECT, help=f"project title (default: {DEFAULT_PROJECT})")
    parser.add_argument("--project-id", type=int, help="project id (overrides --project)")


def _raw_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--raw-dir", type=Path, help="raw articles (default: dataset/raw)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `diplonews labelstudio` sub-commands."""
    sub = parser.add_subparsers(dest="ls_command", required=True, metavar="{config,push,pull,agreement,adjudicate}")

    config = sub.add_parser("config", help="regenerate annotations/label_studio.xml from labels.py")
    config.add_argument("--check", action="store_true", help="write nothing; exit 1 if the file is stale")
    config.add_argument("--output", type=Path, help="where to write (default: annotations/label_studio.xml)")

    push = sub.add_parser("push", help="create or update the project: one task per article, with pre-annotations")
    _server_arguments(push)
    _raw_argument(push)
    push.add_argument("--from", dest="source", type=Path,
                      help="annotation folder giving the article metadata, the catalog and the pre-annotations (default: annotations/gold)")
    push.add_argument("--predictions", action="append", default=[], metavar="LAYER=FILE",
                      help="pre-annotate LAYER (entities, temporal, discrepancies) from a model's JSONL rows instead of the folder's")
    push.add_argument("--preannotate", choices=("all", "metadata", "none"), default="all",
                      help="all: spans and article fields; metadata: article fields only (blind annotation); none")
    push.add_argument("--as", dest="as_", choices=("predictions", "annotations"), default="predictions",
                      help="import pre-annotations as predictions (annotators start from them) or as your own annotations")
    push.add_argument("--model-version", help="prediction model version (default: the folder's name)")
    push.add_argument("--overlap", type=int, default=2, help="annotators per task (default: 2, for agreement)")

    pull = sub.add_parser("pull", help="export annotations into one annotation folder per annotator")
    _server_arguments(pull)
    _raw_argument(pull)
    pull.add_argument("--out", type=Path, help="where the folders go (default: annotations/labelstudio)")
    pull.add_argument("--annotator", action="append", metavar="EMAIL", help="pull only this annotator (repeatable)")

    for name, text in (("agreement", "per-layer agreement between pulled folders"),
                       ("adjudicate", "write the agreed items and every disagreement for a human to resolve")):
        command = sub.add_parser(name, help=text)
        command.add_argument("folders", nargs="+", type=Path, help="two or more annotation folders (annotations/labelstudio/*)")
        _raw_argument(command)
        if name == "agreement":
            command.add_argument("--json", type=Path, help="also write the figures as JSON")
        else:
            command.add_argument("--out", type=Path, help="adjudication folder (default: annotations/adjudication)")


def cmd_config(args: argparse.Namespace) -> int:
    path = args.output or cfg.config_path(_root(args))
    text = cfg.label_config()
    current = path.read_text(encoding="utf-8") if path.is_file() else None
    if args.check:
        if current != text:
            print(f"{display_path(path)}: stale: differs from labels.py; run `diplonews labelstudio config`", file=sys.stderr)
            return EXIT_FAILED
        print(f"{display_path(path)} is up to date")
        return EXIT_OK
    if current == text:
        print(f"{display_path(path)} unchanged")
    else:
        atomic_write_text(path, text)
        print(f"wrote {display_path(path)}")
    return EXIT_OK


def _parse_predictions(specs: list[str]) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for spec in specs:
        layer, _, file = spec.partition("=")
        if layer not in LAYER_FILES or not file:
            raise DiplonewsError(Problem("", f"bad --predictions {spec!r}", field="--predictions",
                                         hint=f"write LAYER=FILE with LAYER one of {', '.join(LAYER_FILES)}"))
        out[layer] = Path(file)
    return out


def cmd_push(args: argparse.Namespace) -> int:
    root = _root(args)
    raw = read_raw_articles(args.raw_dir or root / "dataset" / paths.RAW_DIR)
    source_dir = args.source or root / paths.GOLD_DIR
    source = load_annotations(source_dir, raw)
    layers = dict(source.tables)
    predictions = _parse_predictions(args.predictions)
    for layer, path in predictions.items():
        layers[layer] = read_predictions(layer, path, raw)
    tasks = build_tasks(source, raw, layers=layers, preannotate=args.preannotate)
    model_version = args.model_version or ("predictions" if predictions else source_dir.resolve().name)
    server = connect(args.url, args.api_key)
    report = push_tasks(server, tasks, title=args.project, project_id=args.project_id, as_annotations=args.as_ == "annotations",
                        model_version=model_version, overlap=args.overlap)
    verb = "created" if report.created_project else "updated"
    print(f"project {report.project_id} ({args.project if args.project_id is None else 'id ' + str(args.project_id)}) {verb}: "
          f"{report.created_tasks} task(s) imported, {report.updated_tasks} updated, "
          f"pre-annotations as {args.as_} ({args.preannotate}, model version {model_version!r})")
    for note in report.kept:
        print(f"  kept: {note}")
    print(f"annotate at {server.url}/projects/{report.project_id}")
    return EXIT_OK


def cmd_pull(args: argparse.Namespace) -> int:
    root = _root(args)
    raw = read_raw_articles(args.raw_dir or root / "dataset" / paths.RAW_DIR)
    server = connect(args.url, args.api_key)
    project = find_project(server, args.project, args.project_id)
    if project is None:
        raise DiplonewsError(Problem(server.url, f"no project titled {args.project!r}", field="--project",
                                     hint="push first, or pass --project-id"))
    export = export_project(server, project.id)
    folders = convert_export(export, user_emails(server), raw, only=args.annotator)
    out_dir = args.out or root / "annotations" / "labelstudio"
    if not folders:
        print(f"project {project.id}: no submitted annotations{' by ' + ', '.join(args.annotator) if args.annotator else ''}; nothing written")
        return EXIT_OK
    written = write_folders(folders, out_dir, raw, project=project.id)
    for folder, path in zip(folders, written, strict=True):
        counts = ", ".join(f"{len(folder.files[LAYER_FILES[name]])} {name}" for name in LAYER_FILES)
        done = folder.provenance["annotated_articles"]
        print(f"{folder.annotator}: {len(done)} article(s), {counts} -> {display_path(path)}")
        if folder.provenance["not_annotated"]:
            print(f"  not annotated yet: {', '.join(folder.provenance['not_annotated'])}")
    return EXIT_OK


def cmd_agreement(args: argparse.Namespace) -> int:
    raw_dir = args.raw_dir or _root(args) / "dataset" / paths.RAW_DIR
    sets, compared = comparable_sets(args.folders, raw_dir)
    result = agreement.agreement(sets)
    result["articles_compared"] = compared
    print(f"articles compared: {', '.join(compared)}")
    print(agreement.render_table(result))
    if args.json:
        atomic_write_text(args.json, json.dumps(result, indent=2, sort_keys=True) + "\n")
        print(f"wrote {display_path(args.json)}")
    return EXIT_OK


def cmd_adjudicate(args: argparse.Namespace) -> int:
    raw_dir = args.raw_dir or _root(args) / "dataset" / paths.RAW_DIR
    sets = load_folders(args.folders, raw_dir)
    out_dir = args.out or _root(args) / "annotations" / "adjudication"
    kept, open_items = agreement.write_adjudication(sets, out_dir)
    print(f"{kept} agreed item(s) and {open_items} disagreement(s) to resolve -> {display_path(out_dir)}")
    print(f"  resolve every line of {display_path(out_dir / 'disagreements.jsonl')}, then merge into annotations/gold")
    return EXIT_OK


def main(args: argparse.Namespace) -> int:
    commands = {
        "config": cmd_config,
        "push": cmd_push,
        "pull": cmd_pull,
        "agreement": cmd_agreement,
        "adjudicate": cmd_adjudicate,
    }
    return commands[args.ls_command](args)
