"""The ranking page (pages/ranking.py) through AppTest, started from app.py: no exception, the
league table agrees with `python -m gridboard rank --json` for the same filters, the controls
filter and re-rank, trying weights re-orders without saving, saving writes the (temporary)
config file and the record, and only leaders and administrators may save."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_support import app_test, cli_json
from conftest import copy_db
from streamlit.testing.v1 import AppTest

from gridboard import ui
from gridboard.core import auth, config
from gridboard.db import store
from gridboard.ranking import gridindex, settings_store
from gridboard.ranking.gridindex import COMPONENTS

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGE = "pages/ranking.py"
TIMEOUT = 60


@pytest.fixture(scope="module")
def dbs(small_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The page's database and an identical copy for the command line (the app holds the first)."""
    tmp = tmp_path_factory.mktemp("ranking")
    return copy_db(small_db_file, tmp, "page.duckdb"), copy_db(small_db_file, tmp, "cli.duckdb")


@pytest.fixture
def app_env(dbs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cfg = tmp_path / "gridboard.toml"
    cfg.write_text("# ranking page test\nmin_cases_for_rank = 20\n", encoding="utf-8")
    monkeypatch.setenv("GRIDBOARD_DB", str(dbs[0]))
    monkeypatch.setenv("GRIDBOARD_CONFIG", str(cfg))
    monkeypatch.setenv("GRIDBOARD_AUTH", "off")
    return cfg


def ranking_page(user: auth.User | None = None) -> AppTest:
    at = app_test(APP, TIMEOUT)
    if user is not None:
        at.session_state[ui.USER_KEY] = user
    at.switch_page(PAGE).run()  # opened by its URL: app.py's first run already on the page
    assert not at.exception, at.exception
    assert at.title[0].value == "网格排名"
    return at


def league(at: AppTest):
    return at.dataframe[0].value


def cli_rank(db: Path, f: ui.Filters, *extra: str) -> list[dict]:
    """`gridboard rank … --json` for the page's window (in-process: app_support.cli_json)."""
    return cli_json("rank", "--db", str(db), "--from", f"{f.start:%Y-%m-%d}", "--to", f"{f.end:%Y-%m-%d}",
                    "--as-of", f"{f.as_of:%Y-%m-%dT%H:%M}", "--json", *extra)  # type: ignore[return-value]


def engine(db: Path, f: ui.Filters, level: str = "grid", weights: dict | None = None, **kw) -> list:
    con = store.connect(db)  # the app's process: the same DuckDB instance as its cached connection
    try:
        settings = gridindex.settings_from(config.load(), weights=weights)
        return gridindex.scores(con, level, settings, start=f.start, end=f.end, as_of=f.as_of, unit=f.unit_id, **kw)
    finally:
        con.close()


def test_league_table_agrees_with_the_rank_command_and_the_default_period(app_env, dbs):
    at = ranking_page()
    f = at.session_state[ui.FILTERS_KEY]
    table = league(at)
    expected = cli_rank(dbs[1], f, "--level", "grid")
    assert len(table) == len(expected) == 6
    assert int(table["排名"].iloc[0]) == expected[0]["rank"] == 1
    assert table["单位编码"].iloc[0] == expected[0]["unit_id"]
    assert table["网格指数"].iloc[0] == pytest.approx(round(expected[0]["score"], 1))
    assert list(table["单位编码"]) == [r["unit_id"] for r in expected]
    assert list(table["事件数"]) == [r["cases"] for r in expected]
    for c, label in (("on_time_rate", "按时办结·收缩"), ("response", "响应速度·收缩")):
        assert list(table[label]) == pytest.approx([round(100 * r[c], 1) for r in expected])
    assert list(table["90%区间"]) == [f"{r['band_low']:.1f}–{r['band_high']:.1f}" for r in expected]
    assert list(table["样本少"]) == ["样本少" if r["provisional"] else "" for r in expected]
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["参与排名"] == "6" and tiles["样本少（暂定排名）"] == str(sum(r["provisional"] for r in expected))
    default_period_is_the_assessment_period_and_moves_the_sidebar(at)


def default_period_is_the_assessment_period_and_moves_the_sidebar(at: AppTest) -> None:
    """(On the page as opened, before any control is touched: test_league_table… calls it.)"""
    f = at.session_state[ui.FILTERS_KEY]
    assert f.preset == "this_month" and at.session_state["f_period"] == "this_month"
    assert at.segmented_control(key="rk_period").value == "this_month"
    assert any(f.label in c.value.replace("\\", "") for c in at.caption)  # the header shows the same period
    at.segmented_control(key="rk_period").set_value("this_year").run()
    assert not at.exception, at.exception
    assert at.session_state["f_period"] == "this_year" and at.session_state[ui.FILTERS_KEY].preset == "this_year"
    assert at.segmented_control(key="rk_period").value == "this_year"


def test_within_a_parent_and_by_level(app_env, dbs):
    at = ranking_page()
    at.selectbox(key="f_unit_1").select("T1").run()
    assert not at.exception, at.exception
    f = at.session_state[ui.FILTERS_KEY]
    expected = cli_rank(dbs[1], f, "--level", "grid", "--parent", "T1")
    table = league(at)
    assert list(table["单位编码"]) == [r["unit_id"] for r in expected] and len(table) == 4
    assert list(table["排名"]) == [r["rank"] for r in expected]
    at.selectbox(key="rk_level").set_value("community").run()
    assert not at.exception, at.exception
    expected = cli_rank(dbs[1], f, "--level", "community", "--parent", "T1")
    assert list(league(at)["单位编码"]) == [r["unit_id"] for r in expected]
    assert sorted(r["unit_id"] for r in expected) == ["T1C1", "T1C2"]
    # the grid type is a property of grids only: no column, no control at other levels
    assert "网格类型" not in league(at).columns
    assert "rk_grid_type" not in [w.key for w in at.segmented_control]


def test_grid_type_filter_then_english(app_env, dbs):
    at = ranking_page()
    at.segmented_control(key="rk_grid_type").set_value("dedicated").run()
    assert not at.exception, at.exception
    table = league(at)
    assert list(table["名称"]) == ["实验小学专属网格"] and list(table["排名"]) == [1]
    at.segmented_control(key="rk_grid_type").set_value("general").run()
    f = at.session_state[ui.FILTERS_KEY]
    expected = [u.unit_id for u in engine(dbs[0], f, grid_type="general")]
    assert list(league(at)["单位编码"]) == expected and list(league(at)["排名"]) == [1, 2, 3, 4, 5]
    english_keeps_the_page_choices(at)


def test_trying_weights_reorders_live_and_saving_is_recorded(app_env, dbs):
    at = ranking_page()
    f = at.session_state[ui.FILTERS_KEY]
    saved_order = list(league(at)["单位编码"])
    # find a single component whose ranking differs from the saved weights' order
    trial = next(c for c in COMPONENTS
                 if [u.unit_id for u in engine(dbs[0], f, weights={c: 1.0})] != saved_order)
    for c in COMPONENTS:
        at.slider(key=f"rk_w_{c}").set_value(100 if c == trial else 0)
    at.run()
    assert not at.exception, at.exception
    tried = [u.unit_id for u in engine(dbs[0], f, weights={trial: 1.0})]
    assert list(league(at)["单位编码"]) == tried != saved_order
    assert any("试算中" in i.value for i in at.info)
    assert "[weights]" not in app_env.read_text(encoding="utf-8")  # trying saves nothing
    # back to the saved weights, then try again and save
    at.button(key="rk_reset").click().run()
    assert list(league(at)["单位编码"]) == saved_order
    for c in COMPONENTS:
        at.slider(key=f"rk_w_{c}").set_value(100 if c == trial else 0)
    at.run()
    at.button(key="rk_save").click().run()
    assert not at.exception, at.exception
    assert config.load().weights == {c: (1.0 if c == trial else 0.0) for c in COMPONENTS}
    assert "# ranking page test" in app_env.read_text(encoding="utf-8")
    log = settings_store.read_log()
    assert len(log) == 1 and log[0]["user"] == auth.dev_user().name and log[0]["new"][trial] == 1.0
    assert any(s.value == "已保存权重，并记录修改。" for s in at.success)
    assert not any("试算中" in i.value for i in at.info)  # the saved weights are now the official ones
    assert list(league(at)["单位编码"]) == tried


def test_staff_may_try_but_not_save(app_env, monkeypatch):
    monkeypatch.delenv("GRIDBOARD_AUTH")
    at = ranking_page(auth.User("staff", "staff"))
    at.slider(key="rk_w_response").set_value(40).run()
    assert not at.exception, at.exception
    assert at.button(key="rk_save").disabled
    assert any("仅县领导和管理员" in c.value for c in at.caption)
    leader = ranking_page(auth.User("leader", "leader"))
    assert leader.button(key="rk_save").disabled  # nothing changed yet
    leader.slider(key="rk_w_response").set_value(15)
    leader.slider(key="rk_w_on_time_rate").set_value(25).run()
    assert not leader.button(key="rk_save").disabled


def test_profile_explain_and_lists(app_env, dbs):
    at = ranking_page()
    table = league(at)
    # no profile until a unit is picked: the box asks for one, nothing of a unit is computed
    assert at.selectbox(key="rk_profile").value is None and "网格指数" not in {m.label for m in at.metric}
    assert any(c.value.startswith("选定单位后") for c in at.caption) and not at.get("plotly_chart")
    second = table["单位编码"].iloc[1]
    at.selectbox(key="rk_profile").set_value(second).run()
    assert not at.exception, at.exception
    unit = {u.unit_id: u for u in engine(dbs[0], at.session_state[ui.FILTERS_KEY])}[second]
    cards = {m.label: m.value for m in at.metric}
    assert cards["网格指数"] == f"{unit.score:,.1f}" and cards["排名"] == "2 / 6" + (" · 样本少" if unit.provisional else "")
    components = at.dataframe[1].value
    assert components["得分(分)"].sum() == pytest.approx(unit.score, abs=0.02)
    for comp in ("received", *COMPONENTS):
        at.selectbox(key="rk_case_comp").set_value(comp).run()
        assert not at.exception, comp
    assert any(c.value.startswith("共 ") for c in at.caption)
    # explain: another unit (sums to the difference), the previous period, last year (the tab computes
    # when opened: a rerun)
    assert not any(" 比 " in m.value for m in at.markdown)
    at.session_state["rk_tabs"] = "差异分析"
    at.run()
    assert any(" 比 " in m.value for m in at.markdown)
    for mode in ("previous", "last_year", "unit"):
        at.segmented_control(key="rk_mode").set_value(mode).run()
        assert not at.exception, mode
    diff = next(d.value for d in at.dataframe if "差值(分)" in d.value.columns)
    assert diff["差值(分)"].iloc[:-1].sum() == pytest.approx(diff["差值(分)"].iloc[-1], abs=0.03)
    at.session_state["rk_tabs"] = "红黑榜"
    at.run()
    honour_red = [d.value for d in at.dataframe if "主要失分项（相对上级）" in d.value.columns]
    assert [len(x) for x in honour_red] == [3, 3]
    assert set(honour_red[0]["排名"]) == {1, 2, 3} and list(honour_red[1]["排名"]) == [6, 5, 4]


def english_keeps_the_page_choices(at: AppTest) -> None:
    """(After test_grid_type_filter_then_english's choices, in its session.)"""
    at.selectbox(key="rk_level").set_value("community").run()
    at.session_state["rk_tabs"] = "差异分析"
    at.run()
    at.segmented_control(key="rk_mode").set_value("previous").run()
    at.segmented_control(key="lang").set_value("en").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Grid rankings"
    assert {"Rank", "Change", "Index", "Stars", "On time (shrunk)", "On time raw (n)"} <= set(league(at).columns)
    assert at.selectbox(key="rk_level").value == "community" and at.segmented_control(key="rk_mode").value == "previous"
    assert at.selectbox(key="rk_level").label == "Rank level"


def test_a_unit_without_levels_below(app_env):
    at = ranking_page()
    for key, unit in (("f_unit_1", "T1"), ("f_unit_2", "T1C1"), ("f_unit_3", "T1C1G1"), ("f_unit_4", "T1C1G1M1")):
        at.selectbox(key=key).select(unit).run()
    assert not at.exception, at.exception
    assert [i.value for i in at.info] == ["所选区域下没有可排名的下级单位，请在左侧选择更高一级的区域。"]
    assert not at.dataframe
