"""Pull side, step 0: the tasks of an export, each checked before its annotations are read.

A task must be an object with an id, the data push writes (article_id, text and language
as strings, the article fields as strings or null) and the exact text of its raw article;
one task per article. A string UTF-8 cannot encode (a lone surrogate) is refused here, so
nothing later fails to write it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from diplonews.contract.errors import Problem, display_path
from diplonews.io.annotations import Article
from diplonews.io.files import sha256_bytes
from diplonews.labelstudio.rows import ARTICLE_DATA_FIELDS


@dataclass
class Task:
    """A task that passed its checks: where it is named, its data and its article."""

    at: str
    id: Any
    data: dict[str, Any]
    article: Article
    raw: dict[str, Any]  # the task as exported


def is_id(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, str) and value != "")


def _sort_key(value: Any) -> tuple[int, Any]:
    """Orders ints and strings (mixed id types) without comparing one with the other."""
    return (0, value) if isinstance(value, int) else (1, str(value))


def _task_name(task: Any, index: int) -> str:
    task_id = task.get("id") if isinstance(task, dict) else None
    return f"task {task_id}" if is_id(task_id) else f"task [{index}] of the export"


def _check_data(data: Any, at: str, raw: dict[str, Article], problems: list[Problem]) -> Article | None:
    """The article a task's data names, if the data is what push writes."""
    if not isinstance(data, dict):
        problems.append(Problem("not-an-object", "the task's data must be an object", where=at, field="data"))
        return None
    found = len(problems)
    for name in ("article_id", "text", "language"):
        if not isinstance(data.get(name), str):
            code = "missing-field" if data.get(name) is None else "type-error"
            problems.append(Problem(code, "not a diplonews task", where=at, field=f"data.{name}", value=data.get(name)))
    for name in (*ARTICLE_DATA_FIELDS, "sha256"):
        if data.get(name) is not None and not isinstance(data[name], str):
            problems.append(Problem("type-error", "must be a string or null", where=at, field=f"data.{name}"))
    if len(problems) > found:
        return None
    article = raw.get(data["article_id"])
    if article is None:
        problems.append(
            Problem(
                "unknown-article",
                "the task's article has no raw file",
                where=at,
                field="data.article_id",
                value=data["article_id"],
                hint="pass the --raw-dir the project was pushed from",
            )
        )
        return None
    return article if _same_text(data, article, at, problems) else None


def _same_text(data: dict[str, Any], article: Article, at: str, problems: list[Problem]) -> bool:
    pinned = sha256_bytes(article.raw)
    if data["text"] != article.text or data.get("sha256") not in (None, pinned):
        problems.append(
            Problem(
                "raw-file-changed",
                f"the task's text of article {article.id} differs from {display_path(article.path)} "
                f"(sha256 {sha256_bytes(data['text'].encode('utf-8', 'surrogatepass'))[:12]} vs {pinned[:12]})",
                where=at,
                field="data.text",
                hint="offsets would shift: pull with the raw text the project was pushed with",
            )
        )
        return False
    return True


def unencodable(value: Any, path: str) -> Iterator[str]:
    """JSON paths of the strings (keys too) in `value` that UTF-8 cannot encode (lone surrogates)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            yield path or "(the task)"
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from unencodable(item, f"{path}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from unencodable(key, path)
            name = str(key).encode("utf-8", "backslashreplace").decode("utf-8")  # the path itself must print
            yield from unencodable(item, f"{path}.{name}" if path else name)


def check_tasks(export: Any, raw: dict[str, Article], problems: list[Problem]) -> list[Task]:
    """The export's tasks, each checked, sorted by article; one task per article of `raw`."""
    if not isinstance(export, list):
        problems.append(Problem("not-an-object", "an export must be a list of tasks", where="export"))
        return []
    tasks: list[Task] = []
    for index, item in enumerate(export):
        at = _task_name(item, index)
        if not isinstance(item, dict):
            problems.append(
                Problem("not-an-object", f"a task must be an object, found {type(item).__name__}", where=at)
            )
            continue
        bad_strings = list(unencodable(item, ""))
        if bad_strings:
            problems += [
                Problem("not-utf8", "a string with a lone surrogate cannot be written as UTF-8", where=at, field=path)
                for path in bad_strings[:3]
            ]
            continue
        if not is_id(item.get("id")):
            code = "missing-field" if item.get("id") is None else "type-error"
            problems.append(Problem(code, "a task needs an integer or string id", where=at, field="id"))
            continue
        article = _check_data(item.get("data"), at, raw, problems)
        if article is not None:
            tasks.append(Task(at, item["id"], item["data"], article, item))
    tasks.sort(key=lambda t: (t.article.id, _sort_key(t.id)))
    _one_task_per_article(tasks, raw, {_article_named(item) for item in export}, problems)
    return tasks


def _article_named(task: Any) -> str | None:
    data = task.get("data") if isinstance(task, dict) else None
    article_id = data.get("article_id") if isinstance(data, dict) else None
    return article_id if isinstance(article_id, str) else None


def _one_task_per_article(
    tasks: list[Task], raw: dict[str, Article], named: set[str | None], problems: list[Problem]
) -> None:
    """One task per article; an article no task names (not even a refused one) is missing."""
    seen: dict[str, Task] = {}
    for task in tasks:
        if task.article.id in seen:
            problems.append(
                Problem(
                    "duplicate-id",
                    f"article {task.article.id} is also {seen[task.article.id].at}",
                    where=task.at,
                    field="data.article_id",
                    hint="one task per article: delete the duplicate task",
                )
            )
        seen.setdefault(task.article.id, task)
    for article_id in sorted(set(raw) - set(seen) - named):
        problems.append(
            Problem(
                "missing-article",
                f"article {article_id} has no task in the project",
                file=display_path(raw[article_id].path),
                where="export",
                hint="push it first, or pass a --raw-dir holding only the project's articles",
            )
        )
