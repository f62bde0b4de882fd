"""Funnel, overdue ageing, duration distributions, scorecard windows and sub-unit scores against
hand-computed answers on tests/data/metrics_fixture.sql, and the case list behind each of those
numbers having exactly that many cases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from conftest import copy_db

from gridboard.core import catalog, periods
from gridboard.db import store
from gridboard.metrics import engine, kpi_cases, kpi_views, within

FIXTURE = Path(__file__).parent / "data" / "metrics_fixture.sql"
START, END, AS_OF = dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 11), dt.datetime(2026, 3, 10, 12, 0)
W = {"start": START, "end": END, "as_of": AS_OF}


def load_fixture(c: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    c.execute(FIXTURE.read_text(encoding="utf-8"))
    # dispatch times (the fixture leaves them empty): five cases 5 min after report, c11 after as_of
    c.execute("UPDATE cases SET dispatched_at = reported_at + INTERVAL 5 MINUTE "
              "WHERE case_id IN ('c1', 'c2', 'c3', 'c8', 'c10')")
    c.execute("UPDATE cases SET dispatched_at = TIMESTAMP '2026-03-10 12:05:00' WHERE case_id = 'c11'")
    store.rebuild_unit_closure(c)
    return c


@pytest.fixture(scope="module")
def con(empty_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """The fixture loaded once for the module, for the tests that only read."""
    c = load_fixture(store.connect(copy_db(empty_db_file, tmp_path_factory.mktemp("kpi_views"))))
    yield c
    c.close()


@pytest.fixture
def own_con(fresh_db):
    """The fixture in a database of the test's own (it writes)."""
    return load_fixture(fresh_db)


def listed(con, q: kpi_cases.Query, unit=None, **window) -> int:
    lst = kpi_cases.cases(con, q, unit=unit, limit=1000, **(window or W))
    assert lst.total == len(lst.rows)
    return lst.total


# --- funnel --------------------------------------------------------------------------------------


def test_funnel_hand_computed(con):
    # reported: the cohort c1 c2 c3 c4 c8 c9 c10 c11; dispatched by as_of: c1 c2 c3 c8 c10;
    # responded by as_of: c1 c2 c3 c4 c8 c10; closed: c1 c2 c8 c10; surveyed c1 c2 c8; satisfied c1 c2
    assert kpi_views.funnel(con, **W) == {
        "reported": 8, "dispatched": 5, "responded": 6, "closed": 4, "surveyed": 3, "satisfied": 2,
    }
    assert kpi_views.funnel(con, unit="T2", **W) == {
        "reported": 3, "dispatched": 1, "responded": 2, "closed": 1, "surveyed": 0, "satisfied": 0,
    }


@pytest.mark.parametrize("unit", [None, "T1", "T2", "MG1"])
def test_funnel_agrees_with_the_engine_and_its_case_lists(con, unit):
    stages = kpi_views.funnel(con, unit=unit, **W)
    detail = engine.kpis(con, unit=unit, detail=True, **W)
    assert stages["reported"] == detail["received"] and stages["closed"] == detail["closed"]
    assert stages["responded"] == detail["responded"] and stages["surveyed"] == detail["surveyed"]
    assert stages["satisfied"] == detail["satisfied"]
    for stage, n in stages.items():
        assert listed(con, kpi_cases.Query(stage), unit) == n, stage


# --- overdue ageing ------------------------------------------------------------------------------


@pytest.mark.parametrize(("as_of", "expected"), [
    # c3 due 03-06 10:00 (4 d 2 h late), c11 due 03-10 11:45 (15 min late)
    (AS_OF, {"d0_1": 1, "d1_3": 0, "d3_7": 1, "d7p": 0}),
    # exactly one day after c11's deadline still counts as 0-1 d; c9 (due 03-11 11:00) 45 min late
    (dt.datetime(2026, 3, 11, 11, 45), {"d0_1": 2, "d1_3": 0, "d3_7": 1, "d7p": 0}),
    # c3 7 d 2 h, c11 3 d 15 min, c9 2 d 1 h late; c4 closed on 03-10
    (dt.datetime(2026, 3, 13, 12, 0), {"d0_1": 0, "d1_3": 1, "d3_7": 1, "d7p": 1}),
])
def test_ageing_buckets_hand_computed(con, as_of, expected):
    window = {**W, "as_of": as_of}
    buckets = kpi_views.ageing(con, **window)
    assert buckets == expected
    assert sum(buckets.values()) == engine.kpis(con, **window)["overdue_open"]
    for bucket, n in buckets.items():
        q = kpi_cases.Query("age_bucket", values=(("bucket", bucket),))
        assert listed(con, q, **window) == n, bucket


