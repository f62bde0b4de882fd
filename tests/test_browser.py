"""The real server in headless Chromium: the shell on direct URLs of a fresh server, the login
gate, every page at 1920×1080 and 1366×768 without an exception, the kiosk token, and no
request leaving the local server (command centres run on intranets).

Screenshots go to screenshots/ (git-ignored) or $GRIDBOARD_SCREENSHOTS for a person to look at.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, ROOT, streamlit_server

from gridboard import ui
from gridboard.core import auth

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
]

KIOSK_TOKEN = "wall-browser-test-0b8e"
DEMO_CASES = 4000
SHOTS = Path(os.environ.get("GRIDBOARD_SCREENSHOTS", ROOT / "screenshots"))
SIZES = {"1920x1080": (1920, 1080), "1366x768": (1366, 768)}
RENDER_TIMEOUT_MS = 60_000


@dataclass
class Server:
    url: str
    log: Path
    db: Path
    requests: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A fresh `streamlit run app.py` whose database file does not exist yet (the first start
    builds a small demo county), with the login gate on and a kiosk token set."""
    tmp = tmp_path_factory.mktemp("browser")
    db = tmp / "first-start" / "gridboard.duckdb"
    cfg = tmp / "gridboard.toml"
    cfg.write_text(f'kiosk_token = "{KIOSK_TOKEN}"\ndemo_cases = {DEMO_CASES}\ndemo_seed = 11\n', encoding="utf-8")
    log = tmp / "server.log"
    with streamlit_server({"GRIDBOARD_DB": str(db), "GRIDBOARD_CONFIG": str(cfg)}, log=log) as url:
        yield Server(url, log, db)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def open_page(browser, server: Server, size: str = "1920x1080"):
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    page.on("request", lambda req: server.requests.append(req.url))
    return page


def settle(page) -> None:
    """Wait until the script run is over (no running indicator) and the app is painted."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=RENDER_TIMEOUT_MS)
    page.wait_for_timeout(500)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.trim()",
        timeout=RENDER_TIMEOUT_MS,
    )
    page.wait_for_timeout(700)


FAILURE = '[data-testid="stException"], [data-testid="stAlertContentError"]'
LOGIN_FIELD = 'input[aria-label="用户名"]'


def wait_for(page, selector: str, timeout_ms: int = RENDER_TIMEOUT_MS) -> None:
    """Wait for `selector`, failing at once with the message when the app shows an error instead."""
    page.wait_for_selector(f"{selector}, {FAILURE}", timeout=timeout_ms)
    if not page.locator(selector).count():
        page.wait_for_timeout(1500)  # an error shown above the element may come first
    failure = page.locator(FAILURE)
    if failure.count() and not page.locator(selector).count():
        pytest.fail(f"the app shows an error instead of {selector}: {failure.first.inner_text()[:1500]}")


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def assert_no_exception(page, where: str) -> None:
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, f"{where}: {errors.first.inner_text()[:1500]}"


ICON_NAMES = sorted({p.icon.split("/")[-1].strip(":") for p in ui.PAGES}, key=len, reverse=True)


def nav_titles(page) -> list[str]:
    """Titles in the sidebar menu, without the material icon's ligature text in front."""
    titles = []
    for text in page.locator('[data-testid="stSidebarNav"] a').all_inner_texts():
        text = text.strip()
        icon = next((name for name in ICON_NAMES if text.startswith(name)), "")
        titles.append(text[len(icon):].strip())
    return titles


def log_in(page, name: str = "leader", password: str = auth.DEMO_PASSWORD) -> None:
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    # signed in (the form is gone) or told why not (an error under the form)
    page.wait_for_function(
        f"() => !document.querySelector('{LOGIN_FIELD}')"
        " || document.querySelector('[data-testid=\"stAlertContentError\"]')",
        timeout=RENDER_TIMEOUT_MS,
    )
    settle(page)


def test_direct_urls_on_a_fresh_server_show_the_login_shell(browser, server):
    """DESIGN.md "Running": before any browser has loaded /, a page URL must still get the shell."""
    page = open_page(browser, server)
    for spec in ui.PAGES:
        page.goto(f"{server.url}/{spec.url_path}")
        wait_for(page, LOGIN_FIELD)
        settle(page)
        assert_no_exception(page, spec.url_path)
        assert page.get_by_text("网格化社会治理指挥中心").first.is_visible()
        assert page.get_by_role("button", name="登录").is_visible()
        # not Streamlit's automatic file-name menu (app / overview / …) and no data before login
        assert nav_titles(page) == []
        assert page.locator('[data-testid="stMetric"]').count() == 0
        shoot(page, f"fresh_{spec.url_path}_login")
    assert not server.db.exists(), "nothing is built before someone has logged in"
    page.context.close()


