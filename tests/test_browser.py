"""The real server in headless Chromium: the shell on direct URLs of a fresh server, the login
gate, the kiosk token, the leader's home page (tiles, charts, table, its CSV download), the
language switch keeping the filters, and no request leaving the local server (command centres run
on intranets). Every page at both sizes, in both languages, as every role: test_tour.py.

The tests run in file order on one server (one worker per file: --dist loadfile): the first proves nothing is built before
a login, the kiosk test's first run builds the demo county the others read.

Screenshots go to screenshots/ (git-ignored) or $GRIDBOARD_SCREENSHOTS for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import (
    CHROMIUM,
    LOGIN_FIELD,
    TIMEOUT_MS,
    Server,
    goto,
    log_in,
    no_exception,
    rerun,
    serve,
    settle,
    shoot,
    switch_language,
    wait_for,
)

from gridboard import ui

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
]

KIOSK_TOKEN = "wall-browser-test-0b8e"
DEMO_CASES = 4000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A fresh `streamlit run app.py` whose database file does not exist yet (the first start
    builds a small demo county), with the login gate on and a kiosk token set."""
    tmp = tmp_path_factory.mktemp("browser")
    config_text = f'kiosk_token = "{KIOSK_TOKEN}"\ndemo_cases = {DEMO_CASES}\ndemo_seed = 11\n'
    with serve(tmp, tmp / "first-start" / "gridboard.duckdb", config_text) as srv:
        yield srv


ICON_NAMES = sorted({p.icon.split("/")[-1].strip(":") for p in ui.PAGES}, key=len, reverse=True)


def nav_titles(page) -> list[str]:
    """Titles in the sidebar menu, without the material icon's ligature text in front."""
    titles = []
    for text in page.locator('[data-testid="stSidebarNav"] a').all_inner_texts():
        text = text.strip()
        icon = next((name for name in ICON_NAMES if text.startswith(name)), "")
        titles.append(text[len(icon):].strip())
    return titles


def test_direct_urls_on_a_fresh_server_show_the_login_shell(new_page, server):
    """DESIGN.md "Running": before any browser has loaded /, a page URL must still get the shell."""
    page = new_page()
    for spec in ui.PAGES:
        page.goto(f"{server.url}/{spec.url_path}")
        wait_for(page, LOGIN_FIELD)
        no_exception(page, spec.url_path)
        assert page.get_by_text("网格化社会治理指挥中心").first.is_visible()
        assert page.get_by_role("button", name="登录").is_visible()
        # not Streamlit's automatic file-name menu (app / overview / …) and no data before login
        assert nav_titles(page) == []
        # (the login page's hidden chart and one-cell table only make the browser load their code early:
        # ui.preload_charts; nothing of the county's data is in them)
        preload = page.locator(f".st-key-{ui.widgets.PRELOAD_KEY}")
        assert preload.count() == 1 and not preload.is_visible()
        assert preload.locator('[data-testid="stDataFrame"]').count() == 1
        # a chart of the pages' shape (bars, a rate line), not an empty figure: its drawing code runs there
        preload.locator(".barlayer .point path").first.wait_for(state="attached", timeout=TIMEOUT_MS)
        assert preload.locator(".scatterlayer .trace").count() == 1
        data = '[data-testid="stMetric"], [data-testid="stDataFrame"]'
        assert page.locator(data).count() - preload.locator(data).count() == 0
        assert page.locator('[data-testid="stFileUploaderDropzoneInput"]').count() == 0
        if spec == ui.PAGES[0]:  # the same login shell on every URL: one screenshot to look at
            shoot(page, f"fresh_{spec.url_path}_login")
    assert not server.db.exists(), "nothing is built before someone has logged in"


