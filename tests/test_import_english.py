"""The import page in English (issue #15 item 6), in headless Chromium at 1366×768 as an analyst:
a real export (NYC 311, one day) is uploaded, checked, its full report opened and loaded; a PNG
renamed .csv and a CSV with a repeated header are refused; the page, the check report, the
problem list and the import log show no Chinese outside data values (the county's unit names, the
file's own cells and headers, the 未划分 grid). The Chinese page reads as before (its texts are
tests/test_import_browser.py's). Screenshots of /import in both languages at 1366×768 go to
screenshots/ for a person to look at.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from browser_support import CHROMIUM, Server, no_exception, painted, rerun, serve, settle, shoot
from conftest import REAL_DATA, copy_db

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
]

NYC = REAL_DATA / "nyc311" / "nyc311_2013-12-25_all_agencies.csv"
UPLOAD = '[data-testid="stFileUploaderDropzoneInput"]'
SIZE = "1366x768"
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff60]+")
# What a user reads: text nodes shown, and every cell of the data grids (canvas-drawn in Streamlit).
VISIBLE_TEXT = """() => {
    const parts = [];
    const root = document.querySelector('[data-testid="stApp"]');
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const el = n.parentElement;
        if (!el || el.closest('[data-testid="stIconMaterial"], style, script, noscript, svg')) continue;
        if (!el.checkVisibility({visibilityProperty: true, opacityProperty: false})) continue;
        if (parseFloat(getComputedStyle(el).fontSize) === 0) continue;
        const text = n.textContent.trim();
        if (text) parts.push(text);
    }
    for (const cell of root.querySelectorAll('[data-testid="stDataFrame"] table th, [data-testid="stDataFrame"] table td'))
        parts.push(cell.textContent.trim());
    return parts.join('\\n');
}"""


@pytest.fixture(scope="module")
def county(small_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("import-english")
    return copy_db(small_db_file, tmp, "county.duckdb")


@pytest.fixture(scope="module")
def data_values(small_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Data a page may show as it is: unit names, the uploaded file's headers and cells, 未划分."""
    names_db = copy_db(small_db_file, tmp_path_factory.mktemp("import-english-names"))
    con = duckdb.connect(str(names_db), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM units").fetchall()]
    finally:
        con.close()
    with NYC.open(encoding="utf-8", newline="") as fh:
        cells = {c for row in csv.reader(fh) for c in row if CJK.search(c)}
    return sorted({*names, *cells, "未划分", "中文"}, key=len, reverse=True)


@pytest.fixture(scope="module")
def server(county: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serve(tmp_path_factory.mktemp("import-english-server"), county) as srv:
        yield srv


def chinese_outside_data(page, values: list[str]) -> list[str]:
    """The Chinese on the page that is not inside a data value, with some context."""
    found = []
    for line in page.evaluate(VISIBLE_TEXT).split("\n"):
        rest = line
        for value in values:
            if value in rest:
                rest = rest.replace(value, " ")
        found.extend(f"{m.group(0)!r} in {line[:120]!r}" for m in CJK.finditer(rest))
    return found


def load_and_show_log(page, button: str, title: str, header: str) -> None:
    """Click the load button (name matching `button`), then scroll to the import log (`title`) and
    wait until its grid's accessible table has the column `header`."""
    with rerun(page):
        page.get_by_role("button", name=re.compile(button)).click()
    page.get_by_text(title).wait_for()
    settle(page)
    no_exception(page, "load")
    page.get_by_text(title).evaluate("e => e.scrollIntoView({block: 'start'})")
    painted(page)
    # the log's grid fills its accessible table a moment after it is drawn (CI once read it empty)
    page.locator('[data-testid="stDataFrame"] table th', has_text=header).first.wait_for(state="attached")


def at_import(signed_in, lang: str):
    page = signed_in("analyst", "import", SIZE, lang=lang)
    page.get_by_role("heading", name="Data import" if lang == "en" else "数据导入").first.wait_for()
    settle(page)
    return page


def upload(page, path: Path) -> None:
    with rerun(page):
        page.locator(UPLOAD).set_input_files(str(path))
    page.locator('[data-testid="stFileChip"]').first.wait_for()
    page.wait_for_selector('[data-testid="stHeading"]:has-text("Column mapping"), '
                           '[data-testid="stHeading"]:has-text("核对列映射"), [data-testid="stAlertContentError"]')
    settle(page)


def alert_text(alert) -> str:
    """An alert's message (its icon's ligature name left out)."""
    return alert.locator('[data-testid="stMarkdownContainer"]').first.inner_text().strip()


def remove_file(page) -> None:
    with rerun(page):
        page.locator('[data-testid="stFileChip"] button').first.click()
    settle(page)


def test_a_real_export_checked_and_loaded_in_english(signed_in, data_values):
    page = at_import(signed_in, "en")
    assert chinese_outside_data(page, data_values) == []
    upload(page, NYC)
    page.get_by_role("heading", name="② Column mapping").wait_for()
    with rerun(page):
        page.get_by_role("button", name="Check the file").click()
    page.locator('[data-testid="stMetric"]').first.wait_for()
    no_exception(page, "check")
    page.get_by_text("Full check report", exact=True).click()  # the report's lines, shown
    page.get_by_text("Outcome: Checked (nothing written)").wait_for()
    painted(page)
    page.get_by_text("Full check report", exact=True).evaluate("e => e.scrollIntoView({block: 'start'})")
    painted(page)
    shoot(page, "import_english_checked_1366")
    problems = chinese_outside_data(page, data_values)
    assert problems == [], "\n".join(problems)
    text = page.evaluate(VISIBLE_TEXT)
    assert "Read " in text and "rows" in text and "Rejected" in text or "Warning" in text
    load_and_show_log(page, r"^Load the accepted rows", "Import log (latest 20)", "Rows read")
    shoot(page, "import_english_log_1366")
    text = page.evaluate(VISIBLE_TEXT)
    for header in ("No.", "Table", "File", "Outcome", "Rows read", "New", "Rejected"):
        assert header in text.split("\n"), header
    assert "Cases" in text and re.search(r"\b(Loaded|Partly loaded)\b", text)
    problems = chinese_outside_data(page, data_values)
    assert problems == [], "\n".join(problems)


def test_refused_files_are_refused_in_english(signed_in, data_values, tmp_path):
    page = at_import(signed_in, "en")
    png = tmp_path / "cases.csv"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"
                    + bytes(300))
    upload(page, png)
    error = page.locator('[data-testid="stAlertContentError"]').first
    assert alert_text(error) == "Cannot import: The file holds binary content: it is not a text table (CSV)"
    shoot(page, "import_english_refused_1366")
    problems = chinese_outside_data(page, data_values)
    assert problems == [], "\n".join(problems)
    remove_file(page)
    twice = tmp_path / "twice.csv"
    twice.write_text("case_id,reported_at,reported_at,unit_id\nA1,2024-05-01 08:00,2024-05-01 09:00,T1C1G1\n",
                     encoding="utf-8")
    upload(page, twice)
    with rerun(page):
        page.get_by_role("button", name="Check the file").click()
    error = page.locator('[data-testid="stAlertContentError"]').first
    error.wait_for()
    assert alert_text(error) == ("Cannot import: Repeated header names: reported_at (each name may appear "
                                          "once: delete or rename, then import)")
    problems = chinese_outside_data(page, data_values)
    assert problems == [], "\n".join(problems)


def test_the_chinese_page_for_comparison(signed_in):
    page = at_import(signed_in, "zh")
    upload(page, NYC)
    with rerun(page):
        page.get_by_role("button", name="开始检查").click()
    page.locator('[data-testid="stMetric"]').first.wait_for()
    no_exception(page, "check")
    page.get_by_text("检查报告全文", exact=True).click()
    page.get_by_text("结果：预检（未写入）").wait_for()
    page.get_by_text("检查报告全文", exact=True).evaluate("e => e.scrollIntoView({block: 'start'})")
    painted(page)
    shoot(page, "import_chinese_checked_1366")
    # the log shows its grid once this module's county has an import: load here too, so the test does
    # not depend on the English test having run first (pytest-randomly orders them either way)
    load_and_show_log(page, r"^导入 [\d,]+ 行", "导入记录（最近 20 次）", "结果")
    text = page.evaluate(VISIBLE_TEXT)
    assert "导入记录（最近 20 次）" in text and "结果" in text.split("\n")
    assert re.search(r"(已导入|部分导入|无变化)", text)
