"""The three people pages (志愿服务, 集体经济, 网格/村画像) through AppTest, started from app.py like a
real session: no exception, headline numbers equal the library's for the same filters, names
masked for staff and full for leaders, band thresholds from the config, ?unit= and the search
on the profile page."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_support import app_test
from conftest import copy_db
from streamlit.testing.v1 import AppTest

from gridboard import ui
from gridboard.core import auth, config, fmt
from gridboard.db import store
from gridboard.metrics import engine
from gridboard.people import economy, profile, volunteers
from gridboard.render import charts_people

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 90
NOW = config.load().now()


@pytest.fixture(scope="module")
def page_db(people_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_db(people_db_file, tmp_path_factory.mktemp("people_pages"), "people.duckdb")


@pytest.fixture
def app_env(page_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cfg = tmp_path / "gridboard.toml"
    cfg.write_text("", encoding="utf-8")
    monkeypatch.setenv("GRIDBOARD_DB", str(page_db))
    monkeypatch.setenv("GRIDBOARD_CONFIG", str(cfg))
    monkeypatch.setenv("GRIDBOARD_AUTH", "off")
    return page_db


def open_page(path: str, **query: str) -> AppTest:
    at = app_test(APP, TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page(path).run()  # opened by its URL: app.py's first run already on the page
    assert not at.exception, at.exception
    return at


def library(db: Path, func, *args, **kwargs):
    con = store.connect(db)  # same process as the app's connection: the same DuckDB instance
    try:
        return func(con, *args, **kwargs)
    finally:
        con.close()


def tiles(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_volunteer_tiles_equal_the_library(app_env):
    at = open_page("pages/volunteers.py")
    assert at.title[0].value == "志愿服务"
    f = at.session_state[ui.FILTERS_KEY]
    want = library(app_env, volunteers.summary, start=f.start, end=f.end, unit=f.unit_id)
    assert want["registered"] > 0 and want["hours"] > 0
    shown = tiles(at)
    assert shown["注册志愿者"] == fmt.count(want["registered"])
    assert shown["活跃志愿者"] == fmt.count(want["active"])
    assert shown["服务时长"] == charts_people.tile_value("hours", want["hours"])
    assert shown["党员占比"] == fmt.rate(want["party_share"])
    assert shown["每百户志愿者"] == fmt.number(want["per_100_households"])
    board = library(app_env, volunteers.leaderboard, start=f.start, end=f.end, unit=f.unit_id, limit=20,
                    edges=volunteers.star_edges())
    table = at.dataframe[0].value
    assert table["姓名"].tolist() == [r["name"] for r in board]  # admin: full names
    assert table["本期积分"].tolist() == [r["points"] for r in board]
    rows = library(app_env, volunteers.by_unit, "child", **f.window(), few_ratio=0.5)
    assert at.dataframe[1].value["单位"].tolist() == [r["name"] for r in volunteers.few_but_busy(rows)] == ["东湖镇"]
    at.segmented_control(key="vol_by").set_value("grid").run()
    assert not at.exception, at.exception
    rows = library(app_env, volunteers.by_unit, "grid", **f.window(), few_ratio=0.5)
    flagged = [r["name"] for r in volunteers.few_but_busy(rows)]
    assert at.dataframe[1].value["单位"].tolist() == flagged and "李家村第二网格" in flagged
    assert at.dataframe[2].value["注册志愿者"].sum() == want["registered"]  # all grids: every volunteer once
    assert at.selectbox(key="vol_profile_pick").value == volunteers.few_but_busy(rows)[0]["unit_id"]


def test_staff_see_masked_names_and_leaders_full_names(app_env, monkeypatch):
    monkeypatch.delenv("GRIDBOARD_AUTH")
    for name, masked in (("staff", True), ("leader", False)):
        at = app_test(APP, TIMEOUT)
        at.run()
        at.text_input(key="login_name").input(name)
        at.text_input(key="login_password").input(auth.DEMO_PASSWORD)
        at.button[0].click().run()
        at.switch_page("pages/volunteers.py").run()
        assert not at.exception, at.exception
        names = at.dataframe[0].value["姓名"].tolist()
        assert names and all(("*" in n) == masked for n in names), (name, names)
        assert any(c.value.startswith("姓名已脱敏") for c in at.caption) == masked


def test_economy_tiles_equal_the_library(app_env):
    at = open_page("pages/economy.py")
    assert at.title[0].value == "集体经济"
    year = NOW.year
    assert at.selectbox(key="eco_year").value == year
    want = library(app_env, economy.summary, year=year, settings=economy.EconomySettings())
    shown = tiles(at)
    assert shown["薄弱村"] == fmt.count(want["weak"]) == "1"
    assert next(m.delta for m in at.metric if m.label == "薄弱村") == "-3"
    assert shown["3万元以下"] == fmt.count(want["below_floor"])
    assert shown["10万元以上"] == fmt.count(want["at_goal"])
    assert shown["经营性收入合计"] == fmt.wan_yuan(want["total_operating_income"])
    assert shown["同比增长"] == fmt.rate(want["yoy_growth"])
    assert at.dataframe[0].value["村"].tolist() == ["李家村"]  # the weak villages
    at.selectbox(key="eco_year").set_value(year - 1).run()
    assert not at.exception
    assert tiles(at)["薄弱村"] == "4"


def test_economy_bands_follow_the_config(app_env, tmp_path, monkeypatch):
    cfg = tmp_path / "bands.toml"
    cfg.write_text("economy_band_edges_yuan = [40000, 1000000]\neconomy_floor_yuan = 46000\n", encoding="utf-8")
    monkeypatch.setenv("GRIDBOARD_CONFIG", str(cfg))
    at = open_page("pages/economy.py")
    shown = tiles(at)
    assert shown["薄弱村"] == "0" and shown["4.6万元以下"] == "1"
    assert any("&lt; 4万" in m.value for m in at.markdown)  # the map legend


def test_profile_of_the_filter_unit_and_of_a_linked_unit(app_env):
    at = open_page("pages/profile.py")
    assert at.title[0].value == "网格/村画像"
    assert at.subheader[0].value == "测试县 · 县"
    at = open_page("pages/profile.py", unit="T2V1")
    assert at.subheader[0].value == "李家村 · 村"
    f = at.session_state[ui.FILTERS_KEY]
    want = library(app_env, engine.kpis, **{**f.window(), "unit": "T2V1"})
    assert tiles(at)["受理量"] == fmt.count(want["received"])
    built = library(app_env, profile.build, "T2V1", start=f.start, end=f.end, as_of=f.as_of, preset=f.preset,
                    settings=profile.settings_from(config.load()))
    flags = [m.value for m in at.markdown if "-badge[" in m.value]
    assert len(flags) == len(built["flags"]) and built["flags"][0]["code"] == "watch_village"
    assert flags[0] == f":red-badge[重点] {fmt.escape_md(profile.flag_text(built['flags'][0]))}"
    assert tiles(at)["注册志愿者"] == fmt.count(built["volunteers"]["registered"]) == "1"


def test_profile_search_and_unknown_unit(app_env):
    at = open_page("pages/profile.py")
    at.text_input(key="prof_search").input("李家").run()
    at.selectbox(key="prof_pick").select("T2V1G2").run()
    assert not at.exception, at.exception
    assert at.subheader[0].value == "李家村第二网格 · 网格"
    assert at.query_params["unit"] in ("T2V1G2", ["T2V1G2"])
    at = open_page("pages/profile.py", unit="NOPE")
    assert [w.value for w in at.warning] == ["没有编码为 NOPE 的单位，已显示筛选区域。"]
    assert at.subheader[0].value == "测试县 · 县"


@pytest.mark.parametrize(("path", "title"), [("pages/volunteers.py", "Volunteers"),
                                             ("pages/economy.py", "Collective economy"),
                                             ("pages/profile.py", "Unit profile")])
def test_pages_in_english(app_env, path, title):
    at = app_test(APP, TIMEOUT)
    at.query_params["unit"] = "T2V1"
    at.session_state["lang"] = "en"  # English from the first run (the switch itself is tested with the overview)
    at.switch_page(path).run()  # the first run already on the page: no Chinese widget state carried over
    assert not at.exception, at.exception
    assert at.title[0].value == title
    labels = [m.label for m in at.metric]
    assert labels and not any(any("\u4e00" <= ch <= "\u9fff" for ch in label) for label in labels), labels
