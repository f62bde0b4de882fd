"""The case panel of the sub-unit table (issue #15): with a panel open, one click on a unit name
drills down (it used to take two), and a panel opens where the user sees it (scrolled into view)."""

from __future__ import annotations

import pytest
from browser_support import CHROMIUM, no_exception, settle, shoot
from test_kpi_browser import click_cell, crumbs, units_table

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def server(small_server):
    return small_server


def in_view(page, locator) -> bool:
    """True when the top of `locator` is inside the viewport."""
    box = locator.bounding_box()
    return box is not None and 0 <= box["y"] < page.viewport_size["height"]


@pytest.mark.parametrize("size", ["1366x768"])
def test_one_click_on_a_name_drills_with_a_case_panel_open(signed_in, size):
    page = signed_in("leader", "closure", size)
    grid = units_table(page)
    width = grid.bounding_box()["width"]
    click_cell(page, grid, 0, x=width * 0.15)  # the 受理量 of 城关街道: its cases
    panel = page.locator('[class*="st-key-cases_closure_units_"]')
    panel.wait_for()
    settle(page)
    assert in_view(page, panel), panel.bounding_box()
    shoot(page, f"drill_panel_open_{size}")
    click_cell(page, units_table(page), 1)  # one click on 东湖镇's name
    no_exception(page, "drill with a panel open")
    assert crumbs(page) == ["测试县", "东湖镇"], crumbs(page)
    shoot(page, f"drill_panel_drilled_{size}")
    # the same row: its number's panel open, one click on its name
    click_cell(page, units_table(page), 0, x=width * 0.15)
    page.locator('[class*="st-key-cases_closure_units_"]').wait_for()
    click_cell(page, units_table(page), 0)
    no_exception(page, "drill on the same row")
    assert crumbs(page) == ["测试县", "东湖镇", "李家村"], crumbs(page)
