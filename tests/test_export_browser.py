"""Print and downloads in headless Chromium on a real server (issue #15 item 4), on a county of 14
towns (tests/print_support.py) so a table has rows beyond the ~10 a canvas grid draws:

- /overview and /closure printed to PDF (Chromium's print-to-PDF, the page's own @page size) hold
  every row of the sub-unit table, not the sidebar, buttons or inputs; the print-media page is
  white with dark text;
- the PNG beside a chart downloads as unit_page_title_period.png, opaque white paper;
- the Excel download of a table has its title rows, a frozen header and all its rows, named with the
  unit and the inclusive end date.
Screenshots and the printed pages (as PNG) go to screenshots/ (or $GRIDBOARD_SCREENSHOTS).
"""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from browser_support import CHROMIUM, SHOTS, no_exception, serve, settle, shoot
from PIL import Image
from print_support import TOWNS, print_database
from pypdf import PdfReader

from gridboard.core import config

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("print_server")
    with serve(folder, print_database(folder / "print.duckdb", config.load().now())) as srv:
        yield srv


def units_table_ready(page) -> None:
    page.locator('[data-testid="stDataFrame"]').first.wait_for()
    page.locator(".gb-print-only").first.wait_for(state="attached")
    settle(page)


# Registered after the app's own print listener: records, while the print layout applies, each
# chart's drawn width (its svg's width times the zoom applied) and the width of its box.
MEASURE_PRINTED_CHARTS = """() => window.matchMedia('print').addEventListener('change', e => {
    if (!e.matches) return;
    window.__printedCharts = [...document.querySelectorAll('.stPlotlyChart')].map(box => {
        const frame = box.querySelector('.svg-container'), svg = box.querySelector('svg.main-svg');
        return [parseFloat(svg.getAttribute('width')) * (parseFloat(frame.style.zoom) || 1), box.clientWidth];
    });
})"""


def pdf_text(data: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(p.extract_text() or "" for p in reader.pages), len(reader.pages)


@pytest.mark.parametrize("path", ["overview", "closure"])
@pytest.mark.parametrize("size", ["1920x1080", "1366x768"])
def test_printed_page_holds_every_row_and_no_sidebar(signed_in, path, size):
    page = signed_in("leader", path, size)  # a page of its own: print emulation does not carry over
    units_table_ready(page)
    no_exception(page, path)
    # on screen the printed copy takes no room and the grid shows ~10 rows
    assert not page.locator(".gb-print-only").first.is_visible()
    page.evaluate(MEASURE_PRINTED_CHARTS)
    data = page.pdf(prefer_css_page_size=True, print_background=True)
    # every chart fitted the paper's width as printed (zoomed to its box, not cut at the right)
    printed = page.evaluate("() => window.__printedCharts")
    assert printed and all(drawn <= box + 1 for drawn, box in printed), printed
    (SHOTS / f"print_{path}_{size}.pdf").parent.mkdir(parents=True, exist_ok=True)
    (SHOTS / f"print_{path}_{size}.pdf").write_bytes(data)
    text, pages = pdf_text(data)
    compact = re.sub(r"\s+", "", text)
    for town in TOWNS:  # rows 11 to 14 too, which the grid never draws without scrolling
        assert town in compact, (town, text[:3000])
    assert "筛选条件" not in compact and "统计周期" not in compact  # no sidebar
    assert "下载Excel" not in compact and "下载CSV" not in compact  # no buttons
    assert pages >= 1
    # the print-media page is light: white paper, dark text
    page.emulate_media(media="print")
    try:
        shot = shoot(page, f"print_{path}_{size}", full_page=True)
        image = Image.open(shot).convert("L")
        w, h = image.size
        assert all(image.getpixel(p) > 245 for p in ((2, 2), (w - 3, 2), (2, h - 3), (w - 3, h - 3)))
        histogram = image.histogram()
        assert sum(histogram[235:]) > 0.8 * w * h  # mostly white
        assert sum(histogram[:90]) > 500  # dark text on it
        assert not page.locator('[data-testid="stSidebar"]').is_visible()
        assert page.locator(".gb-print-only").first.is_visible()
        # each grid with a printed copy is left out of print (no table twice); here every grid has one
        assert page.locator('[data-testid="stDataFrame"]').count() >= 1
        assert page.locator('[data-testid="stDataFrame"]:visible').count() == 0
    finally:
        page.emulate_media(media="screen")


def test_chart_png_and_excel_downloads(signed_in):
    """The overview's chart PNG and its sub-unit table's Excel, downloaded from one page."""
    page = signed_in("leader", "overview")
    units_table_ready(page)
    last = config.load().now().date().isoformat()
    button = page.locator(".stDownloadButton").filter(has_text="下载图片（PNG）").first
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=300_000) as info:
        button.click()
    download = info.value
    assert re.fullmatch(rf"印刷县_总览_每日受理与办结_\d{{4}}-\d{{2}}-\d{{2}}至{last}\.png", download.suggested_filename), \
        download.suggested_filename
    target = SHOTS / download.suggested_filename
    download.save_as(target)
    image = Image.open(target).convert("RGBA")
    assert image.getextrema()[3] == (255, 255)  # opaque
    w, h = image.size
    assert w >= 2000 and all(min(image.getpixel(p)[:3]) > 250 for p in ((0, 0), (w - 1, h - 1)))
    grey = image.convert("L")
    assert grey.crop((0, 0, w, 200)).getextrema()[0] < 80  # a dark title at the top

    button = page.locator(".stDownloadButton").filter(has_text="下载 Excel").first
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=300_000) as info:
        button.click()
    download = info.value
    assert re.fullmatch(rf"印刷县_总览_分镇街指标_\d{{4}}-\d{{2}}-\d{{2}}至{last}\.xlsx", download.suggested_filename), \
        download.suggested_filename
    ws = openpyxl.load_workbook(io.BytesIO(download.path().read_bytes())).active
    assert ws["A1"].value == "总览 · 分镇街指标"
    assert ws["A2"].value == "单位：印刷县"
    assert re.fullmatch(rf"统计周期：\d{{4}}-\d{{2}}-\d{{2}} 至 {last}（含首尾两日）", ws["A3"].value)
    assert ws["A4"].value.startswith("数据截至：") and ws["A5"].value.startswith("数据来源：")
    assert ws.freeze_panes == "A8" and ws["A7"].value == "名称"
    assert sorted(ws.cell(row=r, column=1).value for r in range(8, 8 + len(TOWNS))) == sorted(TOWNS)
    assert ws.max_row == 7 + len(TOWNS)
