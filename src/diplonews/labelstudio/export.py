"""Pull side: a Label Studio export -> one annotation folder per annotator, checked before anything is written."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from diplonews.contract import labels, timex
from diplonews.contract.errors import DiplonewsError, Problem, display_path
from diplonews.io.annotations import (
    ARTICLES_FILE,
    CATALOG_FILE,
    LAYER_FILES,
    Article,
    load_annotations,
)
from diplonews.io.files import dump_jsonl, sha256_bytes
from diplonews.labelstudio import labeling_config as cfg
from diplonews.labelstudio.labeling_config import (
    DCT_PATTERN,
    ENTITY_ID_PATTERN,
    META_KEY,
    PROVENANCE_FILE,
    REGION_ID_PATTERN,
)
from diplonews.labelstudio.offsets import OffsetMap


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
        problems.append(
            Problem(
                "bad-export", f"expected a list of strings, found {entries!r}", where=at, field=result.get("from_name")
            )
        )
        return None
    text = "\n".join(entries)
    return text if text.strip() else None


def _one_choice(
    result: dict[str, Any] | None, allowed: tuple[str, ...], at: str, problems: list[Problem]
) -> str | None:
    if result is None:
        return None
    choices = result.get("value", {}).get("choices")
    control = result.get("from_name")
    if not isinstance(choices, list) or len(choices) > 1:
        problems.append(Problem("bad-export", f"expected one choice, found {choices!r}", where=at, field=control))
        return None
    if not choices:
        return None
    if choices[0] not in allowed:
        problems.append(
            Problem(
                "unknown-label",
                f"unknown choice {choices[0]!r}",
                where=at,
                field=control,
                hint=f"one of: {', '.join(allowed)}",
            )
        )
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
        return None, [
            Problem(
                "bad-export",
                f"annotation result must be a list, found {type(result).__name__}",
                where=at,
                field="result",
            )
        ]
    for index, item in enumerate(result):
        item_at = f"{at}, result[{index}]"
        if not isinstance(item, dict):
            problems.append(Problem("bad-export", f"expected an object, found {type(item).__name__}", where=item_at))
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
                problems.append(Problem("bad-export", "region has no id", where=item_at, field="id"))
                continue
            refused.add(region_id)  # until it passes every check below
            if not isinstance(chosen, list) or len(chosen) != 1:
                problems.append(
                    Problem(
                        "unknown-label",
                        f"a region needs exactly one label, found {chosen!r}",
                        where=item_at,
                        field=control,
                    )
                )
                continue
            if chosen[0] not in cfg.LABEL_VALUES[control]:
                problems.append(
                    Problem(
                        "bad-export",
                        f"unknown {control} label {chosen[0]!r}",
                        where=item_at,
                        field=control,
                        hint=f"labels of {control}: {', '.join(cfg.LABEL_VALUES[control])}; the label sets live in src/diplonews/labels.py",
                    )
                )
                continue
            if region_id in regions:
                other = regions[region_id].control
                problems.append(
                    Problem(
                        "bad-export",
                        f"region carries two labels ({other} and {control})",
                        where=item_at,
                        field=control,
                        hint="a region is an entity, a timex or a discrepancy span: split it into two regions",
                    )
                )
                continue
            start, end = value.get("start"), value.get("end")
            if not all(isinstance(x, int) and not isinstance(x, bool) for x in (start, end)):
                problems.append(
                    Problem(
                        "type-error",
                        f"start/end must be integers, found {start!r}/{end!r}",
                        where=item_at,
                        field="start",
                    )
                )
                continue
            try:
                cp_start, cp_end = offsets.from_editor(start), offsets.from_editor(end)  # type: ignore[arg-type]  # checked as integers above
            except ValueError as error:
                problems.append(Problem("span-out-of-range", f"bad offset: {error}", where=item_at, field="start"))
                continue
            if cp_start >= cp_end:
                problems.append(
                    Problem(
                        "span-out-of-range",
                        f"empty or reversed span [{start}, {end})",
                        where=item_at,
                        field="start",
                    )
                )
                continue
            surface = article.text[cp_start:cp_end]
            claimed = value.get("text")
            if claimed != surface:
                problems.append(
                    Problem(
                        "span-mismatch",
                        f"region text {claimed!r} does not match article {article.id}[{cp_start}:{cp_end}] = {surface!r} "
                        f"(editor offsets [{start}, {end}))",
                        where=item_at,
                        field="text",
                        hint="the task text differs from the raw article, or the offsets were not counted in code points "
                        "(the editor counts code points, not UTF-16 units)",
                    )
                )
                continue
            regions[region_id] = _Region(region_id, control, chosen[0], cp_start, cp_end, surface)
            refused.discard(region_id)
        elif control in cfg.PER_REGION:
            attributes.append((item_at, {**item, "id": region_id}))
        elif control in cfg.ARTICLE_CONTROLS:
            if control in article_controls:
                problems.append(Problem("duplicate-id", "article field given twice", where=item_at, field=control))
                continue
            article_controls[control] = item
        else:
            problems.append(
                Problem(
                    "bad-export",
                    f"unknown control {control!r}",
                    where=item_at,
                    field="from_name",
                    hint="the project's labeling config differs from annotations/label_studio.xml; push to update it",
                )
            )

    for item_at, item in attributes:
        control, region_id = item["from_name"], item["id"]
        region = regions.get(region_id)
        if region is None and region_id in refused:
            continue
        if region is None:
            problems.append(
                Problem(
                    "bad-export",
                    "attribute of a missing region (no labeled region has this id)",
                    where=item_at,
                    field=control,
                )
            )
            continue
        owner = cfg.PER_REGION[control][0]
        if region.control != owner:
            problems.append(
                Problem(
                    "bad-export",
                    f"{control} belongs to {owner} regions, this region is a {region.control}",
                    where=item_at,
                    field=control,
                )
            )
            continue
        if control in region.attributes:
            problems.append(Problem("duplicate-id", "attribute given twice", where=item_at, field=control))
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
                Problem(
                    "bad-export",
                    f"relation {ends[0]!r} -> {ends[1]!r} points to a missing region {missing[0]!r}",
                    where=rel_at,
                    field="to_id",
                    hint="delete the relation, or restore the region it links",
                )
            )
            continue
        first, second = regions[ends[0]], regions[ends[1]]
        rel_labels = relation.get("labels") or []
        if (
            not isinstance(rel_labels, list)
            or len(rel_labels) > 1
            or (rel_labels and rel_labels[0] not in cfg.RELATION_LABELS)
        ):
            problems.append(
                Problem(
                    "bad-export",
                    f"unknown relation label(s) {rel_labels!r}",
                    where=rel_at,
                    field="labels",
                    hint=f"one of: {', '.join(cfg.RELATION_LABELS)}",
                )
            )
            continue
        kinds = {first.control, second.control}
        label = (
            rel_labels[0]
            if rel_labels
            else (cfg.RELATION_ANCHOR if kinds == {cfg.TIMEX} else cfg.RELATION_SAME_DISCREPANCY)
        )
        if label == cfg.RELATION_ANCHOR:
            if kinds != {cfg.TIMEX}:
                problems.append(
                    Problem(
                        "bad-export",
                        f"an anchor relation links two timexes, not {first.control} -> {second.control}",
                        where=rel_at,
                        field="labels",
                    )
                )
                continue
            direction = relation.get("direction", "right")
            if direction not in {"right", "left"}:
                problems.append(
                    Problem(
                        "bad-export",
                        f"an anchor relation needs a direction, found {direction!r}",
                        where=rel_at,
                        field="direction",
                        hint="point it from the anchored timex to its anchor",
                    )
                )
                continue
            anchored, anchor = (first, second) if direction == "right" else (second, first)
            if anchored.id in anchors and anchors[anchored.id] != anchor.id:
                problems.append(
                    Problem(
                        "bad-export", f"timex {anchored.id!r} has two anchor relations", where=rel_at, field="labels"
                    )
                )
                continue
            anchors[anchored.id] = anchor.id
        else:
            if kinds != {cfg.DISCREPANCY}:
                problems.append(
                    Problem(
                        "bad-export",
                        f"a {label} relation links two discrepancy spans, not {first.control} -> {second.control}",
                        where=rel_at,
                        field="labels",
                    )
                )
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
                Problem(
                    "bad-export",
                    f"spans linked by {cfg.RELATION_SAME_DISCREPANCY} relations have different discrepancy_ids {named}",
                    where=members[0].at,
                    field=cfg.DISCREPANCY_ID,
                    hint="one discrepancy, one id: fix the ids or delete the relation",
                )
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


def _article_fields(
    controls: dict[str, dict[str, Any]], data: dict[str, Any], at: str, problems: list[Problem]
) -> dict[str, Any]:
    """The articles.jsonl line: annotated fields from the annotation, the rest from the task."""
    text = {
        name: _text_entries(controls[name], at, problems) if name in controls else None
        for name in cfg.ARTICLE_TEXTAREAS
    }
    found = len(problems)
    event = _one_choice(controls.get(cfg.ARTICLE_EVENT), labels.EVENTS, at, problems)
    if event is None and len(problems) == found:
        problems.append(
            Problem(
                "bad-export",
                "the article's event is not chosen",
                where=at,
                field=cfg.ARTICLE_EVENT,
                hint=f"choose one of: {', '.join(labels.EVENTS)}",
            )
        )
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
    if record["dct"] is not None and not DCT_PATTERN.match(record["dct"]):
        problems.append(
            Problem(
                "bad-export",
                f"dct {record['dct']!r} is not a date YYYY-MM-DD",
                where=at,
                field="dct",
                hint="leave it empty when the text does not determine it",
            )
        )
    return record


def _entity_row(region: _Region, article_id: str, at: str, pulled: _TaskPull, problems: list[Problem]) -> None:
    entity_id = (
        _text_entries(region.attributes[cfg.ENTITY_ID], at, problems) if cfg.ENTITY_ID in region.attributes else None
    )
    canonical = (
        _text_entries(region.attributes[cfg.CANONICAL_NAME], at, problems)
        if cfg.CANONICAL_NAME in region.attributes
        else None
    )
    if entity_id is not None:
        entity_id = entity_id.strip()
    elif canonical is not None:
        entity_id = re.sub(r"[^a-z0-9]+", "_", canonical.lower()).strip("_")
    if not entity_id:
        problems.append(
            Problem(
                "bad-export",
                "entity mention has no entity_id (and no canonical name to derive it from)",
                where=at,
                field=cfg.ENTITY_ID,
                hint="type the referent's entity_id, e.g. qin_gang",
            )
        )
        return
    if not ENTITY_ID_PATTERN.match(entity_id):
        problems.append(
            Problem(
                "bad-export",
                f"entity_id {entity_id!r} is not a lowercase slug",
                where=at,
                field=cfg.ENTITY_ID,
                hint="use a-z, 0-9 and _ only, e.g. qin_gang",
            )
        )
        return
    surface_error = (
        _one_choice(region.attributes.get(cfg.SURFACE_ERROR), (cfg.SURFACE_ERROR_CHOICE,), at, problems) is not None
    )
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
    value = (
        _text_entries(region.attributes[cfg.TIMEX_VALUE], at, problems)
        if cfg.TIMEX_VALUE in region.attributes
        else None
    )
    value = value.strip() if value is not None else None
    if not timex.is_valid_value(region.label, value):
        problems.append(
            Problem(
                "bad-export",
                f"{value!r} is not a valid TIMEX3 value for type {region.label}",
                where=at,
                field=cfg.TIMEX_VALUE,
                hint="see annotations/GUIDELINES.md section 2.4; leave it empty when the text does not determine it",
            )
        )
        return
    mod = _one_choice(region.attributes.get(cfg.TIMEX_MOD), labels.TIMEX_MODS, at, problems)
    dct = _one_choice(region.attributes.get(cfg.TIMEX_ANCHOR), (cfg.DCT_CHOICE,), at, problems)
    anchor: str | None = labels.DCT_ANCHOR if dct else None
    if region.id in anchors:
        if anchor is not None:
            problems.append(
                Problem(
                    "bad-export",
                    "anchored both to the dct and, by a relation, to another timex",
                    where=at,
                    field=cfg.TIMEX_ANCHOR,
                    hint="untick dct or delete the anchor relation",
                )
            )
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


def _discrepancy_span(
    region: _Region, article_id: str, at: str, task_order: int, problems: list[Problem]
) -> _DiscrepancySpan:
    def text(control: str) -> str | None:
        return _text_entries(region.attributes[control], at, problems) if control in region.attributes else None

    discrepancy_id = text(cfg.DISCREPANCY_ID)
    discrepancy_id = discrepancy_id.strip() if discrepancy_id else None
    if discrepancy_id is not None and not REGION_ID_PATTERN.match(discrepancy_id):
        problems.append(
            Problem(
                "bad-export",
                f"discrepancy_id {discrepancy_id!r} has characters outside letters, digits and _ . : -",
                where=at,
                field=cfg.DISCREPANCY_ID,
            )
        )
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
        delete=_one_choice(region.attributes.get(cfg.DISCREPANCY_DELETE), (cfg.DELETE_CHOICE,), at, problems)
        is not None,
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

        def agreed(
            name: str,
            values: list[tuple[Any, str]],
            required: bool = False,
            members: list[_DiscrepancySpan] = members,
            discrepancy_id: str = discrepancy_id,
        ) -> Any:
            distinct = sorted({value for value, _ in values if value is not None}, key=str)
            if len(distinct) > 1:
                shown = "; ".join(f"{value!r} at {at}" for value, at in values if value is not None)
                problems.append(
                    Problem(
                        "bad-export",
                        f"discrepancy {discrepancy_id}: its spans disagree on {name}: {shown}",
                        where=members[0].at,
                        field=name,
                        hint="the fields of a discrepancy must be equal on all its spans (or left empty on all but one)",
                    )
                )
                return None
            if not distinct and required:
                problems.append(
                    Problem(
                        "bad-export",
                        f"discrepancy {discrepancy_id} has no {name}",
                        where=members[0].at,
                        field=name,
                        hint=f"fill {name} on one of its spans",
                    )
                )
            return distinct[0] if distinct else None

        kind = agreed("type", [(span.type, span.at) for span in members])
        description = agreed(
            cfg.DISCREPANCY_DESCRIPTION, [(span.description, span.at) for span in members], required=True
        )
        scope = agreed(cfg.DISCREPANCY_SCOPE, [(span.scope, span.at) for span in members])
        if scope is None:
            scope = "intra_document" if len({span.article_id for span in members}) == 1 else "cross_document"
        corrections = [(span.correction, span.at) for span in members] + [
            ("", span.at) for span in members if span.delete
        ]
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
                problems.append(
                    Problem(
                        "bad-export",
                        f"the catalog entry of {entity_id!r} differs from the one in task {source[entity_id]}",
                        where=f"task {task.get('id')}",
                        field="meta",
                        hint="push again: every task gets the same catalog",
                    )
                )
                continue
            catalog.setdefault(entity_id, entry)
            source.setdefault(entity_id, str(task.get("id")))
    return catalog


def _build_catalog(
    base: dict[str, dict[str, Any]],
    entities: list[dict[str, Any]],
    canonical: dict[str, list[tuple[str, str]]],
    where_of: dict[str, str],
    problems: list[Problem],
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
            problems.append(
                Problem(
                    "bad-export",
                    f"entity {entity_id!r} has different canonical names: {shown}",
                    where=first_at[entity_id],
                    field=cfg.CANONICAL_NAME,
                    hint="one referent, one canonical name: make them equal",
                )
            )
            continue
        if entity_id in catalog:
            if distinct and catalog[entity_id].get("canonical_name") != distinct[0]:
                catalog[entity_id]["canonical_name"] = distinct[0]
            continue
        if not distinct:
            problems.append(
                Problem(
                    "bad-export",
                    f"new entity {entity_id!r} has no canonical name",
                    where=first_at[entity_id],
                    field=cfg.CANONICAL_NAME,
                    hint="type the referent's established English name on one of its mentions",
                )
            )
            continue
        counts = labels_of[entity_id]
        label = max(counts, key=lambda name: (counts[name], -labels.ENTITY_LABELS.index(name)))
        catalog[entity_id] = {
            "entity_id": entity_id,
            "canonical_name": distinct[0],
            "label": label,
            "description": None,
        }
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
            problems.append(
                Problem(
                    "bad-export",
                    "task has no article_id/text in its data: not a diplonews task",
                    where=at,
                    field="data",
                    hint="pull from a project created by `diplonews labelstudio push`",
                )
            )
            continue
        if not isinstance(data.get("language"), str):
            problems.append(
                Problem(
                    "bad-export",
                    "task has no language in its data",
                    where=at,
                    field="data.language",
                    hint="push again: push writes it",
                )
            )
            continue
        article = raw.get(article_id)
        if article is None:
            problems.append(
                Problem(
                    "bad-export",
                    f"article {article_id!r} has no raw file",
                    where=at,
                    field="article_id",
                    hint="pass the --raw-dir the project was pushed from",
                )
            )
            continue
        if data["text"] != article.text:
            problems.append(
                Problem(
                    "bad-export",
                    f"the task's text of article {article_id} differs from {display_path(article.path)} "
                    f"(sha256 {sha256_bytes(data['text'].encode('utf-8'))[:12]} vs {sha256_bytes(article.raw)[:12]})",
                    where=at,
                    field="data.text",
                    hint="offsets would shift: pull with the raw text the project was pushed with",
                )
            )
            continue
        tasks.append(task)
    seen_articles: dict[str, Any] = {}
    for task in tasks:
        article_id = task["data"]["article_id"]
        if article_id in seen_articles:
            problems.append(
                Problem(
                    "bad-export",
                    f"article {article_id} is also task {seen_articles[article_id]}",
                    where=f"task {task.get('id')}",
                    field="data.article_id",
                    hint="one task per article: delete the duplicate task",
                )
            )
        seen_articles.setdefault(article_id, task.get("id"))
    for article_id in sorted(set(raw) - set(seen_articles)):
        problems.append(
            Problem(
                "bad-export",
                f"article {article_id} has no task in the project",
                where=display_path(raw[article_id].path),
                hint="push it first, or pass a --raw-dir holding only the project's articles",
            )
        )
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
                    Problem(
                        "bad-export",
                        f"{email} has two annotations of article {article_id} "
                        f"({mine[article_id][1].get('id')} and {annotation.get('id')})",
                        where=f"task {task.get('id')}",
                        hint="delete the one that should not count in Label Studio, then pull again",
                    )
                )
                continue
            mine[article_id] = (task, annotation)

    slugs: dict[str, str] = {}
    folders = []
    for email in sorted(by_annotator):
        slug = annotator_slug(email)
        if slug in slugs:
            problems.append(
                Problem(
                    "annotator-clash",
                    f"annotators {slugs[slug]} and {email} map to the same folder name {slug!r}",
                    where="",
                )
            )
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
                {
                    "id": article_id,
                    **{name: data.get(name) for name in ("title", "publisher", "event", "dct", "dct_evidence")},
                    "language": data["language"],
                    "sha256": data.get("sha256"),
                }
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
                problems.append(
                    Problem(
                        "bad-export",
                        f"id {region_id!r} is also used at {where_of[region_id]}",
                        where=region_at,
                        field="id",
                        hint="mention and timex ids are unique across all articles: rename one region's id",
                    )
                )
            where_of[region_id] = region_at
        provenance_tasks.append(
            {
                "task": task.get("id"),
                "article_id": article_id,
                "annotation": annotation.get("id"),
                "updated_at": annotation.get("updated_at"),
            }
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


def write_folders(
    folders: list[PulledFolder], out_dir: Path, raw: dict[str, Article], *, project: int | None = None
) -> list[Path]:
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
                problems.extend(
                    dataclasses.replace(p, where=f"annotator {folder.annotator}" + (f", {p.where}" if p.where else ""))
                    for p in error.problems
                )
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
