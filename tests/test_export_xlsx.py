"""Excel exports fit for a 通报 (issue #15 item 4): title rows (title, unit, period with its
inclusive last day, as-of time, source), column widths, a frozen and filtered header, number
formats, codes and ids as text, text that is never a formula and shows no apostrophe, and file
names with the unit's name and the inclusive end date. Each file is opened with openpyxl and with
python-calamine (the reader the import uses) and its cells checked."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest
import python_calamine

from gridboard.core import export

START, END = dt.datetime(2026, 11, 1), dt.datetime(2026, 11, 29)  # [start, end): the 28 days of 1–28 Nov
AS_OF = dt.datetime(2026, 11, 28, 14, 5)
CAPTION = export.caption("办结率", "泗水县", START, END, AS_OF, page="办结率")


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "单位代码": [370831101001001, 370831101001002, 3708311],  # numbers: must come out as text
        "名称": ["=HYPERLINK(\"http://x\",\"点我\")", "泗河街道东关社区第一网格", "-2+3"],
        "事件编号": ["007", "SJ2026110100001", "+86"],
        "受理量": [12_345, 7, 0],
        "办结率 (%)": [96.35, None, 100.0],
        "上报时间": pd.to_datetime(["2026-11-01 08:30", None, "2026-11-28 23:59"]),
        "经度": [117.273105, 117.3, None],
    })


def workbook(df: pd.DataFrame, caption: export.Caption | None = CAPTION):
    data = export.to_xlsx_bytes(df, "数据", caption)
    return data, openpyxl.load_workbook(io.BytesIO(data)).active


def test_file_name_has_the_unit_name_and_the_inclusive_end_date():
    assert CAPTION.file_name("xlsx") == "泗水县_办结率_2026-11-01至2026-11-28.xlsx"  # page = title: once
    cap = export.caption("分镇街指标", "泗水县 / 泗河街道 / 东关社区", START, END, AS_OF, page="总览")
    assert cap.file_name("csv") == "东关社区_总览_分镇街指标_2026-11-01至2026-11-28.csv"
    en = export.caption("By town", "Sishui", START, END, AS_OF, lang="en", page="Overview")
    assert en.file_name("png") == "Sishui_Overview_By town_2026-11-01_to_2026-11-28.png"
    # a period ending at a time of day (today so far) includes that day
    assert export.last_day(dt.datetime(2026, 11, 28, 14, 5)) == dt.date(2026, 11, 28)
    assert export.last_day(dt.date(2026, 11, 29)) == dt.date(2026, 11, 28)
    # characters a file system refuses never reach the name
    odd = export.Caption("a/b:c*?\"<>|", "县\\镇", dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert odd.file_name("xlsx") == "县_镇_a_b_c_2026-01-01至2026-01-31.xlsx"


def test_title_rows_name_the_unit_the_inclusive_period_the_time_and_the_source():
    _, ws = workbook(frame())
    assert [ws.cell(row=r, column=1).value for r in range(1, 7)] == [
        "办结率",
        "单位：泗水县",
        "统计周期：2026-11-01 至 2026-11-28（含首尾两日）",
        "数据截至：2026-11-28 14:05",
        "数据来源：网格化社会治理指挥中心 · 事件库（gridboard）",
        None,
    ]
    assert ws["A1"].font.bold and ws["A1"].font.size == 14
    assert [c.value for c in ws[7]] == list(frame().columns)
    assert all(c.font.bold for c in ws[7])
    assert ws.freeze_panes == "A8"  # title rows and header stay while the rows scroll
    assert ws.auto_filter.ref == "A7:G10"
    assert ws.print_title_rows == "$7:$7"  # the header repeats on every printed page


def test_codes_and_ids_are_text_and_formulas_are_text_without_an_apostrophe():
    _, ws = workbook(frame())
    codes = [ws.cell(row=r, column=1) for r in (8, 9, 10)]
    assert [c.value for c in codes] == ["370831101001001", "370831101001002", "3708311"]
    assert all(c.data_type == "s" and c.number_format == "@" for c in codes)
    names = [ws.cell(row=r, column=2) for r in (8, 9, 10)]
    assert [c.value for c in names] == ["=HYPERLINK(\"http://x\",\"点我\")", "泗河街道东关社区第一网格", "-2+3"]
    assert all(c.data_type == "s" and c.number_format == "@" for c in names)  # a string cell: never evaluated
    assert [ws.cell(row=r, column=3).value for r in (8, 9, 10)] == ["007", "SJ2026110100001", "+86"]
    every = [c for row in ws.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in every)
    assert not any(isinstance(c.value, str) and c.value.startswith("'") for c in every)


def test_numbers_and_times_keep_their_type_with_formats():
    _, ws = workbook(frame())
    assert (ws["D8"].value, ws["D8"].number_format) == (12_345, "#,##0")
    assert (ws["E8"].value, ws["E8"].number_format) == (96.35, "#,##0.0")
    assert ws["E9"].value is None  # a missing rate is an empty cell, never "None" or "nan"
    assert (ws["F8"].value, ws["F8"].number_format) == (dt.datetime(2026, 11, 1, 8, 30), "yyyy-mm-dd hh:mm")
    assert ws["F9"].value is None
    assert (ws["G8"].value, ws["G8"].number_format) == (117.273105, "0.000000")


def test_column_widths_fit_the_content():
    _, ws = workbook(frame())
    width = {k: v.width for k, v in ws.column_dimensions.items()}
    assert width["A"] >= 17  # fifteen digits and a margin
    assert width["B"] >= 2 * len("泗河街道东关社区第一网格")  # CJK characters count two
    assert width["D"] >= 8 and width["D"] < 20
    long = pd.DataFrame({"标题": ["很长" * 200]})
    _, ws = workbook(long)
    assert ws.column_dimensions["A"].width == 60  # capped


def test_calamine_reads_what_excel_shows():
    data, _ = workbook(frame())
    sheet = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    rows = sheet.to_python()
    assert rows[0][0] == "办结率" and rows[2][0].startswith("统计周期：2026-11-01 至 2026-11-28")
    assert rows[6] == list(frame().columns)
    assert rows[7][:3] == ["370831101001001", "=HYPERLINK(\"http://x\",\"点我\")", "007"]
    assert rows[7][5] == dt.datetime(2026, 11, 1, 8, 30)


def test_without_a_caption_the_header_is_row_one():
    _, ws = workbook(frame(), None)
    assert [c.value for c in ws[1]] == list(frame().columns)
    assert ws.freeze_panes == "A2"


def test_english_caption():
    cap = export.caption("Closure rate", "Sishui", START, END, AS_OF, lang="en")
    _, ws = workbook(frame(), cap)
    assert ws["A3"].value == "Period: 2026-11-01 to 2026-11-28 (both days included)"
    assert ws["A4"].value == "Data as of: 2026-11-28 14:05"


@pytest.mark.parametrize("cell", ["=1+1", "+cmd|' /C calc'!A0", "@SUM(A1)", "\t=1"])
def test_csv_keeps_its_apostrophe_guard(cell):
    text = export.to_csv_bytes(pd.DataFrame({"a": [cell]})).decode("utf-8-sig")
    assert text.splitlines()[1].lstrip('"').startswith("'")
