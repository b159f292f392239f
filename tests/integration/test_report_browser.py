"""report.html in a real browser (Debian's Chromium through Playwright) with every network request refused.

The page must render styled, show the verdict and the failing rows, and need nothing from the
network. A screenshot is kept in reports/screenshots/ (a CI artifact).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO
from diplonews import validation

pytestmark = pytest.mark.integration
SCREENSHOTS = REPO / "reports" / "screenshots"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    path = subprocess.run(
        ["bash", str(REPO / "scripts" / "browser.sh"), "install"], capture_output=True, text=True, check=True
    ).stdout.strip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path.splitlines()[-1], args=["--no-sandbox"])
        yield browser
        browser.close()


def test_report_html_renders_styled_offline_with_the_failures(chromium: Any, tmp_path: Path) -> None:
    records = [
        {"article_id": "000_f1c10de2f90bfacb", "start": 0, "end": 5, "label": "<img src=x onerror=alert(1)>"},
        {
            "article_id": "000_f1c10de2f90bfacb",
            "start": 6,
            "end": 9,
            "label": "GPE",
            "text": "<script>alert(2)</script>",
        },
    ]
    result = validation.validate_predictions("entities", records, report_dir=tmp_path)
    page_path = tmp_path / "predictions_entities" / "report.html"
    outside: list[str] = []
    dialogs: list[str] = []
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("requestfailed", lambda request: outside.append(request.url))

    def route(request_route: Any) -> None:
        if request_route.request.url.startswith("file:"):
            request_route.continue_()
        else:
            outside.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    page.goto(page_path.as_uri())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "report.png"), full_page=True)
    assert outside == [] and dialogs == []
    assert page.locator("#verdict").inner_text().startswith("FAIL")
    assert (
        page.eval_on_selector("#verdict", "e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
    )  # the stylesheet applies
    failed_rows = page.locator("tr.fail")
    assert failed_rows.count() == len(result.failures) > 0 and failed_rows.first.is_visible()
    assert page.eval_on_selector("tr.fail td.status", "e => getComputedStyle(e).color") == "rgb(179, 38, 30)"
    assert page.locator("img").count() == 0 and page.locator("script").count() == 0  # payloads shown as text
    assert "<img src=x onerror=alert(1)>" in page.locator("#expectations").inner_text()
    page.close()
