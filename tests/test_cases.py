"""Case search and the case page (issue #15 item 3): metrics.cases on the hand-written fixture
(hand-computed loop durations and deadline states), the sidebar search and /case?id=… in AppTest."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from app_support import app_test
from conftest import copy_db
from test_aggregates import FIXTURE

from gridboard.db import store
from gridboard.metrics import cases

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
AS_OF = dt.datetime(2026, 3, 10, 12)


@pytest.fixture
def con(fresh_db):
    fresh_db.execute(FIXTURE.read_text(encoding="utf-8"))
    fresh_db.execute("UPDATE cases SET title = '垃圾堆放 东一路口', reporter_phone = '13812345678', "
                     "dispatched_at = TIMESTAMP '2026-03-01 08:05:00', callback_at = TIMESTAMP '2026-03-02 10:00:00', "
                     "department = '城管局' WHERE case_id = 'c1'")
    fresh_db.execute("UPDATE cases SET title = '路灯不亮', reporter_phone = '13900001111' WHERE case_id = 'c3'")
    store.rebuild_unit_closure(fresh_db)
    return fresh_db


def test_search_by_id_phone_words_and_grid_name(con):
    assert [r["case_id"] for r in cases.search(con, "c1")][0] == "c1"  # exact id first (c10, c11 follow)
    assert [r["case_id"] for r in cases.search(con, "5678")] == ["c1"]  # phone ending
    assert [r["case_id"] for r in cases.search(con, "138 1234 5678")] == ["c1"]
    assert [r["case_id"] for r in cases.search(con, "路灯")] == ["c3"]  # title words
    grid = {r["case_id"] for r in cases.search(con, "东二网格")}  # grid name: c3 and c8 lie in G2
    assert grid == {"c3", "c8"}
    assert cases.search(con, "   ") == [] and cases.search(con, "100%_") == []  # LIKE wildcards are literal


def test_detail_has_the_whole_loop_with_durations(con):
    d = cases.detail(con, "c1", AS_OF)
    assert [u["unit_id"] for u in d["path"]] == ["C", "T1", "M1", "G1"]
    steps = {s["step"]: s for s in d["timeline"]}
    assert steps["reported_at"]["minutes"] is None
    assert steps["dispatched_at"]["minutes"] == 5
    assert steps["responded_at"]["minutes"] == 5  # 08:05 → 08:10
    assert steps["closed_at"]["minutes"] == 11 * 60 + 50  # 08:10 → 20:00
    assert steps["callback_at"]["minutes"] == 14 * 60  # 20:00 → next day 10:00
    assert d["deadline"] == "on_time"
    # c3: open past its deadline, never dispatched nor closed: those steps are not reached
    d3 = cases.detail(con, "c3", AS_OF)
    assert d3["deadline"] == "overdue"
    assert [s["at"] is None for s in d3["timeline"]] == [False, True, False, True, True]
    assert d3["timeline"][2]["minutes"] == pytest.approx(20 / 60)  # responded 20 s after reporting
    assert cases.detail(con, "c2", AS_OF)["deadline"] == "late"
    assert cases.detail(con, "c10", AS_OF)["deadline"] == "no_deadline"
    assert cases.detail(con, "c4", AS_OF)["deadline"] == "open"  # closed only after as_of
    assert cases.detail(con, "nope", AS_OF) is None


# --- the pages ----------------------------------------------------------------------------------


@pytest.fixture
def app_env(small_db_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = copy_db(small_db_file, tmp_path, "case.duckdb")
    cfg = tmp_path / "gridboard.toml"
    cfg.write_text("", encoding="utf-8")
    monkeypatch.setenv("GRIDBOARD_DB", str(db))
    monkeypatch.setenv("GRIDBOARD_CONFIG", str(cfg))
    monkeypatch.setenv("GRIDBOARD_AUTH", "off")
    return db


def _a_case(db: Path) -> tuple[str, str]:
    c = store.connect(db, read_only=True)
    try:
        return c.execute("SELECT case_id, reporter_phone FROM cases WHERE reporter_phone IS NOT NULL "
                         "AND closed_at IS NOT NULL ORDER BY case_id LIMIT 1").fetchone()
    finally:
        c.close()


def test_sidebar_search_links_to_the_case_page_which_shows_the_loop(app_env):
    case_id, phone = _a_case(app_env)
    at = app_test(APP, 120)
    at.run()
    assert not at.exception
    at.text_input(key="case_search_q").input(case_id)
    next(b for b in at.button if b.label == "查找").click().run()
    assert not at.exception, at.exception
    links = [e for e in at.sidebar if getattr(e, "proto", None) is not None and e.type == "page_link"]
    assert any(case_id in link.proto.label for link in links)
    at.query_params["id"] = case_id
    at.switch_page("pages/case.py").run()
    assert not at.exception, at.exception
    labels = [m.label for m in at.metric]
    assert labels == ["上报", "派单", "签收", "办结", "回访"]
    assert any(case_id in s.value for s in at.subheader)
    text = " ".join(str(t.value) for t in at.table)
    assert "None" not in text
    assert phone in text  # the admin (gate off) sees the whole phone


def test_unknown_and_missing_ids_get_a_message(app_env):
    at = app_test(APP, 120)
    at.run()
    at.switch_page("pages/case.py").run()
    assert not at.exception and any("查找事件" in i.value for i in at.info)
    at.query_params["id"] = "<b>nope</b>"
    at.switch_page("pages/case.py").run()
    assert not at.exception and any("没有编号为" in w.value for w in at.warning)
