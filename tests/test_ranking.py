"""Ranking library (gridboard.ranking, gridboard.ranking_tables): rank change against the previous
period, honour and red lists, the difference explained in points, the grid-type filter, the
12-month trend and the cases behind each component, on small hand-made counties."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from gridboard.db import store
from gridboard.ranking import gridindex, league
from gridboard.ranking.gridindex import COMPONENTS, UnitScore
from gridboard.render import ranking_tables as tables

JAN = (dt.datetime(2026, 1, 1), dt.datetime(2026, 2, 1))
DEC = (dt.datetime(2025, 12, 1), dt.datetime(2026, 1, 1))
NOV = (dt.datetime(2025, 11, 1), dt.datetime(2025, 12, 1))
AS_OF = dt.datetime(2026, 2, 15)
WEIGHTS = {"on_time_rate": 0.3, "closure_rate": 0.2, "satisfaction_rate": 0.25, "response": 0.1,
           "grid_resolved_rate": 0.15}


def settings(**kw) -> gridindex.IndexSettings:
    base = {"weights": WEIGHTS, "response_target_min": 30.0, "k": 20.0, "min_cases": 20}
    base.update(kw)
    return gridindex.IndexSettings(**base)


def add_grid(con, grid: str, parent: str, grid_type: str = "general", households: int | None = 400) -> None:
    con.execute(
        "INSERT INTO units (unit_id, parent_id, level, name, grid_type, households) "
        "VALUES ($g, $p, 'grid', $g || '网格', $t, $h)",
        {"g": grid, "p": parent, "t": grid_type, "h": households},
    )


def add_cases(con, grid: str, n: int, *, good: float, month: dt.datetime = JAN[0], response_min: float = 20.0,
              surveyed: bool = True) -> None:
    """n cases reported on the 2nd of `month`: the first round(good·n) closed on time, satisfied and
    resolved in the grid; the others closed late, dissatisfied and resolved by the town."""
    con.execute(
        """
        INSERT INTO cases (case_id, unit_id, reported_at, responded_at, closed_at, due_at, status,
                           handled_level, satisfaction, reporter_phone)
        SELECT $g || '-' || strftime($m, '%Y%m%d') || '-' || i, $g,
               $m + INTERVAL 1 DAY + INTERVAL (i % 600) MINUTE,
               $m + INTERVAL 1 DAY + INTERVAL (i % 600) MINUTE + to_microseconds(CAST($resp * 60e6 AS BIGINT)),
               $m + INTERVAL 1 DAY + INTERVAL (i % 600) MINUTE + INTERVAL (CASE WHEN i < $ng THEN 2 ELSE 30 END) HOUR,
               $m + INTERVAL 1 DAY + INTERVAL (i % 600) MINUTE + INTERVAL 24 HOUR,
               'closed',
               CASE WHEN i < $ng THEN 'grid' ELSE 'town' END,
               CASE WHEN NOT $surveyed THEN NULL WHEN i < $ng THEN 'satisfied' ELSE 'dissatisfied' END,
               '13812345678'
        FROM range($n) t(i)
        """,
        {"g": grid, "n": n, "ng": round(good * n), "resp": response_min, "m": month, "surveyed": surveyed},
    )


@pytest.fixture
def county(fresh_db):
    """County CTY: town T1 with communities M1, M2; town T2 with village V1."""
    fresh_db.execute(
        "INSERT INTO units (unit_id, parent_id, level, name) VALUES "
        "('CTY', NULL, 'county', '县'), ('T1', 'CTY', 'town', '一镇'), ('T2', 'CTY', 'town', '二镇'),"
        "('M1', 'T1', 'community', '一社区'), ('M2', 'T1', 'community', '二社区'), ('V1', 'T2', 'village', '一村')"
    )
    return fresh_db


def scored(con, period=JAN, level="grid", **kw) -> list[UnitScore]:
    store.rebuild_unit_closure(con)
    grid_type = kw.pop("grid_type", None)
    return gridindex.scores(con, level, settings(**kw), start=period[0], end=period[1], as_of=AS_OF, grid_type=grid_type)


def by_id(units: list[UnitScore]) -> dict[str, UnitScore]:
    return {u.unit_id: u for u in units}


# --- rank change -------------------------------------------------------------------------------


def test_rank_change_against_the_previous_period(county):
    # December order: A, B, C; January order: C, S, A, N, B; N is new in January; S has 5 cases
    for g in ("A", "B", "C", "N", "S"):
        add_grid(county, g, "M1")
    for g, dec, jan in (("A", 0.95, 0.90), ("B", 0.90, 0.80), ("C", 0.80, 0.97)):
        add_cases(county, g, 100, good=dec, month=DEC[0])
        add_cases(county, g, 100, good=jan)
    add_cases(county, "N", 100, good=0.85)
    add_cases(county, "S", 5, good=1.0)
    rows = {r.unit.unit_id: r for r in league.league(scored(county, JAN), scored(county, DEC))}
    # every grid with a case is ranked: S's five perfect cases, shrunk toward M1, below C (200 cases at 97 %)
    assert [rows[g].unit.rank for g in ("C", "S", "A", "N", "B")] == [1, 2, 3, 4, 5]
    assert (rows["C"].previous_rank, rows["C"].change, league.change_text(rows["C"])) == (3, 2, "▲2")
    # A fell two places but its bands overlap (90 % → 95 % on 100 cases each): no arrow, "−2"
    assert rows["A"].change == -2 and not rows["A"].significant and league.change_text(rows["A"]) == "−2"
    assert rows["A"].unit.band_high >= rows["A"].previous_band[0]
    # B fell three places with bands apart: ▼3
    assert rows["B"].significant and rows["B"].unit.band_high < rows["B"].previous_band[0]
    assert (rows["B"].change, league.change_text(rows["B"])) == (-3, "▼3")
    assert rows["N"].previous_rank is None and league.change_text(rows["N"], "new") == "new"
    assert rows["S"].unit.rank == 2 and league.change_text(rows["S"]) == "新"
    assert rows["C"].previous_score == pytest.approx(by_id(scored(county, DEC))["C"].score)


def test_same_place_shows_a_dash():
    u = UnitScore("G", "G", "P", 50, None, {}, {}, 80.0, 4, rank=3)
    assert league.change_text(league.LeagueRow(u, 3, 79.0)) == "—"


# --- honour and red lists ----------------------------------------------------------------------


def ranked_units(scores: list[float | None], cases: int = 100) -> list[UnitScore]:
    units = [
        UnitScore(f"U{i:02d}", f"U{i:02d}", "P", cases if s is not None else 3, None, {}, dict.fromkeys(COMPONENTS, 0.9),
                  s, gridindex.stars(s), enough_data=s is not None)
        for i, s in enumerate(scores)
    ]
    gridindex._rank(units)
    return units


def test_honour_and_red_lists_take_ten_each_worst_first():
    units = ranked_units([50.0 + i for i in range(25)] + [None, None])
    honour, red = league.honour_and_red(units)
    assert [u.rank for u in honour] == list(range(1, 11))
    assert [u.rank for u in red] == list(range(25, 15, -1))  # 后10名, the very last first
    assert [u.score for u in red][0] == 50.0
    assert not {u.unit_id for u in honour} & {u.unit_id for u in red}
    assert all(u.enough_data for u in honour + red)  # 数据不足 units are on neither list


def test_lists_split_a_short_table_and_never_overlap():
    honour, red = league.honour_and_red(ranked_units([90, 85, 80, 75, 70, 65, 60]))
    assert [u.rank for u in honour] == [1, 2, 3] and [u.rank for u in red] == [7, 6, 5]
    assert league.honour_and_red(ranked_units([90.0])) == ([], [])
    # a tie on the edge of the honour list stays on it and off the red list
    honour, red = league.honour_and_red(ranked_units([90, 80, 80, 70]), size=2)
    assert [u.rank for u in honour] == [1, 2, 2] and [u.rank for u in red] == [4]


# --- points and "explain the difference" -------------------------------------------------------


def test_points_add_up_to_the_score(county):
    add_grid(county, "A", "M1")
    add_cases(county, "A", 100, good=0.9, response_min=60)
    u = by_id(scored(county))["A"]
    w = settings().normalised_weights()
    assert sum(league.points(u, w).values()) == pytest.approx(u.score)
    assert sum(league.points(u, w).values()) + sum(league.lost_points(u, w).values()) == pytest.approx(100)


def test_explain_two_units_parts_sum_to_the_score_difference(county):
    for g in ("A", "B"):
        add_grid(county, g, "M1")
    add_cases(county, "A", 120, good=0.95, response_min=10)
    add_cases(county, "B", 150, good=0.75, response_min=25)
    units = by_id(scored(county))
    cmp = league.compare(units["A"], units["B"], settings())
    assert sum(p.difference for p in cmp.parts) == pytest.approx(units["A"].score - units["B"].score)
    assert cmp.difference == pytest.approx(units["A"].score - units["B"].score)
    diffs = [abs(p.difference) for p in cmp.parts]
    assert diffs == sorted(diffs, reverse=True) and len(cmp.parts) == len(COMPONENTS)
    # both respond within the target: the largest part is on_time_rate (the biggest weight, the same
    # gap as the other rates), and response makes no difference
    assert cmp.parts[0].component == "on_time_rate"
    assert cmp.parts[-1].component == "response" and cmp.parts[-1].difference == pytest.approx(0)
    w = settings().normalised_weights()
    for p in cmp.parts:
        assert p.difference == pytest.approx(100 * w[p.component] * (p.a_value - p.b_value))


def test_explain_a_unit_across_two_periods(county):
    add_grid(county, "A", "M1")
    add_grid(county, "B", "M1")
    add_cases(county, "A", 100, good=0.7, month=DEC[0], response_min=60)
    add_cases(county, "A", 100, good=0.7, month=JAN[0], response_min=15)  # only the response got faster
    add_cases(county, "B", 100, good=0.8, month=DEC[0], response_min=60)
    add_cases(county, "B", 100, good=0.8, month=JAN[0], response_min=60)
    now, before = by_id(scored(county, JAN))["A"], by_id(scored(county, DEC))["A"]
    cmp = league.compare(now, before, settings())
    assert sum(p.difference for p in cmp.parts) == pytest.approx(now.score - before.score)
    assert cmp.parts[0].component == "response" and cmp.parts[0].difference > 0


def test_explain_with_a_missing_component_renormalises(county):
    # nobody in community M2 was surveyed: satisfaction has no value for its grids (nor their parent)
    add_grid(county, "A", "M1")
    add_grid(county, "Z", "M2")
    add_cases(county, "A", 100, good=0.9)
    add_cases(county, "Z", 100, good=0.9, surveyed=False)
    units = by_id(scored(county))
    assert units["Z"].components["satisfaction_rate"] is None
    w = settings().normalised_weights()
    assert sum(league.points(units["Z"], w).values()) == pytest.approx(units["Z"].score)
    cmp = league.compare(units["A"], units["Z"], settings())
    assert sum(p.difference for p in cmp.parts) == pytest.approx(units["A"].score - units["Z"].score)
    assert league.weakest(units["A"], w) in COMPONENTS


# --- grid type filter, inputs fetched once -----------------------------------------------------


def test_grid_type_filter_reranks_within_the_filtered_set(county):
    for i, (g, t, good) in enumerate((("G1", "general", 0.95), ("D1", "dedicated", 0.9), ("G2", "general", 0.85),
                                      ("D2", "dedicated", 0.8), ("G3", "general", 0.75))):
        add_grid(county, g, "M1" if i % 2 == 0 else "V1", t)
        add_cases(county, g, 100, good=good)
    everyone = scored(county)
    dedicated = scored(county, grid_type="dedicated")
    general = scored(county, grid_type="general")
    assert [u.unit_id for u in dedicated] == ["D1", "D2"] and [u.rank for u in dedicated] == [1, 2]
    assert [u.unit_id for u in general] == ["G1", "G2", "G3"] and [u.rank for u in general] == [1, 2, 3]
    assert {u.grid_type for u in dedicated} == {"dedicated"}
    # the filter changes ranks, never scores, and keeps the overall order
    overall = by_id(everyone)
    assert all(u.score == pytest.approx(overall[u.unit_id].score) for u in dedicated + general)
    assert [u.unit_id for u in everyone if u.grid_type == "general"] == [u.unit_id for u in general]


def test_scoring_fetched_inputs_equals_scores_and_reranks_without_the_database(county):
    for g, good, resp in (("FAST", 0.80, 5), ("KIND", 0.98, 120)):
        add_grid(county, g, "M1")
        add_cases(county, g, 200, good=good, response_min=resp)
    store.rebuild_unit_closure(county)
    data = gridindex.inputs(county, "grid", start=JAN[0], end=JAN[1], as_of=AS_OF)
    assert [u.as_dict() for u in gridindex.from_inputs(data, settings())] == [u.as_dict() for u in scored(county)]
    county.execute("DELETE FROM cases")  # scoring needs no database any more
    speed = {**dict.fromkeys(COMPONENTS, 0.0), "response": 1.0}
    care = {**dict.fromkeys(COMPONENTS, 0.0), "satisfaction_rate": 1.0}
    assert gridindex.from_inputs(data, settings(weights=speed))[0].unit_id == "FAST"
    assert gridindex.from_inputs(data, settings(weights=care))[0].unit_id == "KIND"
    with pytest.raises(ValueError):
        gridindex.from_inputs(data, settings(weights=dict.fromkeys(COMPONENTS, 0.0)))


# --- 12-month trend ----------------------------------------------------------------------------


def test_monthly_trend_equals_one_month_scores(county):
    add_grid(county, "A", "M1")
    add_grid(county, "B", "M1")
    add_cases(county, "A", 60, good=0.9, month=NOV[0], response_min=40)
    add_cases(county, "A", 10, good=1.0, month=DEC[0])  # too few cases in December
    add_cases(county, "A", 80, good=0.7, month=JAN[0], response_min=15)
    for month in (NOV, DEC, JAN):
        add_cases(county, "B", 50, good=0.8, month=month[0], response_min=25)
    store.rebuild_unit_closure(county)
    start, end = league.trend_window(dt.date(2026, 1, 20), months=4)
    assert (start, end) == (dt.datetime(2025, 10, 1), dt.datetime(2026, 2, 1))
    rows = league.monthly_rows(county, "A", "M1", start=start, end=end, as_of=AS_OF)
    assert {r["grp"] for r in rows} == {"unit", "parent"}
    points = league.trend(rows, settings(), start=start, end=end)
    assert [p.month for p in points] == [dt.date(2025, 10, 1), dt.date(2025, 11, 1), dt.date(2025, 12, 1),
                                         dt.date(2026, 1, 1)]
    assert points[0].score is None and points[0].cases == 0  # no cases in October
    for p, month in zip(points[1:], (NOV, DEC, JAN), strict=True):
        expected = by_id(scored(county, month, star_mode="absolute"))["A"]  # a month alone: absolute stars
        assert p.score == pytest.approx(expected.score)
        assert p.cases == expected.cases and p.enough_data == expected.enough_data
        assert p.stars == expected.stars
    assert points[2].enough_data is True and points[2].cases == 10  # ten cases are scored, shrunk


# --- the cases behind each component -----------------------------------------------------------


def test_cases_behind_each_component(county):
    add_grid(county, "A", "M1")
    add_cases(county, "A", 40, good=0.75, response_min=45)
    add_cases(county, "A", 10, good=1.0, response_min=10, month=JAN[0] + dt.timedelta(days=10))
    store.rebuild_unit_closure(county)
    u = by_id(scored(county))["A"]
    window = {"unit": "A", "start": JAN[0], "end": JAN[1], "as_of": AS_OF, "target_min": 30.0}
    parts = {"on_time_rate": ("closed_on_time", "due_passed"), "closure_rate": ("closed", "received"),
             "satisfaction_rate": ("satisfied", "surveyed"), "grid_resolved_rate": ("closed_in_grid", "closed")}
    for component, (num, den) in parts.items():
        counted = league.component_cases(county, component, which="counted", **window)
        missed = league.component_cases(county, component, which="missed", **window)
        assert counted.total == u.counts[den], component
        assert missed.total == u.counts[den] - u.counts[num], component
    slow = league.component_cases(county, "response", which="missed", **window)
    assert slow.total == 40  # responded in 45 minutes, over the 30-minute target
    assert league.component_cases(county, "received", which="counted", **window).total == u.cases == 50
    page = league.component_cases(county, "closure_rate", which="counted", limit=5, offset=45, **window)
    assert page.total == 50 and len(page.rows) == 5


def test_levels_under():
    assert league.levels_under("county") == ("town", "community", "grid", "micro_grid")
    assert league.levels_under("village") == ("grid", "micro_grid")
    assert league.levels_under("micro_grid") == ()
    assert league.neighbour(["a", "b", "c"], "b") == "a" and league.neighbour(["a", "b"], "a") == "b"


# --- tables ------------------------------------------------------------------------------------


def test_tables(county):
    for g, t, good, households in (("A", "general", 0.9, 400), ("B", "dedicated", 0.8, 0)):
        add_grid(county, g, "M1", t, households)
        add_cases(county, g, 100, good=good)
    add_grid(county, "S", "M2")
    add_cases(county, "S", 4, good=1.0)
    current = scored(county)
    rows = league.league(current, [])
    frame = tables.league_frame(rows, parent_names={"M1": "一社区", "M2": "二社区"}, grid_types=True)
    # S (4 perfect cases, alone in M2: its parent's rate is its own) is ranked like the others
    assert list(frame["名称"]) == ["S网格", "A网格", "B网格"]
    assert list(frame["排名"]) == [1, 2, 3] and list(frame["排名变化"]) == ["新", "新", "新"]
    assert list(frame["网格类型"]) == ["一般网格", "一般网格", "专属网格"] and list(frame["所属"])[1] == "一社区"
    assert pd.isna(frame["每千户事件数"].iloc[2]) and frame["每千户事件数"].iloc[1] == pytest.approx(250.0)
    assert frame["网格指数"].iloc[1] == pytest.approx(round(current[1].score, 1))
    # shrunk figures are labelled, the raw rate with its n beside them
    a = current[1]
    assert frame["按时办结·收缩"].iloc[1] == pytest.approx(round(100 * a.components["on_time_rate"], 1))
    assert frame["按时办结·原始(n)"].iloc[1] == "90.0% (90/100)" and frame["办结率·原始(n)"].iloc[1] == "100.0% (100/100)"
    assert frame["90%区间"].iloc[1] == f"{a.band_low:.1f}–{a.band_high:.1f}"
    en = tables.league_frame(rows, lang="en")
    assert {"Rank", "Change", "Index", "On time (shrunk)", "On time raw (n)", "Cases", "90 % band"} <= set(en.columns)

    w = settings().normalised_weights()
    comps = tables.components_frame(current[1], settings())
    assert comps["得分(分)"].sum() == pytest.approx(current[1].score, abs=0.02)
    assert list(comps["计入事件"]) == [current[1].counts[k] for k in
                                    ("due_passed", "received", "surveyed", "responded", "closed")]
    listed = tables.list_frame(current[1:], rows, w)
    assert list(listed["主要失分项（相对上级）"]) == [tables.component_label(league.main_loss(u, w)) for u in current[1:]]
    cmp = league.compare(current[1], current[2], settings())
    diff = tables.comparison_frame(cmp, "甲", "乙")
    assert list(diff.columns) == ["分项", "差值(分)", "甲", "乙"] and diff.iloc[-1]["分项"] == "合计"
    assert diff["差值(分)"].iloc[:-1].sum() == pytest.approx(diff["差值(分)"].iloc[-1], abs=0.03)
    assert tables.explain_sentence(cmp, "甲", "乙").startswith(f"甲 比 乙 高 {cmp.difference:.2f} 分，主要来自：")
    assert tables.explain_sentence(league.compare(current[0], current[0], settings()), "甲", "甲") == "甲 与 甲 得分相同。"

    found = league.component_cases(county, "received", which="counted", unit="A", start=JAN[0], end=JAN[1],
                                    as_of=AS_OF, target_min=30.0, limit=3)
    cases = tables.cases_frame(found.rows)
    assert list(cases["联系电话"]) == ["138****5678"] * 3
    assert set(cases["状态"]) == {"已办结"} and "事件编号" in cases.columns
    log = tables.log_frame([{"at": "2026-01-01T09:00:00", "user": "leader", "old": w, "new": w}])
    assert log.iloc[0]["修改人"] == "leader" and "按时办结 30%" in log.iloc[0]["原权重"]


# --- grid_index.sql keeps the metric engine's definitions --------------------------------------


@pytest.mark.parametrize("level", ["town", "community", "grid", "micro_grid"])
def test_index_counts_equal_the_metric_engine(tmp_path, level):
    """grid_index.sql aggregates with the catalogue's columns, like kpis.sql: the two never disagree."""
    from browser_support import small_database

    from gridboard.core import config
    from gridboard.metrics import engine

    as_of = config.load().now()
    con = store.connect(small_database(tmp_path / "small.duckdb", as_of))
    try:
        window = {"start": as_of - dt.timedelta(days=40), "end": as_of + dt.timedelta(days=1),
                  "as_of": as_of - dt.timedelta(days=3)}
        data = gridindex.inputs(con, level, **window)
        by_engine = {r["group_id"]: r for r in engine.breakdown(con, level, detail=True, **window)}
        assert [r["group_id"] for r in data.rows] == list(by_engine) and by_engine
        parent_level = gridindex.PARENT_LEVEL[level]
        parents = ({store.root_unit(con): engine.kpis(con, detail=True, **window)} if parent_level is None else
                   {r["group_id"]: r for r in engine.breakdown(con, parent_level, detail=True, **window)})
        assert set(data.parents) == set(parents)
        for mine, theirs in [*((r, by_engine[r["group_id"]]) for r in data.rows),
                             *((data.parents[k], parents[k]) for k in parents)]:
            for key in gridindex.INDEX_COUNTS:
                assert mine[key] == theirs[key], key
            for key in ("closure_rate", "on_time_rate", "median_response_min", "satisfaction_rate",
                        "grid_resolved_rate"):
                assert mine[key] == pytest.approx(theirs[key]), key
        assert all(r["group_name"] == by_engine[r["group_id"]]["group_name"] for r in data.rows)
        # and the monthly pass for one unit and its parent sums to the same counts
        unit = data.rows[0]["group_id"]
        parent = data.meta[unit][0]
        monthly = league.monthly_rows(con, unit, parent, **window)
        for grp, expected in (("unit", by_engine[unit]), ("parent", data.parents[parent])):
            assert sum(r["received"] for r in monthly if r["grp"] == grp) == expected["received"]
            assert sum(r["closed_in_grid"] for r in monthly if r["grp"] == grp) == expected["closed_in_grid"]
    finally:
        con.close()
