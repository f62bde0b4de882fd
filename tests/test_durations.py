"""Answers asked in two parts, the older report days kept by the process and the last week's
asked again (gridboard.metrics.shared.part, recent_cut). Durations as multisets
(gridboard.metrics.durations): the statistics of a multiset are DuckDB's over the same values, bit
for bit, and a distribution asked in two parts equals one asked afresh, across minutes, live
writes of the last days, a write of an older day and an as_of past an older case's response. The
within-limit counts (gridboard.metrics.within through shared.moving_counts): the same. A period that
ended before as_of (a bulletin's last month) is kept whole: its recurring cases by the process, its
histogram medians in the memo, across writes of later days.

The demo county is the run's shared one (agg_support.demo_county), each test on its own copy.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pytest
from agg_support import AS_OF, calls, demo_county, module_copy, sql_runs

from gridboard.bulletin import content, page
from gridboard.core import periods
from gridboard.db import aggregates, store
from gridboard.metrics import durations, engine, fast, gaps, kpi_views, memo, shared, within
from gridboard.server import worker


def multiset(values: list[float]) -> durations.Multiset:
    v, n = np.unique(np.asarray(values, dtype=np.float64), return_counts=True)
    return durations.Multiset(v, n.astype(np.int64))


def test_hand_computed_statistics():
    d = multiset([1, 1, 3, 7])
    # median: position 1.5 between 1 and 3; P90: position 2.7, 3 + 0.7 * (7 - 3)
    assert d.n == 4 and d.quantile(0.5) == 2.0 and d.quantile(0.9) == pytest.approx(5.8) and d.max == 7
    assert d.quantile(0) == 1 and d.quantile(1) == 7 and d.quantile(0.25) == 1  # position 0.75 inside the tie
    assert d.at_most(1) == 2 and d.at_most(2.9) == 2 and d.at_most(None) == 0
    # width 2, 3 bins: [0, 2) holds 1, 1; [2, 4) holds 3; bin 3 holds 7 and everything above
    assert d.histogram(2, 3) == [2, 1, 0, 1]
    assert multiset([-0.5, 4]).histogram(1, 2) == [1, 0, 1]  # a negative value (bad data) in bin 0
    merged = multiset([3, 7]).merged(multiset([1, 1]))
    assert merged.n == 4 and merged.quantile(0.5) == 2.0 and merged.histogram(2, 3) == [2, 1, 0, 1]


@pytest.mark.parametrize("n", [1, 2, 3, 10, 1001, 20000])
def test_statistics_are_duckdbs_bit_for_bit(n):
    """Seconds-valued durations in minutes (so ties), cut in two parts and merged: each quantile is
    DuckDB's quantile_cont (to the last bit or two: its build fuses the multiply-add), the share and
    the bins its counts."""
    rng = np.random.default_rng(n)
    seconds = rng.integers(0, 7200, size=n)
    values = seconds / 60.0
    cut = n // 3
    d = multiset(list(values[:cut])).merged(multiset(list(values[cut:]))) if cut else multiset(list(values))
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT unnest($s) / 60.0 AS v", {"s": [int(s) for s in seconds]})
    for q in (0.0, 0.1, 0.5, 0.9, 0.99, 1.0):
        assert d.quantile(q) == pytest.approx(con.execute(f"SELECT quantile_cont(v, {q}) FROM t").fetchone()[0],
                                              rel=1e-12, abs=1e-12), q
    assert d.at_most(30.0) == con.execute("SELECT count(*) FILTER (WHERE v <= 30.0) FROM t").fetchone()[0]
    width, bins = 2.5, 30
    want = dict(con.execute(f"SELECT greatest(0, least({bins}, CAST(floor(v / {width}) AS BIGINT))) AS b, count(*) "
                            "FROM t GROUP BY b").fetchall())
    assert d.histogram(width, bins) == [want.get(b, 0) for b in range(bins + 1)]
    assert d.max == con.execute("SELECT max(v) FROM t").fetchone()[0]


@pytest.fixture
def con(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path):
    path = module_copy(demo_county(tmp_path_factory)[0], tmp_path)
    c = store.connect(path)
    shared.forget()
    yield c
    c.close()
    shared.forget()


LIMITS = {"response": 30.0, "close": None}


def fresh(con, monkeypatch, window) -> dict:
    """The same question with nothing kept by the process or stored in the memo: one pass."""
    with monkeypatch.context() as m:
        m.setattr(memo, "_mark", lambda c: None)
        return kpi_views.distributions(con, LIMITS, **window)


def ask(con, window) -> dict:
    """The question as a viewer asks it (memo values of the question dropped: computed each time)."""
    con.execute("DELETE FROM agg_memo")
    return kpi_views.distributions(con, LIMITS, **window)


def ingest(con, text: str, name: str) -> None:
    """Load a file as the demo feed does (the server's worker.load: a status feed completed from the
    stored rows)."""
    report = worker.load(con, text.encode(), table="cases", file_name=name, mapping=None, user="test")
    assert report["accepted"] == 1, report


def feed_tick(con) -> str:
    """The demo feed's tick: a new case a minute after AS_OF, responded a minute later, and a response
    to a case of the day before. Returns the new case's grid."""
    grid = con.execute("SELECT min(unit_id) FROM units WHERE level = 'grid'").fetchone()[0]
    at = AS_OF + dt.timedelta(minutes=1)
    ingest(con, "case_id,unit_id,source,category,reported_at,responded_at,closed_at,due_at,status\n"
                f"LIVE1,{grid},app,安全隐患,{at:%Y-%m-%d %H:%M:%S},{at + dt.timedelta(minutes=1):%Y-%m-%d %H:%M:%S},,"
                f"{at + dt.timedelta(days=3):%Y-%m-%d %H:%M:%S},in_progress\n", "new.csv")
    open_case = con.execute(
        "SELECT case_id FROM cases WHERE responded_at IS NULL AND status <> 'cancelled' AND reported_at >= $d "
        "ORDER BY reported_at LIMIT 1", {"d": AS_OF - dt.timedelta(days=1)}).fetchone()[0]
    ingest(con, f"case_id,responded_at\n{open_case},{at + dt.timedelta(minutes=2):%Y-%m-%d %H:%M:%S}\n", "status.csv")
    return grid


