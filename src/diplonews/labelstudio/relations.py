"""Pull side, step 1b: the relations of one annotation -> timex anchors and linked discrepancy spans.

An `anchor` relation points from a timex to the timex it is resolved against; a
`same_discrepancy` relation links spans of one discrepancy in one article. Relations to a
region refused in step 1 are not reported again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from diplonews.contract.errors import Problem
from diplonews.labelstudio import labeling_config as cfg
from diplonews.labelstudio.regions import ParsedResult, Region, clean_id


class UnionFind:
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


@dataclass
class Links:
    """What the relations say: timex anchors and groups of discrepancy spans."""

    anchors: dict[str, str] = field(default_factory=dict)  # anchored timex id -> anchor timex id
    groups: UnionFind = field(default_factory=UnionFind)  # discrepancy spans linked by relations


def resolve_relations(parsed: ParsedResult, problems: list[Problem]) -> Links:
    links = Links()
    for at, relation in parsed.relations:
        _add_relation(relation, at, parsed, links, problems)
    return links


def _relation_ends(
    relation: dict[str, Any], at: str, parsed: ParsedResult, problems: list[Problem]
) -> tuple[Region, Region] | None:
    ends = [clean_id(relation.get(name)) for name in ("from_id", "to_id")]
    for name, end in zip(("from_id", "to_id"), ends, strict=True):
        if not isinstance(end, str):
            problems.append(
                Problem("type-error", "a relation end must be a region id", where=at, field=name, value=end)
            )
            return None
    if any(end in parsed.refused for end in ends):
        return None
    missing = [end for end in ends if end not in parsed.regions]
    if missing:
        problems.append(
            Problem(
                "unknown-region",
                f"relation {ends[0]!r} -> {ends[1]!r} points to a missing region {missing[0]!r}",
                where=at,
                field="to_id" if ends[1] in missing else "from_id",
                value=missing[0],
                hint="delete the relation, or restore the region it links",
            )
        )
        return None
    return parsed.regions[ends[0]], parsed.regions[ends[1]]


def _relation_label(relation: dict[str, Any], kinds: set[str], at: str, problems: list[Problem]) -> str | None:
    rel_labels = relation.get("labels") or []
    if (
        not isinstance(rel_labels, list)
        or len(rel_labels) > 1
        or (rel_labels and rel_labels[0] not in cfg.RELATION_LABELS)
    ):
        problems.append(
            Problem(
                "unknown-label",
                "unknown relation label(s)",
                where=at,
                field="labels",
                value=rel_labels,
                hint=f"one of: {', '.join(cfg.RELATION_LABELS)}",
            )
        )
        return None
    if rel_labels:
        return str(rel_labels[0])
    return cfg.RELATION_ANCHOR if kinds == {cfg.TIMEX} else cfg.RELATION_SAME_DISCREPANCY


def _add_relation(
    relation: dict[str, Any], at: str, parsed: ParsedResult, links: Links, problems: list[Problem]
) -> None:
    ends = _relation_ends(relation, at, parsed, problems)
    if ends is None:
        return
    first, second = ends
    kinds = {first.control, second.control}
    label = _relation_label(relation, kinds, at, problems)
    if label is None:
        return
    wanted = cfg.TIMEX if label == cfg.RELATION_ANCHOR else cfg.DISCREPANCY
    if kinds != {wanted}:
        problems.append(
            Problem(
                "bad-relation",
                f"a {label} relation links two {wanted} regions, not {first.control} -> {second.control}",
                where=at,
                field="labels",
            )
        )
        return
    if label == cfg.RELATION_SAME_DISCREPANCY:
        links.groups.union(first.id, second.id)
        return
    direction = relation.get("direction", "right")
    if direction not in ("right", "left"):
        problems.append(
            Problem(
                "bad-relation",
                "an anchor relation needs a direction",
                where=at,
                field="direction",
                value=direction,
                hint="point it from the anchored timex to its anchor",
            )
        )
        return
    anchored, anchor = (first, second) if direction == "right" else (second, first)
    if links.anchors.get(anchored.id, anchor.id) != anchor.id:
        problems.append(
            Problem("bad-relation", f"timex {anchored.id!r} has two anchor relations", where=at, field="labels")
        )
        return
    links.anchors[anchored.id] = anchor.id
