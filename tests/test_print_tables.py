"""Printed tables are whole (issue #15 item 4): a table without download buttons gets its printed
copy from gridboard.ui.printing.dataframe, right after its grid, so printing a page prints every
row (the grid prints only the rows in its scroll area); a copy stops at print_view.PRINT_ROWS_MAX
rows and says how many were left out.

The browser test prints the import page's problem list (40 rows, no download of its own right
after it) to PDF with Chromium, as tests/test_export_browser.py prints /overview.
"""

from __future__ import annotations

import io
import json
import re
from html import unescape

import pandas as pd
import pytest
from browser_support import CHROMIUM, SHOTS, Server, no_exception, rerun, settle
from pypdf import PdfReader

from gridboard.render import print_view

UPLOAD = '[data-testid="stFileUploaderDropzoneInput"]'
PLACES = [f"Nowhere Grid {n:02d}" for n in range(1, 41)]


def copy_data(html: str) -> dict:
    """The rows a printed copy carries (what the print script turns into its table)."""
    found = re.search(r"data-gb-rows='([^']*)'", html)
    assert found, html[:200]
    return json.loads(unescape(found.group(1)))


def test_a_long_copy_stops_at_the_limit_and_says_how_many_are_left_out():
    df = pd.DataFrame({"name": [f"row{n}" for n in range(2_100)], "n": range(2_100)})
    html = print_view.table_html(df, more="100 more rows not printed (2,100 in all)")
    data = copy_data(html)
    assert len(data["r"]) == print_view.PRINT_ROWS_MAX == 2_000
    assert data["r"][1999] == ["row1999", "1,999"] and data["h"] == ["name", "n"] and data["n"] == [False, True]
    assert "100 more rows not printed (2,100 in all)" in html
    whole = print_view.table_html(df.head(30))
    assert len(copy_data(whole)["r"]) == 30 and "more rows" not in whole


def test_a_copy_carries_markup_and_quotes_as_text():
    df = pd.DataFrame({"place": ["<b>x</b> & 'y' \"z\"", None], "share": [12.345, float("nan")]})
    html = print_view.table_html(df)
    assert "<b>" not in html and "'y'" not in html  # nothing of a cell is markup, nor ends the attribute
    assert copy_data(html)["r"] == [["<b>x</b> & 'y' \"z\"", "12.3"], ["—", "—"]]


def test_the_printed_copy_of_a_styled_table_drops_sparklines():
    from gridboard.ui.printing import printable

    df = pd.DataFrame({"village": ["A", "B"], "income": [1.5, 2.0], "trend": [[1, 2], [2, 3]]})
    assert list(printable(df.style.format("{:.1f}", subset=["income"])).columns) == ["village", "income"]
    assert printable([{"a": 1}]).to_dict("records") == [{"a": 1}]


browser = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)")


@pytest.fixture(scope="module")
def server(small_server: Server) -> Server:
    """The session's server on the small county: the test uploads and checks a file but does not
    load it (the check stages rows in temporary tables of its own cursor), so the county is left as
    it was for the other modules on that server."""
    return small_server


def pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)


@browser
@pytest.mark.browser
def test_a_table_without_downloads_prints_every_row(signed_in, tmp_path):
    page = signed_in("analyst", "import", "1366x768")
    page.get_by_role("heading", name="数据导入").first.wait_for()
    settle(page)
    csv = tmp_path / "places.csv"
    csv.write_text("事件编号,所属网格,上报时间,状态\n" + "".join(
        f"P{n:02d},{place},2024-05-01 08:{n:02d},待处理\n" for n, place in enumerate(PLACES, 1)), encoding="utf-8")
    with rerun(page):
        page.locator(UPLOAD).set_input_files(str(csv))
    page.get_by_role("heading", name="② 核对列映射").wait_for()
    settle(page)
    with rerun(page):
        page.get_by_role("button", name="开始检查").click()
    page.locator('[data-testid="stMetric"]').first.wait_for()
    page.locator(".gb-print-only").first.wait_for(state="attached")
    settle(page)
    no_exception(page, "check")
    assert not page.locator(".gb-print-only").first.is_visible()  # on screen: the grid only
    data = page.pdf(prefer_css_page_size=True, print_background=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "print_import_problems.pdf").write_bytes(data)
    compact = re.sub(r"\s+", "", pdf_text(data))
    missing = [p for p in PLACES if p.replace(" ", "") not in compact]
    assert missing == [], missing  # rows 11 to 40 too, which the grid draws only when scrolled
    page.emulate_media(media="print")
    try:
        # every grid on the page has its copy right after it (or after its download buttons) and is left out
        assert page.locator('[data-testid="stDataFrame"]').count() >= 2
        assert page.locator('[data-testid="stDataFrame"]:visible').count() == 0
        # the problem summary's and the problem list's copies (those in a closed expander or tab stay hidden;
        # the import log has rows only once the demo feed has run)
        assert page.locator(".gb-print-only:visible").count() >= 2
    finally:
        page.emulate_media(media="screen")
