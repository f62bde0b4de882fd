"""Rows that cannot lie (issue #14 item 7) and a unit tree that stays a tree (item 8): every
impossible value is refused with a Chinese message naming its row and field, ids that differ only
by invisible or full-width characters are one id, a file with a repeated header is refused whole,
and a units file that would add a second root, a cycle or a parent below its child changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from ingest_support import case_csv, content_hash, small_county

from gridboard.ingest import pipeline, tree
from gridboard.ingest.report import IngestError

FULL = "事件编号,所属网格,上报时间,派单时间,签收时间,办结时间,回访时间,状态"


@pytest.fixture
def con(tmp_path: Path):
    c = small_county(tmp_path / "db.duckdb")
    yield c
    c.close()


def rejected(con, data: bytes, table: str = "cases") -> list[tuple[int, str, str]]:
    """(row, field, message) of every refused cell; asserts the database is unchanged by a dry run."""
    before = content_hash(con)
    batch = pipeline.prepare(con, data, table=table, file_name="t.csv")
    try:
        p = batch.problems()
    finally:
        batch.close()
    assert content_hash(con) == before
    p = p[p["处理"] == "拒绝"]
    return [(int(r["行号"]), r["字段"], r["问题"]) for _, r in p.iterrows()]


# (row, field, message): each row of one file (its case id made unique), refused at its own file row
IMPOSSIBLE_CASE_ROWS = [
    # timeline: reported ≤ dispatched ≤ responded ≤ closed ≤ callback
    ("A1,G1,2024-05-01 08:00,2024-05-01 09:00,2024-05-01 08:30,,,处理中", "签收时间", "签收时间早于派单时间"),
    ("A1,G1,2024-05-01 08:00,,2024-05-01 12:00,2024-05-01 10:00,,已办结", "办结时间", "办结时间早于签收时间"),
    ("A1,G1,2024-05-01 08:00,,,2024-05-02 08:00,2024-05-01 20:00,已办结", "回访时间", "回访时间早于办结时间"),
    ("A1,G1,2024-05-01 08:00,,,,2024-05-03 08:00,待处理", "回访时间", "有回访时间但没有办结时间"),
    # the examples: a callback in 2000, a dispatch in 2099
    ("A1,G1,2024-05-01 08:00,,,2024-05-02 08:00,2000-01-05 10:00,已办结", "回访时间", "回访时间早于办结时间"),
    ("A1,G1,2024-05-01 08:00,2099-01-01 08:00,,,,处理中", "派单时间", "晚于当前时间"),
    ("A1,G1,1999-12-31 08:00,,,,,待处理", "上报时间", "早于合理范围"),
    # status consistent with close time
    ("A1,G1,2024-05-01 08:00,,,,,已办结", "状态", "已办结，但办结时间为空"),
    ("A1,G1,2024-05-01 08:00,,,2024-05-02 08:00,,待处理", "状态", "未办结，但已有办结时间"),
]


def test_impossible_case_rows_are_refused(con):
    """One file, one check of every row (the rules are per row; each row gets its own case id)."""
    rows = [row.replace("A1,", f"A{i},", 1) for i, (row, _, _) in enumerate(IMPOSSIBLE_CASE_ROWS, 1)]
    found = rejected(con, case_csv(*rows, header=FULL))
    for line, (row, field, message) in enumerate(IMPOSSIBLE_CASE_ROWS, 2):  # the header is file row 1
        hit = [f for f in found if f[0] == line and message in f[2]]
        assert len(hit) == 1, (row, found)
        assert hit[0][1].startswith(field), (row, hit)


def test_a_consistent_timeline_passes(con):
    row = "A1,G1,2024-05-01 08:00,2024-05-01 08:10,2024-05-01 08:30,2024-05-02 08:00,2024-05-03 09:00,已办结"
    assert rejected(con, case_csv(row, header=FULL)) == []


@pytest.mark.parametrize(("table", "header", "row", "field", "message"), [
    ("volunteer_services", "服务编号,志愿者编号,服务网格,开始时间,服务时长,积分", "S1,V1,G1,2024-05-01 09:00,1e300,5",
     "服务时长", "超出合理范围"),
    ("volunteer_services", "服务编号,志愿者编号,服务网格,开始时间,服务时长,积分", "S1,V1,G1,2024-05-01 09:00,2,-5",
     "积分", "不能为负数"),
    ("volunteer_services", "服务编号,志愿者编号,服务网格,开始时间,服务时长,积分", "S1,V1,G1,2024-05-01 09:00,-1,5",
     "服务时长", "不能为负数"),
    ("collective_economy", "村编码,年度,经营性收入,总收入", "G1,2024,-50000,10", "经营性收入", "不能为负数"),
    ("collective_economy", "村编码,年度,合作社数,党支部领办合作社数", "G1,2024,2,3", "党支部领办合作社数", "大于合作社总数"),
    ("units", "单位编码,上级单位编码,层级,名称,户数", "G9,T1,网格,新网格,-3", "户数", "不能为负数"),
    ("units", "单位编码,上级单位编码,层级,名称", "T9,,镇街,新镇", "上级单位编码", "只有县级单位可以没有上级"),
])
def test_numbers_and_parents_out_of_bounds_are_refused(con, table, header, row, field, message):
    found = rejected(con, case_csv(row, header=header), table=table)
    hit = [f for f in found if message in f[2]]
    assert len(hit) == 1, found
    assert hit[0][0] == 2 and hit[0][1].startswith(field)


def test_a_3_mb_title_is_refused_and_a_long_one_kept(con):
    """A cell above the text cap is refused by row (a 20 MB cell never gets this far: the file's
    line limit refuses it before parsing, see test_hostile_files)."""
    big = "长" * 1_000_000
    found = rejected(con, case_csv(f"A1,G1,{big},2024-05-01 08:00,待处理", "A2,G1,短标题,2024-05-01 08:00,待处理",
                                   header="事件编号,所属网格,标题,上报时间,状态"))
    assert [(r, m) for r, _, m in found] == [(2, "文字过长")]
    assert rejected(con, case_csv("A3,G1," + "字" * 2000 + ",2024-05-01 08:00,待处理",
                                  header="事件编号,所属网格,标题,上报时间,状态")) == []


def test_duplicate_header_names_refuse_the_file(con):
    data = case_csv("A1,G1,2024-05-01 08:00,2023-01-01 08:00,2022-01-01 08:00,待处理",
                    header="事件编号,所属网格,上报时间,上报时间,上报时间,状态")
    before = content_hash(con)
    with pytest.raises(IngestError, match="表头列名重复：上报时间"):
        pipeline.ingest(con, data, table="cases", file_name="dup.csv")
    assert content_hash(con) == before


def test_ids_differing_by_invisible_or_full_width_characters_are_one_case(con):
    rows = ["K001,G1,2024-05-01 08:00,待处理", "K\u200b001,G1,2024-05-01 08:00,待处理",
            "Ｋ００１,G1,2024-05-01 08:00,待处理", " K001\ufeff ,G1,2024-05-01 08:00,待处理"]
    report = pipeline.ingest(con, case_csv(*rows, header="事件编号,所属网格,上报时间,状态"), table="cases",
                             file_name="ids.csv")
    assert report.new == 1
    assert con.execute("SELECT case_id FROM cases WHERE case_id <> 'OLD1'").fetchall() == [("K001",)]


# --- the unit tree ----------------------------------------------------------------------------

UNIT_HEADER = "单位编码,上级单位编码,层级,名称"


@pytest.mark.parametrize(("rows", "message"), [
    (["C2,,县,第二个县"], "第二个根单位"),
    (["T1,G1,镇街,城关镇"], "不高于本单位"),  # a town under one of its own grids: also a cycle
    (["T2,C1,镇街,东湖镇", "T3,T2,镇街,西湖镇"], "第 3 行（T3）：上级单位 T2 是镇街"),  # a town under a town
    (["T1,C1,网格,城关镇"], "不再高于其下级单位"),  # lowering a town below its grids
    (["X1,X2,社区,甲", "X2,X1,社区,乙"], "循环"),
])
def test_a_units_file_that_breaks_the_tree_changes_nothing(con, rows, message):
    before = content_hash(con)
    with pytest.raises(IngestError, match=message):
        pipeline.ingest(con, case_csv(*rows, header=UNIT_HEADER), table="units", file_name="units.csv")
    assert content_hash(con) == before


def test_a_sound_units_file_loads():
    existing = [("C1", None, "county"), ("T1", "C1", "town"), ("G1", "T1", "grid")]
    assert tree.problems(existing, [(2, "T2", "C1", "town"), (3, "V1", "T2", "village"), (4, "G2", "V1", "grid"),
                                    (5, "M1", "G2", "micro_grid")]) == []
    assert tree.problems([], [(2, "BAL", None, "county"), (3, "N1", "BAL", "grid")]) == []
    cyc = tree.problems(existing, [(2, "A", "B", "grid"), (3, "B", "A", "grid")])
    assert any("循环" in p for p in cyc)