def test_live_writes_of_the_last_days_keep_the_older_part(con, monkeypatch):
    assert aggregates.current(con)
    p = periods.period("this_year", AS_OF)
    w = {**p.window(), "unit": store.root_unit(con)}
    passes = sql_runs(monkeypatch, "$later_from")  # duration_values.sql: one per part asked
    first = ask(con, w)
    assert len(passes) == 2 and first == fresh(con, monkeypatch, w)  # the older days' part and the last week's
    assert first["response"].n > 1000 and first["close"].n > 1000
    passes.clear()
    nxt = {**w, "as_of": AS_OF + dt.timedelta(minutes=1)}
    assert ask(con, nxt) == fresh(con, monkeypatch, nxt) and len(passes) == 1 + 1  # the last week's + the fresh one

    grid = feed_tick(con)
    passes.clear()
    later = {**w, "as_of": AS_OF + dt.timedelta(minutes=5)}
    live = ask(con, later)
    assert len(passes) == 1  # the older part outlived both writes: only the last week was asked
    assert live == fresh(con, monkeypatch, later) and live["response"].n == first["response"].n + 2

    # an import of an older day's case: that part is asked again
    old_day = AS_OF - dt.timedelta(days=40)
    ingest(con, "case_id,unit_id,source,category,reported_at,responded_at,closed_at,due_at,status\n"
                f"OLD1,{grid},app,安全隐患,{old_day:%Y-%m-%d %H:%M:%S},{old_day + dt.timedelta(hours=30):%Y-%m-%d %H:%M:%S},,"
                f"{old_day + dt.timedelta(days=3):%Y-%m-%d %H:%M:%S},in_progress\n", "old.csv")
    passes.clear()
    again = ask(con, later)
    assert len(passes) == 2 and again == fresh(con, monkeypatch, later)
    assert again["response"].n == live["response"].n + 1 and again["response"].max >= 30 * 60


