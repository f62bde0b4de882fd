"""The KPI pages in headless Chromium on a real server: clicking names in the sub-unit table drills
from the county down to a micro-grid, the breadcrumb goes back up, a clicked number opens its
cases, no exception box on any page at 1920×1080 and 1366×768, and every request stays on the
local server. Screenshots go to screenshots/ (or $GRIDBOARD_SCREENSHOTS) for a person to look at.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, ROOT, small_database, streamlit_server

from gridboard.core import auth, config

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
]

SHOTS = Path(os.environ.get("GRIDBOARD_SCREENSHOTS", ROOT / "screenshots"))
SIZES = {"1920x1080": (1920, 1080), "1366x768": (1366, 768)}
TIMEOUT_MS = 90_000
ROW_PX = 35  # Streamlit's dataframe row (and header) height


class Server:
    def __init__(self, url: str) -> None:
        self.url = url
        self.requests: list[str] = []


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("kpi_browser")
    db = small_database(tmp / "kpi.duckdb", config.load().now())
    cfg = tmp / "gridboard.toml"
    cfg.write_text("", encoding="utf-8")
    with streamlit_server({"GRIDBOARD_DB": str(db), "GRIDBOARD_CONFIG": str(cfg)}, log=tmp / "server.log") as url:
        yield Server(url)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def settle(page) -> None:
    """Wait until the run is over: no running indicator, no skeletons, then a little paint time."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=TIMEOUT_MS)
    page.wait_for_timeout(600)
    for _ in range(2):
        page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
            " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.trim()",
            timeout=TIMEOUT_MS,
        )
        page.wait_for_function("() => document.querySelectorAll('[data-testid=\"stSkeleton\"]').length === 0",
                               timeout=TIMEOUT_MS)
        page.wait_for_timeout(600)


def signed_in(browser, server: Server, path: str, size: str = "1920x1080"):
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    page.on("request", lambda req: server.requests.append(req.url))
    page.goto(f"{server.url}/{path}")
    page.get_by_label("用户名").wait_for(timeout=TIMEOUT_MS)
    page.get_by_label("用户名").fill("leader")
    page.get_by_label("密码").fill(auth.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    settle(page)
    return page


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def no_exception(page, where: str) -> None:
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, f"{where}: {errors.first.inner_text()[:1500]}"


def crumbs(page) -> list[str]:
    """The breadcrumb: a button per unit above, then the unit we are in (after its icon)."""
    buttons = page.locator('[class*="st-key-crumbs_closure"] button')
    here = page.locator('[class*="st-key-crumb_here_closure"]').inner_text().strip().split("\n")[-1]
    return [buttons.nth(i).inner_text().strip() for i in range(buttons.count())] + [here.split("location_on")[-1].strip()]


def units_table(page):
    """The sub-unit table: the data grid right after the 分… heading's drill hint."""
    hint = page.get_by_text("点击名称进入下级，点击数字查看对应案件。")
    hint.wait_for(timeout=TIMEOUT_MS)
    return page.locator('[data-testid="stDataFrame"]').first


def click_cell(page, grid, row: int, x: float = 40) -> None:
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + ROW_PX * (row + 1) + ROW_PX / 2)
    settle(page)


def test_drill_from_county_to_a_micro_grid_and_back(browser, server):
    page = signed_in(browser, server, "closure")
    page.get_by_role("heading", name="办结率").first.wait_for(timeout=TIMEOUT_MS)
    assert crumbs(page) == ["测试县"]
    # sub-unit rows come sorted by id: T1 城关街道 first, then T1C1 幸福社区, T1C1G1, T1C1G1M1
    path = ["测试县", "城关街道", "幸福社区", "幸福社区第一网格", "幸福社区1号楼微网格"]
    for depth in range(1, len(path)):
        click_cell(page, units_table(page), 0)
        no_exception(page, f"drill {depth}")
        assert crumbs(page)[-1] == path[depth], crumbs(page)
        shoot(page, f"kpi_drill_{depth}")
    assert crumbs(page) == path
    assert page.get_by_text("幸福社区1号楼微网格 没有下级单位。").is_visible()
    # back up to the county in one click on the first crumb
    page.locator('[class*="st-key-crumbs_closure"] button').first.click()
    settle(page)
    no_exception(page, "back to the county")
    assert crumbs(page) == ["测试县"]
    assert page.get_by_role("heading", name="分镇街").is_visible()
    page.context.close()


def test_a_clicked_number_opens_its_cases(browser, server):
    page = signed_in(browser, server, "closure")
    grid = units_table(page)
    width = grid.bounding_box()["width"]
    click_cell(page, grid, 0, x=width * 0.15)  # the 受理量 column of 城关街道
    no_exception(page, "case list")
    panel = page.locator('[class*="st-key-cases_closure_units_"]')
    panel.wait_for(timeout=TIMEOUT_MS)
    assert "案件明细" in panel.inner_text() and "共 " in panel.inner_text()
    shoot(page, "kpi_case_list_1920x1080")
    total = int(re.search(r"共 ([\d,]+) 件", panel.inner_text()).group(1).replace(",", ""))
    assert total > 0
    # the list's own download: a CSV with exactly the clicked number of cases (a broken download
    # once shipped: the button called a helper an earlier commit had deleted)
    with page.expect_download(timeout=TIMEOUT_MS) as done:
        panel.get_by_role("button", name="下载 CSV").click()
    path = done.value.path()
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][0] == "事件编号"
    assert len(rows) - 1 == total
    no_exception(page, "case list download")
    page.context.close()


def test_a_clicked_bar_opens_its_cases(browser, server):
    """Chart clicks only happen in a browser: the funnel's top bar (reported) lists every case."""
    page = signed_in(browser, server, "closure")
    page.get_by_role("tab", name="超期与闭环").click()
    settle(page)
    funnel = page.locator('[class*="st-key-closure_funnel_"]')
    funnel.locator("g.point path").first.wait_for(timeout=TIMEOUT_MS)
    reported = funnel.locator("g.point path").last  # bars are drawn bottom-up: reported is on top
    reported.scroll_into_view_if_needed()
    reported.click(force=True)
    settle(page)
    no_exception(page, "funnel click")
    panel = page.locator('[class*="st-key-cases_closure_funnel_"]')
    panel.wait_for(timeout=TIMEOUT_MS)
    received = page.locator('[data-testid="stMetric"]').first.locator('[data-testid="stMetricValue"]').inner_text()
    assert f"共 {received.strip()} 件" in panel.inner_text()
    shoot(page, "kpi_funnel_cases_1920x1080")
    page.context.close()


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("path", ["scorecard", "closure", "response", "why"])
def test_kpi_pages_render(browser, server, path, size):
    page = signed_in(browser, server, path, size)
    no_exception(page, f"{path} {size}")
    page.locator(".js-plotly-plot").first.wait_for(timeout=TIMEOUT_MS)  # plotly is loaded lazily
    shoot(page, f"kpi_{path}_{size}")
    page.mouse.move(SIZES[size][0] // 2, SIZES[size][1] // 2)
    page.mouse.wheel(0, SIZES[size][1] - 150)
    page.wait_for_timeout(600)
    shoot(page, f"kpi_{path}_{size}_scrolled")
    page.context.close()


def test_only_local_requests(server):
    assert server.requests
    outside = sorted({u for u in server.requests if not u.startswith((server.url, "data:", "blob:"))})
    assert outside == [], outside[:10]
