"""Pull side, step 2: checked regions of one annotation -> rows of the annotation folder format.

Entities and timexes become rows at once; discrepancy spans are kept as `DiscrepancySpan`s
and merged across tasks by `diplonews.labelstudio.discrepancies`. The articles.jsonl line
takes the annotated article fields from the annotation, the rest from the task.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from diplonews.contract import labels, timex
from diplonews.contract.errors import Problem
from diplonews.io.annotations import Article
from diplonews.labelstudio import labeling_config as cfg
from diplonews.labelstudio.discrepancies import DiscrepancySpan, name_groups
from diplonews.labelstudio.regions import Region, check_id, one_choice, parse_result, text_entries
from diplonews.labelstudio.relations import resolve_relations

ARTICLE_DATA_FIELDS = ("title", "publisher", "event", "dct", "dct_evidence")


@dataclass
class TaskPull:
    """What one annotation of one task contributes to its annotator's folder."""

    article: dict[str, Any]
    entities: list[dict[str, Any]] = field(default_factory=list)
    canonical: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # entity_id -> (name, where)
    temporal: list[dict[str, Any]] = field(default_factory=list)
    spans: list[DiscrepancySpan] = field(default_factory=list)
    where: dict[str, str] = field(default_factory=dict)  # mention/timex id -> where


def convert_annotation(
    result: Any,
    article: Article,
    task_data: dict[str, Any],
    at: str,
    task_order: int,
) -> tuple[TaskPull | None, list[Problem]]:
    """One annotation's result list -> rows of the folder format, or the problems found."""
    problems: list[Problem] = []
    parsed = parse_result(result, article.text, at, problems)
    if parsed is None:
        return None, problems
    links = resolve_relations(parsed, problems)
    pulled = TaskPull(article_fields(parsed.article_controls, task_data, at, problems))
    for region in sorted(parsed.regions.values(), key=lambda r: (r.start, r.end, r.id)):
        region_at = f"{at}, region {region.id!r}"
        if region.control == cfg.ENTITY:
            _entity_row(region, article.id, region_at, pulled, problems)
        elif region.control == cfg.TIMEX:
            _timex_row(region, article.id, links.anchors, region_at, pulled, problems)
        else:
            pulled.spans.append(_discrepancy_span(region, article.id, region_at, task_order, problems))
    name_groups(pulled.spans, links.groups, problems)
    return (None if problems else pulled), problems


def unannotated_article(data: dict[str, Any]) -> dict[str, Any]:
    """The articles.jsonl line of an article the annotator did not annotate: as pushed."""
    return {
        "id": data["article_id"],
        **{name: data.get(name) for name in ARTICLE_DATA_FIELDS},
        "language": data["language"],
        "sha256": data.get("sha256"),
    }


