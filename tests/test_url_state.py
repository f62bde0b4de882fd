"""A view survives a reload and can be shared (issue #15): the sidebar's period and unit, the language
and a page's own choices are in the URL; a reload keeps them, and the copied URL opened in another
browser (a new context: no session cookie) asks for a login and then shows the same view. Bad values
are ignored with a Chinese notice, never a traceback.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from browser_support import (
    CHROMIUM,
    POLL_MS,
    goto,
    log_in,
    no_exception,
    open_page,
    rerun,
    settle,
    shoot,
    switch_language,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def server(small_server):
    return small_server


def query(page) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(page.url).query).items()}


def wait_query(page, **wanted: str | None) -> None:
    """Wait until the address bar carries `wanted` (None: the parameter is absent)."""
    page.wait_for_function(
        """wanted => { const q = new URLSearchParams(location.search);
            return Object.entries(wanted).every(([k, v]) => v === null ? !q.has(k) : q.get(k) === v); }""",
        arg={k: v for k, v in wanted.items()}, polling=POLL_MS,
    )


def choose(page, combobox: str, option: str) -> None:
    with rerun(page):
        page.get_by_role("combobox", name=combobox).click()
        page.get_by_role("option", name=option, exact=True).click()


def header(page) -> str:
    return page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first.inner_text()


def test_period_unit_and_page_state_survive_a_reload_and_a_shared_link(browser, server):
    page = open_page(browser, server, "1366x768")
    goto(page, server, "why")
    log_in(page, "leader")
    page.get_by_role("heading", name="变化归因").first.wait_for()
    choose(page, "统计周期", "近7天")
    choose(page, "镇街", "城关街道")
    choose(page, "指标", "按时办结率")
    wait_query(page, period="last7", scope="T1", metric="on_time_rate")
    switch_language(page, "English")
    wait_query(page, period="last7", scope="T1", metric="on_time_rate", lang="en")
    url = page.url
    assert urlparse(url).path == "/why", url

    def same_view(p, where: str) -> None:
        p.get_by_role("heading", name="Why it moved").first.wait_for()
        no_exception(p, where, errors_too=True)
        assert p.get_by_role("combobox", name="Period").input_value() == "Last 7 days", where
        assert p.get_by_role("combobox", name="Town / street").input_value() == "城关街道", where
        assert p.get_by_role("combobox", name="Metric").input_value() == "On-time rate", where
        assert "测试县 / 城关街道" in header(p), where

    page.reload()
    settle(page)
    same_view(page, "after a reload")
    assert query(page) == query(page) | {"period": "last7", "scope": "T1", "metric": "on_time_rate", "lang": "en"}

    other = open_page(browser, server, "1920x1080")  # another user: no cookie, the login first
    other.goto(url)
    other.locator('input[aria-label="User name"]').wait_for()  # the login form in the link's language
    other.get_by_label("User name", exact=True).fill("staff")
    other.get_by_label("Password", exact=True).fill("gridboard")
    settle(other)
    with rerun(other):
        other.get_by_role("button", name="Sign in").click()
    same_view(other, "the shared link after login")
    assert urlparse(other.url).path == "/why"
    shoot(other, "url_state_shared_1920x1080")
    other.context.close()
    page.context.close()


def test_a_custom_period_is_shared_with_its_dates(browser, server):
    page = open_page(browser, server, "1920x1080")
    goto(page, server, "overview", "?period=custom&from=2026-01-05&to=2026-01-11&scope=T1C1")
    log_in(page, "leader")
    page.get_by_role("heading", name="总览").first.wait_for()
    no_exception(page, "custom", errors_too=True)
    assert page.get_by_role("combobox", name="统计周期").input_value() == "自定义"
    assert page.get_by_role("combobox", name="社区/村").input_value() == "幸福社区"
    assert "2026-01-05 至 2026-01-11" in header(page), header(page)
    wait_query(page, period="custom", scope="T1C1", **{"from": "2026-01-05", "to": "2026-01-11"})
    page.context.close()


def test_bad_values_are_ignored_with_a_chinese_notice(browser, server):
    page = open_page(browser, server, "1366x768")
    goto(page, server, "why", "?period=forever&scope=NOPE&metric=%3Cb%3Ex&lang=fr&from=2026-02-30")
    log_in(page, "leader")
    page.get_by_role("heading", name="变化归因").first.wait_for()
    no_exception(page, "bad values")
    notices = page.locator('[data-testid="stAlertContentWarning"]').all_inner_texts()
    text = "\n".join(notices)
    for name in ("period", "scope", "metric", "lang", "from"):
        assert f"网址参数 {name}=" in text, (name, text)
    assert "无效，已忽略" in text
    # the defaults hold and the address is cleaned of what was ignored
    assert page.get_by_role("combobox", name="统计周期").input_value() == "近30天"
    assert page.get_by_role("combobox", name="指标").input_value() == "办结率"
    wait_query(page, period="last30", scope=None, lang=None)
    shoot(page, "url_state_bad_values_1366x768")
    page.context.close()
