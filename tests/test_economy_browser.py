"""The volunteer, collective-economy and profile pages on a real server in headless Chromium, on the
hand-made county of tests/test_volunteers.py: each page opens straight from its URL (login first),
shows no exception box at 1920×1080 and 1366×768, the economy map draws the villages in their band
colours with no basemap, the wall screen sees masked names, and no request leaves the server.

Screenshots go to screenshots/ (git-ignored) or $GRIDBOARD_SCREENSHOTS, prefixed people_.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, ROOT, streamlit_server
from test_volunteers import people_database

from gridboard.core import auth, config

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
]

KIOSK_TOKEN = "wall-people-test-51c2"
SHOTS = Path(os.environ.get("GRIDBOARD_SCREENSHOTS", ROOT / "screenshots"))
SIZES = {"1920x1080": (1920, 1080), "1366x768": (1366, 768)}
TIMEOUT_MS = 60_000
FAILURE = '[data-testid="stException"], [data-testid="stAlertContentError"]'
PAGES = {"volunteers": "志愿服务", "economy": "集体经济", "profile": "网格/村画像"}
LAST = {"volunteers": "全部单位", "economy": "全部村", "profile": "基础信息"}  # the last section of each page
MAP = '[data-testid="stDeckGlJsonChart"]'


@dataclass
class Server:
    url: str
    log: Path
    requests: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("people_browser")
    db = people_database(tmp / "people.duckdb", config.load().now())
    cfg = tmp / "gridboard.toml"
    cfg.write_text(f'kiosk_token = "{KIOSK_TOKEN}"\n', encoding="utf-8")
    log = tmp / "server.log"
    with streamlit_server({"GRIDBOARD_DB": str(db), "GRIDBOARD_CONFIG": str(cfg)}, log=log) as url:
        yield Server(url, log)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def new_page(browser, server: Server, size: str = "1920x1080"):
    width, height = SIZES[size]
    page = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN").new_page()
    page.on("request", lambda req: server.requests.append(req.url))
    return page


def settle(page) -> None:
    page.wait_for_selector('[data-testid="stApp"]', timeout=TIMEOUT_MS)
    page.wait_for_timeout(500)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.trim()",
        timeout=TIMEOUT_MS,
    )
    page.wait_for_timeout(800)


def log_in(page, name: str = "leader") -> None:
    page.get_by_label("用户名").wait_for(timeout=TIMEOUT_MS)
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(auth.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    settle(page)


def wait_heading(page, title: str) -> None:
    page.wait_for_selector(f'[data-testid="stHeading"], {FAILURE}', timeout=TIMEOUT_MS)
    if page.locator(FAILURE).count():
        pytest.fail(f"the app shows an error: {page.locator(FAILURE).first.inner_text()[:1500]}")
    page.get_by_role("heading", name=title).first.wait_for(timeout=TIMEOUT_MS)
    settle(page)


def no_failure(page, where: str) -> None:
    boxes = page.locator(FAILURE)
    assert boxes.count() == 0, f"{where}: {boxes.first.inner_text()[:1500]}"


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"people_{name}.png"), full_page=False)


def scroll(page, pixels: int) -> None:
    page.mouse.move(900, 500)
    page.mouse.wheel(0, pixels)
    page.wait_for_timeout(600)


def band_pixels(png: bytes) -> dict[str, int]:
    """Pixels of the weak (red), middle (yellow) and strong (green) band fills in a screenshot; the fills
    are drawn translucent over the dark page, so hues are counted rather than exact colours."""
    import numpy as np
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3).astype(int)
    r, g, b = rgb[:, 0], rgb[:, 1], rgb[:, 2]
    return {
        "red": int(((r > 150) & (g < 120) & (b < 120)).sum()),
        "yellow": int(((r > 150) & (g > 150) & (b < 130)).sum()),
        "green": int(((g > 120) & (r < 110) & (b < 150)).sum()),
    }


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("path", list(PAGES))
def test_page_opens_from_its_url(browser, server, path, size):
    page = new_page(browser, server, size)
    page.goto(f"{server.url}/{path}")
    log_in(page)
    wait_heading(page, PAGES[path])
    page.get_by_text(LAST[path]).first.wait_for(timeout=TIMEOUT_MS)
    page.locator(".js-plotly-plot").first.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    shoot(page, f"{path}_{size}")
    no_failure(page, f"{path} {size}")
    assert page.url.rstrip("/").endswith(path)
    metrics = page.locator('[data-testid="stMetric"]')
    assert metrics.count() >= 10 and metrics.first.is_visible()
    if path == "economy":
        page.locator(f"{MAP} canvas").first.wait_for(timeout=TIMEOUT_MS)
        page.wait_for_timeout(1500)
        box = page.locator(MAP).first.bounding_box()
        assert box and box["width"] > 400 and box["height"] > 400
        counts = band_pixels(page.locator(MAP).first.screenshot())
        assert min(counts.values()) > 200, counts  # 李家村 weak, 王家村 10–50万, 赵家村 ≥ 100万
        assert page.locator(".js-plotly-plot").count() >= 2
    if path == "volunteers":
        assert page.locator(".js-plotly-plot").count() == 3
        assert page.get_by_text("积分榜（本期）").is_visible()
    scroll(page, 900)
    shoot(page, f"{path}_{size}_scrolled")
    scroll(page, 1400)
    shoot(page, f"{path}_{size}_bottom")
    no_failure(page, f"{path} {size} scrolled")
    page.context.close()


def test_profile_link_of_a_village(browser, server):
    page = new_page(browser, server, "1366x768")
    page.goto(f"{server.url}/profile?unit=T2V1")
    log_in(page)
    wait_heading(page, "网格/村画像")
    page.get_by_role("heading", name="李家村 · 村").wait_for(timeout=TIMEOUT_MS)
    body = page.locator("body").inner_text()
    assert "薄弱村且事件上升、志愿者偏少" in body and "经营性收入 4.5 万元" in body
    no_failure(page, "profile T2V1")
    shoot(page, "profile_T2V1_1366x768")
    scroll(page, 900)
    shoot(page, "profile_T2V1_1366x768_scrolled")
    page.context.close()


def test_the_wall_screen_sees_masked_names(browser, server):
    page = new_page(browser, server)
    page.goto(f"{server.url}/volunteers?kiosk={KIOSK_TOKEN}")
    wait_heading(page, "志愿服务")
    no_failure(page, "wall volunteers")
    assert page.get_by_text("姓名已脱敏；县领导和管理员可见全名。").is_visible()
    shoot(page, "volunteers_wall_1920x1080")
    page.context.close()


def test_no_request_leaves_the_local_server(server):
    """Runs last in this module: the pages, the map included, fetched nothing from elsewhere."""
    assert server.requests, "the browser tests recorded no requests"
    outside = sorted({u for u in server.requests if not u.startswith((server.url, "data:", "blob:"))})
    assert outside == [], f"requests outside {server.url}: {outside[:10]}"