def test_an_as_of_past_an_older_case_s_close_asks_the_older_days_again(con, monkeypatch):
    """The older part holds for the as_of range it was asked in: a case of 30 days ago closed an hour
    after as_of (an export that carries a planned close) counts from that hour on."""
    grid = con.execute("SELECT min(unit_id) FROM units WHERE level = 'grid'").fetchone()[0]
    old_day, closes = AS_OF - dt.timedelta(days=30), AS_OF + dt.timedelta(hours=1)
    ingest(con, "case_id,unit_id,source,category,reported_at,responded_at,closed_at,due_at,status\n"
                f"LATE1,{grid},app,安全隐患,{old_day:%Y-%m-%d %H:%M:%S},{old_day + dt.timedelta(hours=1):%Y-%m-%d %H:%M:%S},"
                f"{closes:%Y-%m-%d %H:%M:%S},{old_day + dt.timedelta(days=3):%Y-%m-%d %H:%M:%S},closed\n", "late.csv")
    w = {**periods.period("this_year", AS_OF).window(), "unit": store.root_unit(con)}
    passes = sql_runs(monkeypatch, "$later_from")
    first = ask(con, w)
    assert len(passes) == 2 and first == fresh(con, monkeypatch, w)
    passes.clear()
    before_it = {**w, "as_of": closes - dt.timedelta(seconds=1)}
    assert ask(con, before_it)["close"] == first["close"] and len(passes) == 1  # the older part kept
    passes.clear()
    past = {**w, "as_of": closes}
    moved = ask(con, past)
    assert len(passes) == 2 and moved == fresh(con, monkeypatch, past)  # both parts asked again
    assert moved["close"].n == first["close"].n + 1 and moved["close"].max >= 30 * 24 - 1


def test_the_kept_parts_are_bounded(con, monkeypatch):
    monkeypatch.setattr(shared, "PARTS_SIZE_MAX", 10)
    root = store.root_unit(con)
    for preset in ("this_year", "this_quarter"):
        ask(con, {**periods.period(preset, AS_OF).window(), "unit": root})
    assert len(shared._PARTS) == 1  # noqa: SLF001 - the newest part stays, even when larger than the bound


WITHIN = {"response_within_share": 30.0, "close_within_share": 24.0}


def older_counts(monkeypatch, start: dt.datetime) -> list[int]:
    """One entry per within_counts.sql run that counts a period's older days apart (split at $cut,
    after the period's start)."""
    from gridboard.db import queries

    seen: list[int] = []
    real = queries.run

    def spying(con, sql, params):
        if "$within_limit_0" in sql and params.get("start") == start and params.get("cut", start) > start:
            seen.append(1)
        return real(con, sql, params)

    monkeypatch.setattr(queries, "run", spying)
    return seen


