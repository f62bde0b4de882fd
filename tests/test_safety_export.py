"""Privacy and safe exports (issue #14 item 12): every exported cell that a spreadsheet would run is
neutralised, every cell with a line break is quoted, phone numbers are masked in case lists, titles,
the wall and every download, volunteer names are masked for every role below leader, and
Streamlit's own table download is off (the app's downloads are the only ones)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tomllib
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from browser_support import small_database

from gridboard.core import auth, config, export, fmt
from gridboard.db import store
from gridboard.metrics import kpi_cases
from gridboard.people import volunteers
from gridboard.render import ranking_tables, wall_view
from gridboard.wall import backlog

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"点我\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
           "\t=1+1", "\r=1+1", "\n=1+1", "＝1+1"]
PHONE = re.compile(r"1[3-9]\d{9}")


def rows_as_excel_reads(text: str) -> list[list[str]]:
    """CSV rows the way a strict reader splits them: quoted line breaks stay in the cell."""
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("cell", HOSTILE)
def test_every_dangerous_first_character_is_neutralised(cell):
    assert export.neutralise_text(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["-77.0", "+86", "1e5", "环境卫生", "", "a=b"])
def test_numbers_and_plain_text_are_left_alone(cell):
    assert export.neutralise_text(cell) == cell


def test_csv_quotes_every_line_break_and_neutralises_every_cell():
    df = pd.DataFrame({"标题": ["环境\r=1+1", "a\nb", "c\r\nd", *HOSTILE], "类别": pd.Categorical(["=x"] * 11)})
    df["=头"] = 1
    raw = export.to_csv_bytes(df)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = rows_as_excel_reads(raw.decode("utf-8-sig"))
    assert len(rows) == len(df) + 1  # a bare CR or LF did not start a new row
    assert rows[0] == ["标题", "类别", "'=头"]
    assert rows[1][0] == "环境\r=1+1" and rows[2][0] == "a\nb"
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r", "\n")) or re.fullmatch(r"-?\d+", cell), cell
    # the bare CR sits inside quotes in the bytes themselves
    assert '"环境\r=1+1"' in raw.decode("utf-8-sig")


def test_xlsx_holds_no_formula():
    df = pd.DataFrame({"标题": HOSTILE, "n": range(len(HOSTILE))})
    book = openpyxl.load_workbook(io.BytesIO(export.to_xlsx_bytes(df)))
    cells = [c for row in book.active.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    # string cells of type text: shown as written (no apostrophe), never evaluated
    assert [(c.value, c.data_type, c.number_format) for c in cells if c.column == 1][1:] == \
        [(h, "s", "@") for h in HOSTILE]


def test_streamlit_table_download_is_off():
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert cfg["client"]["disableDataExport"] is True
    assert cfg["client"]["showErrorDetails"] == "none"


# --- masking -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "shown"), [
    ("请联系13812345678处理", "请联系138****5678处理"),
    ("电话 138-1234-5678 或 138 1234 5678", "电话 138****5678 或 138****5678"),
    ("座机0531-88881234", "座机053****1234"),
    ("事件SJ2024050100011381234567890", "事件SJ2024050100011381234567890"),  # a long id is not a phone
    (None, None),
])
def test_phone_numbers_inside_free_text_are_masked(text, shown):
    assert fmt.mask_phones_in(text) == shown


@pytest.fixture(scope="module")
def phone_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    now = config.load().now()
    path = small_database(tmp_path_factory.mktemp("privacy") / "privacy.duckdb", now, cases=200, seed=8)
    con = store.connect(path)
    try:
        con.execute("UPDATE cases SET title = '楼道漏水，回电13912345678' WHERE case_id IN ('K00001', 'K00002')")
        con.execute("UPDATE cases SET status = 'open', closed_at = NULL, due_at = $due, reported_at = $rep"
                    " WHERE case_id = 'K00002'", {"due": now - dt.timedelta(hours=1), "rep": now - dt.timedelta(hours=30)})
        start = now - dt.timedelta(days=2)
        for i, name in enumerate(["张三明", "欧阳小明", "李四"]):
            con.execute("INSERT INTO volunteers VALUES ($id, 'T1C1G1', $n, true, '红色志愿队', $d)",
                        {"id": f"V{i}", "n": name, "d": start.date()})
            con.execute("INSERT INTO volunteer_services VALUES ($id, $v, 'T1C1G1', '环境整治', $s, 2.0, $p)",
                        {"id": f"S{i}", "v": f"V{i}", "s": start, "p": 10 - i})
        store.bump_data_version(con)
    finally:
        con.close()
    return path


def test_case_list_and_its_downloads_mask_phones(phone_db):
    now = config.load().now()
    con = store.connect(phone_db)
    try:
        page = kpi_cases.page(con, kpi_cases.Query("received"), start=now - dt.timedelta(days=90), end=now,
                              as_of=now, limit=1000)
        assert PHONE.search(page.to_csv())  # the raw rows do hold full numbers
        shown = kpi_cases.display_frame(page)
        ranked = ranking_tables.cases_frame(page)
    finally:
        con.close()
    for frame in (shown, ranked):
        assert not PHONE.search(frame.to_csv())
        assert not PHONE.search(export.to_csv_bytes(frame).decode("utf-8-sig"))
        book = openpyxl.load_workbook(io.BytesIO(export.to_xlsx_bytes(frame)))
        assert not any(PHONE.search(str(c.value)) for row in book.active.iter_rows() for c in row if c.value)
    assert any("139****5678" in str(v) for v in shown["标题"])


def test_wall_masks_phones_in_its_columns_and_titles(phone_db):
    now = config.load().now()
    con = store.connect(phone_db)
    try:
        log = backlog.backlog(con, since=backlog.backlog_since(now))
        rows = backlog.deadline_wall(con, as_of=now, unit="C", log=log, limit=100)
    finally:
        con.close()
    assert rows and all(not PHONE.search(str(r["phone"])) for r in rows)
    html = wall_view.wall(rows, {}, "zh")
    assert not PHONE.search(html) and "139****5678" in html


@pytest.mark.parametrize("role", auth.ROLES)
def test_volunteer_names_masked_below_leader_on_screen_and_in_downloads(phone_db, role):
    now = config.load().now()
    con = store.connect(phone_db)
    try:
        rows = volunteers.leaderboard(con, start=now - dt.timedelta(days=30), end=now, unit="C")
    finally:
        con.close()
    frame = volunteers.leaderboard_frame(rows, role=role)
    text = export.to_csv_bytes(frame).decode("utf-8-sig")
    full = role in ("leader", "admin")
    for name, masked in (("张三明", "张*明"), ("欧阳小明", "欧**明"), ("李四", "李*")):
        assert (name in text) is full, (role, name)
        assert (masked in text) is not full, (role, masked)
