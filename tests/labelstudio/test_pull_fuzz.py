"""A pull that never crashes: exports a server accepted, in every shape, offline (no server).

The property, whatever the export: `diplonews labelstudio pull` exits 0 or 2 (never 3, an
internal error); on 2 every problem names its task, annotation and region (or the export),
and the output folder is unchanged. Exports start from a valid one (the fixture's gold,
as the editor submits it) with random JSON values put in place of tasks, annotations,
results, values, ids and meta. CI runs `DIPLONEWS_FUZZ_EXAMPLES` examples per test
(default 25).
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO
from diplonews import cli
from diplonews import labelstudio as ls
from diplonews.contract.errors import EXIT_OK, EXIT_UNUSABLE, DiplonewsError
from diplonews.io.annotations import load_annotations, read_raw_articles
from diplonews.labelstudio import cli as ls_cli
from diplonews.labelstudio import guidelines, server
from diplonews.labelstudio import labeling_config as cfg

FIXTURE = REPO / "tests" / "fixtures" / "labelstudio"
RAW = FIXTURE / "raw"
ARTICLE = "900_00000000000000e1"
EXAMPLES = int(os.environ.get("DIPLONEWS_FUZZ_EXAMPLES", "25"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=os.environ.get("DIPLONEWS_FUZZ_RANDOM") is None,
)
USERS = {1: "ann@example.org"}

RAW_ARTICLES = read_raw_articles(RAW)
TASKS = ls.build_tasks(load_annotations(FIXTURE / "gold", RAW_ARTICLES, require_pins=True), RAW_ARTICLES)


def valid_export(completed_by: Any = 1) -> list[dict[str, Any]]:
    """The export a server gives when one annotator submitted the pre-annotation of every task."""
    return [
        {
            "id": index + 1,
            "data": copy.deepcopy(task.data),
            "meta": copy.deepcopy(task.meta),
            "annotations": [
                {
                    "id": 100 + index,
                    "completed_by": copy.deepcopy(completed_by),
                    "result": copy.deepcopy(task.result),
                    "was_cancelled": False,
                    "updated_at": "2026-11-23T00:00:00Z",
                }
            ],
        }
        for index, task in enumerate(TASKS)
    ]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An output folder holding an earlier pull (and another annotator's folder)."""
    folder = tmp_path / "labelstudio"
    ls.pull(valid_export(), USERS, RAW_ARTICLES, folder)
    ls.pull(valid_export(2), {2: "other@example.org"}, RAW_ARTICLES, folder)
    return folder


def run_pull(monkeypatch: pytest.MonkeyPatch, export: Any, out: Path, users: dict[int, str] | None = None) -> int:
    """`diplonews labelstudio pull` with the server's answers replaced by `export` and `users`."""

    class Project:
        id = 7

    monkeypatch.setattr(ls_cli, "connect", lambda url, key: object())
    monkeypatch.setattr(ls_cli, "find_project", lambda srv, title, project_id: Project())
    monkeypatch.setattr(ls_cli, "export_project", lambda srv, project_id: export)
    monkeypatch.setattr(ls_cli, "user_emails", lambda srv: USERS if users is None else users)
    return cli.main(["labelstudio", "pull", "--raw-dir", str(RAW), "--out", str(out)])


def problems_of(export: Any, users: dict[int, str] | None = None) -> list[Any]:
    with pytest.raises(DiplonewsError) as error:
        ls.convert_export(export, USERS if users is None else users, RAW_ARTICLES)
    return error.value.problems


def named(problem: Any) -> bool:
    """The problem says where: a task (with annotation and region when it is in one), the export, a file."""
    where = problem.where or ""
    return where.startswith(("task ", "export", "annotator ")) or problem.file is not None


def first_region(export: list[dict[str, Any]], control: str = cfg.ENTITY) -> dict[str, Any]:
    return next(r for r in export[0]["annotations"][0]["result"] if r.get("from_name") == control)


# ---- the shapes seen crashing a pull ------------------------------------------------------


