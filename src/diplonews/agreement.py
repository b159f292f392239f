"""Inter-annotator agreement per layer, and the adjudication worklist.

Shared by `scripts/agreement.py`, `diplonews agreement` and `diplonews labelstudio
agreement|adjudicate`, so every agreement figure in the repo comes from this code.
Annotators are compared pairwise; with more than two, figures are pair means.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from diplonews import paths
from diplonews.contract import timex
from diplonews.contract.errors import DiplonewsError, Problem
from diplonews.io.annotations import AnnotationSet, load_annotations, read_raw_articles
from diplonews.io.files import atomic_write_text, dump_jsonl

Span = tuple[str, int, int]  # article_id, start, end


@dataclass(frozen=True)
class Item:
    """One annotated span of a layer with the attributes agreement compares."""

    span: Span
    attributes: dict[str, Any]
    record: dict[str, Any]


def _overlaps(a: Span, b: Span) -> bool:
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


def _f1(matched: int, n_a: int, n_b: int) -> float:
    return 2 * matched / (n_a + n_b) if n_a + n_b else 1.0


def _same_attributes(a: Item, b: Item) -> int:
    return sum(a.attributes.get(key) == value for key, value in b.attributes.items())


def match(items_a: list[Item], items_b: list[Item], *, exact: bool) -> list[tuple[Item, Item]]:
    """One-to-one matching of items (an item is used once, even where two share a span).

    Exact: equal offsets (among items sharing a span, by most equal attributes). Overlap: the exact pairs first, then the rest
    greedily by largest overlap; so an overlap match never finds fewer pairs than an
    exact one (two discrepancies sharing one span used to take one partner between them).
    """
    by_span: dict[Span, list[int]] = {}
    for index, item in enumerate(items_b):
        by_span.setdefault(item.span, []).append(index)
    pairs: list[tuple[Item, Item]] = []
    used_a: set[int] = set()
    used_b: set[int] = set()
    for index, item in enumerate(items_a):
        free = [j for j in by_span.get(item.span, []) if j not in used_b]
        if free:  # of several items on this span, the partner agreeing on most attributes (then the first)
            best = max(free, key=lambda j: (_same_attributes(item, items_b[j]), -j))
            used_a.add(index)
            used_b.add(best)
            pairs.append((item, items_b[best]))
    if exact:
        return pairs
    candidates = []
    for i, a in enumerate(items_a):
        if i in used_a:
            continue
        for j, b in enumerate(items_b):
            if j not in used_b and _overlaps(a.span, b.span):
                overlap = min(a.span[2], b.span[2]) - max(a.span[1], b.span[1])
                candidates.append((-overlap, a.span, b.span, i, j))
    candidates.sort()
    for _, _, _, i, j in candidates:
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        pairs.append((items_a[i], items_b[j]))
    return pairs


def _share(pairs: list[tuple[Item, Item]], same: Callable[[Item, Item], bool]) -> float | None:
    return sum(same(a, b) for a, b in pairs) / len(pairs) if pairs else None


def _kappa(pairs: list[tuple[Item, Item]], key: str) -> float | None:
    """Cohen's kappa of one categorical attribute over matched pairs."""
    if not pairs:
        return None
    observed = sum(a.attributes[key] == b.attributes[key] for a, b in pairs) / len(pairs)
    values = {a.attributes[key] for a, _ in pairs} | {b.attributes[key] for _, b in pairs}
    expected = sum(
        (sum(a.attributes[key] == v for a, _ in pairs) / len(pairs))
        * (sum(b.attributes[key] == v for _, b in pairs) / len(pairs))
        for v in values
    )
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def layer_items(annotation_set: AnnotationSet, layer: str) -> list[Item]:
    rows = annotation_set.tables[layer]
    if layer == "entities":
        return [
            Item(
                (r["article_id"], r["start"], r["end"]),
                {"label": r["label"], "entity_id": r["entity_id"], "surface_error": r["surface_error"]},
                r,
            )
            for r in rows
        ]
    if layer == "temporal":
        return [
            Item(
                (r["article_id"], r["start"], r["end"]),
                {"type": r["type"], "value": timex.canonical_value(r["value"]), "mod": r["mod"]},
                r,
            )
            for r in rows
        ]
    # Discrepancies: one item per span, carrying what its discrepancy says about it: the
    # type and scope, the correction, and the other spans grouped with it.
    return [
        Item(
            (s["article_id"], s["start"], s["end"]),
            {
                "type": r["type"],
                "scope": r["scope"],
                "correction": r["correction"],
                "group": sorted((g["article_id"], g["start"], g["end"]) for g in r["spans"]),
            },
            r,
        )
        for r in rows
        for s in r["spans"]
    ]


