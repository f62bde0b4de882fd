"""The wall page through AppTest, started from app.py like a real session: no exception, the tiles
show the metric engine's numbers, the kiosk lands on the wall, and URL options are honoured."""

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
from gridboard.wall import board

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGE = "pages/bigscreen.py"
TIMEOUT = 90


@pytest.fixture(scope="module")
def wall_db(small_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_db(small_db_file, tmp_path_factory.mktemp("wall"), "wall.duckdb")


@pytest.fixture
def env(wall_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cfg = tmp_path / "gridboard.toml"
    cfg.write_text('kiosk_token = "wall-page-token"\nstale_after_minutes = 100000\n', encoding="utf-8")
    monkeypatch.setenv("GRIDBOARD_DB", str(wall_db))
    monkeypatch.setenv("GRIDBOARD_CONFIG", str(cfg))
    monkeypatch.setenv("GRIDBOARD_AUTH", "off")
    return wall_db


def wall(query: dict[str, str] | None = None) -> AppTest:
    """The wall opened by its URL, as a wall screen does (the first run already on the page)."""
    at = app_test(APP, TIMEOUT)
    at.query_params.update(query or {})
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def html(at: AppTest) -> str:
    return "".join(e.proto.body for e in at.get("html"))


def test_wall_page_shows_the_engine_numbers(env):
    at = wall()
    assert at.title[0].value == "指挥中心大屏"
    tiles = {m.label: m for m in at.metric}
    assert len(at.metric) == 12 and at.metric[0].label == "今日受理"
    con = store.connect(env)  # same process as the app's connection: same DuckDB instance
    try:
        now = config.load().now()
        today = engine.kpis(con, **board.windows(now)["today"].window())
    finally:
        con.close()
    assert tiles["今日受理"].value == fmt.count(today["received"])
    assert tiles["今日办结"].value == fmt.count(today["closed"])
    assert {"当前在办（全部）", "当前超期（全部在办）", "本月办结率", "本月满意率"} <= set(tiles)
    page = html(at)
    assert "bs-stamp fresh" in page and "数据更新于" in page
    assert 'data-testid="bs-wall"' in page and "测试县 · 网格化社会治理" in page


def test_url_options(env):
    at = wall({"unit": "T2", "refresh": "not-a-number", "lang": "en"})
    assert at.title[0].value == "Wall screen"
    assert "测试县 · 东湖镇 · grid governance" in html(at)
    assert at.metric[0].label == "Today: received"


def test_kiosk_home_is_the_wall(env, monkeypatch):
    monkeypatch.delenv("GRIDBOARD_AUTH")
    assert ui.visible_pages("wall")[0].url_path == "bigscreen"
    assert "overview" not in [p.url_path for p in ui.visible_pages("wall")]
    at = app_test(APP, TIMEOUT)
    at.query_params["kiosk"] = "wall-page-token"
    at.run()
    assert not at.exception and not at.error
    assert at.session_state[ui.USER_KEY] == auth.User("wall", "wall", "大屏")
    assert at.title[0].value == "指挥中心大屏" and len(at.metric) == 12
    assert "退出大屏" not in html(at)  # no way out for the kiosk; desk users get one
    assert all(p.url_path != "bigscreen" for p in ui.visible_pages("analyst"))