def _value_is_a_string(export: list[dict[str, Any]]) -> None:
    first_region(export)["value"] = "Blinken"


def _task_is_a_string(export: list[dict[str, Any]]) -> None:
    export.append("task")


def _meta_is_a_list(export: list[dict[str, Any]]) -> None:
    export[0]["meta"] = ["catalog"]


def _annotations_is_a_dict(export: list[dict[str, Any]]) -> None:
    export[0]["annotations"] = {"0": export[0]["annotations"][0]}


def _mixed_task_ids_of_one_article(export: list[dict[str, Any]]) -> None:
    export.append({**copy.deepcopy(export[0]), "id": "1"})


def _region_id_is_a_path(export: list[dict[str, Any]]) -> None:
    for item in export[0]["annotations"][0]["result"]:
        if item.get("id") == "900-m001":
            item["id"] = "../../x y"


def _region_id_is_a_number(export: list[dict[str, Any]]) -> None:
    for item in export[0]["annotations"][0]["result"]:
        if item.get("id") == "900-m001":
            item["id"] = 5


def _relation_end_is_a_list(export: list[dict[str, Any]]) -> None:
    relation = next(r for r in export[0]["annotations"][0]["result"] if r.get("type") == "relation")
    relation["to_id"] = ["900-t01"]


def _direction_is_a_list(export: list[dict[str, Any]]) -> None:
    relation = next(r for r in export[0]["annotations"][0]["result"] if r.get("type") == "relation")
    relation["direction"] = ["right"]


def _from_name_is_a_list(export: list[dict[str, Any]]) -> None:
    first_region(export)["from_name"] = ["entity"]


def _catalog_entry_is_a_string(export: list[dict[str, Any]]) -> None:
    export[0]["meta"][cfg.META_KEY]["catalog"].append("qin_gang")


def _lone_surrogate(export: list[dict[str, Any]]) -> None:
    export[0]["annotations"][0]["updated_at"] = "\udc80"


