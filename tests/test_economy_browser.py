"""The volunteer, collective-economy and profile pages on a real server in headless Chromium, on the
hand-made county of tests/test_volunteers.py: each page opens from the sidebar of a signed-in
session and shows no exception box at 1920×1080 (1366×768: test_tour.py),
the economy map draws the villages in their band colours with no basemap, an HTML activity type
reads as typed (issue #14 item 5; one volunteer and service added to the county), a profile link
opens its unit, the wall screen sees masked names, and no request leaves the server.

Screenshots go to screenshots/ (git-ignored) or $GRIDBOARD_SCREENSHOTS, prefixed people_.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import CHROMIUM, FAILURE, POLL_MS, TIMEOUT_MS, Server, goto, log_in, serve, settle, switch_language
from browser_support import shoot as save_shot
from conftest import copy_db

from gridboard.core import config
from gridboard.db import store

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
]

KIOSK_TOKEN = "wall-people-test-51c2"
PAGES = {"volunteers": "志愿服务", "economy": "集体经济", "profile": "网格/村画像"}
LAST = {"volunteers": "全部单位", "economy": "全部村", "profile": "基础信息"}  # the last section of each page
MAP = '[data-testid="stDeckGlJsonChart"]'
NO_WEBGL = f'{MAP} [data-testid="gb-no-webgl"]'  # the map's note without WebGL (gridboard.render.maps)


# An activity type typed as HTML (issue #14 item 5): one more volunteer and service in 幸福社区第一网格
# (城关街道; 李家村's few volunteers, which the profile test reads, are in 东湖镇)
ACTIVITY = "<b>粗体</b>&环境整治"


@pytest.fixture(scope="module")
def server(people_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("people_browser")
    db = copy_db(people_db_file, tmp)
    now = config.load().now()
    con = store.connect(db)
    try:
        con.execute("INSERT INTO volunteers VALUES ('VHTML', 'T1C1G1', '张三明', true, '红色志愿队', $d)",
                    {"d": (now - dt.timedelta(days=5)).date()})
        con.execute("INSERT INTO volunteer_services VALUES ('SHTML', 'VHTML', 'T1C1G1', $a, $s, 2.0, 5)",
                    {"a": ACTIVITY, "s": now - dt.timedelta(days=2)})
        store.bump_data_version(con)
    finally:
        con.close()
    with serve(tmp, db, f'kiosk_token = "{KIOSK_TOKEN}"\n') as srv:
        yield srv


def wait_heading(page, title: str) -> None:
    page.wait_for_selector(f'[data-testid="stHeading"], {FAILURE}')
    if page.locator(FAILURE).count():
        pytest.fail(f"the app shows an error: {page.locator(FAILURE).first.inner_text()[:1500]}")
    page.get_by_role("heading", name=title).first.wait_for()
    settle(page)


def no_failure(page, where: str) -> None:
    boxes = page.locator(FAILURE)
    assert boxes.count() == 0, f"{where}: {boxes.first.inner_text()[:1500]}"


def shoot(page, name: str) -> None:
    save_shot(page, f"people_{name}")


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


def map_bands(page) -> dict[str, int]:
    """Band pixels of the economy map once the deck has drawn its villages (observed: screenshots
    of the map until all three bands show, or the timeout)."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        counts = band_pixels(page.locator(MAP).first.screenshot())
        if min(counts.values()) > 200 or time.monotonic() > deadline:
            return counts


@pytest.mark.webgl  # the economy map's bands are counted in its pixels
@pytest.mark.parametrize("path", list(PAGES))
def test_page_opens(signed_in, path):
    size = "1920x1080"
    page = signed_in("leader", path, size, keep=True)
    wait_heading(page, PAGES[path])
    page.get_by_text(LAST[path]).first.wait_for()
    page.locator(".js-plotly-plot").first.wait_for()
    settle(page)
    shoot(page, f"{path}_{size}")
    no_failure(page, f"{path} {size}")
    assert page.url.split("?")[0].rstrip("/").endswith(path)  # the filters ride in the query string
    metrics = page.locator('[data-testid="stMetric"]')
    assert metrics.count() >= 10 and metrics.first.is_visible()
    if path == "economy":
        page.locator(f"{MAP} canvas").first.wait_for()
        box = page.locator(MAP).first.bounding_box()
        assert box and box["width"] > 400 and box["height"] > 400
        counts = map_bands(page)
        assert min(counts.values()) > 200, counts  # 李家村 weak, 王家村 10–50万, 赵家村 ≥ 100万
        assert page.locator(".js-plotly-plot").count() >= 2
        assert page.locator(NO_WEBGL).count() == 0  # drawn: no note over it
    if path == "volunteers":
        assert page.locator(".js-plotly-plot").count() == 3
        # the print copy of the table repeats the caption, hidden on screen: one visible heading
        assert page.get_by_text("积分榜（本期）").filter(visible=True).count() == 1
    no_failure(page, f"{path} {size} drawn")


def test_the_map_without_webgl_says_so_in_the_language_chosen(signed_in):
    """In a browser without WebGL (conftest's default) the economy map's panel says why it is empty;
    the sidebar's language switch (a rerun, no reload) rewrites the note in English."""
    page = signed_in("leader", "economy", "1366x768")
    wait_heading(page, PAGES["economy"])
    note = page.locator(NO_WEBGL)
    note.wait_for()
    assert "地图无法绘制" in note.inner_text(), note.inner_text()
    switch_language(page, "English")
    page.wait_for_function("s => (document.querySelector(s) || {}).textContent?.includes('WebGL turned off')",
                           arg=NO_WEBGL, polling=POLL_MS)
    assert not re.search(r"[\u4e00-\u9fff]", note.inner_text()), note.inner_text()
    assert page.locator(NO_WEBGL).count() == 1  # one note, rewritten


def test_volunteer_activity_with_html_reads_as_typed(signed_in):
    """The activity chart's labels show the HTML activity type as typed: no markup, no double escaping
    (&lt; or &amp; on screen)."""
    page = signed_in("leader", "volunteers", "1920x1080", keep=True)
    wait_heading(page, PAGES["volunteers"])
    page.locator(".js-plotly-plot").nth(1).wait_for()
    settle(page)
    labels = page.locator(".js-plotly-plot .ytick text").evaluate_all("ts => ts.map(t => t.textContent)")
    assert ACTIVITY in labels, labels
    assert not any("&lt;" in t or "&amp;" in t for t in labels)
    shoot(page, "safety_volunteers_1920x1080")


def test_profile_link_of_a_village(new_page, server):
    page = new_page("1366x768")
    goto(page, server, "profile", "?unit=T2V1")
    log_in(page, "leader")
    wait_heading(page, "网格/村画像")
    page.get_by_role("heading", name="李家村 · 村").wait_for()
    body = page.locator("body").inner_text()
    assert "薄弱村且事件上升、志愿者偏少" in body and "经营性收入 4.5 万元" in body
    no_failure(page, "profile T2V1")
    shoot(page, "profile_T2V1_1366x768")


def test_the_wall_screen_sees_masked_names(new_page, server):
    page = new_page()
    goto(page, server, "volunteers", f"?kiosk={KIOSK_TOKEN}")
    wait_heading(page, "志愿服务")
    no_failure(page, "wall volunteers")
    assert page.get_by_text("姓名已脱敏；县领导和管理员可见全名。").is_visible()
    shoot(page, "volunteers_wall_1920x1080")


def test_no_request_leaves_the_local_server(server):
    """Runs last in this module: the pages, the map included, fetched nothing from elsewhere."""
    assert server.requests, "the browser tests recorded no requests"
    assert server.outside_requests() == []