# --- distributions -------------------------------------------------------------------------------


def test_response_distribution_hand_computed(con):
    d = kpi_views.distribution(con, "response", limit=30.0, **W)
    # responses 1/3, 5, 10, 30.5, 40, 60 min; P99 at position 4.95 = 40 + 0.95 * 20
    assert d.n == 6 and d.median == pytest.approx(20.25) and d.p90 == pytest.approx(50.0)
    assert d.p99 == pytest.approx(59.0) and d.max == pytest.approx(60.0)
    assert d.within == 3 and d.within_share == pytest.approx(0.5)  # 1/3, 5, 10 (30.5 is over)
    # span 59 over ~30 bins: width 2, 30 bins and one open-ended bin from 60 up
    assert d.width == 2 and d.bins == 30
    nonzero = {b.index: b.count for b in d.histogram if b.count}
    assert nonzero == {0: 1, 2: 1, 5: 1, 15: 1, 20: 1, 30: 1}
    assert d.histogram[-1].lo == 60 and d.histogram[-1].hi is None
    assert sum(b.count for b in d.histogram) == d.n


def test_the_share_within_the_limit_is_the_distributions(con):
    # the response page shows the 环比's share through within.share (one count pass), this period's
    # from its distribution: the same cases and the same limit, so the same 3 of 6
    d = kpi_views.distribution(con, "response", limit=30.0, **W)
    assert within.share(con, "response_within_share", 30.0, **W) == d.within_share == pytest.approx(0.5)
    assert within.share(con, "response_within_share", 10.0, **W) == pytest.approx(0.5)  # 10 itself is within
    assert within.share(con, "response_within_share", 9.99, **W) == pytest.approx(2 / 6)


def test_close_distribution_hand_computed(con):
    d = kpi_views.distribution(con, "close", **W)
    # close times 1, 1, 12, 48 h
    assert d.n == 4 and d.median == pytest.approx(6.5) and d.p90 == pytest.approx(37.2)
    assert d.width == 2 and d.bins == 24  # P99 46.92 -> width 2, 24 bins
    assert {b.index: b.count for b in d.histogram if b.count} == {0: 2, 6: 1, 24: 1}
    assert d.within_share is None


@pytest.mark.parametrize("unit", [None, "T1", "T2", "G1"])
@pytest.mark.parametrize("measure", ["response", "close"])
def test_distribution_median_and_p90_are_the_engines(con, unit, measure):
    d = kpi_views.distribution(con, measure, unit=unit, **W)
    k = engine.kpis(con, unit=unit, **W)
    median_key = kpi_views.MEASURES[measure].median_key
    assert d.median == pytest.approx(k[median_key])
    if measure == "response":
        assert d.p90 == pytest.approx(k["p90_response_min"])
    for b in d.histogram:
        q = kpi_cases.Query(f"{measure}_bin", values=(("bin", b.index), ("width", d.width), ("bins", d.bins)))
        assert listed(con, q, unit) == b.count, (measure, b.index)


def test_response_within_limit_lists_its_cases(con):
    d = kpi_views.distribution(con, "response", limit=30.0, **W)
    assert listed(con, kpi_cases.Query("response_within", values=(("within_limit", 30.0),))) == d.within


def test_empty_distribution(con):
    d = kpi_views.distribution(con, "close", start=dt.datetime(2025, 1, 1), end=dt.datetime(2025, 2, 1), as_of=AS_OF)
    assert d.n == 0 and d.median is None and d.histogram == []


