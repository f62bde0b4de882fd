"""The bulletin page (月度通报) through AppTest, started from app.py: it shows the bulletin of the last
whole month for the sidebar's area with the metric engine's numbers (the same as the other pages
for the same filters), switches to the sidebar's period, and offers the two downloads."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_support import app_test
from conftest import copy_db
from streamlit.testing.v1 import AppTest

from gridboard import ui
from gridboard.bulletin import dates
from gridboard.db import store
from gridboard.metrics import engine

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGE = "pages/bulletin.py"


@pytest.fixture(scope="module")
def page_db(small_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the session's small county (the same small_database(now) this module built itself)."""
    return copy_db(small_db_file, tmp_path_factory.mktemp("bulletin_page"), "pages.duckdb")


@pytest.fixture
def app_env(page_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cfg = tmp_path / "gridboard.toml"
    cfg.write_text("", encoding="utf-8")
    monkeypatch.setenv("GRIDBOARD_DB", str(page_db))
    monkeypatch.setenv("GRIDBOARD_CONFIG", str(cfg))
    monkeypatch.setenv("GRIDBOARD_AUTH", "off")
    return page_db


def opened() -> AppTest:
    at = app_test(APP, 120)
    at.switch_page(PAGE).run()  # opened by its URL: app.py's first run already on the page
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def body(at: AppTest) -> str:
    return "".join(e.proto.body for e in at.get("html"))


def kpis(db: Path, **window) -> dict:
    con = store.connect(db)
    try:
        return engine.kpis(con, **window)
    finally:
        con.close()


def test_page_is_registered_for_desk_roles():
    spec = next(p for p in ui.PAGES if p.path == PAGE)
    assert spec.url_path == "bulletin" and spec.title_zh == "月度通报"
    assert "leader" in spec.roles and "analyst" in spec.roles and "wall" not in spec.roles


def test_last_month_bulletin_shows_the_engine_numbers(app_env):
    at = opened()
    f = at.session_state[ui.FILTERS_KEY]
    month = at.selectbox(key="bul_month").value
    assert month == dates.recent_months(f.as_of)[1]  # the last whole month
    start, end = dates.month_bounds(month)
    k = kpis(app_env, start=start, end=end, as_of=f.as_of, unit=f.unit_id)
    assert k["received"] > 0
    html = body(at)
    assert f"{start.year}年{start.month}月，全县共受理群众诉求{k['received']:,}件" in html
    assert f"按时办结率{k['on_time_rate'] * 100:.1f}%" in html
    assert html.count("data:image/png;base64,") >= 2
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["下载 Word（.docx）", "下载打印版网页（.html）"]


def test_sidebar_period_and_a_town(app_env):
    at = opened()
    at.selectbox(key="f_unit_1").set_value("T2").run()
    at.button_group(key="bul_mode").set_value("filters").run()
    assert not at.exception, at.exception
    f = at.session_state[ui.FILTERS_KEY]
    assert f.unit_id == "T2"
    k = kpis(app_env, **f.window())
    html = body(at)
    assert "东湖镇网格化社会治理工作通报" in html
    assert f"东湖镇共受理群众诉求{k['received']:,}件" in html
