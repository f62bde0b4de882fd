"""The ranking page in headless Chromium on a real server: opened from its URL through the login
form it shows the league table in the saved weights' order and its tabs without an exception, and
trying a weight re-orders the table (nothing saved). (The login shell on the direct URL of a
fresh server is test_browser.py's, the page at 1366×768 test_tour.py's.)

Screenshots go to screenshots/ (git-ignored) or $GRIDBOARD_SCREENSHOTS for a person to look at.
"""

from __future__ import annotations

import re

import pytest
from browser_support import CHROMIUM, POLL_MS, TIMEOUT_MS, no_exception, rerun, settle, shoot

from gridboard.core import config, periods
from gridboard.db import store
from gridboard.ranking import gridindex, league
from gridboard.ranking.gridindex import COMPONENTS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def server(small_server):
    return small_server


@pytest.fixture(scope="module")
def expected(small_db_file, server) -> dict[str, list[str]]:
    """Grid names in the order of the page's default filters (the assessment period: this month,
    whole county) under the saved weights and under each single component (from the session's copy of the server's file;
    names, not codes: the code column is off screen at 1366 wide)."""
    cfg = config.load(server.cfg)
    p = periods.period(league.assessment_preset(cfg["assessment_period"]), cfg.now().replace(second=0))
    con = store.connect(small_db_file, read_only=True)
    try:
        data = gridindex.inputs(con, "grid", start=p.start, end=p.end, as_of=p.as_of)
    finally:
        con.close()
    out = {"saved": [u.name for u in gridindex.from_inputs(data, gridindex.settings_from(cfg))]}
    for c in COMPONENTS:
        out[c] = [u.name for u in gridindex.from_inputs(data, gridindex.settings_from(cfg, {c: 1.0}))]
    return out


def first_row(page) -> list[str]:
    """Texts of the league table's first data row (the grid's accessible table)."""
    cells = page.locator('[data-testid="stDataFrame"]').first.locator('[role="row"]').nth(1).locator('[role="gridcell"]')
    return [cells.nth(i).inner_text().strip() for i in range(cells.count())]


def first_is(page, name: str) -> None:
    """Wait until the table's first row shows the unit `name` (the grid repaints after the rerun)."""
    try:
        page.wait_for_function(
            """name => { const t = document.querySelector('[data-testid="stDataFrame"]');
                         const row = t && t.querySelectorAll('[role="row"]')[1];
                         return !!row && [...row.querySelectorAll('[role="gridcell"]')]
                             .some(c => c.innerText.trim() === name); }""",
            arg=name, timeout=TIMEOUT_MS, polling=POLL_MS,
        )
    except Exception:  # noqa: BLE001  (say what the row shows instead)
        pytest.fail(f"first row is {first_row(page)}, not {name}")


def open_ranking(signed_in):
    page = signed_in("leader", "ranking", keep=True, by_url=True)  # one login: the second test loads the URL with its cookie
    page.get_by_role("heading", name="网格排名").first.wait_for()
    page.locator('[data-testid="stDataFrame"]').first.wait_for()
    settle(page)
    return page


def test_ranking_page_opens_on_a_direct_url(signed_in, server, expected):
    page = open_ranking(signed_in)
    no_exception(page, "ranking")
    assert page.url.split("?")[0].rstrip("/").endswith("/ranking")  # the filters ride in the query string
    first_is(page, expected["saved"][0])
    body = page.locator("body").inner_text()
    assert "参与排名" in body and "排行榜" in body and "红黑榜" in body
    shoot(page, "ranking_detail_1920x1080")
    for tab in ("红黑榜", "差异分析", "计算方法"):
        with rerun(page):  # a tab computes its content when it is opened
            page.get_by_role("tab", name=tab).click()
        no_exception(page, tab)
        shoot(page, f"ranking_detail_1920x1080_{tab}")


def test_trying_a_weight_reorders_the_table(signed_in, server, expected):
    from playwright.sync_api import expect

    saved_config = server.cfg.read_text(encoding="utf-8")
    trial = next(c for c in COMPONENTS if expected[c][0] != expected["saved"][0])
    page = open_ranking(signed_in)
    first_is(page, expected["saved"][0])
    page.get_by_text("指数权重：试算与保存").click()
    labels = {"on_time_rate": "按时办结", "closure_rate": "办结率", "satisfaction_rate": "满意率",
              "response": "响应速度", "grid_resolved_rate": "小事不出网格"}
    for c in COMPONENTS:
        slider = page.get_by_role("slider", name=labels[c])
        slider.wait_for()
        slider.focus()
        page.keyboard.press("End" if c == trial else "Home")
        expect(slider).to_have_attribute("aria-valuetext", "100 %" if c == trial else "0 %", timeout=TIMEOUT_MS)
        settle(page)
    expect(page.get_by_text("试算中").first).to_be_visible(timeout=TIMEOUT_MS)
    shoot(page, "ranking_detail_1920x1080_trying")
    no_exception(page, "trying weights")
    first_is(page, expected[trial][0])
    assert server.cfg.read_text(encoding="utf-8") == saved_config  # trying saves nothing
    with rerun(page):
        page.get_by_role("button", name="恢复已保存权重").click()
    first_is(page, expected["saved"][0])


def test_clicking_a_row_opens_its_profile(signed_in, server, expected):
    """The profile opens on the unit whose row is clicked (none before): its name in the box, the
    radar and the 12-month trend drawn, the cases behind it counted."""
    from playwright.sync_api import expect

    page = open_ranking(signed_in)
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_text("选定单位后", exact=False)).to_be_visible(timeout=TIMEOUT_MS)
    assert main.locator('[data-testid="stPlotlyChart"]').count() == 0
    box = page.locator('[data-testid="stDataFrame"]').first.bounding_box()
    assert box is not None
    with rerun(page):  # the second data row's selection box (header and rows are 35 px high)
        page.mouse.click(box["x"] + 18, box["y"] + 35 + 35 + 17)
    settle(page)
    no_exception(page, "profile")
    expect(page.get_by_role("combobox", name="查看单位")).to_have_value(  # "2. name · score"
        re.compile(rf"^2\. {re.escape(expected['saved'][1])} · "), timeout=TIMEOUT_MS)
    expect(main.locator('[data-testid="stPlotlyChart"]')).to_have_count(2, timeout=TIMEOUT_MS)
    expect(main.get_by_text("选定单位后", exact=False)).to_have_count(0)
    assert main.get_by_text("共 ", exact=False).count() >= 1
    shoot(page, "ranking_detail_1920x1080_profile")


def test_only_local_requests(server):
    """Runs last in this module: every request of the pages above went to the local server."""
    assert server.requests
    assert server.outside_requests() == []
