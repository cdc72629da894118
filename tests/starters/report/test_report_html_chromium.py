"""The HTML report opened in headless Chromium: the page is self-contained, its scripts ran
(they count each table's rows into the summary), the counts a reader sees are the report's,
tables sort, and a screenshot is taken (`LIFECYCLE_UPDATE_SCREENSHOT=1` refreshes
docs/report-screenshot.png with it)."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from report_company import Reported

REPO = Path(__file__).resolve().parents[3]
DOCS_SCREENSHOT = REPO / "docs" / "report-screenshot.png"
WINDOW = (1400, 1000)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_binary() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    if found is None:
        pytest.fail(
            "headless Chromium is needed to check the HTML report and is not installed: "
            "install the Debian package with `apt-get install -y chromium` and run again"
        )
    return found


def chromium(url: str, profile: Path, *args: str) -> str:
    result = subprocess.run(
        [chromium_binary(), *FLAGS, f"--user-data-dir={profile}", *args, url],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


class Page(HTMLParser):
    """What the DOM (after scripts ran) shows: summary cards, table rows, <body> flags."""

    def __init__(self, dom: str) -> None:
        super().__init__()
        self.body: dict[str, str] = {}
        self.cards: dict[str, dict[str, str]] = {}
        self.rows: dict[str, list[dict[str, str]]] = {}
        self._card: str | None = None
        self._in_count = False
        self._table: str | None = None
        self._in_body = False
        self.feed(dom)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        ident = a.get("id", "")
        if tag == "body":
            self.body = a
        elif ident.startswith("count-"):
            self._card = ident.removeprefix("count-")
            self.cards[self._card] = {**a, "text": ""}
        elif tag == "span" and self._card and "count" in a.get("class", "").split():
            self._in_count = True
        elif tag == "table" and ident.startswith("table-"):
            self._table = ident.removeprefix("table-")
            self.rows[self._table] = []
        elif tag == "tbody" and self._table:
            self._in_body = True
        elif tag == "tr" and self._in_body and self._table:
            self.rows[self._table].append(a)

    def handle_endtag(self, tag: str) -> None:
        if tag == "span":
            self._in_count = False
        elif tag == "a":
            self._card = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._in_count and self._card:
            self.cards[self._card]["text"] += data.strip()


def report_json(reported: Reported) -> dict[str, Any]:
    return json.loads(reported.files["json"].read_text())


def test_the_page_is_self_contained(reported: Reported) -> None:
    html = reported.files["html"].read_text()
    assert html.count("<style>") == 1 and html.count("<script>") == 1
    for external in ("<link", " src=", "@import", "url(", "<iframe", "<img"):
        assert external not in html, external


def test_chromium_shows_the_reports_counts_and_sorts(reported: Reported, tmp_path: Path) -> None:
    data = report_json(reported)
    url = reported.files["html"].as_uri() + "#sort=pending-actions:when:desc"
    page = Page(chromium(url, tmp_path / "profile", "--dump-dom"))

    assert page.body.get("data-ready") == "true", "the page's script did not run"
    assert list(page.cards) == list(data["summary"])
    for category, count in data["summary"].items():
        card = page.cards[category]
        shown = {
            "data-count": card["data-count"],
            "data-rendered-count": card.get("data-rendered-count"),
            "text": card["text"],
            "rows": str(len(page.rows[category])),
        }
        assert shown == dict.fromkeys(shown, str(count)), (category, shown)
    assert int(page.body["data-findings"]) == sum(
        data["summary"][c] for c, cat in data["categories"].items() if cat["kind"] == "finding"
    )

    # Sorted on load by the URL: latest due first (the report itself lists soonest first).
    shown_order = [r["data-employee-id"] for r in page.rows["pending-actions"]]
    listed = [r["employee_id"] for r in data["categories"]["pending-actions"]["rows"]]
    assert shown_order == list(reversed(listed)) and len(listed) == 3


def test_screenshot(reported: Reported, tmp_path: Path) -> None:
    png = tmp_path / "report-screenshot.png"
    chromium(
        reported.files["html"].as_uri(),
        tmp_path / "profile",
        f"--screenshot={png}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
    )
    header = png.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", header[16:24]) == WINDOW
    if os.environ.get("LIFECYCLE_UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(png, DOCS_SCREENSHOT)
