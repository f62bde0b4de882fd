"""What a user sees in Chromium (issue #14 items 4, 5): a crafted ?unit= on /profile shows as
plain text (no link, no bold, no colour) inside the app's notice; /bigscreen?refresh=inf shows a
notice, not a traceback. Both on the session's small_server (they only read), loaded in a context
signed in as the leader. The HTML activity type on /volunteers that reads as typed
(no double escaping) is checked in tests/test_economy_browser.py, whose county has volunteers.
Screenshots at 1920×1080 and 1366×768 go to screenshots/ (or $GRIDBOARD_SCREENSHOTS)."""

from __future__ import annotations

import urllib.parse

import pytest
from browser_support import CHROMIUM, SIZES, Server, settle, shoot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
]

PHISH = "**账号异常** :red[请立即重新登录] [点此重新登录](http://evil.example/login)"
TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def server(small_server: Server) -> Server:
    return small_server


def _open(signed_in, server: Server, address: str):
    """`address` loaded at 1920×1080 in the module's context signed in as the leader (its session
    cookie signs the new session in), not waited on: the test waits for what it checks."""
    page = signed_in("leader", "", "1920x1080", keep=True)
    page.set_viewport_size(dict(zip(("width", "height"), SIZES["1920x1080"], strict=True)))
    page.goto(f"{server.url}/{address}")
    return page


def test_crafted_unit_parameter_renders_as_plain_text(signed_in, server):
    page = _open(signed_in, server, "profile?unit=" + urllib.parse.quote(PHISH))
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


def test_wall_refresh_inf_shows_a_notice_not_a_traceback(signed_in, server):
    page = _open(signed_in, server, "bigscreen?refresh=inf")
    for value in ("inf", "1e309"):  # one tab: the second is the same URL with the other value (the cookie signs it in)
        if value != "inf":
            page.goto(f"{server.url}/bigscreen?refresh={value}")
        toast = page.locator('[data-testid="stToast"]', has_text="已忽略")
        toast.wait_for(timeout=TIMEOUT_MS)
        assert f"refresh={value}" in toast.inner_text()
        page.locator('[data-testid="bs-stamp"]').wait_for(timeout=TIMEOUT_MS)
        body = page.locator("body").inner_text()
        assert "Traceback" not in body and "OverflowError" not in body
        assert page.locator('[data-testid="stException"]').count() == 0
        if value == "inf":
            shoot(page, "safety_bigscreen_refresh_inf_1920x1080")