def test_within_limit_counts_keep_the_older_days_across_live_writes(con, monkeypatch):
    """The scorecard's shares within a time limit of 本年, per town and in total: after a write of
    the last days only those days are counted again; after a write of an older day, or at an as_of
    past an older case's planned close, the older days too. Equal to a fresh count every time."""
    root = store.root_unit(con)
    w = {**periods.period("this_year", AS_OF).window(), "unit": root}

    def counts(window: dict) -> dict:
        return {by: within.breakdowns(con, WITHIN, by, **window) for by in (None, "town")}

    def afresh(window: dict) -> dict:
        with monkeypatch.context() as m:
            m.setattr(shared, "where", lambda c: None)  # nothing kept or shared: one count of the period
            return counts(window)

    older = older_counts(monkeypatch, w["start"])
    first = counts(w)
    assert len(older) == 2 and first == afresh(w)  # total and per town
    responded = first[None]["response_within_share"][0]["n"]
    assert responded > 1000

    grid = feed_tick(con)
    later = {**w, "as_of": AS_OF + dt.timedelta(minutes=5)}
    older.clear()
    live = counts(later)
    assert not older  # the older days' counts outlived both writes
    assert live == afresh(later) and live[None]["response_within_share"][0]["n"] == responded + 2

    old_day = AS_OF - dt.timedelta(days=40)  # an import of an older day's case, responded in 10 minutes
    ingest(con, "case_id,unit_id,source,category,reported_at,responded_at,closed_at,due_at,status\n"
                f"OLD1,{grid},app,安全隐患,{old_day:%Y-%m-%d %H:%M:%S},{old_day + dt.timedelta(minutes=10):%Y-%m-%d %H:%M:%S},"
                f"{AS_OF + dt.timedelta(hours=1):%Y-%m-%d %H:%M:%S},{old_day + dt.timedelta(days=3):%Y-%m-%d %H:%M:%S},"
                "closed\n", "old.csv")
    older.clear()
    again = counts(later)
    assert len(older) == 2 and again == afresh(later)
    assert again[None]["response_within_share"][0]["within"] == live[None]["response_within_share"][0]["within"] + 1
    closed = again[None]["close_within_share"][0]["n"]

    older.clear()  # its close, planned an hour after AS_OF, counts from that time on
    before_close = {**w, "as_of": AS_OF + dt.timedelta(minutes=59)}
    kept = counts(before_close)
    assert not older and kept == afresh(before_close)
    past = {**w, "as_of": AS_OF + dt.timedelta(hours=1)}
    moved = counts(past)
    assert len(older) == 2 and moved == afresh(past) and moved[None]["close_within_share"][0]["n"] == closed + 1
    assert counts(before_close) == kept and len(older) == 4  # an earlier as_of: counted again, without it


def test_a_period_ending_at_the_clock_keeps_only_whole_days(con, monkeypatch):
    """A 环比 period ends at the clock (its end moves with as_of): the older part ends at the midnight
    before its end, so the cases its last day gains hour by hour are counted, not taken from a part
    kept at an earlier end. Durations and within-limit counts both."""
    root = store.root_unit(con)
    day = dt.datetime.combine((AS_OF - dt.timedelta(days=60)).date(), dt.time())
    start = day - dt.timedelta(days=30)
    ends = [day + dt.timedelta(hours=h) for h in (9, 12, 18)]
    reported = [con.execute("SELECT count(*) FROM cases WHERE reported_at >= $s AND reported_at < $e "
                            "AND status <> 'cancelled'", {"s": start, "e": end}).fetchone()[0] for end in ends]
    assert reported[0] < reported[1] < reported[2]  # the last day gains cases between the ends
    for end in ends:
        w = {"start": start, "end": end, "as_of": AS_OF, "unit": root}
        with monkeypatch.context() as m:
            m.setattr(shared, "where", lambda c: None)
            want = (within.breakdowns(con, WITHIN, None, **w), kpi_views.distributions(con, LIMITS, **w))
        got = (within.breakdowns(con, WITHIN, None, **w), ask(con, w))
        assert got == want, end
        assert got[1]["response"].n == want[0]["response_within_share"][0]["n"]


