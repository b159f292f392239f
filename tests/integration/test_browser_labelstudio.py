# ruff: noqa: F811  (pytest fixtures: the shared `label_studio` server is imported and requested by name)
"""A real annotation session in a real browser, against the server the project starts.

Playwright drives Debian's Chromium (`scripts/browser.sh install` puts it there with apt-get;
Playwright's own browser download needs the internet) against the Label Studio server of
`scripts/label_studio.sh` (the session fixture of test_labelstudio_roundtrip). The annotator
logs in, opens a task, selects spans with the mouse, picks labels by hotkey, fills the fields
of the selected region in the side column, draws an `anchor` relation and submits; then
`diplonews labelstudio pull` must give exactly that annotation. A second annotator corrects
the gold pre-annotation (one label changed, one region deleted) and the pull shows exactly
that change. Every step leaves a screenshot in reports/screenshots/ (a CI artifact).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_labelstudio_roundtrip import FIXTURE, label_studio, push_fixture  # noqa: F401  (the shared server)

from conftest import REPO
from diplonews import cli
from diplonews import labelstudio as ls
from diplonews.contract.errors import EXIT_OK
from diplonews.io.annotations import load_annotations, read_raw_articles

pytestmark = pytest.mark.integration

SHOTS = REPO / "reports" / "screenshots"
ARTICLE = "900_00000000000000e1"

# The client rectangle of the nth occurrence of `needle` in the article's text nodes.
_TEXT_BOX = """([needle, nth]) => {
  const root = document.querySelector('.diplonews-article');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let seen = 0, node;
  while ((node = walker.nextNode())) {
    let i = node.data.indexOf(needle);
    while (i >= 0) {
      if (seen === nth) {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + needle.length);
        const rects = Array.from(range.getClientRects());
        const a = rects[0], b = rects[rects.length - 1];
        return {x1: a.left + 1, y1: a.top + a.height / 2, x2: b.right - 1, y2: b.top + b.height / 2};
      }
      seen++;
      i = node.data.indexOf(needle, i + 1);
    }
  }
  return null;
}"""


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    run = subprocess.run(
        ["bash", str(REPO / "scripts" / "browser.sh"), "install"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert run.returncode == 0, f"scripts/browser.sh install failed ({run.returncode}): {run.stderr[-2000:]}"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=run.stdout.strip().splitlines()[-1], args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


class Annotator:
    """One browser page logged in to Label Studio, and the steps an annotator takes."""

    def __init__(self, browser: Any, server: dict[str, Any], shots: Path) -> None:
        self.url = server["url"]
        self.shots = shots
        self.step = 0
        shots.mkdir(parents=True, exist_ok=True)
        for old in shots.glob("*.png"):
            old.unlink()
        self.context = browser.new_context(viewport={"width": 1400, "height": 900})
        self.page = self.context.new_page()
        self.page.set_default_timeout(20_000)
        # Nothing may leave the machine: requests to any other host are refused (and counted).
        self.outside: list[str] = []
        self.page.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), self._refuse)

    def _refuse(self, route: Any) -> None:
        self.outside.append(route.request.url)
        route.abort()

    def shot(self, name: str) -> None:
        self.step += 1
        self.page.screenshot(path=str(self.shots / f"{self.step:02d}_{name}.png"))

    def login(self, email: str, password: str) -> None:
        page = self.page
        page.goto(f"{self.url}/user/login/")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", password)
        page.click("button[type=submit], input[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)
        self.shot("logged_in")

    def open_task(self, project_id: int, task_id: int) -> None:
        """Open the task with its pre-annotation loaded (the article's event ticked from it)."""
        page = self.page
        for _attempt in range(4):
            page.goto(f"{self.url}/projects/{project_id}/data?task={task_id}")
            page.wait_for_selector(
                ".diplonews-article .lsf-richtext, .diplonews-article [class*=richtext]", state="attached"
            )
            page.wait_for_timeout(1500)  # the editor finishes laying out regions and relations
            # The editor sometimes opens a task before its prediction arrives: open it again then.
            if page.locator(".diplonews-metadata input[type=checkbox]:checked").count():
                break
            self.shot("opened_without_preannotation")
        else:
            raise AssertionError("the task never opened with its pre-annotation")
        close = page.locator("[aria-label='Close modal']")
        if close.count():
            self.shot("instructions")
            close.first.click()
        self.shot("task_open")

    def select_text(self, text: str, hotkey: str, nth: int = 0) -> None:
        """Press the label's hotkey, then drag the mouse over the words."""
        page = self.page
        page.keyboard.press("Escape")  # nothing selected: the hotkey picks a label for the next span
        page.keyboard.press(hotkey)
        box = page.evaluate(_TEXT_BOX, [text, nth])
        assert box is not None, f"{text!r} is not in the task's text"
        page.mouse.move(box["x1"], box["y1"])
        page.mouse.down()
        page.mouse.move(box["x2"], box["y2"], steps=8)
        page.mouse.up()
        page.wait_for_timeout(400)

    def region(self, text: str) -> Any:
        exact = re.compile(rf"^\s*{re.escape(text)}\s*$")
        return self.page.locator(".diplonews-article .htx-highlight").filter(has_text=exact).first

    def click_region(self, text: str) -> None:
        self.region(text).click()
        self.page.wait_for_timeout(300)

    def fill(self, field: str, value: str) -> None:
        box = self.page.locator(f".diplonews-region input[name={field}], .diplonews-region textarea[name={field}]")
        box.fill(value)
        box.press("Enter")
        self.page.wait_for_timeout(200)

    def relate(self, from_text: str, to_text: str, label: str) -> None:
        page = self.page
        create = page.locator("[aria-label='Create Relation']")
        if not create.is_visible():  # clicking a selected region would unselect it
            self.click_region(from_text)
        create.click()
        self.click_region(to_text)
        page.get_by_text("Relations", exact=True).first.click()
        item = page.locator(".lsf-relations__item").last
        item.hover()
        item.locator("[aria-label='Show Relation Labels']").click()
        page.locator(".lsf-relation-meta [data-testid^=select-trigger]").last.click()
        page.get_by_role("option", name=label, exact=True).click()
        page.keyboard.press("Escape")
        page.wait_for_timeout(300)
        self.shot("relation_" + label)

    def submit(self) -> None:
        page = self.page
        page.locator("[aria-label='Submit current annotation']").click()
        page.wait_for_timeout(2000)
        self.shot("submitted")

    def close(self) -> None:
        self.context.close()


def _task_id(server: ls.Server, title: str, article_id: str) -> tuple[int, int]:
    project = ls.find_project(server, title, None)
    assert project is not None
    for task in ls.export_project(server, project.id):
        if task["data"]["article_id"] == article_id:
            return project.id, task["id"]
    raise AssertionError(f"no task for {article_id}")


def _pull(title: str, out: Path) -> Path:
    assert (
        cli.main(["labelstudio", "pull", "--project", title, "--raw-dir", str(FIXTURE / "raw"), "--out", str(out)])
        == EXIT_OK
    )
    (folder,) = out.iterdir()
    return folder


@pytest.fixture
def server(label_studio: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> ls.Server:
    monkeypatch.setenv(ls.URL_ENV, label_studio["url"])
    monkeypatch.setenv(ls.API_KEY_ENV, label_studio["token"])
    return ls.connect(None, None)


def test_an_annotation_session_in_the_browser_is_pulled_exactly(
    chromium: Any,
    label_studio: dict[str, Any],
    server: ls.Server,
    tmp_path: Path,
) -> None:
    title = "browser session"
    push_fixture(title, "--preannotate", "metadata")  # the article fields only: every span is the annotator's
    project_id, task_id = _task_id(server, title, ARTICLE)
    annotator = Annotator(chromium, label_studio, SHOTS / "new_annotation")
    try:
        annotator.login(label_studio["username"], label_studio["password"])
        annotator.open_task(project_id, task_id)
        annotator.select_text("Antony Blinken", "1")  # PERSON
        annotator.click_region("Antony Blinken")
        annotator.fill("entity_id", "antony_blinken")
        annotator.fill("canonical_name", "Antony Blinken")
        annotator.shot("entity_fields")
        annotator.select_text("Monday 19 June 2023", "w")  # DATE
        annotator.click_region("Monday 19 June 2023")
        annotator.fill("timex_value", "2023-06-19")
        annotator.select_text("The day before", "w")
        annotator.click_region("The day before")
        annotator.fill("timex_value", "2023-06-18")
        annotator.shot("timex_fields")
        annotator.relate("The day before", "Monday 19 June 2023", "anchor")
        annotator.submit()
    finally:
        annotator.close()

    raw = read_raw_articles(FIXTURE / "raw")
    gold = load_annotations(FIXTURE / "gold", raw)
    pulled = load_annotations(_pull(title, tmp_path / "pulled"), raw)
    text = raw[ARTICLE].text
    assert [{k: v for k, v in row.items() if k != "mention_id"} for row in pulled.tables["entities"]] == [
        {
            "article_id": ARTICLE,
            "start": text.index("Antony Blinken"),
            "end": text.index("Antony Blinken") + 14,
            "text": "Antony Blinken",
            "label": "PERSON",
            "entity_id": "antony_blinken",
            "canonical_name": "Antony Blinken",
            "surface_error": False,
        }
    ]
    timexes = {row["text"]: row for row in pulled.tables["temporal"]}
    assert sorted(timexes) == ["Monday 19 June 2023", "The day before"]
    monday, before = timexes["Monday 19 June 2023"], timexes["The day before"]
    assert (monday["start"], monday["type"], monday["value"], monday["mod"], monday["anchor"]) == (
        text.index("Monday 19 June 2023"),
        "DATE",
        "2023-06-19",
        None,
        None,
    )
    assert (before["start"], before["type"], before["value"], before["anchor"]) == (
        text.index("The day before"),
        "DATE",
        "2023-06-18",
        monday["timex_id"],
    )
    assert pulled.tables["discrepancies"] == []
    assert pulled.articles == gold.articles  # the article fields as pushed, submitted unchanged
    assert pulled.catalog == gold.catalog


def test_correcting_a_gold_preannotation_in_the_browser(
    chromium: Any,
    label_studio: dict[str, Any],
    server: ls.Server,
    tmp_path: Path,
) -> None:
    title = "browser correction"
    push_fixture(title)  # the gold as predictions: the annotator starts from it
    project_id, task_id = _task_id(server, title, ARTICLE)
    annotator = Annotator(chromium, label_studio, SHOTS / "correct_gold")
    try:
        annotator.login(label_studio["username"], label_studio["password"])
        annotator.open_task(project_id, task_id)
        annotator.click_region("Beijing")  # 900-m002, GPE in the gold
        annotator.page.keyboard.press("5")  # LOC
        annotator.page.wait_for_timeout(300)
        annotator.shot("label_changed")
        annotator.page.keyboard.press("Escape")
        annotator.click_region("US")  # 900-m003
        annotator.shot("region_to_delete")
        annotator.page.locator("[aria-label='Delete selected region']").click()
        annotator.page.wait_for_timeout(300)
        annotator.shot("region_deleted")
        annotator.submit()
    finally:
        annotator.close()

    raw = read_raw_articles(FIXTURE / "raw")
    gold = load_annotations(FIXTURE / "gold", raw)
    pulled = load_annotations(_pull(title, tmp_path / "pulled"), raw)
    gold_mentions = {row["mention_id"]: row for row in gold.tables["entities"] if row["article_id"] == ARTICLE}
    mentions = {row["mention_id"]: row for row in pulled.tables["entities"]}
    assert set(gold_mentions) - set(mentions) == {"900-m003"}  # exactly one region gone
    assert set(mentions) == set(gold_mentions) - {"900-m003"}
    changed = {mid for mid in mentions if mentions[mid] != gold_mentions[mid]}
    assert changed == {"900-m002"}  # exactly one row changed, and only its label
    assert {**gold_mentions["900-m002"], "label": "LOC"} == mentions["900-m002"]
    assert sorted(pulled.tables["temporal"], key=lambda r: r["timex_id"]) == sorted(
        (r for r in gold.tables["temporal"] if r["article_id"] == ARTICLE), key=lambda r: r["timex_id"]
    )
    gold_900 = [
        {**d, "spans": [s for s in d["spans"] if s["article_id"] == ARTICLE]} for d in gold.tables["discrepancies"]
    ]
    gold_900 = [d for d in gold_900 if d["spans"]]
    assert sorted(d["discrepancy_id"] for d in pulled.tables["discrepancies"]) == sorted(
        d["discrepancy_id"] for d in gold_900
    )
