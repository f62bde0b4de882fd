"""Case search in headless Chromium on a real server (issue #15 item 3): a leader types a case id
into the sidebar search, follows the match to /case?id=…, and sees the loop's five steps, the
deadline state and the whole phone; a staff member sees the phone masked. Screenshots at
1920×1080 and 1366×768 go to screenshots/ for a person to look at."""

from __future__ import annotations

import re

import pytest
from browser_support import no_exception, rerun, settle, shoot

from gridboard.db import store


@pytest.fixture(scope="module")
def server(small_server):
    return small_server


def _a_case(template) -> tuple[str, str]:
    """A closed case with a phone, from the template the server's database was copied from (the
    server holds its own copy)."""
    con = store.connect(template, read_only=True)
    try:
        return con.execute("SELECT case_id, reporter_phone FROM cases WHERE reporter_phone IS NOT NULL "
                           "AND closed_at IS NOT NULL ORDER BY case_id LIMIT 1").fetchone()
    finally:
        con.close()


@pytest.mark.parametrize("size", ["1920x1080", "1366x768"])
def test_search_a_case_id_and_open_its_loop(signed_in, small_db_file, size):
    case_id, phone = _a_case(small_db_file)
    page = signed_in("leader", "overview", size)
    box = page.get_by_label("查找事件")
    box.fill(case_id)
    with rerun(page):
        page.get_by_role("button", name="查找").click()
    no_exception(page, "search")
    link = page.locator('[data-testid="stSidebar"] a', has_text=case_id).first
    link.click()
    page.wait_for_url(re.compile(rf"/case\?id={case_id}(&|$)"))  # the filters may ride after it in the URL
    page.get_by_role("heading", name="办理闭环").wait_for()
    settle(page)
    no_exception(page, "case page")
    main = page.locator('[data-testid="stMain"]')
    for step in ("上报", "派单", "签收", "办结", "回访"):
        assert main.get_by_text(step, exact=True).first.is_visible(), step
    text = main.inner_text()
    assert case_id in text and "办理时限" in text and phone in text
    assert "None" not in text
    shoot(page, f"case_page_{size}")