def test_two_distributions_in_one_pass_are_each_ones(con, monkeypatch):
    """kpi_views.distributions (the response page's two histograms): one pass over the cohort for
    both measures' durations, and the same distributions as asked one by one (hand-computed above)."""
    from agg_support import sql_runs

    from gridboard.metrics import memo, shared

    shared.forget()
    passes = sql_runs(monkeypatch, "$later_from")  # duration_values.sql
    both = kpi_views.distributions(con, {"response": 30.0, "close": None}, **W)
    assert len(passes) == 1  # (the fixture's aggregates are not current: no part is kept apart)
    with monkeypatch.context() as m:
        m.setattr(memo, "_mark", lambda c: None)  # one by one, nothing read from the memo
        apart = {"response": kpi_views.distribution(con, "response", limit=30.0, **W),
                 "close": kpi_views.distribution(con, "close", **W)}
    assert both == apart and len(passes) == 3
    assert both["response"].n and both["close"].n
    with pytest.raises(engine.MetricError):
        kpi_views.distributions(con, {"wait": None}, **W)


@pytest.mark.parametrize(("span", "width"), [(59, 2), (46.92, 2), (3000, 100), (0.9, 0.05), (250, 10), (0, 1)])
def test_nice_width(span, width):
    assert kpi_views.nice_width(span) == pytest.approx(width)


# --- scorecard windows and sub-unit scores -------------------------------------------------------


def test_score_period_choices():
    shared = periods.period("last30", dt.datetime(2026, 5, 20, 9, 0))
    assert kpi_views.score_period("filter", shared) == shared
    assert kpi_views.score_period("custom", shared) == shared  # incomplete range: keep the shared one
    q = kpi_views.score_period("this_quarter", shared)
    assert (q.start, q.end, q.as_of) == (dt.datetime(2026, 4, 1), dt.datetime(2026, 7, 1), shared.as_of)
    y = kpi_views.score_period("yesterday", shared)
    assert (y.start, y.end) == (dt.datetime(2026, 5, 19), dt.datetime(2026, 5, 20))
    c = kpi_views.score_period("custom", shared, (dt.date(2026, 5, 3), dt.date(2026, 5, 1)))
    assert (c.start, c.end) == (dt.datetime(2026, 5, 1), dt.datetime(2026, 5, 4))
    with pytest.raises(ValueError):
        kpi_views.score_period("fortnight", shared)


# --- columns, text filter, display ---------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(catalog.COUNT_BY_KEY))
def test_count_columns_list_their_count(con, key):
    detail = engine.kpis(con, detail=True, **W)
    what, part = kpi_views.cases_of_column(key)
    assert listed(con, kpi_cases.Query(what, part)) == detail[key]


def test_group_cells_list_their_count(con):
    for row in engine.breakdown(con, "category", detail=True, **W):
        for key in ("received", "closed", "reopened", "overdue_open"):
            what, part = kpi_views.cases_of_column(key)
            q = kpi_cases.Query(what, part, group_by="category", group_value=row["group_id"])
            assert listed(con, q) == row[key], (row["group_id"], key)


def test_text_filter(con):
    def ids(text: str) -> set[str]:
        return set(kpi_cases.cases(con, kpi_cases.Query(), text=text, **W).rows["case_id"])

    assert ids("环境") == {"c1", "c2", "c8"}
    assert ids("C1") == {"c1", "c10", "c11"}  # case-insensitive, on the id too
    assert ids("%") == set() and ids("_") == set()  # LIKE wildcards are taken literally
    assert ids("  ") == ids("")


def test_display_frame_masks_and_labels(own_con):
    con = own_con
    con.execute("UPDATE cases SET reporter_phone = '13812345678', title = '=HYPERLINK(1)' WHERE case_id = 'c1'")
    rows = kpi_cases.cases(con, kpi_cases.Query(), text="c1", **W).rows
    shown = kpi_cases.display_frame(rows[rows["case_id"] == "c1"])
    assert shown["联系电话"].tolist() == ["138****5678"]
    assert shown["来源渠道"].tolist() == ["网格员巡查"] and shown["状态"].tolist() == ["已办结"]
    assert shown["满意度"].tolist() == ["满意"] and shown["返工"].tolist() == ["否"]
    assert shown["标题"].tolist() == ["=HYPERLINK(1)"]  # shown as text; downloads neutralise it
    assert list(kpi_cases.display_frame(rows, "en").columns)[:3] == ["Case", "Grid", "Category"]


def test_unknown_case_list(con):
    with pytest.raises(engine.MetricError):
        kpi_cases.cases(con, kpi_cases.Query("happiness"), **W)
