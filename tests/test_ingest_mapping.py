"""Header mapping (contract names, Chinese aliases, presets, saved presets) and value mapping
(status, source, satisfaction words and 1–5 scores, 是/否, missing markers, every date format
met in the real exports, Excel serials, 万元 headers, time limits written as durations)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from gridboard.ingest import mapping, values
from gridboard.ingest.mapping import Mapping, MappingError


@pytest.mark.parametrize(("header", "column"), [
    ("事件编号", "case_id"), ("工单编号", "case_id"), ("上报时间", "reported_at"), ("受理时间", "reported_at"),
    ("签收时间", "responded_at"), ("办结时间", "closed_at"), ("办理时限", "due_at"), ("所属网格", "unit_id"),
    ("事件类型", "category"), ("满意度", "satisfaction"), ("回访时间", "callback_at"), ("case_id", "case_id"),
    ("Reported At", "reported_at"), ("派单时间", "dispatched_at"), ("承办部门", "department"),
    (" 状 态 ", "status"), ("来源渠道", "source"), ("是否督办", "supervised"), ("联系电话", "reporter_phone"),
])
def test_suggest_maps_contract_names_and_chinese_aliases(header: str, column: str) -> None:
    m = mapping.suggest(["其他列", header], "cases")
    assert m.columns.get(column) == header


def test_suggest_prefers_contract_and_schema_names_over_aliases() -> None:
    m = mapping.suggest(["编号", "事件编号", "上报时间", "受理时间"], "cases")
    assert m.columns["case_id"] == "事件编号"
    assert m.columns["reported_at"] == "上报时间"
    assert "受理时间" not in m.columns.values()


def test_money_in_wan_yuan_is_scaled() -> None:
    m = mapping.suggest(["村编码", "年度", "经营性收入（万元）", "总收入(元)"], "collective_economy")
    assert m.columns["operating_income"] == "经营性收入（万元）"
    assert m.columns["total_income"] == "总收入(元)"
    assert mapping.header_scale("经营性收入（万元）") == 10000
    assert mapping.header_scale("总收入(元)") == 1


@pytest.mark.parametrize("name", ["nyc311", "baltimore311", "la311", "wenzheng"])
def test_builtin_presets_load(name: str) -> None:
    m = mapping.load_preset(name)
    assert m.table == "cases" and m.columns["case_id"]
    assert m.units.get("parent_id")


def test_preset_matches_other_spellings_of_a_header() -> None:
    la = mapping.load_preset("la311")
    upper = la.resolve(["SRNumber", "CreatedDate", "ClosedDate", "Status", "NCName"])
    lower = la.resolve(["srnumber", "createddate", "closeddate", "status", "ncname"])
    assert upper.columns["reported_at"] == "CreatedDate"
    assert lower.columns["reported_at"] == "createddate"
    assert set(upper.columns) == set(lower.columns)


def test_missing_required_column_is_a_mapping_error() -> None:
    m = mapping.suggest(["事件编号", "所属网格"], "cases")
    with pytest.raises(MappingError, match="缺少必填列：上报时间"):
        m.check(["事件编号", "所属网格"])


def test_unknown_preset_lists_the_available_ones() -> None:
    with pytest.raises(MappingError, match="nyc311"):
        mapping.load_preset("no-such-preset")


def test_saved_preset_round_trips(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mapping, "USER_DIR", tmp_path)
    m = Mapping("cases", {"case_id": "单号", "reported_at": "时间", "unit_id": "片区"},
                values={"status": {"搞定": "closed", "*": "open"}})
    path = mapping.save_preset(m, "我的热线", label="某县热线导出")
    assert path.parent == tmp_path
    loaded = mapping.load_preset("我的热线")
    assert loaded.columns == m.columns and loaded.values == m.values and loaded.label == "某县热线导出"
    assert any(p["name"] == "我的热线" for p in mapping.list_presets("cases"))
    assert mapping.load_preset(path).columns == m.columns  # by file path too
    with pytest.raises(MappingError):
        mapping.save_preset(m, "nyc311")  # built-in names are reserved
    with pytest.raises(MappingError):
        mapping.save_preset(m, "../escape")


# --- values ------------------------------------------------------------------------------------


def _s(*items: str | None) -> pd.Series:
    return values.clean(pd.Series(list(items), dtype="str"))


def test_missing_markers_become_na() -> None:
    s = _s("", "NA", "NULL", "N/A", "null", "无", "—", "-", " nan ", "x")
    assert s.isna().tolist() == [True] * 9 + [False]


@pytest.mark.parametrize(("text", "expected"), [
    ("04/12/2018 11:11:26 AM", "2018-04-12 11:11:26"),
    ("04/12/2018 01:06:56 PM", "2018-04-12 13:06:56"),
    ("1/1/20 0:05", "2020-01-01 00:05:00"),
    ("10/21/18 13:59", "2018-10-21 13:59:00"),
    ("2019/4/25 9:32:09", "2019-04-25 09:32:09"),
    ("2018/4/24", "2018-04-24 00:00:00"),
    ("2019-04-08 08:37:20", "2019-04-08 08:37:20"),
    ("2019-04-08T08:37:20", "2019-04-08 08:37:20"),
    ("2019-04-08", "2019-04-08 00:00:00"),
    ("2024年5月1日", "2024-05-01 00:00:00"),
    ("2024年5月1日 8:30", "2024-05-01 08:30:00"),
    ("20240501", "2024-05-01 00:00:00"),
    ("45413", "2024-05-01 00:00:00"),  # Excel serial
    ("45413.5", "2024-05-01 12:00:00"),
])
def test_date_formats_of_real_exports(text: str, expected: str) -> None:
    v, bad, placeholder = values.DateParser().parse(_s(text))
    assert not bad.iloc[0] and not placeholder.iloc[0]
    assert v.iloc[0] == pd.Timestamp(expected)


def test_mixed_formats_in_one_column() -> None:
    s = _s("2019/4/25 9:32:09", "2019-04-08 08:37:20", "2018/4/24", None, "garbage", "01/01/1900 12:00:00 AM")
    v, bad, placeholder = values.DateParser().parse(s)
    assert v.notna().tolist() == [True, True, True, False, False, False]
    assert bad.tolist() == [False, False, False, False, True, False]
    assert placeholder.tolist() == [False] * 5 + [True]


def test_two_digit_years_are_not_read_as_year_18() -> None:
    v, _, _ = values.DateParser().parse(_s("10/21/18 0:00"))
    assert v.iloc[0].year == 2018


@pytest.mark.parametrize(("text", "code"), [
    ("满意", "satisfied"), ("非常满意", "satisfied"), ("基本满意", "basic"), ("不满意", "dissatisfied"),
    ("5", "satisfied"), ("4", "satisfied"), ("3", "basic"), ("2", "dissatisfied"), ("1", "dissatisfied"),
    ("4.0", "satisfied"), ("satisfied", "satisfied"), ("未回访", None),
])
def test_satisfaction_words_and_scores(text: str, code: str | None) -> None:
    v, bad = values.map_enum(_s(text), "satisfaction")
    assert not bad.iloc[0]
    assert (v.iloc[0] if isinstance(v.iloc[0], str) else None) == code


@pytest.mark.parametrize(("text", "code"), [
    ("Closed (Duplicate)", "cancelled"), ("Open (Duplicate)", "cancelled"), ("已办结", "closed"),
    ("办理中", "in_progress"), ("待处理", "open"), ("closed", "closed"), ("Cancelled", "cancelled"),
])
def test_status_values(text: str, code: str) -> None:
    v, bad = values.map_enum(_s(text), "status")
    assert v.iloc[0] == code and not bad.iloc[0]


def test_preset_value_overrides_and_fallback() -> None:
    v, bad = values.map_enum(_s("Phone", "Carrier pigeon"), "source", {"Phone": "hotline", "*": "other"})
    assert v.tolist() == ["hotline", "other"] and not bad.any()
    v, bad = values.map_enum(_s("Carrier pigeon"), "source")
    assert bad.iloc[0]


@pytest.mark.parametrize(("text", "expected"), [
    ("是", True), ("否", False), ("Y", True), ("n", False), ("TRUE", True), ("0", False), ("中共党员", True),
    ("群众", False),
])
def test_booleans(text: str, expected: bool) -> None:
    v, bad = values.parse_bools(_s(text))
    assert bool(v.iloc[0]) is expected and not bad.iloc[0]


def test_numbers_with_thousands_separators_and_full_width_digits() -> None:
    v, bad = values.parse_numbers(_s("1,017,901", "１２３", "-77.5", "18万", "12元"))
    assert v.tolist()[:3] == [1017901.0, 123.0, -77.5]
    assert bad.tolist() == [False, False, False, True, False]
    v, bad = values.parse_numbers(_s("2.5"), integer=True)
    assert bad.iloc[0]


def test_relative_time_limits() -> None:
    td = values.relative_durations(_s("3天", "72小时", "48h", "2024-05-01"))
    assert td.iloc[0] == pd.Timedelta(days=3)
    assert td.iloc[1] == pd.Timedelta(hours=72)
    assert td.iloc[2] == pd.Timedelta(hours=48)
    assert pd.isna(td.iloc[3])


def test_inspect_gives_the_page_headers_a_mapping_and_a_sample() -> None:
    from gridboard.ingest import pipeline

    data = "留言编号,留言用户,留言主题,留言时间,留言详情,答复意见,答复时间\n1,U1,路灯不亮,2019/4/25 9:32:09,详情,已修复,2019/4/26\n"
    src, m, sample = pipeline.inspect(data.encode("gbk"), "cases", file_name="wz.csv")
    assert src.encoding == "gb18030" and src.headers[0] == "留言编号"
    assert m.columns["case_id"] == "留言编号" and m.columns["reported_at"] == "留言时间"
    assert m.columns["closed_at"] == "答复时间" and m.columns["title"] == "留言主题"
    assert list(sample.columns) == src.headers and sample.iloc[0, 2] == "路灯不亮"
    _, preset, _ = pipeline.inspect(data.encode(), "cases", mapping="wenzheng")
    assert preset.constants == {"source": "app"}
    with pytest.raises(pipeline.IngestError, match="文件是空的"):
        pipeline.inspect(b"", "cases")
    assert any(p["name"] == "nyc311" and p["builtin"] for p in mapping.list_presets("cases"))
