"""Reading files: UTF-8, UTF-8 with BOM, GBK/GB18030 and UTF-16 detected without asking; comma,
tab and semicolon separators; title rows above the header; .xlsx by content, not by name."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from conftest import REAL_DATA
from ingest_support import CASE_HEADER, case_csv, small_county
from openpyxl import Workbook

from gridboard.db import store
from gridboard.ingest import pipeline, readers

ROWS = (
    "SJ1,G1,12345热线,环境卫生,2024-05-01 08:00:00,2024-05-01 12:00:00,2024-05-03 08:00:00,已办结,满意",
    "SJ2,网格二,网格员巡查,矛盾纠纷,2024/5/2 9:15:00,,3天,办理中,",
    "SJ3,G2,随手拍/小程序,安全隐患,05/03/2024 10:00:00 AM,05/04/2024 09:30:00 AM,,已办结,基本满意",
)
TEXT = "\n".join([CASE_HEADER, *ROWS]) + "\n"


def _cases(con) -> pd.DataFrame:
    return con.execute("SELECT * FROM cases WHERE case_id LIKE 'SJ%' ORDER BY case_id").df()


def _load(tmp_path: Path, data: bytes, name: str) -> pd.DataFrame:
    con = small_county(tmp_path / f"{abs(hash((name, data)))}.duckdb")
    report = pipeline.ingest(con, data, table="cases", file_name=name)
    assert (report.rows_read, report.rows_rejected) == (3, 0), report.describe()
    df = _cases(con)
    con.close()
    return df


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The UTF-8 file's rows, loaded once for the module (the frame is only read)."""
    return _load(tmp_path_factory.mktemp("reference"), TEXT.encode("utf-8"), "utf8.csv")


def test_reference_values(reference: pd.DataFrame) -> None:
    r = reference.set_index("case_id")
    assert r.loc["SJ2", "unit_id"] == "G2"  # by name
    assert r.loc["SJ2", "due_at"] == pd.Timestamp("2024-05-05 09:15:00")  # 3天 after reporting
    assert r.loc["SJ3", "reported_at"] == pd.Timestamp("2024-05-03 10:00:00")
    assert r.loc["SJ3", "satisfaction"] == "basic"
    assert pd.isna(r.loc["SJ2", "satisfaction"])


@pytest.mark.parametrize(("encoding", "expected"), [
    ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030"), ("utf-16", "utf-16"),
])
def test_encodings_load_identically(tmp_path: Path, reference: pd.DataFrame, encoding: str, expected: str) -> None:
    data = TEXT.encode(encoding)
    assert readers.open_source(data, "x.csv").encoding == expected
    pd.testing.assert_frame_equal(_load(tmp_path, data, f"{encoding}.csv"), reference)


@pytest.mark.parametrize("sep", [",", "\t", ";"])
def test_separators_are_sniffed(tmp_path: Path, reference: pd.DataFrame, sep: str) -> None:
    data = TEXT.replace(",", sep).encode("gbk")
    assert readers.open_source(data, "x.csv").delimiter == sep
    pd.testing.assert_frame_equal(_load(tmp_path, data, "sep.txt"), reference)


def test_title_rows_above_the_header_are_skipped(tmp_path: Path, reference: pd.DataFrame) -> None:
    data = ("某县网格化事件清单（2024年5月）,,,,,,,,\n,,,,,,,,\n" + TEXT).encode("utf-8")
    src = readers.open_source(data, "x.csv")
    assert src.header_row == 2 and src.first_data_row == 4
    pd.testing.assert_frame_equal(_load(tmp_path, data, "title.csv"), reference)


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["某县事件清单"])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_with_real_dates_and_numbers(tmp_path: Path, reference: pd.DataFrame) -> None:
    import datetime as dt

    rows = [CASE_HEADER.split(",")]
    for line in ROWS:
        rows.append(line.split(","))
    rows[1][4] = dt.datetime(2024, 5, 1, 8, 0)  # a real date cell
    rows[3][4] = 45415 + 10 / 24  # an Excel serial left as a number: 2024-05-03 10:00
    data = _xlsx(rows)
    df = _load(tmp_path, data, "cases.csv")  # named .csv, but it is a zip: read as .xlsx
    pd.testing.assert_frame_equal(df, reference)


def test_row_numbers_are_file_rows(tmp_path: Path) -> None:
    data = ("标题行,,,,,,,,\n" + CASE_HEADER + "\n" + ROWS[0] + "\n\nSJ9,G1,12345热线,x,not a date,,,待处理,\n")
    con = small_county(tmp_path / "db.duckdb")
    batch = pipeline.prepare(con, data.encode(), table="cases", file_name="rows.csv")
    problems = batch.problems()
    assert problems["行号"].tolist() == [5]  # title 1, header 2, SJ1 3, blank 4, SJ9 5
    assert batch.report.rows_read == 2  # blank lines are not rows
    batch.close()


def test_progress_is_reported(tmp_path: Path) -> None:
    con = small_county(tmp_path / "db.duckdb")
    rows = [f"P{i},G1,12345热线,环境卫生,2024-05-01 08:00:00,,,待处理," for i in range(2500)]
    seen: list[tuple[int, int | None]] = []
    batch = pipeline.prepare(con, case_csv(*rows), table="cases", file_name="p.csv", chunk_rows=1000,
                           on_progress=lambda done, total: seen.append((done, total)))
    batch.close()
    assert [d for d, _ in seen] == [1000, 2000, 2500, 2500]
    assert all(t is not None and t >= d for d, t in seen)


@pytest.mark.skipif(not REAL_DATA.is_dir(), reason=f"real data folder {REAL_DATA} is absent")
def test_gbk_copy_of_a_chinese_export_loads_identically(tmp_path: Path) -> None:
    src = REAL_DATA / "china_wenzheng_tipdm2020" / "tipdm2020_attachment4_messages_with_replies.csv"
    text = src.read_text(encoding="utf-8")
    # GBK cannot spell a handful of characters (·, •, ©, NBSP…): the copy and the original both drop them.
    text = text.encode("gbk", errors="ignore").decode("gbk")
    frames = []
    for enc in ("utf-8", "gbk"):
        path = tmp_path / f"wz_{enc}.csv"
        path.write_bytes(text.encode(enc))
        con = store.connect(tmp_path / f"{enc}.duckdb", create=True)
        report = pipeline.ingest(con, path, table="cases", mapping="wenzheng")
        assert report.rows_accepted == 2816, report.describe()
        frames.append(con.execute("SELECT * FROM cases ORDER BY case_id").df())
        con.close()
    assert readers.open_source(tmp_path / "wz_gbk.csv").encoding == "gb18030"
    pd.testing.assert_frame_equal(frames[0], frames[1])
