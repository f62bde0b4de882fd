"""The bulletin page (月度通报) on a real server in headless Chromium: it opens straight from its URL
(login first), shows the A4 bulletin with its chart images at 1920×1080 and 1366×768, the two
downloads deliver a .docx with the engine's figures and the printable HTML, and that HTML prints to
a multi-page A4 PDF in Chromium with nothing fetched from anywhere.

Screenshots and the PDF go to screenshots/ (git-ignored) or $GRIDBOARD_SCREENSHOTS, prefixed bulletin_.
"""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pytest
from browser_support import CHROMIUM, FAILURE, SHOTS, Server, shoot

from gridboard.bulletin import dates
from gridboard.core import config
from gridboard.db import store
from gridboard.metrics import engine

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def server(small_server: Server) -> Server:
    """The session's read-only server on the small county (the bulletin page only reads)."""
    return small_server


@pytest.fixture(scope="module")
def expected(small_db_file: Path) -> dict:
    """The engine's KPIs of the last whole month, from the file the server's copy was made of; that
    month's cases all closed or passed their due time before now."""
    return last_month_kpis(small_db_file)


def open_bulletin(signed_in, size: str):
    """The bulletin page as the analyst: the first call types the login form on its URL, the next
    reuses that signed-in session (keep=True) and opens the page from the sidebar."""
    page = signed_in("analyst", "bulletin", size, keep=True)
    page.wait_for_selector(f".gb-bulletin h1, {FAILURE}")
    boxes = page.locator(FAILURE)
    assert boxes.count() == 0, boxes.first.inner_text()[:1500]
    page.get_by_role("heading", name="月度通报").first.wait_for()
    page.wait_for_function("() => [...document.querySelectorAll('.gb-figure img')].every(i => i.complete"
                           " && i.naturalWidth > 0)")
    return page


def last_month_kpis(db: Path) -> dict:
    now = config.load().now().replace(second=0)
    month = dates.recent_months(now)[1]
    start, end = dates.month_bounds(month)
    con = store.connect(db, read_only=True)
    try:
        return engine.kpis(con, start=start, end=end, as_of=now)
    finally:
        con.close()


@pytest.mark.parametrize("size", ["1920x1080", "1366x768"])
def test_bulletin_page_shows_the_a4_bulletin(signed_in, expected, size):
    page = open_bulletin(signed_in, size)
    assert page.url.split("?")[0].rstrip("/").endswith("/bulletin")  # opened straight from its URL
    k = expected
    text = page.locator(".gb-bulletin").inner_text()
    assert f"共受理群众诉求{k['received']:,}件" in text
    assert page.locator(".gb-figure img").count() >= 2
    box = page.locator(".gb-bulletin").bounding_box()
    assert box is not None and box["width"] <= 210 / 25.4 * 96 + 2  # not wider than A4
    shoot(page, f"bulletin_page_{size}")


def test_downloads_and_the_printed_pdf(signed_in, browser, expected, tmp_path):
    page = open_bulletin(signed_in, "1920x1080")
    k = expected
    with page.expect_download() as got:
        page.get_by_role("button", name="下载 Word（.docx）").click()
    word_path = tmp_path / "bulletin.docx"
    got.value.save_as(word_path)
    text = "\n".join(p.text for p in docx.Document(str(word_path)).paragraphs)
    assert f"共受理群众诉求{k['received']:,}件" in text
    assert f"办结率{k['closure_rate'] * 100:.1f}%" in text
    with page.expect_download() as got:
        page.get_by_role("button", name="下载打印版网页（.html）").click()
    html_path = tmp_path / "bulletin.html"
    got.value.save_as(html_path)

    # the printable page alone, as a county clerk opens it: from the file, offline, then Ctrl+P
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    printable = context.new_page()
    fetched: list[str] = []
    printable.on("request", lambda req: fetched.append(req.url))
    printable.goto(html_path.as_uri())
    printable.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    assert f"共受理群众诉求{k['received']:,}件" in printable.locator("article").inner_text()
    assert [u for u in fetched if not u.startswith(("file:", "data:"))] == []
    pdf = printable.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "bulletin_print.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pdf.startswith(b"%PDF") and 2 <= pages <= 8
    context.close()


def test_nothing_left_the_server(server):
    """Runs last in this module: every request of the pages above went to the local server."""
    assert server.requests
    assert [u for u in server.outside_requests() if not u.startswith("about:")] == []
