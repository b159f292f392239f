"""Pull side, step 3: discrepancy spans from every task -> discrepancies.jsonl rows.

A discrepancy may have spans in several articles (tasks). Within one task, spans linked by
`same_discrepancy` relations form one group; across tasks, spans group by their
discrepancy_id. Every span of a discrepancy must agree on the shared fields (or leave them
empty), and the spans keep the order push gave them (`<discrepancy_id>-s<n>` region ids).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import Any

from diplonews.contract.errors import Problem
from diplonews.labelstudio import labeling_config as cfg
from diplonews.labelstudio.relations import UnionFind


@dataclass
class DiscrepancySpan:
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


def name_groups(spans: list[DiscrepancySpan], links: UnionFind, problems: list[Problem]) -> None:
    """Spans linked in one task share one discrepancy_id (the one typed, or one made from a region id)."""
    components: dict[str, list[DiscrepancySpan]] = {}
    for span in spans:
        components.setdefault(links.find(span.region_id), []).append(span)
    for members in components.values():
        named = sorted({span.discrepancy_id for span in members if span.discrepancy_id})
        if len(named) > 1:
            problems.append(
                Problem(
                    "inconsistent-value",
                    f"spans linked by {cfg.RELATION_SAME_DISCREPANCY} relations have different discrepancy_ids",
                    where=members[0].at,
                    field=cfg.DISCREPANCY_ID,
                    value=named,
                    hint="one discrepancy, one id: fix the ids or delete the relation",
                )
            )
            continue
        group = named[0] if named else f"d-{min(members, key=lambda s: (s.start, s.region_id)).region_id}"
        for span in members:
            span.group = group


def _span_order(span: DiscrepancySpan) -> tuple[int, int, int, str]:
    match = re.fullmatch(re.escape(span.group) + r"-s(\d+)", span.region_id)
    index = int(match.group(1)) if match else sys.maxsize
    return (index, span.task_order, span.start, span.region_id)


def _agreed(
    discrepancy_id: str,
    name: str,
    values: list[tuple[Any, str]],
    problems: list[Problem],
    *,
    required: bool = False,
) -> Any:
    """The one value the spans give for `name` (None when none gives one); a problem if they differ."""
    distinct = sorted({value for value, _ in values if value is not None}, key=str)
    first_at = values[0][1]
    if len(distinct) > 1:
        shown = "; ".join(f"{value!r} at {at}" for value, at in values if value is not None)
        problems.append(
            Problem(
                "inconsistent-value",
                f"discrepancy {discrepancy_id}: its spans disagree on {name}: {shown}",
                where=first_at,
                field=name,
                value=distinct,
                hint="the fields of a discrepancy must be equal on all its spans (or left empty on all but one)",
            )
        )
        return None
    if not distinct and required:
        problems.append(
            Problem(
                "missing-field",
                f"discrepancy {discrepancy_id} has no {name}",
                where=first_at,
                field=name,
                hint=f"fill {name} on one of its spans",
            )
        )
    return distinct[0] if distinct else None


def _record(discrepancy_id: str, members: list[DiscrepancySpan], problems: list[Problem]) -> dict[str, Any]:
    def agreed(name: str, values: list[Any], required: bool = False) -> Any:
        pairs = [(value, span.at) for value, span in zip(values, members, strict=True)]
        return _agreed(discrepancy_id, name, pairs, problems, required=required)

    kind = agreed("type", [span.type for span in members])
    description = agreed(cfg.DISCREPANCY_DESCRIPTION, [span.description for span in members], required=True)
    scope = agreed(cfg.DISCREPANCY_SCOPE, [span.scope for span in members])
    if scope is None:
        scope = "intra_document" if len({span.article_id for span in members}) == 1 else "cross_document"
    corrections = [(span.correction, span.at) for span in members] + [("", span.at) for span in members if span.delete]
    correction = _agreed(discrepancy_id, "correction", corrections, problems)
    return {
        "discrepancy_id": discrepancy_id,
        "type": kind,
        "scope": scope,
        "spans": [{"article_id": span.article_id, "start": span.start, "text": span.text} for span in members],
        "description": description,
        "correction": correction,
    }


def merge_discrepancies(spans: list[DiscrepancySpan], problems: list[Problem]) -> list[dict[str, Any]]:
    """Group spans by discrepancy id across tasks; every span must agree on the shared fields."""
    groups: dict[str, list[DiscrepancySpan]] = {}
    for span in spans:
        groups.setdefault(span.group, []).append(span)
    return [
        _record(discrepancy_id, sorted(members, key=_span_order), problems)
        for discrepancy_id, members in sorted(groups.items())
    ]
