"""The grid index's numbers from the aggregates and the memoised exact medians equal the raw query.

gridindex.inputs reads its counts from the aggregates (fast.counts) and each group's median
response through metrics/memo.py, which keeps the exact per-group values in agg_memo with the
ranges of period end and as_of they stay exact for. The raw answer is the same call with the
aggregate path off (fast.plan returning None: grid_index.sql over the cases). Checked on a small
demo county for every preset with its 环比 and 同比 periods, every ranking level and a unit per
level; while the end of a period moves minute by minute (only the touched groups are scanned again);
across an as_of that passes a response time; on a read-only connection (nothing stored); and after
an ingest (the values it cannot change kept, the rest dropped). No timings here: speed is `python -m gridboard bench`.
The county is the run's shared one (agg_support.demo_county), each test on its own copy.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from agg_support import AS_OF, calls, demo_county, module_copy, sql_runs

from gridboard.core import periods
from gridboard.db import aggregates, store
from gridboard.ingest import pipeline, undo
from gridboard.metrics import durations, engine, fast, kpi_views, memo, shared
from gridboard.ranking import gridindex

LEVELS = ("town", "community", "grid")


def raw_inputs(monkeypatch: pytest.MonkeyPatch, con, level, **kw) -> gridindex.IndexInputs:
    with monkeypatch.context() as m:
        m.setattr(fast, "plan", lambda *a, **k: None)
        return gridindex.inputs(con, level, **kw)


def memo_rows(con) -> int:
    return con.execute("SELECT count(*) FROM agg_memo").fetchone()[0]


def check(con, monkeypatch, level, **kw) -> gridindex.IndexInputs:
    got = gridindex.inputs(con, level, **kw)
    want = raw_inputs(monkeypatch, con, level, **kw)
    assert got.rows == want.rows
    assert got.parents == want.parents
    assert got.meta == want.meta
    return got


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return module_copy(demo_county(tmp_path_factory)[0], tmp_path_factory.mktemp("memo"))


@pytest.fixture
def con(demo_path: Path, tmp_path: Path):
    path = tmp_path / "copy.duckdb"
    path.write_bytes(demo_path.read_bytes())
    c = store.connect(path)
    yield c
    c.close()


def units_per_level(con) -> dict[str, str]:
    return dict(con.execute("SELECT level, min(unit_id) FROM units WHERE level IN ('county', 'town', 'community') "
                            "GROUP BY level").fetchall())


# The memo's exactness ranges are per window, not per preset: a window inside a day (today, as_of in
# it), one across a month (last30), a closed month (last_month, as_of after it) and the year with its
# 环比 and 同比 (as_of a year back) cover what the seven presets' 21 windows did (64 s of the suite's
# 2 cores before; the other presets' windows are compared through the engine in test_aggregates.py).
@pytest.mark.parametrize("preset", ["today", "last30", "last_month", "this_year"])
def test_index_inputs_equal_raw_for_every_kind_of_window_level_and_unit(con, preset, monkeypatch):
    assert aggregates.current(con)
    units = units_per_level(con)
    now = periods.period(preset, AS_OF)
    for p in (now, periods.previous(now), periods.same_last_year(now)):
        for level, unit in (("town", None), ("community", units["town"]), ("grid", None),
                            ("grid", units["community"])):
            first = check(con, monkeypatch, level, unit=unit, **p.window())
            again = gridindex.inputs(con, level, unit=unit, **p.window())  # from the memo
            assert (again.rows, again.parents) == (first.rows, first.parents)
    assert memo_rows(con) > 0
    assert {r[0] for r in con.execute("SELECT DISTINCT mark FROM agg_memo").fetchall()} == {
        store.get_meta(con, "agg_version")}


def test_a_moving_end_rescans_only_the_touched_groups(con, monkeypatch):
    """The 环比 of 本年 ends at as_of minus a year, so its end moves with the clock: each minute
    the memo answers the groups no new report touched and scans only the others."""
    scanned: list[int] = []
    real = memo.quantile_sql

    def counting(keys, scope, group, restrict):
        scanned.append(restrict)
        return real(keys, scope, group, restrict)

    monkeypatch.setattr(memo, "quantile_sql", counting)
    base = periods.previous(periods.period("this_year", AS_OF))
    gridindex.inputs(con, "grid", **base.window())
    first = len(scanned)
    assert first >= 2 and not any(scanned)  # grids and their communities, every group
    for minutes in (7, 30, 95, 600, 1441):
        shift = dt.timedelta(minutes=minutes)
        p = periods.Period(base.start, base.end + shift, base.as_of + shift)
        check(con, monkeypatch, "grid", **p.window())
    assert any(scanned[first:]), "some minute touched a few groups only"
    gridindex.inputs(con, "grid", **base.window())  # the first question again: all from the memo
    before = len(scanned)
    gridindex.inputs(con, "grid", **base.window())
    assert len(scanned) == before


def test_an_as_of_past_a_response_time_is_not_answered_from_the_memo(con, monkeypatch):
    """A value memoised before a case of its cohort responded is not reused after that response."""
    reported, responded = con.execute(
        "SELECT reported_at, responded_at FROM cases WHERE responded_at > reported_at + INTERVAL 20 MINUTE "
        "AND status <> 'cancelled' AND reported_at >= TIMESTAMP '2025-11-01' ORDER BY reported_at LIMIT 1").fetchone()
    start = dt.datetime.combine(reported.date().replace(day=1), dt.time())
    end = dt.datetime.combine(AS_OF.date() + dt.timedelta(days=1), dt.time())
    for as_of in (responded - dt.timedelta(minutes=1), responded, responded + dt.timedelta(minutes=1),
                  responded - dt.timedelta(minutes=2)):
        for level in LEVELS:
            check(con, monkeypatch, level, start=start, end=end, as_of=as_of)


def test_a_read_only_connection_stores_nothing(demo_path, monkeypatch):
    """Nothing lands in agg_memo; the process keeps the exact question's values instead, so that the
    same question again scans nothing (until shared.forget)."""
    ro = store.connect(demo_path, read_only=True)
    scanned: list[bool] = []
    real = memo.quantile_sql

    def counting(keys, scope, group, restrict):
        scanned.append(restrict)
        return real(keys, scope, group, restrict)

    try:
        before = memo_rows(ro)
        p = periods.period("this_year", AS_OF)
        shared.forget()
        for level in LEVELS:
            check(ro, monkeypatch, level, **p.window())
        assert memo_rows(ro) == before
        monkeypatch.setattr(memo, "quantile_sql", counting)
        for level in LEVELS:
            check(ro, monkeypatch, level, **p.window())  # (the raw side scans with kpis.sql, not this)
        assert not scanned
        later = {**p.window(), "as_of": p.as_of + dt.timedelta(minutes=1)}
        check(ro, monkeypatch, "grid", **later)  # another as_of: its own question
        assert scanned
        shared.forget()
        scanned.clear()
        check(ro, monkeypatch, "grid", **p.window())
        assert scanned
    finally:
        ro.close()


def carried(con, mark: str, start: dt.datetime) -> set[str]:
    """The groups of the per-grid and per-community quantiles kept at `mark` for periods from `start`."""
    return {r[0] for r in con.execute("SELECT DISTINCT grp FROM agg_memo WHERE mark = $m AND kind LIKE '%@unit' "
                                      "AND start = $s", {"m": mark, "s": start}).fetchall()}


def above(con, unit: str) -> set[str]:
    return {r[0] for r in con.execute("SELECT ancestor_id FROM unit_closure WHERE descendant_id = $u", {"u": unit})
            .fetchall()}


def test_an_ingest_keeps_the_values_it_cannot_change(con, monkeypatch):
    """An ingest moves the data version; the memo keeps, at the new version, the per-group values
    of the groups no new or changed case falls in (and the values of units with nothing touched
    below them), drops the rest, and the answers stay equal to the raw query. Then a case moved to
    another grid drops both grids' values, and undoing the import carries again."""
    p = periods.period("this_year", AS_OF)
    scanned: list[tuple[bool, int]] = []
    real = memo.quantile_sql

    def counting(keys, scope, group, restrict):
        scanned.append(restrict)
        return real(keys, scope, group, restrict)

    monkeypatch.setattr(memo, "quantile_sql", counting)
    gridindex.inputs(con, "grid", **p.window())
    prev = periods.previous(p)  # (a year before: the new case's report day is not in it)
    gridindex.inputs(con, "grid", **prev.window())
    monkeypatch.setattr(fast, "EXACT_LIMIT", 0)  # the county's medians from the histograms: a whole answer kept
    with memo.warming():  # (stored by the warm only)
        engine.kpis(con, **p.window())
    old = store.get_meta(con, "agg_version")
    before = carried(con, old, p.start)
    root = store.root_unit(con)
    whole = "SELECT count(*) FROM agg_memo WHERE mark = $m AND unit = $u AND kind NOT LIKE '%@unit'"
    assert con.execute(whole, {"m": old, "u": root}).fetchone()[0] > 0
    grids = [r[0] for r in con.execute("SELECT unit_id FROM units WHERE level = 'grid' ORDER BY unit_id").fetchall()
             if r[0] in before]  # grids with cases this year
    grid, other = grids[0], grids[-1]
    assert len(grids) > 10
    csv = ("case_id,unit_id,source,category,reported_at,responded_at,closed_at,due_at,status\n"
           f"MEMO1,{grid},app,安全隐患,2025-11-20 08:00:00,2025-11-20 08:01:00,,2025-11-25 18:00:00,in_progress\n")
    log_id = pipeline.ingest(con, csv.encode(), table="cases", file_name="memo.csv").log_id
    new = store.get_meta(con, "agg_version")
    assert new != old and {r[0] for r in con.execute("SELECT DISTINCT mark FROM agg_memo").fetchall()} == {new}
    assert carried(con, new, p.start) == before - above(con, grid)  # the grid, its community (and town) again
    assert grid in carried(con, new, prev.start)  # last year's values outlive a case of this year
    assert con.execute(whole, {"m": new, "u": root}).fetchone()[0] == 0  # the county's whole answers: touched
    with monkeypatch.context() as m:
        m.setattr(memo, "recall", lambda *a, **k: None)  # the histograms read again, nothing kept
        fresh = engine.kpis(con, **p.window())
    assert engine.kpis(con, **p.window()) == fresh
    monkeypatch.setattr(fast, "EXACT_LIMIT", 200_000)
    scanned.clear()
    check(con, monkeypatch, "grid", **p.window())
    assert scanned and all(scanned)  # only the touched groups, a restricted scan each
    scanned.clear()
    check(con, monkeypatch, "grid", **prev.window())
    assert not scanned  # last year's medians: all carried
    # a stored case moved to another grid: both grids' groups change
    cols = "case_id,unit_id,source,category,reported_at,responded_at,closed_at,due_at,status"
    row = con.execute(f"SELECT {cols} FROM cases WHERE unit_id = $g AND reported_at >= $s AND status <> 'cancelled' "
                      "ORDER BY case_id LIMIT 1", {"g": other, "s": p.start}).fetchone()
    line = ",".join("" if v is None else grids[1] if i == 1 else str(v) for i, v in enumerate(row))
    kept = carried(con, store.get_meta(con, "agg_version"), p.start)
    update = pipeline.ingest(con, f"{cols}\n{line}\n".encode(), table="cases", file_name="move.csv")
    assert update.log_id is not None
    assert carried(con, store.get_meta(con, "agg_version"), p.start) == kept - above(con, other) - above(con, grids[1])
    check(con, monkeypatch, "grid", **p.window())
    check(con, monkeypatch, "community", **p.window())
    # undoing the moves back: carried over again, and still equal to the raw query
    kept = carried(con, store.get_meta(con, "agg_version"), p.start)
    undo.undo(con, update.log_id)
    assert carried(con, store.get_meta(con, "agg_version"), p.start) == kept - above(con, other) - above(con, grids[1])
    check(con, monkeypatch, "grid", **p.window())
    undo.undo(con, log_id)
    check(con, monkeypatch, "grid", **p.window())


