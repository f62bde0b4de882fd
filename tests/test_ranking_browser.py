"""The ranking page in headless Chromium on a real server: the direct URL of a fresh server gets
the login shell, the page opens without an exception box at 1920×1080 and 1366×768, every
request stays on the local server, and trying a weight re-orders the table (nothing saved).

Screenshots go to screenshots/ (git-ignored) or $GRIDBOARD_SCREENSHOTS for a person to look at.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, ROOT, small_database, streamlit_server

from gridboard.core import auth, config
from gridboard.db import store
from gridboard.ranking import gridindex
from gridboard.ranking.gridindex import COMPONENTS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
]

SHOTS = Path(os.environ.get("GRIDBOARD_SCREENSHOTS", ROOT / "screenshots"))
SIZES = {"1920x1080": (1920, 1080), "1366x768": (1366, 768)}
TIMEOUT_MS = 180_000  # a condition waited for, not a speed limit: the shared 2-core machine is often loaded
CONFIG_TEXT = "# ranking browser test\n"


class Server:
    def __init__(self, url: str, db: Path, cfg: Path, expected: dict[str, list[str]]) -> None:
        self.url, self.db, self.cfg, self.expected = url, db, cfg, expected
        self.requests: list[str] = []


def orders(db: Path, cfg: Path) -> dict[str, list[str]]:
    """Grid names in the order of the page's default filters (the assessment period: this month, whole county) under the
    saved weights and under each single component (computed before the server holds the file;
    names, not codes: the code column is off screen at 1366 wide)."""
    now = config.load(cfg).now().replace(second=0)
    from gridboard.core import periods
    from gridboard.ranking import league

    p = periods.period(league.assessment_preset(config.load(cfg)["assessment_period"]), now)
    con = store.connect(db, read_only=True)
    try:
        data = gridindex.inputs(con, "grid", start=p.start, end=p.end, as_of=p.as_of)
    finally:
        con.close()
    base = gridindex.settings_from(config.load(cfg))
    out = {"saved": [u.name for u in gridindex.from_inputs(data, base)]}
    for c in COMPONENTS:
        out[c] = [u.name for u in gridindex.from_inputs(data, gridindex.settings_from(config.load(cfg), {c: 1.0}))]
    return out


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("ranking-browser")
    db = small_database(tmp / "ranking.duckdb", config.load().now())
    cfg = tmp / "gridboard.toml"
    cfg.write_text(CONFIG_TEXT, encoding="utf-8")
    expected = orders(db, cfg)
    with streamlit_server({"GRIDBOARD_DB": str(db), "GRIDBOARD_CONFIG": str(cfg)}, log=tmp / "server.log") as url:
        yield Server(url, db, cfg, expected)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def settle(page) -> None:
    page.wait_for_selector('[data-testid="stApp"]', timeout=TIMEOUT_MS)
    page.wait_for_timeout(500)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.trim()",
        timeout=TIMEOUT_MS,
    )
    page.wait_for_timeout(700)


def open_ranking(browser, server: Server, size: str):
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    page.on("request", lambda req: server.requests.append(req.url))
    page.goto(f"{server.url}/ranking")
    page.get_by_label("用户名").wait_for(timeout=TIMEOUT_MS)
    settle(page)
    assert page.locator('[data-testid="stDataFrame"]').count() == 0, "no data before login"
    page.get_by_label("用户名").fill("leader")
    page.get_by_label("密码").fill(auth.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="网格排名").first.wait_for(timeout=TIMEOUT_MS)
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    return page


def assert_no_exception(page, where: str) -> None:
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, f"{where}: {errors.first.inner_text()[:1500]}"


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def first_row(page) -> list[str]:
    """Texts of the league table's first data row (the grid's accessible table)."""
    row = page.locator('[data-testid="stDataFrame"]').first.locator('[role="row"]').nth(1)
    cells = row.locator('[role="gridcell"]')
    return [cells.nth(i).inner_text().strip() for i in range(cells.count())]


def first_is(page, name: str, timeout_s: float = 20) -> bool:
    """True once the table's first row shows the unit `name` (the grid repaints after the rerun)."""
    for _ in range(int(timeout_s * 4)):
        if name in first_row(page):
            return True
        page.wait_for_timeout(250)
    return False


@pytest.mark.parametrize("size", list(SIZES))
def test_ranking_page_opens_on_a_direct_url(browser, server, size):
    page = open_ranking(browser, server, size)
    assert_no_exception(page, size)
    assert page.url.rstrip("/").endswith("/ranking")
    assert first_is(page, server.expected["saved"][0])
    body = page.locator("body").inner_text()
    assert "参与排名" in body and "排行榜" in body and "红黑榜" in body
    shoot(page, f"ranking_detail_{size}")
    width, height = SIZES[size]
    page.mouse.move(width - 12, height // 2)  # beside the table: scroll the page, not the grid
    for i in (1, 2):
        page.mouse.wheel(0, height - 150)
        page.wait_for_timeout(1200)
        shoot(page, f"ranking_detail_{size}_scrolled{i}")
    page.mouse.wheel(0, -10_000)
    for tab in ("红黑榜", "差异分析", "计算方法"):
        page.get_by_role("tab", name=tab).click()
        settle(page)
        assert_no_exception(page, f"{size} {tab}")
        shoot(page, f"ranking_detail_{size}_{tab}")
    local = server.url.rstrip("/")
    outside = [u for u in server.requests if not (u.startswith(local) or u.startswith(("data:", "blob:")))]
    assert not outside, f"requests leaving the local server: {outside[:5]}"
    page.context.close()


def test_trying_a_weight_reorders_the_table(browser, server):
    from playwright.sync_api import expect

    trial = next(c for c in COMPONENTS if server.expected[c][0] != server.expected["saved"][0])
    page = open_ranking(browser, server, "1920x1080")
    assert first_is(page, server.expected["saved"][0]), first_row(page)
    page.get_by_text("指数权重：试算与保存").click()
    labels = {"on_time_rate": "按时办结", "closure_rate": "办结率", "satisfaction_rate": "满意率",
              "response": "响应速度", "grid_resolved_rate": "小事不出网格"}
    for c in COMPONENTS:
        slider = page.get_by_role("slider", name=labels[c])
        slider.wait_for(timeout=TIMEOUT_MS)
        slider.focus()
        page.keyboard.press("End" if c == trial else "Home")
        expect(slider).to_have_attribute("aria-valuetext", "100 %" if c == trial else "0 %", timeout=TIMEOUT_MS)
        settle(page)
    expect(page.get_by_text("试算中").first).to_be_visible(timeout=TIMEOUT_MS)
    shoot(page, "ranking_detail_1920x1080_trying")
    assert_no_exception(page, "trying weights")
    assert first_is(page, server.expected[trial][0]), first_row(page)
    assert server.cfg.read_text(encoding="utf-8") == CONFIG_TEXT  # trying saves nothing
    page.get_by_role("button", name="恢复已保存权重").click()
    settle(page)
    assert first_is(page, server.expected["saved"][0]), first_row(page)
    page.context.close()
