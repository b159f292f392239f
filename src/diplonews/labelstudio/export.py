"""Pull side: a Label Studio export -> one annotation folder per annotator, checked before anything is written.

An export is whatever the server accepted: tasks, annotations, results and ids are
checked for their shape here (tasks and annotators), in `regions` (each result item), in
`rows` and `discrepancies` (the folder's rows) and by the folder loader (`folders`). Every
problem names its task, annotation and region; nothing is written unless there are none.
`pull` is the whole way from an export to the written folders, without a server.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from diplonews.contract.errors import DiplonewsError, Problem
from diplonews.io.annotations import ARTICLES_FILE, CATALOG_FILE, LAYER_FILES, Article
from diplonews.io.files import sha256_bytes
from diplonews.labelstudio.annotators import annotator_slug, known_emails, user_email, user_key
from diplonews.labelstudio.catalog import build_catalog, merged_catalog
from diplonews.labelstudio.discrepancies import DiscrepancySpan, merge_discrepancies
from diplonews.labelstudio.folders import PulledFolder, check_out_dir, write_folders
from diplonews.labelstudio.rows import TaskPull, convert_annotation, unannotated_article
from diplonews.labelstudio.task_checks import Task, check_tasks, is_id, unencodable

__all__ = ["PulledFolder", "convert_export", "pull", "write_folders"]


@dataclass
class Annotated:
    """One annotator's annotation of one task."""

    task: Task
    annotation: dict[str, Any]
    at: str


def _annotations(task: Task, problems: list[Problem]) -> list[tuple[str, dict[str, Any]]]:
    """(where, annotation) of a task's submitted annotations, each an object with a usable id."""
    found = task.raw.get("annotations")
    if found is None:
        return []
    if not isinstance(found, list):
        problems.append(
            Problem("type-error", "a task's annotations must be a list", where=task.at, field="annotations")
        )
        return []
    out = []
    for index, annotation in enumerate(found):
        at = f"{task.at} (article {task.article.id}), annotation [{index}]"
        if not isinstance(annotation, dict):
            problems.append(Problem("not-an-object", "an annotation must be an object", where=at))
            continue
        annotation_id = annotation.get("id")
        if annotation_id is not None and not is_id(annotation_id):
            problems.append(
                Problem("type-error", "an annotation id must be an integer or string", where=at, field="id")
            )
            continue
        if annotation_id is not None:
            at = f"{task.at} (article {task.article.id}), annotation {annotation_id}"
        if annotation.get("updated_at") is not None and not isinstance(annotation["updated_at"], str):
            problems.append(Problem("type-error", "updated_at must be a string", where=at, field="updated_at"))
            continue
        cancelled = annotation.get("was_cancelled")
        if cancelled is not None and not isinstance(cancelled, bool):
            problems.append(
                Problem("type-error", "was_cancelled must be true or false", where=at, field="was_cancelled")
            )
            continue
        if not cancelled:
            out.append((at, annotation))
    return out


def group_by_annotator(
    tasks: list[Task], users: dict[int, str], only: Iterable[str] | None, problems: list[Problem]
) -> dict[str, dict[str, Annotated]]:
    """Annotator email -> article_id -> their annotation; one user is one annotator however named."""
    wanted = {email.lower() for email in only} if only else None
    submitted = [(task, at, annotation) for task in tasks for at, annotation in _annotations(task, problems)]
    exported = known_emails([annotation.get("completed_by") for _, _, annotation in submitted])
    by_annotator: dict[str, dict[str, Annotated]] = {}
    shown: dict[str, str] = {}  # lowercased email -> the spelling first seen
    for task, at, annotation in submitted:
        key = user_key(annotation.get("completed_by"), at, problems)
        if key is None:
            continue
        email = user_email(key, users, exported)
        email = shown.setdefault(email.lower(), email)
        if wanted is not None and email.lower() not in wanted:
            continue
        mine = by_annotator.setdefault(email, {})
        if task.article.id in mine:
            problems.append(
                Problem(
                    "duplicate-id",
                    f"{email} has two annotations of article {task.article.id} (also {mine[task.article.id].at})",
                    where=f"{at} by {email}",
                    field="completed_by",
                    hint="delete the one that should not count in Label Studio, then pull again",
                )
            )
            continue
        mine[task.article.id] = Annotated(task, annotation, f"{at} by {email}")
    return by_annotator


