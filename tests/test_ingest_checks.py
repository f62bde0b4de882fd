"""Checks before load: every rule gives a problem by row and column in Chinese, the preview
shows new / updated / unchanged rows, and rejected rows download with a reason column."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from ingest_support import case_csv, content_hash, small_county

from gridboard.db import store
from gridboard.ingest import pipeline


@pytest.fixture
def con(tmp_path: Path):
    c = small_county(tmp_path / "db.duckdb")
    yield c
    c.close()


def _problems(con, data: bytes, table: str = "cases", **kw) -> tuple[pipeline.Report, pd.DataFrame]:
    batch = pipeline.prepare(con, data, table=table, file_name="t.csv", **kw)
    try:
        return batch.report, batch.problems()
    finally:
        batch.close()


# (row, field, message): each row of one file (its case id made unique), rejected at its own file row
ROW_RULES = [
    ("A1,G1,12345热线,环境卫生,,,,待处理,", "上报时间", "必填项为空"),
    ("A1,G1,12345热线,环境卫生,someday,,,待处理,", "上报时间", "无法识别的日期时间"),
    ("A1,G1,12345热线,环境卫生,2024-05-01 08:00,2024-04-01,,已办结,", "办结时间", "办结时间早于上报时间"),
    ("A1,G1,12345热线,环境卫生,2024-05-01 08:00,,2024-04-01,待处理,", "办理时限", "办理时限早于上报时间"),
    ("A1,G1,12345热线,环境卫生,2024-05-01 08:00,,,完结了吧,", "状态", "取值不在允许范围内"),
    ("A1,G1,12345热线,环境卫生,2024-05-01 08:00,,,待处理,九分", "满意度", "取值不在允许范围内"),
    ("A1,G404,12345热线,环境卫生,2024-05-01 08:00,,,待处理,", "所属网格", "单位不存在"),
    ("A1,G1,12345热线,环境卫生,1900-01-01,,,待处理,", "上报时间", "占位值"),
]


def test_row_rules(con) -> None:
    """One file, one check of every row (the rules are per row; each row gets its own case id)."""
    rows = [row.replace("A1,", f"A{i},", 1) for i, (row, _, _) in enumerate(ROW_RULES, 1)]
    report, problems = _problems(con, case_csv(*rows))
    assert report.rows_rejected == len(ROW_RULES)
    for line, (row, field, message) in enumerate(ROW_RULES, 2):  # the header is file row 1
        hit = problems[(problems["行号"] == line) & problems["问题"].str.contains(message)]
        assert len(hit) == 1, (row, problems)
        assert hit["字段"].iloc[0].startswith(field), row
        assert hit["处理"].iloc[0] == "拒绝", row


def test_placeholders_in_optional_fields_are_warnings_and_stored_as_null(con) -> None:
    data = ("事件编号,所属网格,上报时间,办结时间,状态,经度,纬度\n"
            "A1,G1,2024-05-01 08:00,01/01/1900 12:00:00 AM,已办结,-77,39\n"
            "A2,G1,2024-05-01 08:00,,待处理,0,0\n").encode()
    report = pipeline.ingest(con, data, table="cases", file_name="ph.csv")
    assert (report.rows_rejected, report.rows_warned, report.new) == (0, 2, 2)
    rows = con.execute("SELECT closed_at, lon, lat FROM cases WHERE case_id IN ('A1', 'A2')").fetchall()
    assert rows == [(None, None, None), (None, None, None)]


def test_identical_duplicates_merge_and_conflicting_ones_are_rejected(con) -> None:
    same = "A1,G1,12345热线,环境卫生,2024-05-01 08:00,,,待处理,"
    data = case_csv(same, same, "B1,G1,12345热线,环境卫生,2024-05-01 08:00,,,待处理,",
                    "B1,G2,12345热线,环境卫生,2024-05-01 08:00,,,待处理,")
    batch = pipeline.prepare(con, data, table="cases", file_name="dup.csv")
    r = batch.report
    assert (r.rows_read, r.rows_merged, r.rows_rejected, r.new) == (4, 1, 2, 1)
    problems = batch.problems()
    conflict = problems[problems["问题"].str.contains("重复且内容不一致")]
    assert conflict["行号"].tolist() == [4, 5]
    assert conflict["问题"].iloc[0].endswith("（第 4、5 行）")
    merged = problems[problems["问题"].str.contains("已合并")]
    assert merged["行号"].tolist() == [2] and merged["处理"].iloc[0] == "警告"
    batch.close()


def test_unknown_units_become_grids_only_when_asked(con) -> None:
    data = case_csv("A1,新网格,12345热线,环境卫生,2024-05-01 08:00,,,待处理,",
                    "A2,新网格,12345热线,环境卫生,2024-05-02 08:00,,,待处理,",
                    "A3,,12345热线,环境卫生,2024-05-02 08:00,,,待处理,")
    report = pipeline.ingest(con, data, table="cases", file_name="u.csv")
    assert report.rows_rejected == 2 and report.rows_unassigned == 1
    # without a parent, 未划分 hangs under the county root
    assert con.execute("SELECT parent_id, name FROM units WHERE unit_id = 'C1-UNASSIGNED'").fetchone() == ("C1", "未划分")
    report = pipeline.ingest(con, data, table="cases", file_name="u.csv", add_units_under="T1")
    assert report.rows_rejected == 0
    assert [u["name"] for u in report.new_units] == ["新网格", "未划分"]
    unit = con.execute("SELECT u.parent_id, u.level, u.name FROM cases c JOIN units u USING (unit_id) "
                       "WHERE case_id = 'A1'").fetchone()
    assert unit == ("T1", "grid", "新网格")
    # a grid made from a name: a general grid without a place (NULL, not NaN)
    assert con.execute("SELECT u.grid_type, u.lon, u.lat FROM units u JOIN cases c USING (unit_id) "
                       "WHERE case_id = 'A1'").fetchone() == ("general", None, None)
    # the closure knows the new grid: it counts under the county
    assert con.execute("SELECT count(*) FROM unit_closure WHERE ancestor_id = 'C1' AND descendant_id IN "
                       "(SELECT unit_id FROM cases WHERE case_id = 'A1')").fetchone()[0] == 1


def test_add_units_under_a_missing_unit_is_a_file_error(con) -> None:
    before = content_hash(con)
    with pytest.raises(pipeline.IngestError, match="上级单位 T404 不存在"):
        pipeline.ingest(con, case_csv("A1,X,12345热线,环境卫生,2024-05-01 08:00,,,待处理,"), table="cases",
                      file_name="u.csv", add_units_under="T404")
    assert content_hash(con) == before


def test_ambiguous_unit_names_are_rejected(con) -> None:
    con.execute("INSERT INTO units (unit_id, parent_id, level, name) VALUES ('G3', 'T1', 'grid', '网格一')")
    store.rebuild_unit_closure(con)
    report, problems = _problems(con, case_csv("A1,网格一,12345热线,环境卫生,2024-05-01 08:00,,,待处理,"))
    assert report.rows_rejected == 1 and problems["问题"].str.contains("名称对应多个单位").any()


def test_preview_of_new_updated_unchanged(con) -> None:
    pipeline.ingest(con, case_csv("A1,G1,12345热线,环境卫生,2024-05-01 08:00,,,待处理,",
                                "A2,G1,12345热线,环境卫生,2024-05-01 08:00,,,待处理,"), table="cases", file_name="a.csv")
    batch = pipeline.prepare(con, case_csv("A1,G1,12345热线,环境卫生,2024-05-01 08:00,,,待处理,",
                                         "A2,G1,12345热线,环境卫生,2024-05-01 08:00,2024-05-01 18:00,,已办结,满意",
                                         "A3,G2,12345热线,环境卫生,2024-05-01 08:00,,,待处理,"),
                           table="cases", file_name="b.csv")
    r = batch.report
    assert (r.new, r.updated, r.unchanged) == (1, 1, 1)
    updated = batch.preview("updated")
    assert updated["事件编号"].tolist() == ["A2"]
    assert updated["变更字段"].iloc[0] == "办结时间、状态、满意度"
    assert updated["状态"].iloc[0] == "已办结"  # labels, not codes
    assert batch.preview("new")["事件编号"].tolist() == ["A3"]
    assert batch.preview("unchanged")["事件编号"].tolist() == ["A1"]
    batch.close()


def test_rejected_rows_download_with_reason(con) -> None:
    data = case_csv("A1,G1,12345热线,环境卫生,2024-05-01 08:00,,,待处理,",
                    "A2,G1,12345热线,环境卫生,2024-05-01 08:00,2024-04-01,,已办结,",
                    "A3,G404,=cmd|calc,环境卫生,2024-05-01 08:00,,,待处理,")
    batch = pipeline.prepare(con, data, table="cases", file_name="r.csv")
    raw = batch.rejected_csv()
    assert raw.startswith(b"\xef\xbb\xbf")
    df = pd.read_csv(io.BytesIO(raw), dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert df.columns[0] == "行号" and df.columns[-1] == "拒绝原因"
    assert df["事件编号"].tolist() == ["A2", "A3"]
    assert "办结时间早于上报时间" in df["拒绝原因"].iloc[0]
    assert "单位不存在" in df["拒绝原因"].iloc[1] and "来源渠道" in df["拒绝原因"].iloc[1]
    assert df["来源渠道"].iloc[1] == "'=cmd|calc"  # neutralised for Excel
    batch.close()


def test_units_file_builds_the_tree(con) -> None:
    data = ("单位编码,上级单位编码,层级,名称,网格类型,户数\n"
            "T2,C1,镇,新城镇,,\nG21,T2,网格,新城一网格,一般网格,420\nG22,T2,网格,新城二网格,专属网格,\n").encode()
    report = pipeline.ingest(con, data, table="units", file_name="units.csv")
    assert (report.new, report.rows_rejected) == (3, 0)
    assert con.execute("SELECT count(*) FROM unit_closure WHERE ancestor_id = 'C1' AND descendant_id = 'G22'"
                       ).fetchone()[0] == 1
    assert con.execute("SELECT grid_type, households FROM units WHERE unit_id = 'G21'").fetchone() == ("general", 420)


def test_volunteers_services_and_economy(con) -> None:
    r = pipeline.ingest(con, "志愿者编号,所属网格,姓名,是否党员,注册日期\nV2,网格二,李四,中共党员,2023/3/5\n".encode(),
                      table="volunteers", file_name="v.csv")
    assert r.new == 1
    assert con.execute("SELECT unit_id, is_party_member, registered_on FROM volunteers WHERE volunteer_id = 'V2'"
                       ).fetchone()[:2] == ("G2", True)
    r = pipeline.ingest(con, "服务编号,志愿者编号,服务网格,开始时间,服务时长,积分\nS1,V2,G2,2024-05-01 09:00,2.5,5\n".encode(),
                      table="volunteer_services", file_name="s.csv")
    assert r.new == 1
    r = pipeline.ingest(con, "村编码,年度,经营性收入（万元）,合作社数\nG1,2024,18.5,3\n".encode("gbk"),
                      table="collective_economy", file_name="e.csv")
    assert r.new == 1
    assert con.execute("SELECT operating_income, cooperatives FROM collective_economy").fetchone() == (185000.0, 3)
