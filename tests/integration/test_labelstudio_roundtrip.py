"""The Label Studio workflow against a real server that this session starts and stops.

`scripts/label_studio.sh start` installs Label Studio into its own virtual environment when
it is missing (about a minute, once per machine) and starts it on a free port of 127.0.0.1
with a fresh data dir; the server is stopped at the end of the session, also when tests
fail. The tests skip only when Label Studio cannot be installed (the script's exit code 4).
Annotators are simulated with the SDK the way the editor submits: the pre-annotation's
result, unchanged or edited.
"""

from __future__ import annotations

import atexit
import copy
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO
from diplonews import build, cli
from diplonews import labelstudio as ls
from diplonews.contract.errors import EXIT_OK, EXIT_UNUSABLE
from diplonews.io.annotations import AnnotationSet, load_annotations, read_raw_articles
from diplonews.labelstudio import labeling_config as cfg

pytestmark = pytest.mark.integration

SCRIPT = REPO / "scripts" / "label_studio.sh"
FIXTURE = REPO / "tests" / "fixtures" / "labelstudio"
KEYS = {"entities": "mention_id", "temporal": "timex_id", "discrepancies": "discrepancy_id"}
ADMIN = "admin@diplonews.test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _listening_addresses(port: int) -> set[str]:
    """Local addresses listening on `port`, from /proc/net/tcp{,6} (hex, as the kernel writes them)."""
    found = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(name)
        if not path.is_file():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A = LISTEN
                found.add(address)
    return found


class _SharedServer:
    """One server for the whole session, shared by every module that uses the fixture.

    Each test module that imports `label_studio` gets its own session fixture; they share
    this one server (reference-counted) so a session starts Label Studio once.
    """

    users = 0
    info: dict[str, Any] | None = None
    stop: Any = None


def _start_server(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    port = _free_port()
    data_dir = tmp_path_factory.mktemp("label-studio-data")
    token = secrets.token_hex(20)
    password = secrets.token_hex(10)
    stopped = False

    def stop() -> None:
        nonlocal stopped
        if not stopped:
            stopped = True
            subprocess.run(
                ["bash", str(SCRIPT), "stop", "--data-dir", str(data_dir)],
                capture_output=True,
                timeout=120,
                check=False,
            )

    # Stop the server even when the session ends by SIGTERM or the interpreter exits early.
    atexit.register(stop)
    _SharedServer.stop = stop

    def on_term(signum: int, frame: Any) -> None:
        stop()
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    command = [
        "bash",
        str(SCRIPT),
        "start",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
        "--username",
        ADMIN,
        "--timeout",
        "300",
    ]
    # Secrets through the environment only: a command line is readable by every local user.
    env = {**os.environ, "DIPLONEWS_LS_PASSWORD": password, "DIPLONEWS_LS_TOKEN": token}
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=1500, check=False, env=env)
    except subprocess.TimeoutExpired:
        stop()
        pytest.fail("scripts/label_studio.sh start did not finish in 25 minutes")
    if run.returncode == 4:
        stop()
        pytest.skip(f"Label Studio could not be installed here (scripts/label_studio.sh exit 4): {run.stderr[-800:]}")
    if run.returncode != 0:
        stop()
        pytest.fail(f"scripts/label_studio.sh start failed ({run.returncode}):\n{run.stdout}\n{run.stderr[-3000:]}")
    url = f"http://127.0.0.1:{port}"
    assert f"export LABEL_STUDIO_URL={url}" in run.stdout and f"export LABEL_STUDIO_API_KEY={token}" in run.stdout
    return {"url": url, "token": token, "password": password, "username": ADMIN, "port": port, "data_dir": data_dir}


@pytest.fixture(scope="session")
def label_studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    if sys.platform == "win32" or shutil.which("bash") is None:
        pytest.skip("scripts/label_studio.sh needs bash on a POSIX system")
    previous = signal.getsignal(signal.SIGTERM)
    if _SharedServer.info is None:
        _SharedServer.info = _start_server(tmp_path_factory)
    _SharedServer.users += 1
    info = _SharedServer.info
    try:
        yield info
    finally:
        _SharedServer.users -= 1
        if _SharedServer.users == 0:
            _SharedServer.stop()
            _SharedServer.info = None
            signal.signal(signal.SIGTERM, previous)
            assert not (info["data_dir"] / "label-studio.pid").exists(), (
                "the server's pid file is still there after stop"
            )


