"""Agreement and adjudication over pulled folders (the figures come from diplonews.agreement)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from diplonews.contract.errors import DiplonewsError, Problem, display_path
from diplonews.io.annotations import (
    AnnotationSet,
    load_annotations,
    read_raw_articles,
)
from diplonews.labelstudio.labeling_config import PROVENANCE_FILE


def load_folders(folders: list[Path], raw_dir: Path) -> dict[str, AnnotationSet]:
    if len(folders) < 2:
        raise DiplonewsError(Problem("usage", f"needs two or more annotation folders, got {len(folders)}", where=""))
    raw = read_raw_articles(raw_dir)
    sets: dict[str, AnnotationSet] = {}
    problems: list[Problem] = []
    for folder in folders:
        name = folder.resolve().name
        if name in sets:
            problems.append(
                Problem(
                    "duplicate-id",
                    f"two folders are named {name!r}",
                    where=display_path(folder),
                    hint="annotators are told apart by folder name",
                )
            )
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
        raise DiplonewsError(
            Problem("malformed-json", "unreadable pull record", file=display_path(path), hint="pull again")
        ) from None


def restrict(annotation_set: AnnotationSet, article_ids: set[str]) -> AnnotationSet:
    """The same annotation limited to some articles: agreement compares like with like."""
    tables: dict[str, list[dict[str, Any]]] = {
        name: [row for row in rows if row["article_id"] in article_ids]
        for name, rows in annotation_set.tables.items()
        if name != "discrepancies"
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
        raise DiplonewsError(
            Problem(
                "no-overlap",
                "no article was annotated by every annotator",
                where="",
                hint="agreement needs shared articles",
            )
        )
    return {name: restrict(s, common) for name, s in sets.items()}, sorted(common)
