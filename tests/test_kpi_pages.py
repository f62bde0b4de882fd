"""The KPI pages through AppTest, started from app.py: no exception on any page, tab or window;
tiles and tables show the metric engine's and the CLI's numbers for the same filters; clicking a
name drills down to a micro-grid and the breadcrumb goes back; the case list behind a clicked
number has exactly that many cases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from app_support import app_test, cli_json
from conftest import copy_db
from streamlit.testing.v1 import AppTest

from gridboard import ui
from gridboard.core import fmt
from gridboard.db import store
from gridboard.metrics import engine, explain, gaps, kpi_views
from gridboard.ui import metric_tables

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 120
NAME = "名称"


@pytest.fixture(scope="module")
def kpi_db(small_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The page database and a byte-identical copy for the CLI (the app holds the first)."""
    folder = tmp_path_factory.mktemp("kpi_pages")
    return copy_db(small_db_file, folder, "pages.duckdb"), copy_db(small_db_file, folder, "cli.duckdb")


@pytest.fixture
def app_env(kpi_db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cfg = tmp_path / "gridboard.toml"
    cfg.write_text("", encoding="utf-8")
    monkeypatch.setenv("GRIDBOARD_DB", str(kpi_db[0]))
    monkeypatch.setenv("GRIDBOARD_CONFIG", str(cfg))
    monkeypatch.setenv("GRIDBOARD_AUTH", "off")
    return kpi_db[0]


def open_page(path: str) -> AppTest:
    """The page opened by its URL (app.py's first run already on it, as a bookmarked link)."""
    at = app_test(APP, TIMEOUT)
    at.switch_page(path).run()
    assert not at.exception, at.exception
    return at


def on_app_db(db: Path, func, *args, **kwargs):
    con = store.connect(db)  # the app's own DuckDB instance (same process, same file)
    try:
        return func(con, *args, **kwargs)
    finally:
        con.close()


def cli(db: Path, f: ui.Filters, *args: str) -> object:
    """`gridboard kpis … --json` (in-process: app_support.cli_json) for the page's window."""
    window = ["--from", f"{f.start:%Y-%m-%d}", "--to", f"{f.end:%Y-%m-%d}", "--as-of", f"{f.as_of:%Y-%m-%dT%H:%M}"]
    return cli_json("kpis", "--db", str(db), *window, *args, "--json")


def tiles(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def stamp(f: ui.Filters, unit: str) -> str:
    return f"{unit}_{f.start:%Y%m%d}_{f.end:%Y%m%d}"


def table(at: AppTest, first_column: str, containing: str, having: str | None = None):
    """The first dataframe whose first column is `first_column` and holds `containing` (and
    which has a column `having`)."""
    for df in at.dataframe:
        frame = df.value
        if (len(frame.columns) and frame.columns[0] == first_column and containing in set(frame.iloc[:, 0])
                and (having is None or having in frame.columns)):
            return frame
    raise AssertionError(f"no table with {containing!r}")


def click(at: AppTest, key: str, row: int, column: str) -> None:
    at.session_state[key] = {"selection": {"rows": [], "columns": [], "cells": [[row, column]]}}
    at.run()
    assert not at.exception, at.exception


def case_rows(at: AppTest):
    """The rows of the (last) case list shown."""
    found = [df.value for df in at.dataframe if "事件编号" in df.value.columns]
    assert found
    return found[-1]


def panel_total(at: AppTest) -> int:
    """The 共 N 件 of the (last) open case panel."""
    found = [int(m.group(1).replace(",", "")) for c in at.caption if (m := re.match(r"共 ([\d,]+) 件", c.value))]
    assert found, [c.value for c in at.caption]
    return found[-1]


PAGES = [s for s in ui.PAGES if s.url_path in ("scorecard", "closure", "response", "why")]


def test_the_four_pages_are_registered():
    assert [p.url_path for p in PAGES] == ["scorecard", "closure", "response", "why"]


def test_the_pages_render_in_both_languages(app_env):
    """Each page opened by its URL (the first run already on the page: app.py runs the page), then
    the language switched on it. One run after the switch per session: AppTest formats widget
    options outside a run, where a label falls back to Chinese, so it cannot drive a second run."""
    for spec in PAGES:
        at = app_test(APP, TIMEOUT)
        at.switch_page(spec.path).run()
        assert not at.exception, (spec.url_path, at.exception)
        assert at.title[0].value == spec.title_zh
        assert not at.error, (spec.url_path, [e.value for e in at.error])
        at.segmented_control(key="lang").set_value("en").run()
        assert not at.exception, (spec.url_path, at.exception)
        assert not at.error, (spec.url_path, [e.value for e in at.error])
        assert at.title[0].value == spec.title_en


# --- closure page ----------------------------------------------------------------------------------


def test_closure_numbers_equal_the_engine_and_the_cli_then_drill_down(app_env, kpi_db):
    at = open_page("pages/closure.py")
    f = at.session_state[ui.FILTERS_KEY]
    expected = on_app_db(app_env, engine.kpis, detail=True, **f.window())
    shown = tiles(at)
    for key in ("received", "closed", "closure_rate", "on_time_rate", "overdue_open", "satisfaction_rate"):
        assert shown[fmt.metric_label(key, with_unit=False)] == fmt.metric(key, expected[key]), key
    assert shown["督办件数"] == fmt.count(expected["supervised"])
    assert shown["返工件数"] == fmt.count(expected["reopened"])
    whole = cli(kpi_db[1], f)
    assert whole["received"] == expected["received"] and whole["closure_rate"] == pytest.approx(expected["closure_rate"])
    towns = {r["group_name"]: r for r in cli(kpi_db[1], f, "--by", "town")}
    frame = table(at, NAME, "城关街道")
    for _, row in frame.iterrows():
        town = towns[row[NAME]]
        assert row["受理量"] == town["received"] and row["办结量"] == town["closed"]
        assert row["办结率(%)"] == pytest.approx(round(town["closure_rate"] * 100, 1))
        assert row["本期超期未办结"] == town["overdue_open"]
    drills_down_to_a_micro_grid_and_back(at, app_env)


def drills_down_to_a_micro_grid_and_back(at: AppTest, app_env: Path) -> None:
    """(From the closure page as opened: test_closure_numbers… goes on with it.)"""
    f = at.session_state[ui.FILTERS_KEY]
    for unit, child, name in (("C", "T1", "城关街道"), ("T1", "T1C1", "幸福社区"), ("T1C1", "T1C1G1", "幸福社区第一网格"),
                              ("T1C1G1", "T1C1G1M1", "幸福社区1号楼微网格")):
        frame = table(at, NAME, name)
        click(at, f"closure_units_{stamp(f, unit)}", list(frame[NAME]).index(name), NAME)
        assert [u for u, _ in at.session_state["_drill_closure"]][-1] == child
        expected = on_app_db(app_env, engine.kpis, **{**f.window(), "unit": child})
        assert tiles(at)["受理量"] == fmt.count(expected["received"]), child
    crumbs = [b.label for b in at.button if b.key and b.key.startswith("crumb_closure_")]
    assert crumbs == ["测试县", "城关街道", "幸福社区", "幸福社区第一网格"]  # the units above, as buttons
    assert any("幸福社区1号楼微网格" in m.value for m in at.markdown)  # where we are
    assert any("没有下级单位" in i.value for i in at.info)  # a micro-grid has no sub-units
    at.button(key="crumb_closure_1_T1").click().run()
    assert [u for u, _ in at.session_state["_drill_closure"]] == ["C", "T1"]
    at.button(key="crumb_closure_0_C").click().run()
    assert not at.exception
    assert [u for u, _ in at.session_state["_drill_closure"]] == ["C"]
    expected = on_app_db(app_env, engine.kpis, **f.window())
    assert tiles(at)["受理量"] == fmt.count(expected["received"])
    assert set(table(at, NAME, "城关街道")[NAME]) == {"城关街道", "东湖镇"}  # no stale selection drills again


COUNT_COLUMNS = [("办结量", "closed"), ("本期超期未办结", "overdue_open"), ("督办件数", "supervised"),
                 ("返工件数", "reopened")]


def test_a_clicked_count_or_rate_lists_its_cases(app_env):
    """Each count column clicked in turn in one session (a click replaces the one before)."""
    at = open_page("pages/closure.py")
    f = at.session_state[ui.FILTERS_KEY]
    frame = table(at, NAME, "城关街道")
    row = list(frame[NAME]).index("城关街道")
    detail = on_app_db(app_env, engine.kpis, detail=True, **{**f.window(), "unit": "T1"})
    for column, count_key in COUNT_COLUMNS:
        click(at, f"closure_units_{stamp(f, 'C')}", row, column)
        expected = detail[count_key]
        assert frame.iloc[row][column] == expected, column
        assert panel_total(at) == expected, column
        listing = case_rows(at)
        assert len(listing) == min(expected, 50), column
        assert all(re.fullmatch(r"138\*{4}\d{4}|—", p) for p in listing["联系电话"])  # phones masked
        assert all(re.fullmatch(r"case\?id=[^&]+", v) for v in listing["事件编号"])  # each id links to its case page
    a_clicked_rate_lists_numerator_then_denominator(at, app_env)


def a_clicked_rate_lists_numerator_then_denominator(at: AppTest, app_env: Path) -> None:
    """(After test_a_clicked_count…'s clicks, in its session: this click replaces theirs.)"""
    f = at.session_state[ui.FILTERS_KEY]
    frame = table(at, NAME, "东湖镇")
    click(at, f"closure_units_{stamp(f, 'C')}", list(frame[NAME]).index("东湖镇"), "按时办结率(%)")
    detail = on_app_db(app_env, engine.kpis, detail=True, **{**f.window(), "unit": "T2"})
    assert panel_total(at) == detail["closed_on_time"]
    part = next(s for s in at.segmented_control if s.key and s.key.endswith("_part"))
    part.set_value(part.options[1]).run()
    assert panel_total(at) == detail["due_passed"]


def test_tile_pills_and_text_filter(app_env):
    at = open_page("pages/closure.py")
    f = at.session_state[ui.FILTERS_KEY]
    at.button_group(key="closure_tile_pick_C").set_value("received").run()
    expected = on_app_db(app_env, engine.kpis, **f.window())["received"]
    assert panel_total(at) == expected
    box = next(t for t in at.text_input if t.key and t.key.endswith("_q"))
    box.input("<b>楼道堆物</b>").run()
    assert not at.exception
    assert any("筛选后 1 件" in c.value for c in at.caption)  # the title with markup, found as plain text
    assert case_rows(at)["标题"].tolist() == ["<b>楼道堆物</b> & 噪音"]


def test_closure_tabs(app_env):
    """Each tab of the closure page in turn, in one session."""
    at = open_page("pages/closure.py")
    for tab in ["趋势", "按类型/来源/部门", "超期与闭环", "问题线索"]:
        closure_tab(at, app_env, tab)


def closure_tab(at: AppTest, app_env: Path, tab: str) -> None:
    at.session_state["closure_tabs"] = tab
    at.run()
    assert not at.exception, (tab, at.exception)
    f = at.session_state[ui.FILTERS_KEY]
    if tab == "按类型/来源/部门":
        categories = {r["group_id"]: r for r in on_app_db(app_env, engine.breakdown, "category", **f.window())}
        frame = table(at, NAME, "环境卫生")
        assert {n: int(v) for n, v in zip(frame[NAME], frame["受理量"], strict=True)} == {
            k: r["received"] for k, r in categories.items()}
        at.segmented_control(key="closure_dim").set_value("source").run()
        assert "12345热线" in set(table(at, NAME, "12345热线")[NAME])
    if tab == "问题线索":
        at.toggle(key="closure_gap_only").set_value(False).run()
        rows = on_app_db(app_env, gaps.flags, "child", min_cases=20, **f.window())
        frame = table(at, NAME, "城关街道", having="反复发生件数")
        assert list(frame["反复发生件数"]) == [r["recurring"] for r in rows]
        gap_key = f"closure_gaps_{stamp(f, 'C')}_child_0"
        click(at, gap_key, 0, "反复发生件数")
        assert panel_total(at) == rows[0]["recurring"]


# --- response, scorecard, why ----------------------------------------------------------------------


def test_response_numbers_equal_the_engine(app_env, kpi_db):
    at = open_page("pages/response.py")
    f = at.session_state[ui.FILTERS_KEY]
    expected = on_app_db(app_env, engine.kpis, detail=True, **f.window())
    shown = tiles(at)
    for key in ("median_response_min", "p90_response_min", "median_close_hours", "on_time_rate"):
        assert shown[fmt.metric_label(key, with_unit=False)] == fmt.metric(key, expected[key]), key
    assert shown["已响应件数"] == fmt.count(expected["responded"])
    whole = cli(kpi_db[1], f)
    assert whole["p90_response_min"] == pytest.approx(expected["p90_response_min"])
    d = on_app_db(app_env, kpi_views.distribution, "response", limit=30.0, **f.window())
    assert shown["目标内响应占比"] == fmt.rate(d.within_share)
    assert any(c.value.startswith(f"共 {d.n:,} 件 · 中位数 {fmt.duration(d.median, 'minutes')}") for c in at.caption)
    frame = table(at, NAME, "城关街道")
    row = list(frame[NAME]).index("城关街道")
    click(at, f"response_units_{stamp(f, 'C')}", row, "已响应件数")
    assert panel_total(at) == frame.iloc[row]["已响应件数"]
    at.session_state["response_tabs"] = "趋势"
    at.run()
    assert not at.exception


def scorecard_period_is_one_for_header_sidebar_and_control(at: AppTest) -> None:
    """(On the scorecard as opened, after test_scorecard_table…'s click.)"""
    # the county's assessment period (this month) by default, in the sidebar and the control
    assert at.session_state["f_period"] == "this_month" == at.segmented_control(key="score_period").value
    for window in ("last_month", "this_quarter", "this_year", "this_month"):
        at.segmented_control(key="score_period").set_value(window).run()
        assert not at.exception, at.exception
        f = at.session_state[ui.FILTERS_KEY]
        assert at.session_state["f_period"] == window == f.preset == at.segmented_control(key="score_period").value
        assert any(f.label in c.value.replace("\\", "") for c in at.caption)  # the header's period
    at.segmented_control(key="score_period").set_value("this_year").run()
    assert any("上年同期累计" in c.value for c in at.caption)  # 本年: one comparison, said once


def test_scorecard_table_is_the_engines_and_its_period_is_one(app_env):
    at = open_page("pages/scorecard.py")
    f = at.session_state[ui.FILTERS_KEY]
    expected = on_app_db(app_env, engine.kpis, **f.window())
    frame = table(at, "指标", "办结率")
    rows = {r["指标"]: r for _, r in frame.iterrows()}
    assert rows["办结率"]["实际"] == fmt.number(expected["closure_rate"] * 100, 2)
    assert rows["办结率"]["目标"] == "98.00"
    d = on_app_db(app_env, kpi_views.distribution, "response", limit=30.0, **f.window())
    within = rows["限时内响应占比（≤ 30 分钟）"]
    assert within["实际"] == fmt.number(d.within_share * 100, 2) and within["目标"] == "90.00"
    assert (within["状态"] == "达标") == (d.within_share >= 0.9)
    assert "响应时长P90" not in rows and "响应时长中位数" not in rows  # durations judged on the share
    click(at, f"score_table_{stamp(f, 'C')}", list(frame["指标"]).index("办结率"), "实际")
    assert panel_total(at) == expected["closed"]
    towns = table(at, NAME, "城关街道")
    assert set(towns[NAME]) == {"城关街道", "东湖镇"}
    scorecard_period_is_one_for_header_sidebar_and_control(at)


def test_why_contributions_add_up_on_the_page(app_env):
    at = open_page("pages/why.py")
    at.selectbox(key="why_metric").set_value("received").run()
    at.selectbox(key="why_by").set_value("category").run()
    assert not at.exception
    f = at.session_state[ui.FILTERS_KEY]
    prev = f.previous()
    e = on_app_db(app_env, explain.explain, "received", "category", unit="C",
               before=explain.Window(prev.start, prev.end, prev.as_of), after=explain.Window(f.start, f.end, f.as_of))
    frame = table(at, "分组", "环境卫生")
    assert frame["贡献"].sum() == e.change == e.after - e.before
    assert any(f"等于总变化 {e.change:+,.2f}" in c.value for c in at.caption)
    at.selectbox(key="why_metric").set_value("closure_rate").run()
    at.selectbox(key="why_compare").set_value("last_year").run()
    assert not at.exception
    assert any(m.label == "去年同期" for m in at.metric)  # the label follows the comparison
    at.selectbox(key="why_metric").set_value("response_within_share").run()
    assert not at.exception, at.exception
    assert any("限时内的占比" in i.value for i in at.info)


def test_a_tile_row_is_as_wide_as_its_longest_value():
    # a county's 本年 counts run to seven digits: 168 px cut "4,712,889" to "4,712,…" (10 M demo)
    assert metric_tables.tile_width("4,712,889", "+319,686 (+7.3 %)") > metric_tables.TILE_WIDTH
    assert metric_tables.tile_width("95.2 %", "+0.7 个百分点") <= metric_tables.TILE_WIDTH
    assert metric_tables.tile_width("47,128,890", None) > metric_tables.tile_width("4,712,889", None)