@pytest.fixture
def server_env(label_studio: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> ls.Server:
    monkeypatch.setenv(ls.URL_ENV, label_studio["url"])
    monkeypatch.setenv(ls.API_KEY_ENV, label_studio["token"])
    return ls.connect(None, None)


def _assert_same(expected: AnnotationSet, actual: AnnotationSet) -> None:
    assert sorted(actual.articles, key=lambda r: r["id"]) == sorted(expected.articles, key=lambda r: r["id"])
    assert actual.catalog == expected.catalog
    for table, key in KEYS.items():
        assert sorted(actual.tables[table], key=lambda r: r[key]) == sorted(
            expected.tables[table], key=lambda r: r[key]
        ), table


def _project_id(server: ls.Server, title: str) -> int:
    project = ls.find_project(server, title, None)
    assert project is not None
    return project.id


def _predictions(server: ls.Server, project_id: int) -> dict[str, tuple[int, list[dict[str, Any]]]]:
    """article_id -> (task id, result of its pre-annotation), as the editor loads them."""
    out = {}
    for task in ls.export_project(server, project_id):
        (prediction,) = server.client.predictions.list(task=task["id"])
        out[task["data"]["article_id"]] = (task["id"], prediction.result)
    return out


def _submit(server: ls.Server, task_id: int, result: list[dict[str, Any]], user_id: int) -> None:
    server.client.annotations.create(id=task_id, result=result, completed_by=user_id, lead_time=1.0)


def push_fixture(title: str, *extra: str) -> None:
    """`diplonews labelstudio push` of the emoji fixture into project `title` (must succeed)."""
    args = [
        "labelstudio",
        "push",
        "--project",
        title,
        "--from",
        str(FIXTURE / "gold"),
        "--raw-dir",
        str(FIXTURE / "raw"),
    ]
    assert cli.main([*args, *extra]) == EXIT_OK


def test_server_answers_on_loopback_only(label_studio: dict[str, Any]) -> None:
    status = subprocess.run(
        ["bash", str(SCRIPT), "status", "--data-dir", str(label_studio["data_dir"])],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert status.returncode == 0 and label_studio["url"] in status.stdout
    addresses = _listening_addresses(label_studio["port"])
    if not addresses:
        pytest.skip("/proc/net/tcp is not readable here")
    assert addresses == {"0100007F"}, f"listening on {addresses}, expected 127.0.0.1 only"


def _server_processes(leader: int) -> list[int]:
    """The server and every process of its session (label_studio.sh starts it as a session leader)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        session = int(stat.rsplit(")", 1)[1].split()[3])  # field 6 of /proc/<pid>/stat: the session id
        if session == leader:
            found.append(int(entry.name))
    return found


def test_secrets_are_on_no_command_line_and_private_on_disk(label_studio: dict[str, Any]) -> None:
    """No password or token in any server process's argv; data dir 700, database and credentials 600."""
    data_dir: Path = label_studio["data_dir"]
    leader = int((data_dir / "label-studio.pid").read_text())
    processes = _server_processes(leader)
    assert leader in processes
    for pid in processes:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace")
        assert label_studio["token"] not in argv, f"the API token is on the command line of pid {pid}"
        assert label_studio["password"] not in argv, f"the password is on the command line of pid {pid}"
    assert (data_dir.stat().st_mode & 0o777) == 0o700
    for name in ("label_studio.sqlite3", "credentials", ".env", "label-studio.log"):
        assert ((data_dir / name).stat().st_mode & 0o777) == 0o600, name
    for path in data_dir.rglob("*"):
        assert path.stat().st_mode & 0o077 == 0, f"{path} is readable by others ({oct(path.stat().st_mode & 0o777)})"


def test_secrets_on_the_command_line_are_refused(tmp_path: Path) -> None:
    for flag in ("--password", "--token"):
        run = subprocess.run(
            ["bash", str(SCRIPT), "start", "--data-dir", str(tmp_path / "x"), flag, "s3cret-value"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert run.returncode == 2 and "DIPLONEWS_LS_" in run.stderr
        assert not (tmp_path / "x").exists()


def test_gold_round_trip_through_the_server(server_env: ls.Server, project: Path, tmp_path: Path) -> None:
    """gold -> Label Studio -> pull gives back the gold, and rebuilding from it gives the same dataset bytes."""
    assert cli.main(["labelstudio", "push", "--project", "gold round trip", "--as", "annotations"]) == EXIT_OK
    out = tmp_path / "pulled"
    assert cli.main(["labelstudio", "pull", "--project", "gold round trip", "--out", str(out)]) == EXIT_OK
    (folder,) = out.iterdir()
    assert folder.name == "admin-diplonews-test"
    raw = read_raw_articles(REPO / "dataset" / "raw")
    gold = load_annotations(REPO / "annotations" / "gold", raw, require_pins=True)
    _assert_same(gold, load_annotations(folder, raw, require_pins=True))

    before = build.compile_dataset(project).files
    shutil.rmtree(project / "annotations" / "gold")
    shutil.copytree(folder, project / "annotations" / "gold")
    assert build.compile_dataset(project).files == before


def test_emoji_fixture_two_annotators(
    server_env: ls.Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Pre-annotations accepted by one annotator and edited by another: both come back exactly."""
    raw = read_raw_articles(FIXTURE / "raw")
    gold = load_annotations(FIXTURE / "gold", raw, require_pins=True)
    title = "emoji fixture"
    push_fixture(title)
    project_id = _project_id(server_env, title)
    client = server_env.client
    admin = client.users.whoami().id
    second = client.users.create(email="Second.Annotator@example.org", username="second").id

    text = raw["900_00000000000000e1"].text
    start = text.index("Secretary of State")
    # The editor counts code points (test_browser_labelstudio shows it), even after six non-BMP characters.
    new_value = {"start": start, "end": start + len("Secretary of State")}
    for article_id, (task_id, result) in _predictions(server_env, project_id).items():
        _submit(server_env, task_id, result, admin)
        edited = copy.deepcopy(result)
        if article_id == "900_00000000000000e1":
            for item in edited:
                if item.get("id") == "900-m002" and item["from_name"] == cfg.ENTITY:
                    item["value"]["labels"] = ["LOC"]
            edited = [item for item in edited if item.get("id") != "900-t04" and item.get("to_id") != "900-t04"]
            edited += [
                {
                    "id": "nEw_Reg-01",
                    "from_name": "entity",
                    "to_name": "text",
                    "type": "labels",
                    "value": {**new_value, "text": "Secretary of State", "labels": ["ORG"]},
                },
                {
                    "id": "nEw_Reg-01",
                    "from_name": "entity_id",
                    "to_name": "text",
                    "type": "textarea",
                    "value": {**new_value, "text": ["us_secretary_of_state"]},
                },
                {
                    "id": "nEw_Reg-01",
                    "from_name": "canonical_name",
                    "to_name": "text",
                    "type": "textarea",
                    "value": {**new_value, "text": ["US Secretary of State"]},
                },
            ]
        _submit(server_env, task_id, edited, second)

    out = tmp_path / "labelstudio"
    assert (
        cli.main(["labelstudio", "pull", "--project", title, "--raw-dir", str(FIXTURE / "raw"), "--out", str(out)])
        == EXIT_OK
    )
    assert sorted(p.name for p in out.iterdir()) == ["admin-diplonews-test", "second-annotator-example-org"]
    _assert_same(gold, load_annotations(out / "admin-diplonews-test", raw, require_pins=True))

    edited_set = load_annotations(out / "second-annotator-example-org", raw)
    mentions = {r["mention_id"]: r for r in edited_set.tables["entities"]}
    assert mentions["900-m002"]["label"] == "LOC"
    assert (mentions["nEw_Reg-01"]["start"], mentions["nEw_Reg-01"]["text"]) == (start, "Secretary of State")
    assert edited_set.catalog["us_secretary_of_state"]["canonical_name"] == "US Secretary of State"
    assert "900-t04" not in {r["timex_id"] for r in edited_set.tables["temporal"]}
    d104 = next(r for r in edited_set.tables["discrepancies"] if r["discrepancy_id"] == "d104")
    assert [s["text"] for s in d104["spans"]] == [
        "seven hours",
        "more than five hours",
    ]  # the discrepancy keeps its spans

    folders = [str(out / "admin-diplonews-test"), str(out / "second-annotator-example-org")]
    capsys.readouterr()
    assert cli.main(["labelstudio", "agreement", *folders, "--raw-dir", str(FIXTURE / "raw")]) == EXIT_OK
    table = capsys.readouterr().out
    assert "| entities | label_agreement | 0.917 |" in table  # 11 of 12 exact matches keep their label
    assert "| temporal | span_f1_exact | 0.923 |" in table  # 6 matched of 7 + 6
    adjudication = tmp_path / "adjudication"
    assert (
        cli.main(["labelstudio", "adjudicate", *folders, "--raw-dir", str(FIXTURE / "raw"), "--out", str(adjudication)])
        == EXIT_OK
    )
    worklist = [
        json.loads(line) for line in (adjudication / "disagreements.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert sorted((item["layer"], item["start"]) for item in worklist) == sorted(
        [("entities", text.index("Beijing")), ("entities", start), ("temporal", text.index("seven hours"))]
    )


def test_repush_keeps_annotations_and_refuses_a_changed_text(
    server_env: ls.Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    title = "repush"
    push_fixture(title)
    project_id = _project_id(server_env, title)
    admin = server_env.client.users.whoami().id
    predictions = _predictions(server_env, project_id)
    task_id, result = predictions["901_00000000000000e2"]
    edited = [item for item in result if item.get("id") != "901-m004"]
    _submit(server_env, task_id, edited, admin)

    push_fixture(title)  # again: predictions replaced, the annotation untouched
    export = {task["data"]["article_id"]: task for task in ls.export_project(server_env, project_id)}
    assert len(export) == 2
    assert [a["result"] for a in export["901_00000000000000e2"]["annotations"]] == [edited]
    assert all(len(server_env.client.predictions.list(task=task["id"])) == 1 for task in export.values())

    # A raw text that changed under existing annotations is refused before anything changes.
    raw_dir, gold_dir = tmp_path / "raw", tmp_path / "gold"
    shutil.copytree(FIXTURE / "raw", raw_dir)
    shutil.copytree(FIXTURE / "gold", gold_dir)
    path = raw_dir / "901_00000000000000e2.txt"
    path.write_text(path.read_text(encoding="utf-8") + "Appended later.\n", encoding="utf-8")
    lines = [json.loads(line) for line in (gold_dir / "articles.jsonl").read_text(encoding="utf-8").splitlines()]
    (gold_dir / "articles.jsonl").write_text(
        "".join(json.dumps({k: v for k, v in r.items() if k != "sha256"}) + "\n" for r in lines), encoding="utf-8"
    )
    capsys.readouterr()
    assert (
        cli.main(["labelstudio", "push", "--project", title, "--from", str(gold_dir), "--raw-dir", str(raw_dir)])
        == EXIT_UNUSABLE
    )
    assert "the task holds a different text of this article" in capsys.readouterr().err
    after = {task["data"]["article_id"]: task for task in ls.export_project(server_env, project_id)}
    assert after["901_00000000000000e2"]["data"]["text"] == export["901_00000000000000e2"]["data"]["text"]


def test_pull_refuses_a_shifted_region_and_writes_nothing(
    server_env: ls.Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    title = "shifted"
    push_fixture(title, "--preannotate", "metadata")
    project_id = _project_id(server_env, title)
    admin = server_env.client.users.whoami().id
    raw = read_raw_articles(FIXTURE / "raw")
    for article_id, (task_id, result) in _predictions(server_env, project_id).items():
        if article_id == "900_00000000000000e1":
            text = raw[article_id].text
            start = ls.codepoints_to_utf16(text, text.index("Beijing"))  # UTF-16 units where code points are expected
            result = [
                *result,
                {
                    "id": "bad-1",
                    "from_name": "entity",
                    "to_name": "text",
                    "type": "labels",
                    "value": {"start": start, "end": start + 7, "text": "Beijing", "labels": ["GPE"]},
                },
                {
                    "id": "bad-1",
                    "from_name": "entity_id",
                    "to_name": "text",
                    "type": "textarea",
                    "value": {"start": start, "end": start + 7, "text": ["beijing"]},
                },
            ]
        _submit(server_env, task_id, result, admin)
    out = tmp_path / "out"
    capsys.readouterr()
    assert (
        cli.main(["labelstudio", "pull", "--project", title, "--raw-dir", str(FIXTURE / "raw"), "--out", str(out)])
        == EXIT_UNUSABLE
    )
    err = capsys.readouterr().err
    assert "region 'bad-1': error[span-mismatch]: field 'text'" in err
    assert "nothing was written" in err
    assert not out.exists() or not any(out.iterdir())


def test_stop_is_idempotent_for_an_unknown_data_dir(tmp_path: Path) -> None:
    run = subprocess.run(
        ["bash", str(SCRIPT), "stop", "--data-dir", str(tmp_path / "never-started")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0 and "not running" in run.stderr
    status = subprocess.run(
        ["bash", str(SCRIPT), "status", "--data-dir", str(tmp_path / "never-started")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert status.returncode == 3