def _linking_f1(pairs: list[tuple[Item, Item]]) -> float | None:
    """Pairwise co-reference F1 over matched mentions: do both annotators link the same pairs?"""
    if len(pairs) < 2:
        return None
    same_a = {
        (i, j)
        for (i, (a1, _)), (j, (a2, _)) in itertools.combinations(enumerate(pairs), 2)
        if a1.attributes["entity_id"] == a2.attributes["entity_id"]
    }
    same_b = {
        (i, j)
        for (i, (_, b1)), (j, (_, b2)) in itertools.combinations(enumerate(pairs), 2)
        if b1.attributes["entity_id"] == b2.attributes["entity_id"]
    }
    return _f1(len(same_a & same_b), len(same_a), len(same_b))


def pair_agreement(a: AnnotationSet, b: AnnotationSet) -> dict[str, dict[str, float | int | None]]:
    figures: dict[str, dict[str, float | int | None]] = {}
    for layer in ("entities", "temporal", "discrepancies"):
        items_a, items_b = layer_items(a, layer), layer_items(b, layer)
        exact = match(items_a, items_b, exact=True)
        overlap = match(items_a, items_b, exact=False)
        layer_figures: dict[str, float | int | None] = {
            "n_a": len(items_a),
            "n_b": len(items_b),
            "span_f1_exact": _f1(len(exact), len(items_a), len(items_b)),
            "span_f1_overlap": _f1(len(overlap), len(items_a), len(items_b)),
        }
        if layer == "entities":
            layer_figures["label_agreement"] = _share(
                exact, lambda x, y: x.attributes["label"] == y.attributes["label"]
            )
            layer_figures["label_kappa"] = _kappa(exact, "label")
            layer_figures["surface_error_agreement"] = _share(
                exact, lambda x, y: x.attributes["surface_error"] == y.attributes["surface_error"]
            )
            layer_figures["linking_pairwise_f1"] = _linking_f1(exact)
        elif layer == "temporal":
            layer_figures["type_agreement"] = _share(exact, lambda x, y: x.attributes["type"] == y.attributes["type"])
            layer_figures["value_agreement"] = _share(
                exact, lambda x, y: x.attributes["value"] == y.attributes["value"]
            )
            layer_figures["mod_agreement"] = _share(exact, lambda x, y: x.attributes["mod"] == y.attributes["mod"])
        else:
            layer_figures["type_agreement"] = _share(overlap, lambda x, y: x.attributes["type"] == y.attributes["type"])
            layer_figures["type_kappa"] = _kappa(overlap, "type")
            layer_figures["scope_agreement"] = _share(
                overlap, lambda x, y: x.attributes["scope"] == y.attributes["scope"]
            )
        figures[layer] = layer_figures
    articles_a = {r["id"]: r for r in a.articles}
    articles_b = {r["id"]: r for r in b.articles}
    common = sorted(set(articles_a) & set(articles_b))
    figures["articles"] = {
        f"{key}_agreement": (
            sum(articles_a[i][key] == articles_b[i][key] for i in common) / len(common) if common else None
        )
        for key in ("event", "dct", "title", "publisher")
    }
    return figures