def convert_export(
    export: Any,
    users: dict[int, str],
    raw: dict[str, Article],
    *,
    only: Iterable[str] | None = None,
) -> list[PulledFolder]:
    """A project's JSON export -> one folder per annotator; raises with every problem found."""
    problems: list[Problem] = []
    users = {key: email for key, email in users.items() if isinstance(email, str) and not list(unencodable(email, ""))}
    tasks = check_tasks(export, raw, problems)
    base_catalog = merged_catalog([(task.at, task.raw) for task in tasks], problems)
    if problems:
        raise DiplonewsError(problems)
    by_annotator = group_by_annotator(tasks, users, only, problems)
    slugs: dict[str, str] = {}
    folders = []
    for email in sorted(by_annotator):
        slug = annotator_slug(email)
        if slug in slugs:
            problems.append(
                Problem(
                    "annotator-clash",
                    f"annotators {slugs[slug]} and {email} map to the same folder name {slug!r}",
                    where=f"annotator {email}",
                )
            )
            continue
        slugs[slug] = email
        folder = _convert_annotator(email, slug, tasks, by_annotator[email], base_catalog, problems)
        if folder is not None:
            folders.append(folder)
    if problems:
        raise DiplonewsError(problems)
    return folders


@dataclass
class _Collected:
    """Everything one annotator's annotations give, before the catalog and discrepancies are merged."""

    articles: list[dict[str, Any]] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)
    temporal: list[dict[str, Any]] = field(default_factory=list)
    spans: list[DiscrepancySpan] = field(default_factory=list)
    canonical: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    where_of: dict[str, str] = field(default_factory=dict)
    provenance: list[dict[str, Any]] = field(default_factory=list)

    def add(self, pulled: TaskPull, problems: list[Problem]) -> None:
        self.articles.append(pulled.article)
        self.entities += pulled.entities
        self.temporal += pulled.temporal
        self.spans += pulled.spans
        for entity_id, names in pulled.canonical.items():
            self.canonical.setdefault(entity_id, []).extend(names)
        for region_id, region_at in pulled.where.items():
            if region_id in self.where_of:
                problems.append(
                    Problem(
                        "duplicate-id",
                        f"id {region_id!r} is also used at {self.where_of[region_id]}",
                        where=region_at,
                        field="id",
                        hint="mention and timex ids are unique across all articles: rename one region's id",
                    )
                )
            self.where_of[region_id] = region_at


def _convert_annotator(
    email: str,
    slug: str,
    tasks: list[Task],
    annotations: dict[str, Annotated],
    base_catalog: dict[str, dict[str, Any]],
    problems: list[Problem],
) -> PulledFolder | None:
    collected = _Collected()
    found = len(problems)
    for order, task in enumerate(tasks):
        mine = annotations.get(task.article.id)
        if mine is None:  # not annotated by this annotator: the article line as pushed, no spans
            collected.articles.append(unannotated_article(task.data))
            continue
        result = mine.annotation.get("result")
        result = [] if result is None else result
        pulled, found_here = convert_annotation(result, task.article, task.data, mine.at, order)
        problems.extend(found_here)
        if pulled is not None:
            collected.add(pulled, problems)
        collected.provenance.append(
            {
                "task": task.id,
                "article_id": task.article.id,
                "annotation": mine.annotation.get("id"),
                "updated_at": mine.annotation.get("updated_at"),
            }
        )
    discrepancies = merge_discrepancies(collected.spans, problems)
    catalog = build_catalog(base_catalog, collected.entities, collected.canonical, collected.where_of, problems)
    if len(problems) > found:
        return None
    return _folder(email, slug, tasks, annotations, collected, catalog, discrepancies)


def _folder(
    email: str,
    slug: str,
    tasks: list[Task],
    annotations: dict[str, Annotated],
    collected: _Collected,
    catalog: list[dict[str, Any]],
    discrepancies: list[dict[str, Any]],
) -> PulledFolder:
    articles = {task.article.id: task.article for task in tasks}
    for article in collected.articles:
        if article.get("sha256") is None:
            article["sha256"] = sha256_bytes(articles[article["id"]].raw)
    files = {
        ARTICLES_FILE: sorted(collected.articles, key=lambda r: r["id"]),
        CATALOG_FILE: catalog,
        LAYER_FILES["entities"]: sorted(
            collected.entities, key=lambda r: (r["article_id"], r["start"], r["mention_id"])
        ),
        LAYER_FILES["temporal"]: sorted(collected.temporal, key=lambda r: (r["article_id"], r["start"], r["timex_id"])),
        LAYER_FILES["discrepancies"]: discrepancies,
    }
    annotated = sorted(annotations)
    provenance = {
        "annotator": email,
        "annotated_articles": annotated,
        "not_annotated": sorted(set(articles) - set(annotated)),
        "tasks": collected.provenance,
    }
    return PulledFolder(email, slug, files, provenance)


def pull(
    export: Any,
    users: dict[int, str],
    raw: dict[str, Article],
    out_dir: Path,
    *,
    only: Iterable[str] | None = None,
    project: int | None = None,
) -> list[tuple[PulledFolder, Path]]:
    """An export -> the annotators' folders written into `out_dir` as one set (none: nothing written)."""
    check_out_dir(out_dir)
    folders = convert_export(export, users, raw, only=only)
    if not folders:
        return []
    written = write_folders(folders, out_dir, raw, project=project)
    return list(zip(folders, written, strict=True))
