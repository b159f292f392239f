"""Pull side: the entity catalog of a pulled folder.

Push puts the catalog into every task's `meta`; pull starts from it (checked: one catalog
across tasks, each entry an object with a slug entity_id) and adds the entities the
annotator's regions introduce, whose canonical names win.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from diplonews.contract import labels
from diplonews.contract.errors import Problem
from diplonews.labelstudio import labeling_config as cfg


def task_catalog(task: dict[str, Any], at: str, problems: list[Problem]) -> list[dict[str, Any]]:
    """The catalog entries a task's meta carries (none when it carries none); problems for a bad shape."""
    meta = task.get("meta")
    if meta is None:
        return []
    if not isinstance(meta, dict):
        problems.append(Problem("not-an-object", "the task's meta must be an object", where=at, field="meta"))
        return []
    ours = meta.get(cfg.META_KEY)
    if ours is None:
        return []
    entries = ours.get("catalog") if isinstance(ours, dict) else ours
    if entries is None:
        return []
    if not isinstance(ours, dict) or not isinstance(entries, list):
        problems.append(
            Problem("type-error", "the catalog must be a list", where=at, field=f"meta.{cfg.META_KEY}.catalog")
        )
        return []
    good = []
    for index, entry in enumerate(entries):
        field = f"meta.{cfg.META_KEY}.catalog[{index}]"
        if not isinstance(entry, dict):
            problems.append(Problem("not-an-object", "a catalog entry must be an object", where=at, field=field))
        elif not isinstance(entry.get("entity_id"), str) or not cfg.ENTITY_ID_PATTERN.match(entry["entity_id"]):
            problems.append(
                Problem(
                    "bad-format",
                    "a catalog entry needs an entity_id slug",
                    where=at,
                    field=f"{field}.entity_id",
                    value=entry.get("entity_id"),
                )
            )
        else:
            good.append(entry)
    return good


def merged_catalog(tasks: list[tuple[str, dict[str, Any]]], problems: list[Problem]) -> dict[str, dict[str, Any]]:
    """The catalog the tasks (where, task) were pushed with: identical in every task of one push."""
    catalog: dict[str, dict[str, Any]] = {}
    source: dict[str, str] = {}
    for at, task in tasks:
        for entry in task_catalog(task, at, problems):
            entity_id = entry["entity_id"]
            if entity_id in catalog and catalog[entity_id] != entry:
                problems.append(
                    Problem(
                        "inconsistent-value",
                        f"the catalog entry of {entity_id!r} differs from the one in {source[entity_id]}",
                        where=at,
                        field="meta",
                        value=entity_id,
                        hint="push again: every task gets the same catalog",
                    )
                )
                continue
            catalog.setdefault(entity_id, entry)
            source.setdefault(entity_id, at)
    return catalog


def _new_entry(entity_id: str, name: str, counts: Counter[str]) -> dict[str, Any]:
    label = max(counts, key=lambda label: (counts[label], -labels.ENTITY_LABELS.index(label)))
    return {"entity_id": entity_id, "canonical_name": name, "label": label, "description": None}


def build_catalog(
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
    for entity_id, counts in labels_of.items():
        names = canonical.get(entity_id, [])
        distinct = sorted({name for name, _ in names})
        if len(distinct) > 1:
            problems.append(
                Problem(
                    "inconsistent-value",
                    f"entity {entity_id!r} has different canonical names: "
                    + "; ".join(f"{name!r} at {at}" for name, at in names),
                    where=first_at[entity_id],
                    field=cfg.CANONICAL_NAME,
                    value=distinct,
                    hint="one referent, one canonical name: make them equal",
                )
            )
        elif entity_id in catalog:
            if distinct:
                catalog[entity_id]["canonical_name"] = distinct[0]
        elif not distinct:
            problems.append(
                Problem(
                    "missing-field",
                    f"new entity {entity_id!r} has no canonical name",
                    where=first_at[entity_id],
                    field=cfg.CANONICAL_NAME,
                    hint="type the referent's established English name on one of its mentions",
                )
            )
        else:
            catalog[entity_id] = _new_entry(entity_id, distinct[0], counts)
    return list(catalog.values())
