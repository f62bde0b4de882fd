"""What a user sees in Chromium (issue #14 items 4, 5): a crafted ?unit= on /profile shows as
plain text (no link, no bold, no colour) inside the app's notice; /bigscreen?refresh=inf shows a
notice, not a traceback; an HTML activity type on /volunteers reads as typed (no double
escaping). Screenshots at 1920×1080 and 1366×768 go to screenshots/ (or $GRIDBOARD_SCREENSHOTS)."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Iterator

import pytest
from browser_support import CHROMIUM, SIZES, settle, shoot, small_database, streamlit_server

from gridboard.core import config
from gridboard.db import store

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
]

PHISH = "**账号异常** :red[请立即重新登录] [点此重新登录](http://evil.example/login)"
ACTIVITY = "<b>粗体</b>&环境整治"
TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("safety-browser")
    now = config.load().now()
    db = small_database(tmp / "safety.duckdb", now, cases=300, seed=6)
    con = store.connect(db)
    try:
        con.execute("INSERT INTO volunteers VALUES ('V1', 'T1C1G1', '张三明', true, '红色志愿队', $d)",
                    {"d": (now - dt.timedelta(days=5)).date()})
        con.execute("INSERT INTO volunteer_services VALUES ('S1', 'V1', 'T1C1G1', $a, $s, 2.0, 5)",
                    {"a": ACTIVITY, "s": now - dt.timedelta(days=2)})
        store.bump_data_version(con)
    finally:
        con.close()
    cfg = tmp / "gridboard.toml"
    cfg.write_text("", encoding="utf-8")
    env = {"GRIDBOARD_DB": str(db), "GRIDBOARD_CONFIG": str(cfg), "GRIDBOARD_AUTH": "off"}
    with streamlit_server(env, log=tmp / "server.log") as base:
        yield base


def _open(browser, base: str, path: str, size: str = "1920x1080"):
    width, height = SIZES[size]
    page = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN").new_page()
    page.goto(f"{base}/{path}")
    return page


def test_crafted_unit_parameter_renders_as_plain_text(browser, url):
    page = _open(browser, url, "profile?unit=" + urllib.parse.quote(PHISH), "1920x1080")
    notice = page.locator('[data-testid="stAlert"]', has_text="没有编码为")
    notice.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    text = notice.inner_text()
    assert PHISH in text.replace("\u2060", "")  # every character shown as typed (less invisible joiners)
    hrefs = page.locator("a[href]").evaluate_all("links => links.map(a => a.href)")
    assert not [h for h in hrefs if urllib.parse.urlsplit(h).hostname not in ("127.0.0.1", None)], hrefs
    assert notice.locator("a, strong, b, em, .katex, span[style*='color']").count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0
    shoot(page, "safety_profile_unit_1920x1080")
    # the same page at 1366×768 (the notice is the same element: the browser only lays it out again)
    page.set_viewport_size(dict(zip(("width", "height"), SIZES["1366x768"], strict=True)))
    page.wait_for_function("() => innerWidth === 1366")
    assert notice.is_visible() and PHISH in notice.inner_text().replace("\u2060", "")
    shoot(page, "safety_profile_unit_1366x768")
    page.context.close()


def test_wall_refresh_inf_shows_a_notice_not_a_traceback(browser, url):
    page = _open(browser, url, "bigscreen?refresh=inf")
    for value in ("inf", "1e309"):  # one tab: the second is the same URL with the other value
        if value != "inf":
            page.goto(f"{url}/bigscreen?refresh={value}")
        toast = page.locator('[data-testid="stToast"]', has_text="已忽略")
        toast.wait_for(timeout=TIMEOUT_MS)
        assert f"refresh={value}" in toast.inner_text()
        page.locator('[data-testid="bs-stamp"]').wait_for(timeout=TIMEOUT_MS)
        body = page.locator("body").inner_text()
        assert "Traceback" not in body and "OverflowError" not in body
        assert page.locator('[data-testid="stException"]').count() == 0
        if value == "inf":
            shoot(page, "safety_bigscreen_refresh_inf_1920x1080")
    page.context.close()


def test_volunteer_activity_with_html_reads_as_typed(browser, url):
    page = _open(browser, url, "volunteers")
    page.locator(".js-plotly-plot").nth(1).wait_for(timeout=TIMEOUT_MS)
    settle(page)
    labels = page.locator(".js-plotly-plot .ytick text").evaluate_all("ts => ts.map(t => t.textContent)")
    assert ACTIVITY in labels, labels
    assert not any("&lt;" in t or "&amp;" in t for t in labels)
    shoot(page, "safety_volunteers_1920x1080")
    page.context.close()