def agreement(sets: dict[str, AnnotationSet]) -> dict[str, Any]:
    """Pairwise figures for every pair of annotators, and their mean."""
    if len(sets) < 2:
        raise DiplonewsError(
            Problem(
                "usage",
                f"agreement needs two or more annotators, got {len(sets)}",
                hint="pass two or more annotation folders",
            )
        )
    pairs = {f"{x} ~ {y}": pair_agreement(sets[x], sets[y]) for x, y in itertools.combinations(sorted(sets), 2)}
    mean: dict[str, dict[str, float | None]] = {}
    for figures in pairs.values():
        for layer, values in figures.items():
            for key in values:
                mean.setdefault(layer, {}).setdefault(key, None)
    for layer, values in mean.items():
        for key in values:
            numbers = [number for number in (f[layer][key] for f in pairs.values()) if number is not None]
            values[key] = round(sum(numbers) / len(numbers), 4) if numbers else None
    return {"annotators": sorted(sets), "pairs": pairs, "mean": mean}


def render_table(result: dict[str, Any]) -> str:
    lines = [f"annotators: {', '.join(result['annotators'])}", "| layer | figure | value |", "|---|---|---|"]
    for layer, values in result["mean"].items():
        for key, value in values.items():
            if value is None:
                shown = "n/a"
            elif key.startswith("n_"):  # span counts (for discrepancies: spans, not discrepancies)
                shown = f"{value:g}"
            else:
                shown = f"{value:.3f}"
            lines.append(f"| {layer} | {key} | {shown} |")
    return "\n".join(lines)


def load_sets(folders: Iterable[Path], root: Path | None = None) -> dict[str, AnnotationSet]:
    raw = read_raw_articles((root or paths.repo_root()) / "dataset" / paths.RAW_DIR)
    return {folder.name: load_annotations(folder, raw) for folder in folders}


# ---- adjudication worklist ------------------------------------------------------------


def disagreements(sets: dict[str, AnnotationSet]) -> tuple[dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
    """Items every annotator agrees on (to keep), and every disagreement (to resolve).

    An item is agreed when every annotator has the same span with the same attributes
    (entities: label, entity_id, surface_error; temporal: type, value, mod; discrepancy
    spans: type, scope, correction and the spans grouped with it). Everything else is
    listed with each annotator's version.
    """
    names = sorted(sets)
    agreed: dict[str, list[dict[str, Any]]] = {}
    worklist: list[dict[str, Any]] = []
    for layer in ("entities", "temporal", "discrepancies"):
        by_annotator = {name: {item.span: item for item in layer_items(sets[name], layer)} for name in names}
        spans = sorted(set().union(*(set(items) for items in by_annotator.values())))
        kept: list[dict[str, Any]] = []
        for span in spans:
            versions = {name: by_annotator[name].get(span) for name in names}
            comparable = {name: (item.attributes if item else None) for name, item in versions.items()}
            if len({json.dumps(v, sort_keys=True) for v in comparable.values()}) == 1:
                first = versions[names[0]]
                assert first is not None
                if first.record not in kept:
                    kept.append(first.record)
                continue
            worklist.append(
                {
                    "layer": layer,
                    "article_id": span[0],
                    "start": span[1],
                    "end": span[2],
                    "versions": {name: (item.record if item else None) for name, item in versions.items()},
                }
            )
        agreed[layer] = kept
    return agreed, worklist


def write_adjudication(sets: dict[str, AnnotationSet], out_dir: Path) -> tuple[int, int]:
    """Write the agreed items and `disagreements.jsonl` for a human; return the counts."""
    agreed, worklist = disagreements(sets)
    out_dir.mkdir(parents=True, exist_ok=True)
    for layer, records in agreed.items():
        atomic_write_text(out_dir / f"agreed_{layer}.jsonl", dump_jsonl(records))
    atomic_write_text(out_dir / "disagreements.jsonl", dump_jsonl(worklist))
    return sum(len(r) for r in agreed.values()), len(worklist)
