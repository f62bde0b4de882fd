"""The import page on the real server in headless Chromium: an analyst uploads a real export
through the file input (set_input_files), checks it with new grids under a town (none of its US
neighbourhoods is created), loads it and sees the success message; the same file again changes
nothing, and the first load is undone from the import log; a broken file gets the Chinese
error. No exception box, and no request leaves the local server. (The login shell on the page's
URL of a fresh server is test_browser.py's.) Screenshots of the main steps at 1920×1080 and 1366×768
go to screenshots/ (or $GRIDBOARD_SCREENSHOTS) for a person to look at.

The tests run in file order on one server (one worker per file: --dist loadfile): the second loads what the first loaded.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser_support import CHROMIUM, TIMEOUT_MS, Server, no_exception, painted, rerun, serve, settle
from browser_support import shoot as save_shot
from conftest import REAL_DATA, copy_db

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
]

BALTIMORE = REAL_DATA / "baltimore311" / "baltimore311_2014-2019_sample.csv"
BROKEN = Path(__file__).resolve().parent / "data" / "broken"
UPLOAD = '[data-testid="stFileUploaderDropzoneInput"]'


@pytest.fixture(scope="module")
def server(small_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server on its own copy of the small county (these tests write to it), without the demo feed:
    the county is marked demo, so the feed (demo_feed = "auto") would log its own small imports, and
    an undo meant for the page's load would take the feed's newer one (ci24: "删除新增 1 行")."""
    tmp = tmp_path_factory.mktemp("import-browser")
    with serve(tmp, copy_db(small_db_file, tmp, "county.duckdb"), "demo_feed = false\n") as srv:
        yield srv


def shoot(page, name: str, anchor: str | None = None) -> None:
    if anchor is not None:
        page.get_by_text(anchor, exact=False).first.evaluate("e => e.scrollIntoView({block: 'start'})")
        painted(page)
    save_shot(page, f"import_{name}")


def present(page, *texts: str) -> None:
    """Each text is on the page (sections a screenshot used to scroll to; one screenshot a step is kept)."""
    for text in texts:
        assert page.get_by_text(text, exact=False).count() > 0, text


def at_import(signed_in, size: str):
    page = signed_in("analyst", "import", size)
    page.get_by_role("heading", name="数据导入").first.wait_for()
    settle(page)
    assert urlsplit(page.url).path.rstrip("/").endswith("/import")  # filters ride in the query string
    return page


def upload(page, path: Path) -> None:
    with rerun(page):  # the upload, then the run that reads it
        page.locator(UPLOAD).set_input_files(str(path))
    page.locator('[data-testid="stFileChip"]').first.wait_for()
    page.wait_for_selector('[data-testid="stHeading"]:has-text("核对列映射"), [data-testid="stAlertContentError"]')
    settle(page)


def check(page) -> None:
    with rerun(page):
        page.get_by_role("button", name="开始检查").click()
    page.locator('[data-testid="stMetric"]').first.wait_for()
    no_exception(page, "check")


def new_grids_under_the_first_town(page) -> None:
    with rerun(page):
        page.get_by_text("把未知单位新建为网格", exact=True).click()
    page.get_by_role("combobox", name="新网格挂在").click()
    with rerun(page):
        page.get_by_role("option", name="测试县 / 城关街道", exact=True).click()


def metric(page, label: str) -> int:
    tile = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return int(tile.locator('[data-testid="stMetricValue"]').inner_text().replace(",", ""))


@pytest.mark.skipif(not BALTIMORE.is_file(), reason=f"real data file {BALTIMORE} is absent")
def test_an_analyst_uploads_checks_and_loads_a_real_export(signed_in):
    page = at_import(signed_in, "1920x1080")
    no_exception(page, "import page")
    page.get_by_role("button", name="Excel 模板").wait_for()
    assert page.get_by_role("button", name="CSV 模板").is_visible()
    upload(page, BALTIMORE)
    page.get_by_text("② 核对列映射").wait_for()
    assert page.get_by_role("combobox", name="映射方式").input_value().startswith("巴尔的摩 311")
    shoot(page, "2_mapping_1920x1080", "② 核对列映射")
    check(page)
    rejected = metric(page, "拒绝")
    assert rejected > 5000 and page.get_by_text("有些行的单位在数据库中不存在").is_visible()
    assert page.get_by_text("13 件案件上报超过 180 天仍未办结，将按历史件导入").is_visible()
    new_grids_under_the_first_town(page)
    check(page)
    # US neighbourhoods do not become grids of the county: the same rows stay refused, and only
    # the town's 未划分 would be created (issue #15)
    assert metric(page, "拒绝") == rejected == 9200
    new_units = re.search(r"新建单位 ([\d,]+) 个", page.locator('[data-testid="stMain"]').inner_text())
    assert new_units and int(new_units.group(1).replace(",", "")) == 1
    assert page.get_by_text("将新建的单位（1 个）").is_visible()
    accepted = metric(page, "可导入")
    shoot(page, "3_checked_1920x1080", "③ 检查数据")
    present(page, "问题清单", "导入后的变化预览", "④ 导入")
    load = page.get_by_role("button", name=f"导入 {accepted:,} 行")
    load.scroll_into_view_if_needed()
    with rerun(page):
        load.click()
    page.get_by_text("导入完成").first.wait_for()
    no_exception(page, "after load")
    assert f"新增 {accepted:,} 行" in page.get_by_text("导入完成").first.inner_text()
    shoot(page, "5_done_1920x1080")
    present(page, "导入记录（最近 20 次）")


