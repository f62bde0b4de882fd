"""Excel reading through python-calamine (issue #10 item 7): cells read exactly as the openpyxl reader
read them — dates, midnight datetimes, datetimes with a time, date serials as plain numbers, text that
looks like a date — and old .xls files (which the uploader offers) now read too.

The expected texts below are what the openpyxl reader (gridboard/ingest/excel.py before this change)
gave for the same workbook. tests/data/excel/old_format.xls was written once with xlwt 1.3.0 (BIFF8,
dates with YYYY-MM-DD and YYYY-MM-DD HH:MM:SS formats); xlwt is not a dependency.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from gridboard.ingest import readers

XLS = Path(__file__).resolve().parent / "data" / "excel" / "old_format.xls"
BROKEN = Path(__file__).resolve().parent / "data" / "broken"

HEADERS = ["列1", "日期", "午夜", "时刻", "序号日期", "文字日期", "时间", "布尔", "小数", "整数", "空"]
# What the openpyxl reader gave, row by row (the empty first column is column A: data start at B).
OPENPYXL_ROWS = [
    ["", "2024-05-01 00:00:00", "2024-05-01 00:00:00", "2024-05-01 08:30:15", "45413", "2024-05-01", "08:30:00",
     "true", "2.5", "7", ""],
    ["", "1999-12-31 00:00:00", "2026-02-28 00:00:00", "2026-02-28 23:59:59.500000", "45413.5", "2024/5/1 08:00",
     "00:00:00", "false", "0.3", "-3", ""],
]


def workbook() -> bytes:
    """An empty first sheet, then a title row, a blank row and the header, data starting at column B."""
    wb = Workbook()
    wb.active.title = "说明"
    ws = wb.create_sheet("事件")
    ws["B1"] = "泗水县事件清单"
    for j, h in enumerate(HEADERS[1:], start=2):
        ws.cell(row=3, column=j, value=h)
    ws.append([None, dt.date(2024, 5, 1), dt.datetime(2024, 5, 1, 0, 0), dt.datetime(2024, 5, 1, 8, 30, 15), 45413,
               "2024-05-01", dt.time(8, 30), True, 2.5, 7, None])
    ws.append([None, dt.date(1999, 12, 31), dt.datetime(2026, 2, 28, 0, 0),
               dt.datetime(2026, 2, 28, 23, 59, 59, 500000), 45413.5, "2024/5/1 08:00", dt.time(0, 0), False,
               0.1 + 0.2, -3, ""])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rows(src: readers.Source, chunk_rows: int = 100_000) -> list[tuple[int, list[str]]]:
    return [(int(i), list(r)) for _, chunk in src.iter_chunks(chunk_rows) for i, r in zip(chunk.index, chunk.values,
                                                                                          strict=True)]


def test_xlsx_cells_read_as_the_openpyxl_reader_read_them():
    src = readers.open_source(workbook(), "事件.xlsx")
    assert (src.kind, src.sheet, src.header_row, src.headers) == ("xlsx", "事件", 2, HEADERS)
    assert src.describe() == "Excel 工作表「事件」" and src.total_rows == 2
    assert rows(src) == [(4, OPENPYXL_ROWS[0]), (5, OPENPYXL_ROWS[1])]  # Excel's row numbers
    assert rows(src, chunk_rows=1) == rows(src)


def test_an_old_xls_reads_with_its_dates():
    src = readers.open_source(XLS.read_bytes(), XLS.name)
    assert src.sheet == "事件清单" and src.header_row == 2
    assert src.headers == ["事件编号", "所属网格", "事件来源", "事件类型", "上报时间", "办结时间", "办理时限", "状态", "满意度"]
    got = rows(src)
    assert [i for i, _ in got] == [4, 5, 6, 7]
    assert got[0][1] == ["X001", "G1", "12345热线", "环境卫生", "2024-05-01 08:00:00", "2024-05-01 10:30:15",
                         "2024-05-03 00:00:00", "已办结", "满意"]
    assert got[1][1][4:7] == ["2024-05-02 00:00:00", "", "2024-05-04 00:00:00"]  # midnight datetime and a date
    assert got[2][1][4] == "45414"  # a date serial typed as a plain number stays a number
    assert got[3][1][4] == "2024-05-03 09:15"  # text that looks like a date stays text


@pytest.mark.parametrize(("name", "message"), [
    ("password_protected.xlsx", "设置了打开密码"),
    ("truncated.xlsx", "Excel 文件"),
    ("invalid_zip.xlsx", "Excel 文件"),
    ("empty_workbook.xlsx", "工作表都是空的"),
])
def test_broken_workbooks_keep_their_chinese_messages(name, message):
    with pytest.raises(readers.ReadError, match=message):
        src = readers.open_source(BROKEN / name)
        rows(src)