def test_kiosk_token_opens_the_wall_and_the_first_start_builds_the_demo(browser, server):
    """?kiosk=TOKEN signs the wall in without a keyboard; its first run builds the demo county."""
    page = open_page(browser, server)
    home = ui.visible_pages("wall")[0]
    page.goto(f"{server.url}/{home.url_path}?kiosk={KIOSK_TOKEN}")
    deadline = time.monotonic() + RENDER_TIMEOUT_MS * 3 / 1000
    while not server.db.exists() and time.monotonic() < deadline:
        assert page.locator(FAILURE).count() == 0, page.locator(FAILURE).first.inner_text()[:1500]
        page.wait_for_timeout(500)
    assert server.db.exists(), "the first start did not build the demo database"
    settle(page)
    assert_no_exception(page, "kiosk")
    assert page.locator(FAILURE).count() == 0, page.locator(FAILURE).first.inner_text()[:1500]
    assert page.locator(LOGIN_FIELD).count() == 0
    assert nav_titles(page) == []  # the wall sees its pages only, without a menu
    shoot(page, "kiosk_1920x1080")
    page.goto(f"{server.url}/{home.url_path}?kiosk=wrong")
    page.locator(LOGIN_FIELD).wait_for(timeout=RENDER_TIMEOUT_MS)
    page.get_by_text("大屏令牌无效").wait_for(timeout=RENDER_TIMEOUT_MS)
    page.context.close()


def test_wrong_password_gets_a_chinese_error(browser, server):
    page = open_page(browser, server)
    page.goto(server.url)
    wait_for(page, LOGIN_FIELD)
    log_in(page, "leader", "not-the-password")
    page.get_by_text("用户名或密码错误，请重新输入。").wait_for(timeout=RENDER_TIMEOUT_MS)
    assert page.locator('[data-testid="stMetric"]').count() == 0
    page.context.close()


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("spec", ui.PAGES, ids=lambda s: s.url_path)
def test_every_page_after_login(browser, server, spec, size):
    """Each page by its URL, signed in through the form as a demo account whose role may see it."""
    page = open_page(browser, server, size)
    page.goto(f"{server.url}/{spec.url_path}")
    wait_for(page, LOGIN_FIELD)
    log_in(page, next(name for name in ("leader", "staff", "analyst", "admin") if name in spec.roles))  # name = role
    wait_for(page, '[data-testid="stMain"] [data-testid="stElementContainer"]:visible')  # the wall's first one is its CSS
    settle(page)
    assert_no_exception(page, f"{spec.url_path} {size}")
    assert page.locator(FAILURE).count() == 0, page.locator(FAILURE).first.inner_text()[:1500]
    assert page.url.split("?")[0].rstrip("/").endswith(spec.url_path)
    assert page.get_by_text("Page not found").count() == 0
    assert page.locator(LOGIN_FIELD).count() == 0
    assert set(nav_titles(page)) <= {p.title_zh for p in ui.PAGES}
    body = page.locator("body").inner_text()
    assert "coming soon" not in body.lower() and "敬请期待" not in body
    if spec.url_path == "overview":
        page.get_by_role("heading", name=spec.title_zh).first.wait_for(timeout=RENDER_TIMEOUT_MS)
        wait_for(page, '[data-testid="stDataFrame"]')
        tiles = page.locator('[data-testid="stMetric"]')
        assert tiles.count() == 12
        assert tiles.first.is_visible()
        assert page.locator(".js-plotly-plot").count() == 2
        assert page.locator('[data-testid="stDataFrame"]').count() == 1
        assert "受理量" in body and "办结率" in body
        if size == "1920x1080":  # the sub-unit table downloads as CSV with a BOM (Excel reads Chinese)
            with page.expect_download(timeout=RENDER_TIMEOUT_MS) as download:
                page.get_by_role("button", name="下载 CSV").click()
            data = Path(download.value.path()).read_bytes()
            assert data.startswith(b"\xef\xbb\xbf") and "名称,受理量".encode() in data
    shoot(page, f"{spec.url_path}_{size}")
    page.mouse.wheel(0, 2000)
    page.wait_for_timeout(500)
    shoot(page, f"{spec.url_path}_{size}_scrolled")
    page.context.close()


def test_language_switch_keeps_the_filters(browser, server):
    """The browser holds a selectbox choice by its label: switching 中文 → English must keep it."""
    page = open_page(browser, server, "1366x768")
    page.goto(server.url)
    wait_for(page, LOGIN_FIELD)
    log_in(page)
    wait_for(page, '[data-testid="stMetric"]')
    page.get_by_role("combobox", name="统计周期").click()
    page.get_by_role("option", name="近7天").click()
    settle(page)
    page.get_by_role("combobox", name="镇街").click()
    town = page.get_by_role("option").nth(1)
    town_name = town.inner_text().strip()
    town.click()
    settle(page)
    page.get_by_text("English", exact=True).click()
    page.get_by_role("heading", name="Overview").first.wait_for(timeout=RENDER_TIMEOUT_MS)
    settle(page)
    assert_no_exception(page, "english")
    assert page.get_by_role("combobox", name="Period").input_value() == "Last 7 days"
    assert page.get_by_role("combobox", name="Town / street").input_value() == town_name
    assert f"/ {town_name}" in page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first.inner_text()
    shoot(page, "overview_en_1366x768")
    page.context.close()


def test_no_request_leaves_the_local_server(server):
    """Runs last in this module: every request the pages made went to the local server."""
    assert server.requests, "the browser tests recorded no requests"
    outside = sorted({u for u in server.requests if not u.startswith((server.url, "data:", "blob:"))})
    assert outside == [], f"requests outside {server.url}: {outside[:10]}"
