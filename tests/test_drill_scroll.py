"""One click on a unit name after scrolling back to the sub-unit table (issue #15: "with a case panel
open, the first click on a unit name is ignored").

Reproduced on the demo county at 1366×768: the case panel opens scrolled into view, the leader
wheels back up until the name is under the resting pointer and clicks without moving the mouse —
Streamlit's grid ignored that click (and the next), because no pointer move had reached it since
the page scrolled under the pointer. gridboard.ui.grid_hover replays one pointer move when a
scroll ends. This test does what the leader did, on the small county.
"""

from __future__ import annotations

import pytest
from browser_support import CHROMIUM, TIMEOUT_MS, no_exception, rerun, settle, shoot
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from test_kpi_browser import click_cell, crumbs, units_table

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
]

ROW_PX = 35  # a grid row (and its header)
NAMES = ["城关街道", "东湖镇"]  # the county's towns, the sub-unit table's rows in id order
POINTER_Y = 300  # where the pointer rests in the viewport while the wheel scrolls


@pytest.fixture(scope="module")
def server(small_server):
    return small_server


def test_a_click_without_moving_after_a_wheel_scroll_drills(signed_in):
    page = signed_in("leader", "closure", "1366x768")
    grid = units_table(page)
    click_cell(page, grid, 0, x=grid.bounding_box()["width"] * 0.15)  # 城关街道's 受理量: its cases
    panel = page.locator('[class*="st-key-cases_closure_units_"]')
    panel.wait_for()
    settle(page)
    top = panel.bounding_box()["y"]
    assert 0 <= top < page.viewport_size["height"] / 2, top  # the panel opens in view, not below the fold
    grid = units_table(page)
    x = grid.bounding_box()["x"] + 40  # the name column
    page.mouse.move(x, POINTER_Y)  # from here on the pointer rests: only the wheel moves the page
    for _ in range(300):  # (the case list under the pointer scrolls itself first, then the page)
        y = grid.bounding_box()["y"]
        if POINTER_Y - 2 * ROW_PX + 8 <= y <= POINTER_Y - ROW_PX - 8:  # the first row under the pointer
            break
        far = abs(y - (POINTER_Y - 1.5 * ROW_PX)) > 200
        page.mouse.wheel(0, (-1 if y < POINTER_Y - ROW_PX else 1) * (120 if far else 15))
        page.wait_for_function("() => true")  # one round trip: the scroll is applied
    row = int((POINTER_Y - grid.bounding_box()["y"]) // ROW_PX) - 1
    assert row == 0, grid.bounding_box()
    page.wait_for_timeout(300)  # the reader's pause between scrolling and clicking (not a wait for the app)
    shoot(page, "drill_scroll_before_click_1366x768")
    try:
        with rerun(page, timeout_ms=min(TIMEOUT_MS, 60_000)):
            page.mouse.down()
            page.mouse.up()
    except PlaywrightTimeout:
        pytest.fail("the click on the name was ignored: no script run in 60 s")
    no_exception(page, "drill after a wheel scroll")
    assert crumbs(page) == ["测试县", NAMES[row]], crumbs(page)
