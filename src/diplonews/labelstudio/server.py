"""The connection to a Label Studio server (loopback only), through label-studio-sdk."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from diplonews.contract.errors import DiplonewsError, Problem
from diplonews.labelstudio import labeling_config as cfg

if TYPE_CHECKING:
    from label_studio_sdk import LabelStudio

from diplonews.labelstudio.guidelines import instructions_html
from diplonews.labelstudio.labeling_config import API_KEY_ENV, URL_ENV
from diplonews.labelstudio.tasks import (
    TaskSpec,
)

PROJECT_DESCRIPTION = (
    "Noisy news about Blinken's China visits: label entities, temporal expressions and discrepancies. "
    "The annotation guidelines open before the first task and from the editor's instructions button."
)


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
            raise DiplonewsError(
                Problem(
                    "server-error",
                    f"cannot {what}: {type(error).__name__}: {error}",
                    where=self.url,
                    hint="is the server running? scripts/label_studio.sh status",
                )
            ) from None
        except ApiError as error:
            body = error.body if isinstance(error.body, str) else json.dumps(error.body, ensure_ascii=False)
            hint = None
            if error.status_code == 401:
                hint = (
                    f"check {API_KEY_ENV}; a legacy token needs LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN=true on the server"
                )
            elif error.status_code == 404:
                hint = "check --project-id"
            raise DiplonewsError(
                Problem(
                    "server-error", f"cannot {what}: HTTP {error.status_code}: {body[:800]}", where=self.url, hint=hint
                )
            ) from None


def connect(url: str | None, api_key: str | None) -> Server:
    """An SDK client for the server named by the flags or the environment, never by the repo."""
    url = url or os.environ.get(URL_ENV)
    api_key = api_key or os.environ.get(API_KEY_ENV)
    problems = []
    if not url:
        problems.append(
            Problem(
                "usage",
                "no Label Studio server given",
                field="--url",
                hint=f"pass --url or set {URL_ENV} (scripts/label_studio.sh start prints it)",
            )
        )
    if not api_key:
        problems.append(
            Problem(
                "usage",
                "no API token given",
                field="--api-key",
                hint=f"pass --api-key or set {API_KEY_ENV} (scripts/label_studio.sh start prints it)",
            )
        )
    if problems:
        raise DiplonewsError(problems)
    assert url is not None and api_key is not None
    try:
        import httpx
        from label_studio_sdk import LabelStudio
    except ImportError as error:
        raise DiplonewsError(
            Problem(
                "missing-dependency",
                f"the Label Studio workflow needs label-studio-sdk, which is not installed ({error.name or error})",
                field="label-studio-sdk",
                hint="pip install 'diplonews[labelstudio]'",
            )
        ) from None

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
        raise DiplonewsError(
            Problem(
                "unknown-project",
                f"{len(matches)} projects are titled {title!r} (ids {', '.join(str(p.id) for p in matches)})",
                where=server.url,
                field="--project",
                hint="choose one with --project-id",
            )
        )
    return matches[0] if matches else None


def export_project(server: Server, project_id: int) -> list[dict[str, Any]]:
    """Every task with its data, meta and submitted annotations (drafts are not exported)."""
    chunks = server.call(
        f"export project {project_id}",
        lambda: list(
            server.client.projects.exports.download_sync(project_id, export_type="JSON", download_all_tasks=True)
        ),
    )
    export = json.loads(b"".join(chunks))
    if not isinstance(export, list):
        raise DiplonewsError(
            Problem("not-an-object", f"the export of project {project_id} is not a list of tasks", where=server.url)
        )
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
            task = existing.get(spec.article_id)  # type: ignore[assignment]
            if task is not None and task["data"].get("text") != spec.data["text"]:
                problems.append(
                    Problem(
                        "raw-file-changed",
                        "the task holds a different text of this article; its annotations' offsets would not fit the new text",
                        where=f"task {task['id']} (article {spec.article_id})",
                        field="data.text",
                        hint="pull its annotations first, then push into a new project (--project NEW-TITLE)",
                    )
                )
        if problems:
            raise DiplonewsError(problems)
    # maximum_annotations: how many annotators see each task; model_version: which predictions pre-annotate.
    # expert_instruction + show_instruction: the guidelines open before the first task and
    # from the editor's instructions button.
    settings: dict[str, Any] = {
        "maximum_annotations": overlap,
        "model_version": model_version,
        "show_collab_predictions": True,
        "expert_instruction": instructions_html(),
        "show_instruction": True,
        "description": PROJECT_DESCRIPTION,
    }
    if project is None:
        project = server.call(
            "create the project",
            lambda: client.projects.create(title=title, label_config=config, **settings),
        )
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
        server.call(
            "import tasks",
            lambda: client.projects.import_tasks(id=project.id, request=request, return_task_ids=True),  # type: ignore[arg-type]  # plain dicts are what the API takes
        )
        report.created_tasks = len(new)
    for spec in tasks:
        task = existing.get(spec.article_id)  # type: ignore[assignment]
        if task is None:
            continue
        task_id = task["id"]
        server.call(
            f"update task {task_id}",
            lambda task_id=task_id, spec=spec: client.tasks.update(id=str(task_id), data=spec.data, meta=spec.meta),
        )
        report.updated_tasks += 1
        if not spec.result:
            continue
        if as_annotations:
            mine = [a for a in task.get("annotations") or [] if a.get("completed_by") == me]
            if mine:
                report.kept.append(
                    f"task {task_id} (article {spec.article_id}): your annotation {mine[0].get('id')} is left as it is"
                )
                continue
            server.call(
                f"annotate task {task_id}",
                lambda task_id=task_id, spec=spec: client.annotations.create(id=task_id, result=spec.result),
            )
        else:
            old = server.call(
                f"list predictions of task {task_id}", lambda task_id=task_id: client.predictions.list(task=task_id)
            )
            for prediction in old:
                if prediction.model_version == model_version and prediction.id is not None:
                    server.call(
                        f"delete prediction {prediction.id}",
                        lambda pid=prediction.id: client.predictions.delete(id=pid),
                    )
            server.call(
                f"pre-annotate task {task_id}",
                lambda task_id=task_id, spec=spec: client.predictions.create(
                    task=task_id, result=spec.result, model_version=model_version
                ),
            )
    return report