def test_kiosk_token_opens_the_wall_and_the_first_start_builds_the_demo(new_page, server):
    """?kiosk=TOKEN signs the wall in without a keyboard; its first run builds the demo county."""
    page = new_page()
    home = ui.visible_pages("wall")[0]
    page.goto(f"{server.url}/{home.url_path}?kiosk={KIOSK_TOKEN}")
    # the build runs inside the first script run (a spinner): the wall's stamp comes after it
    wait_for(page, '[data-testid="bs-stamp"]', timeout_ms=TIMEOUT_MS * 3)
    assert server.db.exists(), "the first start did not build the demo database"
    no_exception(page, "kiosk", errors_too=True)
    assert page.locator(LOGIN_FIELD).count() == 0
    assert nav_titles(page) == []  # the wall sees its pages only, without a menu
    shoot(page, "kiosk_1920x1080")
    page.goto(f"{server.url}/{home.url_path}?kiosk=wrong")
    page.locator(LOGIN_FIELD).wait_for()
    page.get_by_text("大屏令牌无效").wait_for()


def test_wrong_password_gets_a_chinese_error(new_page, server):
    page = new_page()
    goto(page, server)
    log_in(page, "leader", "not-the-password")
    page.get_by_text("用户名或密码错误，请重新输入。").wait_for()
    assert page.locator('[data-testid="stMetric"]').count() == 0


# Every page at both sizes, in both languages, as every role is test_tour.py's (no exception or error
# box, no stub page, the charts drawn); here the leader's home page in detail and its CSV download.
def test_the_leaders_overview_has_its_tiles_charts_table_and_csv(signed_in, server):
    page = signed_in("leader", "", "1366x768", keep=True)  # the leader's home page, by the login form
    spec = ui.visible_pages("leader")[0]
    assert spec.url_path == "overview"
    assert page.url.split("?")[0].rstrip("/") == server.url  # the home page is "/"
    page.get_by_role("heading", name=spec.title_zh).first.wait_for()
    wait_for(page, '[data-testid="stDataFrame"]')
    page.locator(".js-plotly-plot").first.wait_for()  # plotly is loaded lazily
    no_exception(page, "overview", errors_too=True)
    assert set(nav_titles(page)) == {p.title_zh for p in ui.visible_pages("leader") if p.menu}
    tiles = page.locator('[data-testid="stMetric"]')
    assert tiles.count() == 12
    assert tiles.first.is_visible()
    assert page.locator(".js-plotly-plot").count() == 2
    assert page.locator('[data-testid="stDataFrame"]').count() == 1
    body = page.locator("body").inner_text()
    assert "受理量" in body and "办结率" in body
    # the sub-unit table downloads as CSV with a BOM (Excel reads Chinese)
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        page.get_by_role("button", name="下载 CSV").click()
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and "名称,受理量".encode() in data
    shoot(page, "overview_1366x768")


def test_language_switch_keeps_the_filters(signed_in, server):
    """The browser holds a selectbox choice by its label: switching 中文 → English must keep it."""
    page = signed_in("leader", "", "1366x768", keep=True)  # the overview test's session, back home
    wait_for(page, '[data-testid="stMetric"]')
    page.get_by_role("combobox", name="统计周期").click()
    with rerun(page):
        page.get_by_role("option", name="近7天").click()
    page.get_by_role("combobox", name="镇街").click()
    town = page.get_by_role("option").nth(1)
    town_name = town.inner_text().strip()
    with rerun(page):
        town.click()
    switch_language(page, "English")
    page.get_by_role("heading", name="Overview").first.wait_for()
    settle(page)
    no_exception(page, "english")
    assert page.get_by_role("combobox", name="Period").input_value() == "Last 7 days"
    assert page.get_by_role("combobox", name="Town / street").input_value() == town_name
    assert f"/ {town_name}" in page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first.inner_text()
    shoot(page, "overview_en_1366x768")


def test_no_request_leaves_the_local_server(server):
    """Runs last in this module: every request the pages made went to the local server."""
    assert server.requests, "the browser tests recorded no requests"
    assert server.outside_requests() == [], f"requests outside {server.url}"

