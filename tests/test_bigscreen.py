"""The wall screen's library (gridboard.bigscreen, bigscreen_view, bigscreen_charts, maps) on a
hand-made county whose every number is worked out below: tiles against the metric engine and by
hand, open cases through the backlog equal to deadlines.counts at many moments, the deadline wall
order and its masked phones, feed order, freshness (fresh, stale, empty, unreadable), options,
rotation, escaping, and an offline map deck."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator

import duckdb
import pytest
from browser_support import UNITS
from conftest import copy_db

from gridboard.db import store
from gridboard.metrics import deadlines, engine
from gridboard.render import maps
from gridboard.render import wall_charts as charts
from gridboard.render import wall_view as view
from gridboard.wall import backlog, board

AS_OF = dt.datetime(2026, 3, 18, 14, 0)
T = dt.datetime
STALE = dt.timedelta(minutes=30)
SQUARE = '{"type":"Polygon","coordinates":[[[117.0,35.0],[117.2,35.0],[117.2,35.2],[117.0,35.2],[117.0,35.0]]]}'

# case_id, unit, reported, responded, due, closed, status, satisfaction, supervised, phone, title, category
CASES = [
    # today (18 March) up to 14:00
    ("A1", "T1C1G1M1", T(2026, 3, 18, 9), T(2026, 3, 18, 9, 10), T(2026, 3, 19, 9), T(2026, 3, 18, 13), "closed",
     "satisfied", False, "13812345678", "路灯不亮", "城市管理"),
    ("A2", "T1C1G2", T(2026, 3, 18, 10), T(2026, 3, 18, 10, 30), T(2026, 3, 19, 10), None, "open",
     None, False, "139 0000 1111", "【环境卫生】垃圾满溢", "环境卫生"),
    ("A3", "T2V1G1", T(2026, 3, 18, 13, 30), None, T(2026, 3, 18, 17, 30), None, "open",
     None, False, None, "邻里噪音", "矛盾纠纷"),
    ("A4", "T2V1G1", T(2026, 3, 18, 11), None, T(2026, 3, 19, 11), None, "cancelled",
     None, False, "13700000000", "重复上报", "矛盾纠纷"),
    # yesterday: B1 before 14:00 (closed by 12:00), B2 after 14:00
    ("B1", "T1C2G1", T(2026, 3, 17, 8), T(2026, 3, 17, 8, 20), T(2026, 3, 18, 8), T(2026, 3, 17, 12), "closed",
     "dissatisfied", False, None, "井盖松动", "安全隐患"),
    ("B2", "T1C2G1", T(2026, 3, 17, 15), T(2026, 3, 17, 15, 5), T(2026, 3, 18, 15), T(2026, 3, 17, 18), "closed",
     None, False, None, "占道经营", "城市管理"),
    # open cases of every deadline state at 14:00
    ("C1", "T1C2G2", T(2026, 3, 10, 9), T(2026, 3, 10, 9, 30), T(2026, 3, 11, 9), None, "in_progress",
     None, False, "13611112222", "<script>alert(1)</script>", "安全隐患"),  # L3: late by > its limit
    ("C2", "T2V1G2", T(2026, 3, 17, 10), T(2026, 3, 17, 10, 5), T(2026, 3, 18, 10), None, "open",
     None, False, "15800003333", "楼道堆物", "环境卫生"),  # L2: 4 h late, limit 24 h
    ("C3", "T1C1G1M2", T(2026, 3, 17, 22), T(2026, 3, 17, 23), T(2026, 3, 18, 16), None, "open",
     None, False, "18600004444", "漏水", "民生服务"),  # L1: 16 of 18 h used
    ("C4", "T2V1G2", T(2026, 1, 5, 9), T(2026, 1, 5, 10), T(2026, 1, 6, 9), T(2026, 3, 18, 12), "closed",
     None, False, None, "老旧积案", "矛盾纠纷"),  # open yesterday at 14:00 (L3), closed today at 12:00
    ("C5", "T1C1G2", T(2026, 2, 1, 9), T(2026, 2, 1, 9, 30), T(2026, 3, 30, 9), None, "in_progress",
     None, True, "13500005555", "督办件", "城市管理"),  # L3: supervised
    ("C6", "T1C1G2", T(2026, 3, 16, 9), None, T(2026, 3, 17, 9), None, "cancelled",
     None, False, None, "作废", "城市管理"),
]


@pytest.fixture(scope="module")
def con(empty_db_file, tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """The hand-made county, built once for the module (its tests only read)."""
    c = store.connect(copy_db(empty_db_file, tmp_path_factory.mktemp("bigscreen")))
    yield fill(c)
    c.close()


def fill(fresh_db: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    rows = [(*u, 117.05 + 0.01 * i, 35.05 + 0.01 * i, SQUARE if u[2] in ("county", "town", "grid") else None)
            for i, u in enumerate(UNITS)]
    fresh_db.executemany("INSERT INTO units (unit_id, parent_id, level, name, grid_type, households, lon, lat, boundary)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    fresh_db.executemany(
        "INSERT INTO cases (case_id, unit_id, reported_at, responded_at, due_at, closed_at, status, satisfaction,"
        " supervised, reporter_phone, title, category, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'hotline')",
        CASES,
    )
    fresh_db.execute("UPDATE cases SET department = '水务局' WHERE case_id = 'C3'")
    store.rebuild_unit_closure(fresh_db)
    return fresh_db


@pytest.fixture(scope="module")
def data(con) -> board.Live:
    return board.live(con, as_of=AS_OF, stale_after=STALE)


# --- tiles -------------------------------------------------------------------------------------


def test_tiles_by_hand(data):
    assert data.ok
    today, yesterday = data.kpis["today"], data.kpis["yesterday"]
    assert (today["received"], today["closed"]) == (3, 1)  # A1 A2 A3 (A4 cancelled); A1 closed
    assert (yesterday["received"], yesterday["closed"]) == (2, 1)  # B1 (closed), C2; B2 and C3 came after 14:00
    assert today["closure_rate"] == pytest.approx(1 / 3)
    assert today["median_response_min"] == pytest.approx(20.0)  # A1 10 min, A2 30 min
    assert today["satisfaction_rate"] == 1.0 and yesterday["satisfaction_rate"] == 0.0
    # open now: C1 L3, C2 L2, C3 L1, C5 L3 (supervised), A2 and A3 on track
    assert data.open_now == {"L1": 1, "L2": 1, "L3": 2, "on_track": 2, "open": 6, "overdue": 3}
    # yesterday 14:00: C1 L3, C2 on track (4 of 24 h), C4 L3, C5 L3
    assert data.open_before == {"L1": 0, "L2": 0, "L3": 3, "on_track": 1, "open": 4, "overdue": 3}


def test_tiles_come_from_the_metric_engine(con, data):
    for name, p in board.windows(AS_OF).items():
        assert data.kpis[name] == engine.kpis(con, **p.window()), name
    tiles = {t.key: t for pair in view.tiles(data) for t in pair}
    assert len(tiles) == 12
    assert tiles["today_received"].label == "今日受理"
    assert tiles["today_received"].value == "3"
    assert tiles["today_received"].delta == "+1 (+50.0 %)"
    assert tiles["today_received"].compare == "较昨日同时"
    assert tiles["today_satisfaction_rate"].delta == "+100.0 个百分点"
    assert tiles["today_satisfaction_rate"].delta_color == "normal"  # up is good
    assert tiles["now_open_now"].value == "6" and tiles["now_open_now"].delta == "+2 (+50.0 %)"
    assert tiles["now_open_now"].delta_color == "inverse"  # more open cases is bad: red
    assert tiles["now_overdue_now"].delta == "0" and tiles["now_overdue_now"].delta_arrow == "off"  # 3 → 3: grey
    assert tiles["month_closure_rate"].compare == "较上月同期"
    first = [pair[0].key for pair in view.tiles(data)]
    assert first[0] == "today_received"  # the first tile on the screen


def test_month_tiles_from_the_cache_are_the_same(con, data):
    month = board.month_kpis(con, as_of=AS_OF)
    again = board.live(con, as_of=AS_OF, stale_after=STALE, month=month)
    assert again.kpis == data.kpis


# --- open cases through the backlog --------------------------------------------------------------


@pytest.mark.parametrize("hours", [0, 1, 2, 3, 5, 8, 13, 21, 30, 36])
def test_open_counts_equal_deadlines_counts(con, hours):
    """The backlog + recent cases formulation gives the DESIGN.md counts at any later moment."""
    log = board.backlog(con, since=board.backlog_since(AS_OF))
    as_of = AS_OF + dt.timedelta(hours=hours)
    rows = board.open_by_grid(con, as_of=as_of, unit="C", log=log)
    for moment, at in (("now", as_of), ("before", as_of - dt.timedelta(days=1))):
        expected = deadlines.counts(con, as_of=at)
        got = board.open_counts(rows, moment)
        assert {k: got[k] for k in expected} == expected, (moment, at)
        assert got["overdue"] == expected["L2"] + expected["L3"]
    for unit in ("T1", "T2", "T1C1"):
        rows = board.open_by_grid(con, as_of=as_of, unit=unit, log=log)
        assert {k: v for k, v in board.open_counts(rows).items() if k != "overdue"} == \
            deadlines.counts(con, as_of=as_of, unit=unit)


def test_backlog_holds_only_old_unfinished_cases(con):
    log = board.backlog(con, since=board.backlog_since(AS_OF))
    assert log.since == dt.datetime(2026, 3, 17)
    assert sorted(log.table.column("case_id").to_pylist()) == ["C1", "C4", "C5"]  # C6 cancelled
    with pytest.raises(ValueError, match="cannot answer"):
        board.open_by_grid(con, as_of=dt.datetime(2026, 3, 16), unit="C", log=log)


def test_grid_counts_roll_micro_grids_up(data):
    assert data.grids["T1C1G1"] == {"open": 1, "overdue": 0, "L1": 1, "L2": 0, "L3": 0}  # C3 in micro-grid M2
    assert data.grids["T1C1G2"]["open"] == 2 and data.grids["T1C1G2"]["overdue"] == 1  # A2, C5
    assert sum(g["open"] for g in data.grids.values()) == data.open_now["open"]


# --- deadline wall -------------------------------------------------------------------------------


def test_deadline_wall_groups_states_with_department_and_full_grid_names(con, data):
    open_now = deadlines.open_cases(con, as_of=AS_OF, limit=50)
    # one group per state, 临期 first (the cases staff can still save); least time left first within
    # a group: C1 (7 days late) before C5 (L3 by supervision, due in 12 days)
    expected = [r["case_id"] for s in deadlines.STATES for r in open_now if r["deadline_state"] == s]
    assert [r["case_id"] for r in data.wall] == expected == ["C3", "C2", "C1", "C5"]
    assert [r["deadline_state"] for r in data.wall] == ["L1", "L2", "L3", "L3"]
    assert [r["phone"] for r in data.wall] == ["186****4444", "158****3333", "136****2222", "135****5555"]
    assert all("reporter_phone" not in r for r in data.wall)
    c3 = data.wall[0]
    assert (c3["grid_name"], c3["community_name"], c3["town_name"]) == ("幸福社区第一网格", "幸福社区", "城关街道")
    assert c3["department"] == "水务局"
    html = view.wall(data.wall, data.open_now)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert re.findall(r'data-case="(\w+)"', html) == ["C3", "C2", "C1", "C5"]
    assert re.findall(r'data-group="(\w+)"', html) == ["L1", "L2", "L3"]
    assert "13611112222" not in html and "136****2222" in html
    assert "临期 1 · 超期 1 · 严重超期 2" in html
    assert "临期 1 件" in html and "严重超期 2 件" in html and "水务局" in html
    assert 'title="城关街道 · 幸福社区 · 幸福社区第一网格"' in html  # the full path as the grid's tooltip
    assert "超7天5时" in html  # C1: due 11 March 09:00, 7 days 5 hours ago
    assert "…" not in html


def test_deadline_wall_shares_its_rows_between_the_states(con):
    assert backlog.share_slots({"L1": 13, "L2": 9, "L3": 9}, 12) == {"L1": 4, "L2": 4, "L3": 4}
    assert backlog.share_slots({"L1": 1, "L2": 20, "L3": 9}, 12) == {"L1": 1, "L2": 6, "L3": 5}
    assert backlog.share_slots({"L1": 0, "L2": 2, "L3": 1}, 12) == {"L1": 0, "L2": 2, "L3": 1}
    assert backlog.share_slots({"L1": 5, "L2": 5, "L3": 5}, 0) == {"L1": 0, "L2": 0, "L3": 0}
    log = backlog.backlog(con, since=backlog.backlog_since(AS_OF))
    two = backlog.deadline_wall(con, as_of=AS_OF, unit="C", log=log, limit=2)
    assert [r["case_id"] for r in two] == ["C3", "C2"]  # one 临期, one 超期: the 临期 case always shows
    three = backlog.deadline_wall(con, as_of=AS_OF, unit="C", log=log, limit=3)
    assert [r["case_id"] for r in three] == ["C3", "C2", "C1"]


def test_long_grid_names_take_two_lines_not_an_ellipsis():
    row = {"case_id": "X", "deadline_state": "L1", "minutes_left": 30, "grid_name": "小柏官庄村第1网格第二片区专属网格",
           "community_name": "小柏官庄村", "town_name": "泗张镇", "department": None, "title": "t", "phone": None}
    html = view.wall([row], {"L1": 3})
    assert '<td class="grid long" title="泗张镇 · 小柏官庄村 · 小柏官庄村第1网格第二片区专属网格">' in html
    assert ">小柏官庄村第1网格第二片区专属网格<" in html and "显示最紧迫的 1 件" in html
    assert "超期 0 件" in html  # an empty group still says so


def test_one_label_per_definition():
    """Every label a screen shows for a number (catalogue counts and metrics, KPI extra columns, the
    wall's tiles) names one definition: 当前超期 (every open case past due now) and the catalogue's
    本期超期未办结 (the period's cases) never share a word."""
    from gridboard.core import catalog
    from gridboard.metrics import kpi_views

    pred = {c.key: c.predicate for c in catalog.COUNTS}

    def definition(m: catalog.Metric) -> tuple:
        if m.key not in catalog.METRIC_BY_KEY and m.key not in catalog.COUNT_BY_KEY:
            return ("own", m.key)  # a definition of its own (wall now-counts, within_share)
        if m.kind == "count":
            return ("count", pred[m.numerator])
        return (m.kind, pred[m.numerator], pred[m.denominator], m.value, m.quantile)

    seen: dict[str, set] = {}
    metrics = [*catalog.METRICS, *kpi_views.EXTRA_METRICS.values(), *view.WALL_METRICS]
    for c in catalog.COUNTS:
        seen.setdefault(c.zh, set()).add(("count", c.predicate))
        seen.setdefault(c.en, set()).add(("count", c.predicate))
    for m in metrics:
        for label in {m.zh, m.en, m.short("zh"), m.short("en")}:
            seen.setdefault(label, set()).add(definition(m))
    dead = board.Live(board.Freshness(AS_OF, None, STALE, error="closed"))
    for lang in ("zh", "en"):
        for pair in view.tiles(dead, lang):
            for tile in pair:
                window, key = tile.key.split("_", 1)
                m = view.WALL_METRICS_BY_KEY.get(key) or catalog.METRIC_BY_KEY[key]
                # "now" tiles carry the metric's own label; 今日/本月 tiles add their window to it
                seen.setdefault(tile.label, set()).add(definition(m) if window == "now" else (window, definition(m)))
    clashes = {label: d for label, d in seen.items() if len(d) > 1}
    assert clashes == {}
    assert catalog.METRIC_BY_KEY["overdue_open"].zh == "本期超期未办结"
    assert {t.label for pair in view.tiles(dead) for t in pair} >= {"当前超期（全部在办）", "当前在办（全部）"}
    assert not any(label in ("超期未办结", "当前超期") for label in seen)  # the old, ambiguous words


def test_span_texts():
    assert view.span_text(-(3 * 1440 + 4 * 60 + 5)) == "3天4时"
    assert view.left_text(125) == "剩2时5分"
    assert view.left_text(-12.5) == "超12分"
    assert view.left_text(125, "en") == "2h5m left" and view.left_text(-3000, "en") == "2d2h late"


# --- feed and hourly ------------------------------------------------------------------------------


def test_feed_newest_first_without_cancelled(data):
    # a day before the newest case (13:30): C2 (yesterday 10:00) and B1 (08:00) are older
    assert [r["case_id"] for r in data.feed] == ["A3", "A2", "A1", "C3", "B2"]
    assert data.feed[0]["town_name"] == "东湖镇"
    html = view.feed(data.feed, AS_OF)
    assert "A4" not in html and "13:30" in html and "03-17" in html
    assert "【环境卫生】" not in html and "垃圾满溢" in html  # the category has its own column


def test_hourly_series(data):
    assert len(data.hours) == 24
    assert data.hours[-1]["hour"] == dt.datetime(2026, 3, 18, 14) and data.hours[0]["hour"] == dt.datetime(2026, 3, 17, 15)
    today = [h for h in data.hours if h["hour"].date() == AS_OF.date()]
    assert sum(h["received"] for h in today) == data.kpis["today"]["received"]
    closed = {h["hour"].hour: h["closed"] for h in today if h["closed"]}
    assert closed == {12: 1, 13: 1}  # C4 at 12:00, A1 at 13:00
    assert data.hours[0]["received"] == 1  # B2 at 15:00 yesterday


# --- freshness --------------------------------------------------------------------------------------


def test_freshness_states(con):
    assert board.freshness(con, as_of=AS_OF, stale_after=STALE).state == "fresh"  # A3 30 min ago
    stale = board.freshness(con, as_of=AS_OF, stale_after=dt.timedelta(minutes=20))
    assert stale.state == "stale" and stale.newest == T(2026, 3, 18, 13, 30)
    later = board.freshness(con, as_of=AS_OF + dt.timedelta(days=5), stale_after=STALE)
    assert later.state == "stale" and later.newest == T(2026, 3, 18, 13, 30)  # found beyond the lookback
    assert board.freshness(con, as_of=T(2025, 1, 1), stale_after=STALE).state == "empty"


def test_stamp_texts():
    fresh = board.Freshness(AS_OF, T(2026, 3, 18, 13, 58, 7), STALE)
    assert 'data-state="fresh"' in view.stamp(fresh) and "数据更新于 14:00:00 · 最新事件 13:58:07" in view.stamp(fresh)
    stale = board.Freshness(AS_OF, T(2026, 3, 18, 12, 45), STALE)
    assert "⚠ 已 1时15分 无新事件（最新事件 12:45:00） · 刷新于 14:00:00" in view.stamp(stale)
    old = board.Freshness(AS_OF, T(2025, 11, 23, 14, 36), STALE)
    assert "最新事件 2025-11-23 14:36" in view.stamp(old) and 'class="bs-stamp stale"' in view.stamp(old)
    error = board.Freshness(AS_OF, None, STALE, error="IO Error: <disk>")
    assert "数据库无法读取" in view.stamp(error) and "&lt;disk&gt;" in view.stamp(error)
    assert "Data updated 14:00:00" in view.stamp(fresh, "en")


def test_unreadable_database_shows_no_numbers(con):
    def broken() -> duckdb.DuckDBPyConnection:
        raise store.StoreError("cannot open database: disk gone")

    data = board.read_live(broken, lambda func, **kw: func(con, **kw), as_of=AS_OF, stale_after=STALE)
    assert not data.ok and data.freshness.state == "error" and "disk gone" in data.freshness.error
    tiles = [t for pair in view.tiles(data) for t in pair]
    assert len(tiles) == 12 and {t.value for t in tiles} == {"—"} and {t.delta for t in tiles} == {None}

    def failing_cache(func, *args, **kw):
        raise duckdb.IOException("IO Error: read failed")

    assert board.read_live(lambda: con, failing_cache, as_of=AS_OF, stale_after=STALE).freshness.state == "error"
    assert board.read_slow(failing_cache, now=AS_OF) is None


def test_read_live_through_caches_equals_live(con, data):
    calls = []

    def cached(func, *args, **kwargs):
        calls.append(func.__name__)
        return func(con, *args, **kwargs)

    got = board.read_live(con.cursor, cached, as_of=AS_OF, stale_after=STALE)
    assert calls == ["backlog", "month_kpis"]
    assert got.kpis["month"] == engine.kpis(con, **board.windows(board.slow_as_of(AS_OF))["month"].window())
    assert (got.open_now, got.wall, got.feed) == (data.open_now, data.wall, data.feed)


# --- options, rotation, slow panels -----------------------------------------------------------


class _Cfg(dict):
    pass


def test_options():
    cfg = _Cfg(refresh_seconds=30, stale_after_minutes=45)
    assert board.options({}, cfg) == board.Options(30, None, dt.timedelta(minutes=45))
    assert board.options({"refresh": "5"}, cfg).refresh_s == 5
    assert board.options({"refresh": "1"}, cfg).refresh_s == 5  # at least 5 s
    assert board.options({"refresh": "soon"}, cfg).refresh_s == 30
    assert board.options({"rotate": "60", "unit": "T2", "lang": "en"}, cfg) == \
        board.Options(30, 60, dt.timedelta(minutes=45), "T2", "en")
    assert board.options({"lang": "fr"}, cfg).lang is None


def test_rotation_and_views(con):
    assert board.views(con) == [("C", "测试县"), ("T1", "城关街道"), ("T2", "东湖镇")]
    t0 = dt.datetime.fromtimestamp(180 * 1000)
    assert [board.rotation_index(t0 + dt.timedelta(seconds=s), 60, 3) for s in (0, 59, 60, 125, 180)] == [0, 0, 1, 2, 0]
    assert board.rotation_index(t0, None, 3) == 0


def test_town_view_counts_only_the_town(con):
    town = board.live(con, as_of=AS_OF, stale_after=STALE, unit="T2")
    assert town.kpis["today"]["received"] == 1 and town.open_now["open"] == 2  # A3; C2 and A3
    assert {r["case_id"] for r in town.wall} == {"C2"} and [r["case_id"] for r in town.feed] == ["A3"]


def test_slow_panels(con):
    slow = board.read_slow(lambda func, *a, **kw: func(con, *a, **kw), now=AS_OF + dt.timedelta(seconds=299))
    assert slow.as_of == AS_OF and slow.shown_days() == (dt.date(2026, 2, 17), dt.date(2026, 3, 19))
    assert sum(r["received"] for r in slow.days) == 8  # all but C4, C5 (older) and the cancelled
    assert {r["group_id"]: r["received"] for r in slow.categories}["城市管理"] == 2
    # 8 cases this month in six grids (A1 and C3 in micro-grids of T1C1G1): every grid with a case
    # is ranked (shrunk toward its parent, issue #12), split into a best and a worst half
    grids = slow.grids
    assert grids["level"] == "grid" and grids["ranked"] == 6
    best = [r["unit_id"] for r in grids["best"]]
    worst = [r["unit_id"] for r in grids["worst"]]
    assert len(best) == len(worst) == 3 and not set(best) & set(worst)
    assert set(best) | set(worst) == {"T1C1G1", "T1C1G2", "T2V1G1", "T1C2G1", "T1C2G2", "T2V1G2"}
    best_ranks, worst_ranks = [r["rank"] for r in grids["best"]], [r["rank"] for r in grids["worst"]]
    assert best_ranks == sorted(best_ranks) and best_ranks[0] == 1  # best first (ties share a rank)
    assert worst_ranks == sorted(worst_ranks, reverse=True) and max(best_ranks) <= min(worst_ranks)


def test_grid_extremes_do_not_overlap(monkeypatch, con):
    from gridboard.ranking import gridindex

    fake = [gridindex.UnitScore(f"G{i}", f"网格{i}", None, 30, None, {}, {}, 90 - i, 5, rank=i + 1) for i in range(7)]
    monkeypatch.setattr(gridindex, "scores", lambda *a, **k: fake)
    got = board.grid_extremes(con, as_of=AS_OF, n=5)
    assert [r["unit_id"] for r in got["best"]] == ["G0", "G1", "G2", "G3"]
    assert [r["unit_id"] for r in got["worst"]] == ["G6", "G5", "G4"] and got["level"] == "grid"


def test_grid_list_escapes_names():
    html = view.grid_list("前5", [{"rank": 1, "name": "<i>网格</i>", "score": 91.25, "stars": 5}], "无", "best")
    assert "&lt;i&gt;网格&lt;/i&gt;" in html and "91.2" in html and "★★★★★" in html


# --- charts and map -----------------------------------------------------------------------------


def test_charts_are_escaped_data_uri_pictures(data):
    assert [charts.nice_max(v) for v in (0, 1, 3, 7, 180, 401)] == [2, 2, 4, 10, 200, 1000]
    picture = charts.categories([{"group_name": "<b>x</b>", "received": 3}])
    assert picture.startswith('<img class="bs-chart"') and "src=\"data:image/svg+xml;base64," in picture
    assert "&lt;b&gt;x&lt;/b&gt;" in charts.svg(10, 10, [charts._text(1, 1, "<b>x</b>")])
    assert 'data-testid="bs-hourly"' in charts.hourly(data.hours)
    start, end = dt.date(2026, 3, 1), dt.date(2026, 3, 19)
    assert 'data-testid="bs-trend"' in charts.trend([{"group_id": "2026-03-18", "received": 3, "closed": 1,
                                                       "closure_rate": 1 / 3}], start, end)


def test_map_is_offline_and_fits_the_county(con, data):
    mb = maps.base(con)
    assert mb.county_id == "C" and len(mb.towns["features"]) == 2 and len(mb.grids["features"]) == 6
    assert [t["name"] for t in mb.town_labels] == ["城关街道", "东湖镇"]
    assert mb.bounds_of(None) == (117.0, 35.0, 117.2, 35.2)
    deck = json.loads(maps.wall_deck(mb, data.grids, focus="T1").to_json())
    assert deck["mapStyle"] == "__MAP_STYLE__"  # pydeck's sentinel: Streamlit adds no basemap
    text = json.dumps(deck)
    assert "http" not in text and "mapbox" not in text.lower() and "carto" not in text.lower()
    layers = {layer["id"]: layer for layer in deck["layers"]}
    assert layers["town-names"]["characterSet"] == "auto" and layers["town-names"]["sizeUnits"] == "pixels"
    assert "Noto Sans CJK SC" in layers["town-names"]["fontFamily"]
    assert sum(c["open"] for c in layers["open"]["data"]) == 4  # the T1 grids only: A2, C1, C3, C5
    assert sorted(d["overdue"] for d in layers["overdue"]["data"]) == [1, 1]
    assert {tuple(c["colour"][:3]) for c in layers["open"]["data"]} >= {(239, 68, 68), (63, 167, 255)}
    assert [f["properties"]["unit_id"] for f in layers["focus"]["data"]["features"]] == ["T1"]
    view_state = deck["initialViewState"]
    assert view_state["longitude"] == pytest.approx(117.1) and 9 < view_state["zoom"] < 13
    named = {d["name"] for d in layers["overdue-names"]["data"]}
    assert named and named <= {d["name"] for d in layers["overdue"]["data"]} <= {u[3] for u in UNITS}


def test_red_dot_labels_never_overlap():
    view = {"zoom": 12.0}
    town = [{"name": "城关街道", "position": [117.0, 35.0]}]
    near = [{"position": [117.2, 35.1], "overdue": 3, "name": "幸福社区第一网格"},
            {"position": [117.2005, 35.1], "overdue": 5, "name": "幸福社区第二网格"},  # a few pixels away
            {"position": [117.3, 35.1], "overdue": 1, "name": "李家村第一网格"},  # far away
            {"position": [117.0, 34.996], "overdue": 9, "name": "城关网格"}]  # its label on the town name
    kept = maps.label_without_overlap(near, town, view)
    assert [k["name"] for k in kept] == ["幸福社区第二网格", "李家村第一网格"]  # most overdue of the pair wins
    assert maps.label_without_overlap(near, town, {"zoom": 20.0})[0]["name"] == "城关网格"  # zoomed in: room


def test_refresh_benchmark_runs(con):
    bench = board.RefreshBench()
    first = bench(con, AS_OF)
    assert first.ok and bench(con, AS_OF).open_now == first.open_now


def test_scope_line(con):
    views = board.views(con)
    assert ">测试县 · 网格化社会治理<" in view.scope(views, "C", None)
    assert "测试县 · 东湖镇 · 网格化社会治理" in view.scope(views, "T2", None)
    assert "测试县 · 城关街道　轮播 2/3" in view.scope(views, "T1", 1)
