"""The wall screen (/bigscreen) kept open in headless Chromium while files come in through the API
of the same server: new cases show in its tiles within one refresh, a status feed closing some
of them moves the open count, and a tick of the demo feed moves the numbers again. Screenshots
(1920×1080 and 1366×768) go to screenshots/ (or $GRIDBOARD_SCREENSHOTS) to look at.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from browser_support import CHROMIUM, POLL_MS, SHOTS
from conftest import LIVE_KIOSK
from test_api_server import Live

from gridboard.core import config

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
]

KIOSK = LIVE_KIOSK  # the session live server's wall token (tests/conftest.py)
REFRESH_S = 5
LOAD_MS = 120_000
ONE_REFRESH_MS = (REFRESH_S * 2 + 10) * 1000  # a refresh period, the rerun, and a busy 2-core machine
VALUES = '[data-testid="stMetricValue"]'
LABELS = '[data-testid="stMetricLabel"]'
# tile order (render/wall_view.TILE_COLUMNS, column by column): today received, today closed, open now, …
RECEIVED, OPEN_NOW = 0, 2


@pytest.fixture(scope="module")
def live(live_server: Live) -> Live:
    """The session's live server (tests/conftest.py, kiosk token KIOSK, stale after 600 minutes):
    the tiles are compared with what they showed before this test's posts."""
    return live_server


def tile(page, n: int) -> int:
    return int(re.sub(r"\D", "", page.locator(VALUES).nth(n).inner_text()) or 0)


def wait_tile(page, n: int, expected: int) -> None:
    page.wait_for_function(
        "([sel, n, want]) => { const e = document.querySelectorAll(sel)[n];"
        " return e && Number(e.innerText.replace(/\\D/g, '')) === want; }",
        arg=[VALUES, n, expected], timeout=ONE_REFRESH_MS, polling=POLL_MS)


def fresh_cases(ids: list[str], now: dt.datetime) -> bytes:
    lines = [f"{c},T1C1G1,环境卫生,hotline,{(now - dt.timedelta(minutes=3)):%Y-%m-%d %H:%M:%S},"
             f"{(now + dt.timedelta(days=1)):%Y-%m-%d %H:%M:%S},open\n" for c in ids]
    return ("case_id,unit_id,category,source,reported_at,due_at,status\n" + "".join(lines)).encode()


def test_posted_files_show_on_the_open_wall_screen_within_one_refresh(browser, live):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live.url}/bigscreen?kiosk={KIOSK}&refresh={REFRESH_S}")
    page.locator(VALUES).nth(11).wait_for(timeout=LOAD_MS)
    assert page.locator(LABELS).nth(RECEIVED).inner_text().startswith("今日受理")
    assert page.locator(LABELS).nth(OPEN_NOW).inner_text().startswith("当前在办")
    received, open_now = tile(page, RECEIVED), tile(page, OPEN_NOW)

    # seven new cases through the API: both tiles move by seven
    ids = [f"WALL{i}" for i in range(7)]
    status, report, _ = live.api("POST", "/api/v1/ingest?table=cases", live.analyst,
                                 file=("wall.csv", fresh_cases(ids, config.load().now())))
    assert status == 200 and report["inserted"] == 7
    wait_tile(page, RECEIVED, received + 7)
    wait_tile(page, OPEN_NOW, open_now + 7)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "server_wall_after_post_1920x1080.png"))

    # a status feed closes three of them: open now goes down by three, received stays
    now = config.load().now()
    feed = "case_id,closed_at\n" + "".join(f"{c},{now:%Y-%m-%d %H:%M:%S}\n" for c in ids[:3])
    status, report, _ = live.api("POST", "/api/v1/ingest?table=cases", live.analyst, file=("status.csv", feed.encode()))
    assert status == 200 and report["status_feed"] and report["updated"] == 3
    wait_tile(page, OPEN_NOW, open_now + 4)
    assert tile(page, RECEIVED) == received + 7

    # one tick of the demo feed (the same code as the server's feed thread) adds cases
    status, tick, _ = live.api("POST", "/api/v1/feed?rate=400&minutes=30", live.analyst)
    assert status == 200 and tick["new"] >= 1
    wait_tile(page, RECEIVED, received + 7 + tick["new"])
    assert page.locator('[data-testid="bs-stamp"]').get_attribute("data-state") == "fresh"
    assert page.locator('[data-testid="stException"]').count() == 0
    context.close()

    small = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = small.new_page()
    page.goto(f"{live.url}/bigscreen?kiosk={KIOSK}&refresh={REFRESH_S}")
    page.locator(VALUES).nth(11).wait_for(timeout=LOAD_MS)
    wait_tile(page, RECEIVED, received + 7 + tick["new"])
    page.locator('[data-testid="bs-trend"]').wait_for(timeout=LOAD_MS)
    page.screenshot(path=str(SHOTS / "server_wall_after_feed_1366x768.png"))
    small.close()
