"""The bulletin page (月度通报) on a real server in headless Chromium: it opens straight from its URL
(login first), shows the A4 bulletin with its chart images at 1920×1080 and 1366×768, the two
downloads deliver a .docx with the engine's figures and the printable HTML, and that HTML prints to
a multi-page A4 PDF in Chromium with nothing fetched from anywhere.

Screenshots and the PDF go to screenshots/ (git-ignored) or $GRIDBOARD_SCREENSHOTS, prefixed bulletin_.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, ROOT, small_database, streamlit_server

from gridboard.bulletin import dates
from gridboard.core import auth, config
from gridboard.db import store
from gridboard.metrics import engine

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
]

SHOTS = Path(os.environ.get("GRIDBOARD_SCREENSHOTS", ROOT / "screenshots"))
SIZES = {"1920x1080": (1920, 1080), "1366x768": (1366, 768)}
TIMEOUT_MS = 90_000
FAILURE = '[data-testid="stException"], [data-testid="stAlertContentError"]'


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict, list[str]]]:
    """(URL, the engine's KPIs of the last whole month, requests seen). The KPIs are read before the
    server holds the file; that month's cases all closed or passed their due time before now."""
    tmp = tmp_path_factory.mktemp("bulletin_browser")
    db = small_database(tmp / "bulletin.duckdb", config.load().now())
    expected = last_month_kpis(db)
    cfg = tmp / "gridboard.toml"
    cfg.write_text("", encoding="utf-8")
    with streamlit_server({"GRIDBOARD_DB": str(db), "GRIDBOARD_CONFIG": str(cfg)}, log=tmp / "server.log") as url:
        yield url, expected, []


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def open_bulletin(browser, server, size: str):
    url, _, requests = server
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.on("request", lambda req: requests.append(req.url))
    page.goto(f"{url}/bulletin")
    page.get_by_label("用户名").wait_for(timeout=TIMEOUT_MS)
    page.get_by_label("用户名").fill("analyst")
    page.get_by_label("密码").fill(auth.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector(f".gb-bulletin h1, {FAILURE}", timeout=TIMEOUT_MS)
    boxes = page.locator(FAILURE)
    assert boxes.count() == 0, boxes.first.inner_text()[:1500]
    page.get_by_role("heading", name="月度通报").first.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function("() => [...document.querySelectorAll('.gb-figure img')].every(i => i.complete"
                           " && i.naturalWidth > 0)", timeout=TIMEOUT_MS)
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


@pytest.mark.parametrize("size", list(SIZES))
def test_bulletin_page_shows_the_a4_bulletin(browser, server, size):
    page = open_bulletin(browser, server, size)
    k = server[1]
    text = page.locator(".gb-bulletin").inner_text()
    assert f"共受理群众诉求{k['received']:,}件" in text
    assert page.locator(".gb-figure img").count() >= 2
    box = page.locator(".gb-bulletin").bounding_box()
    assert box is not None and box["width"] <= 210 / 25.4 * 96 + 2  # not wider than A4
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"bulletin_page_{size}.png"))
    page.locator(".gb-figure").first.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"bulletin_page_{size}_chart.png"))
    page.context.close()


def test_downloads_and_the_printed_pdf(browser, server, tmp_path):
    page = open_bulletin(browser, server, "1920x1080")
    k = server[1]
    with page.expect_download(timeout=TIMEOUT_MS) as got:
        page.get_by_role("button", name="下载 Word（.docx）").click()
    word_path = tmp_path / "bulletin.docx"
    got.value.save_as(word_path)
    text = "\n".join(p.text for p in docx.Document(str(word_path)).paragraphs)
    assert f"共受理群众诉求{k['received']:,}件" in text
    assert f"办结率{k['closure_rate'] * 100:.1f}%" in text
    with page.expect_download(timeout=TIMEOUT_MS) as got:
        page.get_by_role("button", name="下载打印版网页（.html）").click()
    html_path = tmp_path / "bulletin.html"
    got.value.save_as(html_path)
    page.context.close()

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
    url, _, requests = server
    outside = [u for u in requests if not u.startswith((url, "data:", "blob:", "about:"))]
    assert outside == []