SHAPES = {
    "a string with a lone surrogate": (_lone_surrogate, ("not-utf8", "annotations[0].updated_at")),
    "region value is a string": (_value_is_a_string, ("type-error", "value")),
    "task is a string": (_task_is_a_string, ("not-an-object", None)),
    "meta is a list": (_meta_is_a_list, ("not-an-object", "meta")),
    "annotations is a dict": (_annotations_is_a_dict, ("type-error", "annotations")),
    "two tasks of one article, ids 1 and '1'": (_mixed_task_ids_of_one_article, ("duplicate-id", "data.article_id")),
    "region id '../../x y'": (_region_id_is_a_path, ("bad-format", "id")),
    "region id is a number": (_region_id_is_a_number, ("type-error", "id")),
    "relation end is a list": (_relation_end_is_a_list, ("type-error", "to_id")),
    "relation direction is a list": (_direction_is_a_list, ("bad-relation", "direction")),
    "from_name is a list": (_from_name_is_a_list, ("type-error", "from_name")),
    "catalog entry is a string": (
        _catalog_entry_is_a_string,
        (
            "not-an-object",
            f"meta.{cfg.META_KEY}.catalog[{len(TASKS[0].meta[cfg.META_KEY]['catalog'])}]",
        ),
    ),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_a_malformed_export_is_refused_naming_where_and_nothing_is_written(
    shape: str, out: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    mutate, (code, field) = SHAPES[shape]
    export = valid_export()
    mutate(export)
    problems = problems_of(export)
    assert (code, field) in [(p.code, p.field) for p in problems]
    assert all(named(p) for p in problems)
    before = snapshot(out)
    assert run_pull(monkeypatch, export, out) == EXIT_UNUSABLE
    assert "Traceback" not in capsys.readouterr().err
    assert snapshot(out) == before


def test_a_region_is_named_by_task_annotation_and_id() -> None:
    export = valid_export()
    _value_is_a_string(export)
    (problem,) = problems_of(export)
    assert problem.where == f"task 1 (article {ARTICLE}), annotation 100 by ann@example.org, region '900-m001'"


def test_an_export_that_is_not_a_list_is_refused(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert [(p.code, p.where) for p in problems_of({"tasks": []})] == [("not-an-object", "export")]
    before = snapshot(out)
    assert run_pull(monkeypatch, {"tasks": []}, out) == EXIT_UNUSABLE
    assert snapshot(out) == before


def test_task_ids_of_mixed_types_are_pulled(tmp_path: Path) -> None:
    export = valid_export()
    export[1]["id"] = "b-2"
    ((_, path),) = ls.pull(export, USERS, RAW_ARTICLES, tmp_path / "out")
    record = json.loads((path / ls.PROVENANCE_FILE).read_text(encoding="utf-8"))
    assert [task["task"] for task in record["tasks"]] == [1, "b-2"]


# ---- one user, one folder -----------------------------------------------------------------


@pytest.mark.parametrize(
    "completed_by",
    [1, "1", {"id": 1}, {"id": "1"}, {"id": 1, "email": "ann@example.org"}, {"id": "1", "email": "ann@example.org"}],
)
@pytest.mark.parametrize("server_knows_the_user", [True, False])
def test_one_user_is_one_folder_however_completed_by_is_given(
    completed_by: Any, server_knows_the_user: bool, tmp_path: Path
) -> None:
    export = valid_export()
    export[1]["annotations"][0]["completed_by"] = completed_by  # the first task says 1
    export[0]["annotations"][0]["completed_by"] = {"id": 1, "email": "ann@example.org"}
    folders = ls.convert_export(export, USERS if server_knows_the_user else {}, RAW_ARTICLES)
    assert [(f.annotator, f.slug, f.provenance["annotated_articles"]) for f in folders] == [
        ("ann@example.org", "ann-example-org", sorted(RAW_ARTICLES))
    ]


@pytest.mark.parametrize("completed_by", [None, True, 1.5, [1], {"id": [1]}, {"email": 5}, "ann"])
def test_a_completed_by_that_names_no_user_is_refused(completed_by: Any) -> None:
    export = valid_export()
    export[0]["annotations"][0]["completed_by"] = completed_by
    problems = problems_of(export)
    assert [(p.code, p.where) for p in problems] == [
        (problems[0].code, f"task 1 (article {ARTICLE}), annotation 100")
    ] and problems[0].code in {"type-error", "missing-field"}


# ---- HTML is data -------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script> & <b>"


def test_html_in_a_field_is_stored_as_text(tmp_path: Path) -> None:
    export = valid_export()
    for item in export[0]["annotations"][0]["result"]:
        if item.get("from_name") == "title":
            item["value"]["text"] = [SCRIPT]
    ((_, path),) = ls.pull(export, USERS, RAW_ARTICLES, tmp_path / "out")
    back = load_annotations(path, RAW_ARTICLES)
    assert next(a for a in back.articles if a["id"] == ARTICLE)["title"] == SCRIPT


def test_what_we_show_in_label_studio_escapes_html() -> None:
    rendered = guidelines.render_markdown(f"# {SCRIPT}\n\n{SCRIPT}\n")
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered and "&amp;" in rendered
    assert "<script" not in guidelines.instructions_html() and "<script" not in server.PROJECT_DESCRIPTION
    assert "<script" not in cfg.label_config()


# ---- --out ---------------------------------------------------------------------------------


def test_out_that_is_a_file_is_refused_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_server(url: Any, key: Any) -> Any:
        raise AssertionError("the server was asked before --out was checked")

    monkeypatch.setattr(ls_cli, "connect", no_server)
    for out in (tmp_path / "file", tmp_path / "file" / "below"):
        (tmp_path / "file").write_text("x", encoding="utf-8")
        assert cli.main(["labelstudio", "pull", "--raw-dir", str(RAW), "--out", str(out)]) == EXIT_UNUSABLE
        assert "error[not-writable]" in capsys.readouterr().err
        assert (tmp_path / "file").read_text(encoding="utf-8") == "x"


def test_a_pull_replaces_its_folders_and_keeps_the_others(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = snapshot(out / "other-example-org")
    export = valid_export()
    export[0]["annotations"][0]["result"] = [
        r for r in export[0]["annotations"][0]["result"] if r.get("from_name") != cfg.DISCREPANCY
    ]
    export[0]["annotations"][0]["result"] = [
        r for r in export[0]["annotations"][0]["result"] if not str(r.get("id", "")).startswith("d10")
    ]
    export[0]["annotations"][0]["result"] = [
        r for r in export[0]["annotations"][0]["result"] if r.get("type") != "relation" or r["labels"] == ["anchor"]
    ]
    assert run_pull(monkeypatch, export, out) == EXIT_OK
    assert snapshot(out / "other-example-org") == other
    assert sorted(p.name for p in out.iterdir()) == ["ann-example-org", "other-example-org"]
    assert sorted(p.name for p in out.parent.iterdir()) == [".labelstudio.lock", "labelstudio"]


# ---- fuzzing -------------------------------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["", "900-m001", "../../x y", "1", "entity", "PERSON", SCRIPT, "\ud800", "right"])
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)


def _places(export: list[dict[str, Any]]) -> list[tuple[Any, Any]]:
    """(container, key) of every place a random value may go: tasks, annotations, results, values, ids, meta."""
    places: list[tuple[Any, Any]] = [(export, 0), (export, 1)]
    for task in export:
        places += [(task, "id"), (task, "meta"), (task, "data"), (task, "annotations"), (task["meta"], cfg.META_KEY)]
        places += [(task["data"], name) for name in ("article_id", "text", "title", "event", "language", "sha256")]
        for annotation in task["annotations"]:
            places += [(task["annotations"], 0), (annotation, "id"), (annotation, "completed_by")]
            places += [(annotation, "result"), (annotation, "was_cancelled")]
            for index, item in enumerate(annotation["result"]):
                places += [(annotation["result"], index)]
                places += [(item, key) for key in ("id", "from_name", "value", "type", "from_id", "to_id", "labels")]
                value = item.get("value")
                if isinstance(value, dict):
                    places += [(value, key) for key in ("start", "end", "text", "labels", "choices")]
    return places


@SETTINGS
@given(data=st.data())
def test_random_values_anywhere_in_an_export_never_crash_a_pull(data: st.DataObject) -> None:
    export = valid_export()
    places = _places(export)
    for _ in range(data.draw(st.integers(1, 3))):
        container, key = data.draw(st.sampled_from(places))
        container[key] = data.draw(json_values)
    try:
        folders = ls.convert_export(export, USERS, RAW_ARTICLES)
    except DiplonewsError as error:
        assert all(named(p) for p in error.problems), [p.to_dict() for p in error.problems]
        return
    for folder in folders:
        json.dumps(folder.files, ensure_ascii=False)


@SETTINGS
@given(export=json_values | st.lists(json_values, max_size=3))
def test_a_random_export_never_crashes_a_pull(export: Any) -> None:
    try:
        ls.convert_export(export, USERS, RAW_ARTICLES)
    except DiplonewsError as error:
        assert all(named(p) for p in error.problems), [p.to_dict() for p in error.problems]


@settings(SETTINGS, max_examples=max(EXAMPLES // 5, 3))
@given(data=st.data())
def test_the_pull_command_exits_0_or_2_and_a_refused_pull_writes_nothing(
    data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    out = tmp_path_factory.mktemp("pull") / "labelstudio"
    ls.pull(valid_export(), USERS, RAW_ARTICLES, out)
    before = snapshot(out)
    export = valid_export()
    places = _places(export)
    container, key = data.draw(st.sampled_from(places))
    container[key] = data.draw(json_values)
    with pytest.MonkeyPatch.context() as monkeypatch:
        code = run_pull(monkeypatch, export, out)
    assert code in {EXIT_OK, EXIT_UNUSABLE}
    if code == EXIT_UNUSABLE:
        assert snapshot(out) == before
    else:
        for folder in out.iterdir():
            load_annotations(folder, RAW_ARTICLES)