def raw_engine(monkeypatch: pytest.MonkeyPatch, fn, *args, **kw):
    with monkeypatch.context() as m:
        m.setattr(fast, "plan", lambda *a, **k: None)
        return fn(*args, **kw)


@pytest.mark.parametrize("preset", ["today", "last30", "this_quarter", "this_year"])
def test_engine_breakdowns_through_the_memo_equal_raw(con, preset, monkeypatch):
    """engine.kpis / breakdown take their exact medians and P90 through the memo (from MEMO_MIN
    cases on; 0 here, so the small demo goes through it): the same rows as the raw query."""
    monkeypatch.setattr(fast, "MEMO_MIN", 0)
    units = units_per_level(con)
    now = periods.period(preset, AS_OF)
    for p in (now, periods.previous(now)):
        for unit in (None, units["town"], units["community"]):
            want = raw_engine(monkeypatch, engine.kpis, con, unit=unit, detail=True, **p.window())
            for _ in range(2):  # the second answer from the memo (the raw query is asked once)
                assert engine.kpis(con, unit=unit, detail=True, **p.window()) == want
        for by in ("child", "town", "community", "grid", "category", "source", "week", "month"):
            want = raw_engine(monkeypatch, engine.breakdown, con, by, detail=True, **p.window())
            for _ in range(2):
                assert engine.breakdown(con, by, detail=True, **p.window()) == want
    assert memo_rows(con) > 0