@pytest.mark.skipif(not BALTIMORE.is_file(), reason=f"real data file {BALTIMORE} is absent")
def test_the_same_file_again_changes_nothing_1366(signed_in):
    page = at_import(signed_in, "1366x768")
    upload(page, BALTIMORE)
    new_grids_under_the_first_town(page)
    check(page)
    assert metric(page, "新增") == 0 and metric(page, "更新") == 0 and metric(page, "无变化") == 800
    shoot(page, "3_checked_1366x768", "③ 检查数据")
    present(page, "问题清单", "导入后的变化预览")
    with rerun(page):
        page.get_by_role("button", name="导入", exact=False).filter(has_text="行").click()
    page.get_by_text("没有任何改变").first.wait_for()
    no_exception(page, "unchanged load")
    # the first load (the unchanged one wrote nothing) is undone from the import log
    undo = page.get_by_role("button", name="撤销", exact=True)
    undo.scroll_into_view_if_needed()
    assert undo.is_disabled(), "undo asks for a confirmation first"
    with rerun(page):
        page.get_by_text("确认撤销导入 #", exact=False).click()
    present(page, "导入记录（最近 20 次）")
    with rerun(page):
        page.get_by_role("button", name="撤销", exact=True).click()
    done = page.get_by_text("已撤销导入 #", exact=False).first
    done.wait_for()
    no_exception(page, "undo")
    assert "删除新增 800 行" in done.inner_text() and "删除新建单位 1 个" in done.inner_text()
    shoot(page, "6_undone_1366x768", "导入记录（最近 20 次）")


@pytest.mark.skipif(not BALTIMORE.is_file(), reason=f"real data file {BALTIMORE} is absent")
def test_the_check_reads_in_english_1920(signed_in):
    """English mode: the check's warnings, problem list and report in English (issue #15)."""
    page = signed_in("analyst", "import", "1920x1080", "en")
    page.get_by_role("heading", name="Data import").first.wait_for()
    settle(page)
    with rerun(page):
        page.locator(UPLOAD).set_input_files(str(BALTIMORE))
    page.get_by_text("10,000 data rows", exact=False).first.wait_for()
    with rerun(page):
        page.get_by_role("button", name="Check the file").click()
    page.locator('[data-testid="stMetric"]').first.wait_for()
    no_exception(page, "english check")
    assert page.get_by_text("13 cases have been open for more than 180 days", exact=False).first.is_visible()
    assert page.get_by_text("Some rows name units the database does not know", exact=False).first.is_visible()
    shoot(page, "8_english_checked_1920x1080", "③ Check")
    present(page, "Problems by field")


def test_a_broken_file_shows_the_chinese_error(signed_in):
    size = "1366x768"  # one size: the message is the same code path at both
    page = at_import(signed_in, size)
    upload(page, BROKEN / "html_saved_as.xls")
    error = page.locator('[data-testid="stAlertContentError"]').first
    error.wait_for()
    assert "网页（HTML）" in error.inner_text()
    no_exception(page, "broken file")
    shoot(page, f"6_broken_{size}")


BIG_ROWS = int(os.environ.get("GRIDBOARD_BIG_IMPORT_ROWS", "0") or 0)


def write_cases(path: Path, rows: int) -> Path:
    """A case export of `rows` rows under the small county's grids (about 190 bytes a row)."""
    grids = ("T1C1G1M1", "T1C1G2", "T1C2G1", "T2V1G1", "T2V1G2")
    with path.open("w", encoding="utf-8") as out:
        out.write("事件编号,所属网格,来源渠道,事件类型,标题,上报时间,签收时间,办结时间,办理时限,状态,满意度,联系电话\n")
        for i in range(rows):
            day, minute = 1 + i % 28, i % 1440
            closed = f"2025-03-{day:02d} 23:59:00" if i % 5 else ""
            out.write(f"BIG{i:08d},{grids[i % 5]},12345热线,环境卫生,楼道堆放杂物影响通行{i},"
                      f"2025-03-{day:02d} {minute // 60:02d}:{minute % 60:02d}:00,,{closed},,"
                      f"{'已办结' if closed else '待处理'},{'满意' if closed else ''},1380013{i % 10000:04d}\n")
    return path


@pytest.mark.slow
@pytest.mark.skipif(not BIG_ROWS, reason="set GRIDBOARD_BIG_IMPORT_ROWS=1000000 to upload a million-row file "
                                         "(about 190 MB, a few minutes)")
def test_a_million_row_file_goes_in_with_a_progress_bar(signed_in, tmp_path):
    big = write_cases(tmp_path / "big_cases.csv", BIG_ROWS)
    page = at_import(signed_in, "1920x1080")
    upload(page, big)
    page.get_by_role("button", name="开始检查").click()  # not rerun(): the progress shows during the run
    page.locator('[data-testid="stProgress"]').first.wait_for()
    page.get_by_text("已检查").first.wait_for()
    shoot(page, "7_big_progress_1920x1080", "已检查")
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=TIMEOUT_MS * 10)
    settle(page)
    assert metric(page, "读取行数") == BIG_ROWS and metric(page, "新增") == BIG_ROWS
    page.get_by_role("button", name=f"导入 {BIG_ROWS:,} 行").click()
    page.get_by_text("导入完成").first.wait_for(timeout=TIMEOUT_MS * 10)
    settle(page, TIMEOUT_MS * 10)
    no_exception(page, "million rows")
    shoot(page, "7_big_done_1920x1080")


def test_no_request_leaves_the_local_server(server):
    """Runs last in this module: every request the import pages made went to the local server."""
    assert server.requests
    assert server.outside_requests() == []