def test_a_past_month_is_kept_across_writes_of_later_days(con, monkeypatch):
    """A bulletin's last month: its recurring cases (gaps.recurrence_counts, the county's and its
    towns' from one count) are counted once and kept by the process across the demo feed's writes and later minutes, counted again after a write
    of one of its days; its histogram medians (the county over EXACT_LIMIT cases), stored by the
    warm, are read from the memo after the feed's writes. Equal to a fresh answer every time."""
    root = store.root_unit(con)
    month_end = dt.datetime.combine(AS_OF.date().replace(day=1), dt.time())
    w = {"start": (month_end - dt.timedelta(days=1)).replace(day=1), "end": month_end, "as_of": AS_OF, "unit": root}
    recount = sql_runs(monkeypatch, "last_close")  # gaps_recurrence.sql

    def recurring(window: dict) -> tuple[dict, dict]:
        got = {by: gaps.recurrence_counts(con, by, **window) for by in (None, "child")}
        with monkeypatch.context() as m:
            m.setattr(shared, "where", lambda c: None)
            return got, {by: gaps.recurrence_counts(con, by, **window) for by in (None, "child")}

    got, want = recurring(w)
    assert got == want and got[None][None] > 0 and len(recount) == 3  # one count for both, kept; two fresh
    monkeypatch.setattr(fast, "EXACT_LIMIT", 0)  # the histogram path on the demo's small county
    with memo.warming():
        medians = engine.kpis(con, **w)
    feed_tick(con)
    recount.clear()
    hist = sql_runs(monkeypatch, "$month_from")  # kpis_agg_durations.sql
    later = {**w, "as_of": AS_OF + dt.timedelta(minutes=7)}
    got, want = recurring(later)
    assert got == want and len(recount) == 2  # only the fresh ones: the kept counts outlived the writes
    before = got[None][None]
    assert engine.kpis(con, **later) == medians and not hist  # the warm's medians, carried to the new version
    with monkeypatch.context() as m:
        m.setattr(memo, "_mark", lambda c: None)
        assert engine.kpis(con, **later) == medians  # as asked afresh

    grid = con.execute("SELECT min(unit_id) FROM units WHERE level = 'grid'").fetchone()[0]
    day = w["start"] + dt.timedelta(days=3, hours=9)  # a case of the month, and a repeat of it at its place
    ingest(con, "case_id,unit_id,source,category,reported_at,responded_at,closed_at,due_at,status\n"
                f"PAST1,{grid},app,噪音扰民,{day:%Y-%m-%d %H:%M:%S},{day + dt.timedelta(minutes=5):%Y-%m-%d %H:%M:%S},"
                f"{day + dt.timedelta(hours=2):%Y-%m-%d %H:%M:%S},{day + dt.timedelta(days=3):%Y-%m-%d %H:%M:%S},closed\n",
           "past.csv")
    again = day + dt.timedelta(days=2)
    ingest(con, "case_id,unit_id,source,category,reported_at,responded_at,closed_at,due_at,status\n"
                f"PAST2,{grid},app,噪音扰民,{again:%Y-%m-%d %H:%M:%S},,,{again + dt.timedelta(days=3):%Y-%m-%d %H:%M:%S},"
                "open\n", "past2.csv")
    recount.clear()
    got, want = recurring(later)
    assert got == want and len(recount) == 3 and got[None][None] >= before + 1  # PAST2 repeats PAST1


def test_a_bulletin_is_built_once_per_data_version(con, monkeypatch):
    """bulletin.page.build_view is kept by the process per data version (shared.value): a second
    viewer reads the built bulletin; after a write it is built again (here equal: the feed wrote
    today, not the month); the kept ones are bounded."""
    builds = calls(monkeypatch, content, "build")
    month_end = dt.datetime.combine(AS_OF.date().replace(day=1), dt.time())
    w = {"start": (month_end - dt.timedelta(days=1)).replace(day=1), "end": month_end, "as_of": AS_OF,
         "unit": store.root_unit(con)}
    first = page.build_view(con, **w)
    assert page.build_view(con, **w) is first and len(builds) == 1
    feed_tick(con)
    again = page.build_view(con, **w)
    assert len(builds) == 2 and again is not first and again[1] == first[1]
    monkeypatch.setattr(shared, "VALUES_MAX", 1)
    page.build_view(con, **{**w, "as_of": AS_OF + dt.timedelta(minutes=1)})
    assert len(shared._VALUES) == 1 and len(builds) == 3  # noqa: SLF001 - the newest only
