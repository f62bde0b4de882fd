"""The metric engine against hand-computed answers on tests/data/metrics_fixture.sql.

Every expected value below was worked out by hand from the fixture's comments and the
DESIGN.md definitions (cohort, closed by as_of, exact durations, quantile_cont), not by
running the engine.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gridboard.core import catalog
from gridboard.db import store
from gridboard.metrics import drill, engine

FIXTURE = Path(__file__).parent / "data" / "metrics_fixture.sql"
START = dt.datetime(2026, 3, 1)
END = dt.datetime(2026, 3, 11)
AS_OF = dt.datetime(2026, 3, 10, 12, 0)


@pytest.fixture
def con(fresh_db):
    fresh_db.execute(FIXTURE.read_text(encoding="utf-8"))
    store.rebuild_unit_closure(fresh_db)
    return fresh_db


def k(con, unit=None, start=START, end=END, as_of=AS_OF):
    return engine.kpis(con, start=start, end=end, as_of=as_of, unit=unit)


# County: cohort c1 c2 c3 c4 c8 c9 c10 c11 (c5 cancelled, c6 before, c7 at the exclusive end).
COUNTY = {
    "received": 8,
    "closed": 4,  # c1 c2 c8 c10 (c4 closes after as_of)
    "closure_rate": 0.5,
    "on_time_rate": 2 / 5,  # due passed: c1 c2 c3 c8 c11; closed by due: c1 c8
    "overdue_open": 2,  # c3 c11
    "median_response_min": (10 + 30.5) / 2,  # 1/3, 5, 10, 30.5, 40, 60
    "p90_response_min": 40 + 0.5 * (60 - 40),  # position 0.9 * 5 = 4.5
    "median_close_hours": (1 + 12) / 2,  # 1, 1, 12, 48
    "satisfaction_rate": 2 / 3,  # surveyed c1 c2 c8; satisfied + basic c1 c2
    "callback_rate": 3 / 4,  # closed c1 c2 c8 c10, surveyed c1 c2 c8
    "grid_resolved_rate": 3 / 4,  # c1 c8 c10
    "reopen_rate": 1 / 4,  # c2 (c3 was reopened too but is still open: not counted until it closes)
}

# Town T1 (community M1: grids G1 with micro-grid MG1, G2): c1 c2 c3 c8 c9.
TOWN_T1 = {
    "received": 5,
    "closed": 3,
    "closure_rate": 0.6,
    "on_time_rate": 0.5,  # due passed c1 c2 c3 c8; on time c1 c8
    "overdue_open": 1,
    "median_response_min": (5 + 10) / 2,  # 1/3, 5, 10, 30.5
    "p90_response_min": 10 + 0.7 * (30.5 - 10),  # position 0.9 * 3 = 2.7
    "median_close_hours": 12.0,  # 1, 12, 48
    "satisfaction_rate": 2 / 3,
    "callback_rate": 1.0,
    "grid_resolved_rate": 2 / 3,
    "reopen_rate": 1 / 3,
}

# Town T2 (village V1, grid G3): c4 c10 c11.
TOWN_T2 = {
    "received": 3,
    "closed": 1,
    "closure_rate": 1 / 3,
    "on_time_rate": 0.0,  # only c11's deadline has passed, and it is open
    "overdue_open": 1,
    "median_response_min": 50.0,  # 40, 60 (c11 responded after as_of)
    "p90_response_min": 40 + 0.9 * 20,
    "median_close_hours": 1.0,
    "satisfaction_rate": None,  # nobody surveyed
    "callback_rate": 0.0,
    "grid_resolved_rate": 1.0,
    "reopen_rate": 0.0,
}


def assert_metrics(actual: dict, expected: dict) -> None:
    assert set(actual) == set(catalog.METRIC_KEYS)
    for key, want in expected.items():
        got = actual[key]
        if want is None:
            assert got is None, key
        else:
            assert got == pytest.approx(want, rel=1e-9, abs=1e-12), key


def test_county_totals(con):
    assert_metrics(k(con), COUNTY)


def test_default_unit_is_the_root(con):
    assert k(con) == k(con, unit="C")


@pytest.mark.parametrize(("unit", "expected"), [("T1", TOWN_T1), ("M1", TOWN_T1), ("T2", TOWN_T2), ("V1", TOWN_T2)])
def test_subtrees(con, unit, expected):
    assert_metrics(k(con, unit=unit), expected)


def test_micro_grid_cases_count_in_grid_town_and_county(con):
    mg = k(con, unit="MG1")  # c2 c9
    assert (mg["received"], mg["closed"], mg["closure_rate"]) == (2, 1, 0.5)
    g1 = k(con, unit="G1")  # c1 + the micro-grid's c2 c9
    assert (g1["received"], g1["closed"]) == (3, 2)
    assert g1["median_close_hours"] == pytest.approx(30.0)  # 12, 48


def test_empty_cohort_rates_are_null(con):
    empty = k(con, start=dt.datetime(2025, 1, 1), end=dt.datetime(2025, 2, 1))
    assert empty["received"] == 0 and empty["closed"] == 0 and empty["overdue_open"] == 0
    for key in catalog.METRIC_KEYS:
        if key not in ("received", "closed", "overdue_open"):
            assert empty[key] is None, key


def test_cancelled_case_is_left_out(con):
    # c5 alone is reported on 03-03: a cohort of that day is empty.
    day = k(con, start=dt.datetime(2026, 3, 3), end=dt.datetime(2026, 3, 4))
    assert day["received"] == 0 and day["closure_rate"] is None and day["reopen_rate"] is None


def test_as_of_moves_closed_and_overdue(con):
    # After c4 closes (14:00) it counts as closed; c11 is still open and overdue.
    later = k(con, as_of=dt.datetime(2026, 3, 10, 15, 0))
    assert later["closed"] == 5
    assert later["overdue_open"] == 2
    # Before c3's deadline (03-06 10:00) it is not overdue; c2 was due 03-03 and closed 03-04.
    early = k(con, as_of=dt.datetime(2026, 3, 5, 12, 0))
    assert early["overdue_open"] == 0
    assert early["closed"] == 2  # c1 c2
    assert early["on_time_rate"] == pytest.approx(0.5)  # due passed c1 c2; on time c1


def test_response_is_exact_not_minute_boundaries(con):
    day = k(con, unit="G2", start=dt.datetime(2026, 3, 5), end=dt.datetime(2026, 3, 6))
    assert day["median_response_min"] == pytest.approx(20 / 60)


def test_breakdown_by_child(con):
    rows = engine.breakdown(con, "child", start=START, end=END, as_of=AS_OF)
    by_id = {r["group_id"]: r for r in rows}
    assert set(by_id) == {"T1", "T2"}
    assert by_id["T1"]["group_name"] == "一镇"
    assert_metrics({k_: by_id["T1"][k_] for k_ in catalog.METRIC_KEYS}, TOWN_T1)
    assert_metrics({k_: by_id["T2"][k_] for k_ in catalog.METRIC_KEYS}, TOWN_T2)


def test_breakdown_by_grid_rolls_micro_grids_up(con):
    rows = engine.breakdown(con, "grid", start=START, end=END, as_of=AS_OF)
    received = {r["group_id"]: r["received"] for r in rows}
    assert received == {"G1": 3, "G2": 2, "G3": 3}


def test_breakdown_by_community_covers_villages(con):
    rows = engine.breakdown(con, "community", start=START, end=END, as_of=AS_OF)
    assert {r["group_id"]: r["received"] for r in rows} == {"M1": 5, "V1": 3}


def test_breakdown_by_level_inside_a_unit(con):
    rows = engine.breakdown(con, "grid", start=START, end=END, as_of=AS_OF, unit="T1")
    assert {r["group_id"]: r["received"] for r in rows} == {"G1": 3, "G2": 2}


def test_breakdown_by_category(con):
    rows = engine.breakdown(con, "category", start=START, end=END, as_of=AS_OF)
    got = {r["group_id"]: (r["received"], r["closed"]) for r in rows}
    assert got == {"环境卫生": (3, 3), "安全隐患": (2, 0), "矛盾纠纷": (2, 1), None: (1, 0)}


def test_breakdown_by_source(con):
    rows = engine.breakdown(con, "source", start=START, end=END, as_of=AS_OF)
    got = {r["group_id"]: r["received"] for r in rows}
    assert got == {"grid_patrol": 3, "hotline": 3, "app": 1, "sensor": 1}


def test_breakdown_by_day(con):
    rows = engine.breakdown(con, "day", start=START, end=END, as_of=AS_OF)
    got = {r["group_id"]: r["received"] for r in rows}
    assert got == {
        "2026-03-01": 1, "2026-03-02": 1, "2026-03-05": 1, "2026-03-06": 1,
        "2026-03-07": 1, "2026-03-09": 1, "2026-03-10": 2,
    }


def test_breakdown_groups_add_up_to_the_total(con):
    total = k(con)
    for by in ("child", "town", "grid", "category", "source", "department", "day", "week", "month"):
        rows = engine.breakdown(con, by, start=START, end=END, as_of=AS_OF)
        assert sum(r["received"] for r in rows) == total["received"], by
        assert sum(r["closed"] for r in rows) == total["closed"], by


def test_detail_exposes_numerators_and_denominators(con):
    d = engine.kpis(con, start=START, end=END, as_of=AS_OF, detail=True)
    assert (d["due_passed"], d["closed_on_time"]) == (5, 2)
    assert (d["surveyed"], d["satisfied"], d["closed_surveyed"]) == (3, 2, 3)
    assert (d["responded"], d["supervised"], d["reopened"]) == (6, 1, 1)


def test_unknown_unit_and_dimension_are_errors(con):
    with pytest.raises(engine.MetricError, match="unknown unit"):
        k(con, unit="NOPE")
    with pytest.raises(engine.MetricError, match="unknown dimension"):
        engine.breakdown(con, "colour", start=START, end=END, as_of=AS_OF)
    with pytest.raises(engine.MetricError, match="empty period"):
        k(con, start=END, end=START)


def test_reopen_rate_counts_only_closed_cases(con):
    """DESIGN.md: closed cases that were reopened / closed. c3 is reopened but still open: counting
    it would give 2/4 and could push the rate past what it claims."""
    d = engine.kpis(con, start=START, end=END, as_of=AS_OF, detail=True)
    assert (d["reopened"], d["closed"], d["reopen_rate"]) == (1, 4, 0.25)
    listed = drill.case_list(con, start=START, end=END, as_of=AS_OF, metric="reopen_rate")
    assert set(listed.rows["case_id"]) == {"c2"} and listed.total == 1