def test_a_distribution_is_memoised_until_a_measured_time_passes(con, monkeypatch):
    p = periods.period("last30", AS_OF - dt.timedelta(days=3))  # as_of in the past: later responses exist
    w = {**p.window(), "unit": store.root_unit(con)}
    stats_scans = calls(monkeypatch, durations, "collect")  # a distribution computed, not read from the memo
    range_scans = sql_runs(monkeypatch, "min(k.reported_at) FILTER (WHERE k.reported_at >= $end)")  # memo_ranges.sql
    first = kpi_views.distribution(con, "response", limit=30.0, **w)
    assert first.n > 100 and len(stats_scans) == 1
    assert kpi_views.distribution(con, "response", limit=30.0, **w) == first and len(stats_scans) == 1
    assert kpi_views.distribution(con, "response", limit=10.0, **w).within < first.within  # another limit: computed
    assert len(stats_scans) == 2

    def fresh(**kw) -> kpi_views.Distribution:  # the same question with nothing kept or stored
        with monkeypatch.context() as m:
            m.setattr(memo, "_mark", lambda c: None)
            return kpi_views.distribution(con, "response", limit=30.0, **{**w, **kw})

    following = con.execute(
        "SELECT min(c.responded_at) FROM cases AS c WHERE c.reported_at >= ? AND c.reported_at < ? "
        "AND c.status <> 'cancelled' AND c.responded_at > ?", [p.start, p.end, p.as_of]).fetchone()[0]
    before_it = following - dt.timedelta(seconds=1)
    scans = len(stats_scans)
    assert kpi_views.distribution(con, "response", limit=30.0, **{**w, "as_of": before_it}) == first
    assert len(stats_scans) == scans  # no measured time passed: the kept answer
    moved = kpi_views.distribution(con, "response", limit=30.0, **{**w, "as_of": following})
    assert len(stats_scans) == scans + 1 and moved.n == first.n + 1  # that response now counts
    assert moved == fresh(as_of=following) and first == fresh()
    # the end: kept up to the next report after it (exclusive ends), asked again past it
    later = {**w, "as_of": following}
    nxt = con.execute("SELECT min(reported_at) FROM cases WHERE reported_at >= ? AND status <> 'cancelled'",
                      [p.end]).fetchone()[0]
    scans = len(stats_scans)
    assert kpi_views.distribution(con, "response", limit=30.0, **{**later, "end": nxt}) == moved
    assert len(stats_scans) == scans
    past = kpi_views.distribution(con, "response", limit=30.0, **{**later, "end": nxt + dt.timedelta(seconds=1)})
    assert len(stats_scans) == scans + 1 and past == fresh(as_of=following, end=nxt + dt.timedelta(seconds=1))
    assert not range_scans  # the ranges came with the answer's own pass over the cohort