def article_fields(
    controls: dict[str, dict[str, Any]], data: dict[str, Any], at: str, problems: list[Problem]
) -> dict[str, Any]:
    """The articles.jsonl line: annotated fields from the annotation, the rest from the task."""
    text = {
        name: text_entries(controls[name], at, problems) if name in controls else None for name in cfg.ARTICLE_TEXTAREAS
    }
    found = len(problems)
    event = one_choice(controls.get(cfg.ARTICLE_EVENT), labels.EVENTS, at, problems)
    if event is None and len(problems) == found:
        problems.append(
            Problem(
                "missing-field",
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
    if record["dct"] is not None and not cfg.DCT_PATTERN.match(record["dct"]):
        problems.append(
            Problem(
                "bad-format",
                "dct is not a date YYYY-MM-DD",
                where=at,
                field="dct",
                value=record["dct"],
                hint="leave it empty when the text does not determine it",
            )
        )
    return record


def _field_text(region: Region, control: str, at: str, problems: list[Problem]) -> str | None:
    return text_entries(region.attributes[control], at, problems) if control in region.attributes else None


def _entity_id(region: Region, canonical: str | None, at: str, problems: list[Problem]) -> str | None:
    """The typed entity_id, else a slug of the canonical name; checked as a slug."""
    entity_id = _field_text(region, cfg.ENTITY_ID, at, problems)
    if entity_id is not None:
        entity_id = entity_id.strip()
    elif canonical is not None:
        entity_id = re.sub(r"[^a-z0-9]+", "_", canonical.lower()).strip("_")
    if not entity_id:
        problems.append(
            Problem(
                "missing-field",
                "entity mention has no entity_id (and no canonical name to derive it from)",
                where=at,
                field=cfg.ENTITY_ID,
                hint="type the referent's entity_id, e.g. qin_gang",
            )
        )
        return None
    if not cfg.ENTITY_ID_PATTERN.match(entity_id):
        problems.append(
            Problem(
                "bad-format",
                "entity_id is not a lowercase slug",
                where=at,
                field=cfg.ENTITY_ID,
                value=entity_id,
                hint="use a-z, 0-9 and _ only, e.g. qin_gang",
            )
        )
        return None
    return entity_id


def _entity_row(region: Region, article_id: str, at: str, pulled: TaskPull, problems: list[Problem]) -> None:
    canonical = _field_text(region, cfg.CANONICAL_NAME, at, problems)
    entity_id = _entity_id(region, canonical, at, problems)
    if entity_id is None:
        return
    surface_error = (
        one_choice(region.attributes.get(cfg.SURFACE_ERROR), (cfg.SURFACE_ERROR_CHOICE,), at, problems) is not None
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


def _timex_anchor(region: Region, anchors: dict[str, str], at: str, problems: list[Problem]) -> tuple[bool, str | None]:
    """(ok, anchor): 'dct' when ticked, the related timex when linked, None when neither."""
    dct = one_choice(region.attributes.get(cfg.TIMEX_ANCHOR), (cfg.DCT_CHOICE,), at, problems)
    if region.id not in anchors:
        return True, labels.DCT_ANCHOR if dct else None
    if dct:
        problems.append(
            Problem(
                "bad-relation",
                "anchored both to the dct and, by a relation, to another timex",
                where=at,
                field=cfg.TIMEX_ANCHOR,
                hint="untick dct or delete the anchor relation",
            )
        )
        return False, None
    return True, anchors[region.id]


def _timex_row(
    region: Region, article_id: str, anchors: dict[str, str], at: str, pulled: TaskPull, problems: list[Problem]
) -> None:
    value = _field_text(region, cfg.TIMEX_VALUE, at, problems)
    value = value.strip() if value is not None else None
    if not timex.is_valid_value(region.label, value):
        problems.append(
            Problem(
                "timex-grammar",
                f"not a valid TIMEX3 value for type {region.label}",
                where=at,
                field=cfg.TIMEX_VALUE,
                value=value,
                hint="see annotations/GUIDELINES.md section 2.4; leave it empty when the text does not determine it",
            )
        )
        return
    mod = one_choice(region.attributes.get(cfg.TIMEX_MOD), labels.TIMEX_MODS, at, problems)
    ok, anchor = _timex_anchor(region, anchors, at, problems)
    if not ok:
        return
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
    region: Region, article_id: str, at: str, task_order: int, problems: list[Problem]
) -> DiscrepancySpan:
    discrepancy_id = _field_text(region, cfg.DISCREPANCY_ID, at, problems)
    discrepancy_id = discrepancy_id.strip() if discrepancy_id else None
    if (
        discrepancy_id is not None
        and check_id(discrepancy_id, at, "a discrepancy", problems, cfg.DISCREPANCY_ID) is None
    ):
        discrepancy_id = None
    correction = region.attributes.get(cfg.DISCREPANCY_CORRECTION)
    return DiscrepancySpan(
        region_id=region.id,
        article_id=article_id,
        start=region.start,
        end=region.end,
        text=region.text,
        type=region.label,
        discrepancy_id=discrepancy_id,
        scope=one_choice(region.attributes.get(cfg.DISCREPANCY_SCOPE), labels.DISCREPANCY_SCOPES, at, problems),
        description=_field_text(region, cfg.DISCREPANCY_DESCRIPTION, at, problems),
        # a correction keeps its exact text (leading/trailing spaces can be the correction)
        correction=text_entries(correction, at, problems, strip_empty=False) if correction else None,
        delete=one_choice(region.attributes.get(cfg.DISCREPANCY_DELETE), (cfg.DELETE_CHOICE,), at, problems)
        is not None,
        at=at,
        task_order=task_order,
    )
