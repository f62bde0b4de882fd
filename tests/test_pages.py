"""Every page of the registry through AppTest, started from app.py as a real session would be:
no exception, and the tiles show the metric engine's own numbers for the same filters."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from app_support import app_test
from conftest import copy_db
from streamlit.testing.v1 import AppTest

from gridboard import ui
from gridboard.core import auth, catalog, config, fmt, periods
from gridboard.db import store
from gridboard.demo import county
from gridboard.metrics import engine

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 60


@pytest.fixture(scope="module")
def page_db(small_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_db(small_db_file, tmp_path_factory.mktemp("pages"), "pages.duckdb")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo county (the generator the first start uses), 3,000 cases."""
    cfg = config.load()
    path = tmp_path_factory.mktemp("demo") / "county.duckdb"
    county.build_file(path, cases=3000, seed=5, as_of=cfg.now(), outline=Path(str(cfg["county_outline"])))
    return path


@pytest.fixture
def app_env(page_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """GRIDBOARD_DB on the page database, an empty config file, the login gate off."""
    cfg = tmp_path / "gridboard.toml"
    cfg.write_text('kiosk_token = "wall-test-token"\n', encoding="utf-8")
    monkeypatch.setenv("GRIDBOARD_DB", str(page_db))
    monkeypatch.setenv("GRIDBOARD_CONFIG", str(cfg))
    monkeypatch.setenv("GRIDBOARD_AUTH", "off")
    return page_db


def started() -> AppTest:
    at = app_test(APP, TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def engine_kpis(db: Path, f: ui.Filters) -> dict:
    con = store.connect(db)  # same process as the app's cached connection: same DuckDB instance
    try:
        return engine.kpis(con, **f.window())
    finally:
        con.close()


def tiles(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


# test_kpi_pages.py renders these four in both languages (no exception, no error box): not again here
KPI_PAGES = {"scorecard", "closure", "response", "why"}


def every_page_renders_without_exception(at: AppTest) -> None:
    """Every other page of the registry opened in turn from one started session (as a user moves
    through the menu); each page's exception or error box is collected, then all are reported."""
    failed: dict[str, object] = {}
    for spec in [s for s in ui.PAGES if s.url_path not in KPI_PAGES]:
        at.switch_page(spec.path).run()
        if at.exception or at.error:
            failed[spec.url_path] = at.exception or [e.value for e in at.error]
    assert not failed, failed


def test_overview_tiles_show_the_engine_numbers_then_every_page_renders(app_env):
    at = started()
    overview_tiles_show_the_engine_numbers(at, app_env)
    every_page_renders_without_exception(at)


def overview_tiles_show_the_engine_numbers(at: AppTest, app_env: Path) -> None:
    f = at.session_state[ui.FILTERS_KEY]
    assert f.preset == periods.DEFAULT_PRESET
    assert (f.end - f.start).days == 30
    expected = engine_kpis(app_env, f)
    assert expected["received"] > 0
    shown = tiles(at)
    assert len(shown) == len(catalog.METRICS) == 12
    for m in catalog.METRICS:
        assert shown[fmt.metric_label(m, with_unit=False)] == fmt.metric(m, expected[m.key]), m.key
    # 环比 delta on the received tile is the difference with the previous period
    before = engine_kpis(app_env, f.previous())
    delta = next(x.delta for x in at.metric if x.label == "受理量")
    assert delta == fmt.delta("received", expected["received"], before["received"])
    # the sub-unit table lists the towns with their numbers
    table = at.dataframe[0].value
    assert set(table["名称"]) == {"城关街道", "东湖镇"}
    assert table["受理量"].sum() == expected["received"]


def unit_cascade(at: AppTest, app_env: Path) -> None:
    at.selectbox(key="f_unit_1").select("T1").run()
    at.selectbox(key="f_unit_2").select("T1C1").run()
    assert not at.exception
    f = at.session_state[ui.FILTERS_KEY]
    assert f.unit_id == "T1C1"
    assert f.unit_name == "测试县 / 城关街道 / 幸福社区"
    assert at.selectbox(key="f_unit_3").label == "网格"
    expected = engine_kpis(app_env, f)
    assert tiles(at)["受理量"] == fmt.count(expected["received"])
    assert set(at.dataframe[0].value["名称"]) <= {"幸福社区第一网格", "幸福社区第二网格"}
    # changing the town clears the levels below it
    at.selectbox(key="f_unit_1").select("T2").run()
    assert at.session_state[ui.FILTERS_KEY].unit_id == "T2"
    assert at.selectbox(key="f_unit_2").value == ""


def test_custom_defaults_to_the_last_30_days_ending_today_and_presets_reach_the_tiles(app_env):
    """自定义's default range ends today (not tomorrow): the same period and 环比 as 近30天; a range
    picked then sets the filters (its last day included). Then two presets in the same session."""
    at = started()
    last30 = at.session_state[ui.FILTERS_KEY]
    at.selectbox(key="f_period").set_value("custom").run()
    assert not at.exception
    custom = at.session_state[ui.FILTERS_KEY]
    today = custom.as_of.date()
    assert at.date_input(key="f_range").value[1] == today
    assert (custom.start, custom.end) == (last30.start, last30.end)
    assert (custom.previous().start, custom.previous().end) == (last30.previous().start, last30.previous().end)
    at.date_input(key="f_range").set_value((today - dt.timedelta(days=9), today - dt.timedelta(days=2))).run()
    assert not at.exception
    f = at.session_state[ui.FILTERS_KEY]
    assert (f.start.date(), f.end.date()) == (today - dt.timedelta(days=9), today - dt.timedelta(days=1))
    # Each preset's bounds are test_periods.py's; on the page every preset takes the same path from
    # the selectbox to the filters and the tiles: a short window and a long one.
    for preset in ("today", "this_year"):
        at.selectbox(key="f_period").set_value(preset).run()
        assert not at.exception, at.exception
        f = at.session_state[ui.FILTERS_KEY]
        first, after = periods.bounds(preset, f.as_of.date())
        assert (f.start.date(), f.end.date()) == (first, after), preset
        assert tiles(at)["受理量"] == fmt.count(engine_kpis(app_env, f)["received"]), preset


def test_unit_cascade_filters_the_tiles_then_english(app_env):
    at = started()
    unit_cascade(at, app_env)
    at.segmented_control(key="lang").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "Overview"
    assert "Received" in tiles(at)
    assert at.selectbox(key="f_period").label == "Period"


def test_login_through_the_form(app_env, monkeypatch):
    monkeypatch.delenv("GRIDBOARD_AUTH")
    at = started()
    assert not at.metric, "nothing of the data shows before login"
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    at.text_input(key="login_name").input("leader")
    at.text_input(key="login_password").input("wrong")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["用户名或密码错误，请重新输入。"]
    assert not at.metric
    at.text_input(key="login_password").input(auth.DEMO_PASSWORD)
    at.button[0].click().run()
    assert not at.exception and not at.error
    assert len(at.metric) == 12
    assert any("leader（县领导）" in c.value for c in at.sidebar.caption)
    at.sidebar.button(key="logout").click().run()
    assert not at.metric and [t.label for t in at.text_input] == ["用户名", "密码"]


def test_kiosk_token_signs_in_the_wall(app_env, monkeypatch):
    monkeypatch.delenv("GRIDBOARD_AUTH")
    at = app_test(APP, TIMEOUT)
    at.query_params["kiosk"] = "wrong-token"
    at.run()
    assert [e.value for e in at.error] == ["大屏令牌无效，请联系管理员。"] and not at.metric
    at = app_test(APP, TIMEOUT)
    at.query_params["kiosk"] = "wall-test-token"
    at.run()
    assert not at.exception and not at.error
    assert at.session_state[ui.USER_KEY] == auth.User("wall", "wall", "大屏")
    assert not at.text_input, "no login form for the wall"


def test_overview_on_the_demo_county(app_env, demo_db, monkeypatch):
    monkeypatch.setenv("GRIDBOARD_DB", str(demo_db))
    at = started()
    f = at.session_state[ui.FILTERS_KEY]
    expected = engine_kpis(demo_db, f)
    assert expected["received"] > 0
    assert tiles(at) == {fmt.metric_label(m, with_unit=False): fmt.metric(m, expected[m.key]) for m in catalog.METRICS}
    con = store.connect(demo_db)
    try:
        town = engine.breakdown(con, "child", **f.window())[0]
    finally:
        con.close()
    at.selectbox(key="f_unit_1").select(town["group_id"]).run()
    assert not at.exception
    f = at.session_state[ui.FILTERS_KEY]
    assert f.unit_id == town["group_id"] and f.unit_name == f"{county.COUNTY_NAME} / {town['group_name']}"
    assert tiles(at)["受理量"] == fmt.count(engine_kpis(demo_db, f)["received"])
    assert at.selectbox(key="f_unit_2").label == "社区/村"