def calls_of(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    """One entry per call of gridboard.metrics.fast's function `name` from now on."""
    return calls(monkeypatch, fast, name)


def test_histogram_durations_are_memoised_until_a_measured_time_passes(con, monkeypatch):
    monkeypatch.setattr(fast, "EXACT_LIMIT", 0)  # the histogram path (a 10 M county's) on small data
    p = periods.period("this_quarter", AS_OF - dt.timedelta(days=3))  # later responses and closures exist
    computed = calls_of(monkeypatch, "_hist_durations")

    def fresh(fn, *args, **kw):  # the same question with nothing kept or stored
        with monkeypatch.context() as m:
            m.setattr(memo, "_mark", lambda c: None)
            return fn(con, *args, **kw)

    questions = [(engine.kpis, ()), (engine.breakdown, ("child",)), (engine.breakdown, ("week",))]
    before = memo_rows(con)
    viewer = [fn(con, *args, **p.window()) for fn, args in questions]  # a viewer keeps them in the process only
    assert len(computed) == 3 and memo_rows(con) == before
    shared.forget()
    computed.clear()
    with memo.warming():  # the warm stores them, with their ranges
        first = [fn(con, *args, **p.window()) for fn, args in questions]
    assert first == viewer and len(computed) == 3 and memo_rows(con) > before
    shared.forget()  # (what follows reads the memo, not the process)
    assert first[0]["median_close_hours"] is not None
    assert [fn(con, *args, **p.window()) for fn, args in questions] == first and len(computed) == 3
    assert first == [fresh(fn, *args, **p.window()) for fn, args in questions] and len(computed) == 6
    following = con.execute(  # the next time a duration is measured: a response or a closure
        "SELECT least(min(c.closed_at) FILTER (WHERE c.closed_at > $t), min(c.responded_at) FILTER "
        "(WHERE c.responded_at > $t)) FROM cases AS c WHERE c.reported_at >= $s AND c.reported_at < $e "
        "AND c.status <> 'cancelled'", {"t": p.as_of, "s": p.start, "e": p.end}).fetchone()[0]
    computed.clear()
    durations = ("median_response_min", "p90_response_min", "median_close_hours")
    before_it = {**p.window(), "as_of": following - dt.timedelta(seconds=1)}
    kept = engine.kpis(con, **before_it)  # (its counts move with due_at: only the durations are kept)
    assert [kept[k] for k in durations] == [first[0][k] for k in durations] and not computed
    moved = {**p.window(), "as_of": following}
    got = engine.kpis(con, **moved)
    assert computed == [1] and got == fresh(engine.kpis, **moved)
    assert [got[k] for k in durations] != [first[0][k] for k in durations]  # that duration now counts


def test_counts_outlive_a_write_that_touched_no_day_of_their_period(con, monkeypatch):
    """Kept counts (shared.moving) carry to a new data version when no write since touched a report
    day of their period (agg_versions): last year's 环比 after a case of this year is moved from the
    kept counts, not counted again; this year's is counted again, and so is last year's after a case
    of last year. Every answer equals the raw query."""
    p = periods.period("this_year", AS_OF)
    prev = periods.previous(p)
    shared.forget()
    counted, moved = calls_of(monkeypatch, "_count_rows_now"), calls_of(monkeypatch, "_count_rows_moved")
    engine.kpis(con, detail=True, **prev.window())
    engine.kpis(con, detail=True, **p.window())
    assert len(counted) == 2
    grid = con.execute("SELECT min(unit_id) FROM units WHERE level = 'grid'").fetchone()[0]

    def add(case_id: str, reported: dt.datetime) -> None:
        csv = ("case_id,unit_id,source,category,reported_at,responded_at,closed_at,due_at,status\n"
               f"{case_id},{grid},app,安全隐患,{reported:%Y-%m-%d %H:%M:%S},,,{reported + dt.timedelta(days=3):%Y-%m-%d %H:%M:%S},in_progress\n")
        assert pipeline.ingest(con, csv.encode(), table="cases", file_name=f"{case_id}.csv").log_id is not None

    def asked(q: periods.Period, minutes: int) -> dict:
        w = {**q.window(), "as_of": q.as_of + dt.timedelta(minutes=minutes)}
        got = engine.kpis(con, detail=True, **w)
        assert got == raw_engine(monkeypatch, engine.kpis, con, detail=True, **w)
        return got

    add("CARRY1", dt.datetime(2025, 11, 20, 8, 0))  # this year
    asked(prev, 1)
    assert len(counted) == 2 and len(moved) == 1  # last year's: the kept counts, moved a minute
    asked(p, 1)
    assert len(counted) == 3  # this year's period was touched: counted again
    add("CARRY2", prev.start + dt.timedelta(days=10, hours=9))  # last year
    got = asked(prev, 2)
    assert len(counted) == 4 and got["received"] == engine.kpis(con, detail=True, **prev.window())["received"]


def test_the_pages_share_one_count_per_data_version(con, monkeypatch):
    # the overview asks engine.kpis, the closure page engine.kpis(detail=True): one count query
    p = periods.period("this_year", AS_OF)
    computed = calls_of(monkeypatch, "_count_rows_now")
    plain = engine.kpis(con, **p.window())
    detail = engine.kpis(con, detail=True, **p.window())
    assert len(computed) == 1 and detail["closure_rate"] == plain["closure_rate"]
    assert detail["closed"] == raw_engine(monkeypatch, engine.kpis, con, detail=True, **p.window())["closed"]
    # another as_of (the next minute): the first answer's counts plus the cases that moved
    moved = calls_of(monkeypatch, "_count_rows_moved")
    engine.kpis(con, **{**p.window(), "as_of": p.as_of + dt.timedelta(minutes=1)})
    assert len(computed) == 1 and len(moved) == 1
    # an ingest moves the data version: counted again, the new case in it
    grid = con.execute("SELECT min(unit_id) FROM units WHERE level = 'grid'").fetchone()[0]
    csv = ("case_id,unit_id,source,category,reported_at,responded_at,closed_at,due_at,status\n"
           f"SHARED1,{grid},app,安全隐患,2025-11-20 08:00:00,2025-11-20 08:01:00,,2025-11-25 18:00:00,in_progress\n")
    pipeline.ingest(con, csv.encode(), table="cases", file_name="shared.csv")
    after = engine.kpis(con, detail=True, **p.window())
    assert len(computed) == 2 and len(moved) == 1 and after["received"] == detail["received"] + 1
    monkeypatch.setattr(shared, "SHARED_MAX", 2)  # bounded: the oldest entries go
    for minutes in range(2, 6):
        engine.kpis(con, **{**p.window(), "as_of": p.as_of + dt.timedelta(minutes=minutes)})
    assert len(shared._SHARED) == 2 and len(shared._BASES) <= 2  # noqa: SLF001
