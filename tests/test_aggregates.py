"""The case aggregates (gridboard/db/aggregates.py) give the same numbers as the raw cases.

The raw answer is the engine with the aggregate path switched off (fast.plan returning None): the
named query kpis.sql over the cases table, which tests/test_metrics.py holds to hand-computed values.
Checked on the hand-written metrics fixture and on a small demo county, for every preset period
(with its 环比 and 同比 periods, whose as_of lies in the past) and every unit level, with as_of
inside the period; after an ingest that adds, moves and closes cases; and after migrating a
schema-1 database. No timings here: speed is `python -m gridboard bench`.

Cost: every comparison is a few small, planning-bound DuckDB queries per side (the suite runs
DuckDB on one thread, tests/conftest.py), the demo county is the run's shared one
(agg_support.demo_county), and a window that two presets share (this year's 同比 is its 环比) is
compared once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from agg_support import AS_OF, calls, demo_county, module_copy, sql_runs

from gridboard.core import catalog, periods
from gridboard.db import aggregates, store
from gridboard.ingest import pipeline
from gridboard.metrics import engine, fast, shared, within

FIXTURE = Path(__file__).parent / "data" / "metrics_fixture.sql"
BREAKDOWNS = ("child", "town", "community", "grid", "category", "source", "day", "week", "month")
DURATIONS = set(catalog.DURATION_KEYS)


def raw(monkeypatch: pytest.MonkeyPatch, fn, *args, **kwargs):
    """The engine's answer from the raw cases only."""
    with monkeypatch.context() as m:
        m.setattr(fast, "plan", lambda *a, **k: None)
        return fn(*args, **kwargs)


def used_aggregates(con, unit, by, start, end) -> bool:
    scope, _, _ = engine.scope_and_group(by)
    return fast.plan(con, engine.check_unit(con, unit), by, start, end, scope) is not None


def same(a, b, *, rel: float = 0.0) -> None:
    """Equal results; durations within `rel` (0: exactly equal)."""
    rows_a, rows_b = (a, b) if isinstance(a, list) else ([a], [b])
    assert len(rows_a) == len(rows_b)
    for ra, rb in zip(rows_a, rows_b, strict=True):
        for key, vb in rb.items():
            va = ra[key]
            if key in DURATIONS and rel and va is not None and vb is not None:
                assert va == pytest.approx(vb, rel=rel, abs=1e-9), key
            else:
                assert va == vb, (key, ra.get("group_id"))


# --- the hand-written fixture ---------------------------------------------------------------


@pytest.fixture
def fixture_con(fresh_db):
    fresh_db.execute(FIXTURE.read_text(encoding="utf-8"))
    store.rebuild_unit_closure(fresh_db)
    return fresh_db


def test_fixture_counts_equal_raw_for_every_as_of(fixture_con, monkeypatch):
    con = fixture_con
    start, end = dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 11)
    assert not aggregates.current(con)  # cases written outside a writer: never trusted
    assert not used_aggregates(con, None, None, start, end)
    aggregates.build_and_mark(con)
    assert used_aggregates(con, None, None, start, end)
    units = [r[0] for r in con.execute("SELECT unit_id FROM units ORDER BY unit_id").fetchall()]
    # as_of before, inside and after every timestamp of the fixture, on and off day boundaries
    for as_of in (dt.datetime(2026, 3, 2, 9, 30), dt.datetime(2026, 3, 5), dt.datetime(2026, 3, 10, 12, 0),
                  dt.datetime(2026, 3, 11), dt.datetime(2026, 4, 1, 8, 15)):
        for stop in (end, dt.datetime(2026, 3, 10, 12, 0), dt.datetime(2026, 3, 6, 7, 45)):  # and cut inside a day
            for unit in units:
                same(engine.kpis(con, start=start, end=stop, as_of=as_of, unit=unit, detail=True),
                     raw(monkeypatch, engine.kpis, con, start=start, end=stop, as_of=as_of, unit=unit, detail=True))
            for by in BREAKDOWNS:
                same(engine.breakdown(con, by, start=start, end=stop, as_of=as_of, detail=True),
                     raw(monkeypatch, engine.breakdown, con, by, start=start, end=stop, as_of=as_of, detail=True))


def settle_stamps(con, low: dt.datetime, high: dt.datetime) -> list[dt.datetime]:
    """Every distinct timestamp the counts compare with as_of (closed_at, due_at, responded_at) in
    [low, high), in order."""
    columns = " UNION ".join(f"SELECT {c} FROM cases WHERE {c} IS NOT NULL" for c in aggregates.settle_columns())
    return [r[0] for r in con.execute(f"SELECT DISTINCT * FROM ({columns}) AS t(v) WHERE v >= $s AND v < $e ORDER BY 1",
                                      {"s": low, "e": high}).fetchall()]


def test_counts_equal_raw_when_as_of_is_one_of_the_cases_timestamps(fixture_con, monkeypatch):
    """At as_of equal to a timestamp the counts compare with (a case due, closed or answered at
    that very minute) `due_at < as_of` and `due_at <= as_of` part: the aggregate path must count
    such a case at as_of, not as it will finally stand."""
    con = fixture_con
    aggregates.build_and_mark(con)
    start, end = dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 11)
    stamps = settle_stamps(con, start, end + dt.timedelta(days=30))
    assert len(stamps) >= 20
    for as_of in stamps:
        same(engine.kpis(con, start=start, end=end, as_of=as_of, detail=True),
             raw(monkeypatch, engine.kpis, con, start=start, end=end, as_of=as_of, detail=True))
        same(engine.breakdown(con, "grid", start=start, end=end, as_of=as_of),
             raw(monkeypatch, engine.breakdown, con, "grid", start=start, end=end, as_of=as_of))
    # the durations from the histograms, whose bins the cases not settled correct one by one: a
    # value measured after as_of must not count (on a few cases it would move a median by far more)
    monkeypatch.setattr(fast, "EXACT_LIMIT", 0)
    for as_of in stamps:
        for stop in (end, as_of):  # and cut at as_of, inside a day
            if stop > start:
                same(engine.kpis(con, start=start, end=stop, as_of=as_of, detail=True),
                     raw(monkeypatch, engine.kpis, con, start=start, end=stop, as_of=as_of, detail=True), rel=0.0101)


def test_next_minute_counts_are_the_kept_ones_plus_the_cases_that_moved(fixture_con, monkeypatch):
    """A question asked again at a later as_of (the pages take "now" to the minute), with the same
    end or a later one (a 环比 cut at the clock), is answered from its previous counts plus the
    cases whose counts moved in between (fast._count_rows_moved, kpis_moved.sql). At every
    timestamp the counts compare with, one after the other, so that a case is due, closed or
    answered exactly at the old or the new as_of; it fails with an open interval for the moved
    cases, or without the cases reported since the previous end."""
    con = fixture_con
    aggregates.build_and_mark(con)
    shared.forget()
    start, end = dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 11)
    stamps = [t for t in settle_stamps(con, start, end) if t > start]
    assert len(stamps) >= 20
    moved = calls(monkeypatch, fast, "_count_rows_moved")
    for cut, step in ((False, 1), (True, 1), (False, 3)):  # the end fixed, moving with as_of; steps of 3 stamps
        shared.forget()  # (else the third pass's questions are the first's, shared)
        for as_of in stamps[::step]:
            stop = as_of if cut else end
            same(engine.kpis(con, start=start, end=stop, as_of=as_of, detail=True),
                 raw(monkeypatch, engine.kpis, con, start=start, end=stop, as_of=as_of, detail=True))
            for by in ("grid", "town", "category", "day"):
                same(engine.breakdown(con, by, start=start, end=stop, as_of=as_of, detail=True),
                     raw(monkeypatch, engine.breakdown, con, by, start=start, end=stop, as_of=as_of, detail=True))
    assert len(moved) >= 5 * (2 * len(stamps) + len(stamps[::3]) - 3)  # (each pass's first ask counts anew)


def test_next_minute_within_limit_shares_are_the_kept_counts_plus_the_moved_cases(fixture_con, monkeypatch):
    """within.breakdowns (the scorecard's shares within a time limit) at one timestamp after the
    other, the end fixed and then moving with as_of: from the previous minute's counts plus the
    moved cases (shared.moving_counts), equal to a fresh count every time."""
    con = fixture_con
    aggregates.build_and_mark(con)
    shared.forget()
    start, end = dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 11)
    stamps = [t for t in settle_stamps(con, start, end) if t > start]
    limits = {"response_within_share": 30.0, "close_within_share": 24.0}
    # one part: the older days kept apart across writes (shared.recent_cut) are test_durations.py's
    monkeypatch.setattr(shared, "RECENT_DAYS", 366)
    moved = sql_runs(monkeypatch, "$end_before")  # the moved cases' query
    for cut, step in ((False, 1), (True, 1), (False, 3)):  # (every third: timestamps inside the steps too)
        shared.forget()  # (else the third pass's questions are the first's, shared)
        for as_of in stamps[::step]:
            stop = as_of if cut else end
            for by in (None, "grid", "category", "day"):
                got = within.breakdowns(con, limits, by, start=start, end=stop, as_of=as_of)
                with monkeypatch.context() as m:
                    m.setattr(shared, "where", lambda con: None)  # nothing shared or kept: counted afresh
                    want = within.breakdowns(con, limits, by, start=start, end=stop, as_of=as_of)
                assert got == want, (by, as_of, cut)
    assert len(moved) >= 2 * 4 * (2 * len(stamps) + len(stamps[::3]) - 3)  # two runs of the moved query a question


def test_sub_day_starts_and_stale_aggregates_scan_the_cases(fixture_con):
    con = fixture_con
    aggregates.build_and_mark(con)
    assert not used_aggregates(con, None, None, dt.datetime(2026, 3, 1, 8), dt.datetime(2026, 3, 11))
    assert used_aggregates(con, None, None, dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 10, 12, 30))
    store.bump_data_version(con)  # a change the aggregates did not see
    assert not aggregates.current(con)
    assert not used_aggregates(con, None, None, dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 11))


def test_settle_columns_come_from_the_catalogue():
    assert set(aggregates.settle_columns()) == {"closed_at", "due_at", "responded_at"}


# --- a small demo county --------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This module's copy of the run's demo county (3,000 cases, seed 7, the real outline)."""
    return module_copy(demo_county(tmp_path_factory)[0], tmp_path_factory.mktemp("agg"))


@pytest.fixture(scope="module")
def demo(demo_path: Path):
    con = store.connect(demo_path, read_only=True)
    yield con
    con.close()


def one_unit_per_level(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The first unit (by id) of each level that has cases below it (a semi-join over the closure:
    the join of every unit with its cases took 10 s on 10,000 units)."""
    return [r[0] for r in con.execute(
        "SELECT min(u.unit_id) FROM units u JOIN unit_closure uc ON uc.ancestor_id = u.unit_id "
        "WHERE uc.descendant_id IN (SELECT DISTINCT unit_id FROM cases) GROUP BY u.level").fetchall()]


PRESETS = [p for p in periods.PRESETS if p != "custom"]


def preset_windows() -> dict[tuple[dt.datetime, dt.datetime, dt.datetime], str]:
    """Every preset's period, 环比 and 同比 window (start, end, as_of), each once, with where it came from."""
    out: dict[tuple[dt.datetime, dt.datetime, dt.datetime], str] = {}
    for preset in PRESETS:
        now = periods.period(preset, AS_OF)
        for what, p in (("", now), (" 环比", periods.previous(now)), (" 同比", periods.same_last_year(now))):
            out.setdefault((p.start, p.end, p.as_of), preset + what)
    return out


def test_demo_equals_raw_for_every_preset_and_unit_level(demo, monkeypatch):
    """Every preset × (period, 环比, 同比) × one unit of each level and every breakdown."""
    assert aggregates.current(demo)
    units = one_unit_per_level(demo)
    assert len(units) == 6
    windows = preset_windows()
    assert len(windows) == 3 * len(PRESETS) - 1  # only this_year's 同比 window is its 环比 window
    for (start, end, as_of), where in windows.items():
        w = {"start": start, "end": end, "as_of": as_of}
        for unit in units:
            with note(where, unit):
                same(engine.kpis(demo, unit=unit, detail=True, **w),
                     raw(monkeypatch, engine.kpis, demo, unit=unit, detail=True, **w))
        for by in BREAKDOWNS:
            with note(where, by):
                same(engine.breakdown(demo, by, detail=True, **w),
                     raw(monkeypatch, engine.breakdown, demo, by, detail=True, **w))
    for preset in PRESETS:
        now = periods.period(preset, AS_OF)
        assert used_aggregates(demo, None, None, now.start, now.end), preset


@contextlib.contextmanager
def note(*where: object) -> Iterator[None]:
    """Name the window and unit or breakdown in a failed comparison."""
    try:
        yield
    except AssertionError as exc:
        exc.add_note(" ".join(map(str, where)))
        raise


def test_histogram_quantiles_stay_within_one_percent(demo, monkeypatch):
    p = periods.period("this_year", AS_OF)
    monkeypatch.setattr(fast, "EXACT_LIMIT", 0)  # force the histogram path on small data
    root = store.root_unit(demo)
    town = demo.execute("SELECT min(unit_id) FROM units WHERE level = 'town'").fetchone()[0]
    for unit in (root, town):
        same(engine.kpis(demo, unit=unit, detail=True, **p.window()),
             raw(monkeypatch, engine.kpis, demo, unit=unit, detail=True, **p.window()), rel=0.0101)
    for by in ("child", "town", "month", "day"):
        same(engine.breakdown(demo, by, detail=True, **p.window()),
             raw(monkeypatch, engine.breakdown, demo, by, detail=True, **p.window()), rel=0.0101)
    for (start, end, as_of), where in preset_windows().items():  # 环比/同比: as_of in the past, more unsettled
        w = {"start": start, "end": end, "as_of": as_of}
        for unit in (root, town):
            with note(where, unit):
                same(engine.kpis(demo, unit=unit, detail=True, **w),
                     raw(monkeypatch, engine.kpis, demo, unit=unit, detail=True, **w), rel=0.0101)


def test_a_breakdown_without_durations_has_the_same_counts_and_computes_no_quantile(demo, monkeypatch):
    """engine.breakdown(durations=False), for the overview's charts of counts and rates: the same rows
    without the duration keys, from the aggregates with no quantile path touched, and from the raw
    query alike."""
    p = periods.period("this_year", AS_OF)
    for by in ("category", "week", "day", "child", "town", "grid"):
        full = engine.breakdown(demo, by, **p.window())
        want = [{k: v for k, v in r.items() if k not in DURATIONS} for r in full]
        with monkeypatch.context() as m:
            for name in ("_kept_hist_durations", "_memo_durations", "_exact_durations"):
                m.setattr(fast, name, lambda *a, name=name, **k: pytest.fail(f"{name} called"))
            assert engine.breakdown(demo, by, durations=False, **p.window()) == want, by
        assert raw(monkeypatch, engine.breakdown, demo, by, durations=False, **p.window()) == want, by
    assert any(r["median_response_min"] is not None for r in full)  # (the full rows had durations)


def test_month_rows_are_the_sums_of_their_days(demo):
    by_month = demo.execute(
        "SELECT CAST(date_trunc('month', report_day) AS DATE), town_unit, measure, b, sum(n), min(vmin), max(vmax), "
        "max(max_settle) FROM agg_hist GROUP BY ALL ORDER BY ALL").fetchall()
    assert by_month == demo.execute(f"SELECT * FROM {aggregates.MONTHS} ORDER BY ALL").fetchall()
    span = fast._month_span(demo, {"start_day": dt.date(2025, 1, 1), "end_day": dt.date(2026, 1, 1),  # noqa: SLF001
                                   "as_of": AS_OF})
    assert span["month_from"] == dt.date(2025, 1, 1) and dt.date(2025, 9, 1) <= span["open_from"] <= dt.date(2025, 12, 1)


@pytest.mark.parametrize("as_of", [AS_OF, dt.datetime(2025, 6, 15, 10, 0), dt.datetime(2025, 3, 1)])
def test_whole_months_give_the_same_quantiles_as_their_days(demo, monkeypatch, as_of):
    """The histogram path reading settled whole months from agg_hist_month answers exactly as
    reading every day from agg_hist (and still within 1 % of the raw cases)."""
    monkeypatch.setattr(fast, "EXACT_LIMIT", 0)  # force the histogram path on small data
    root = store.root_unit(demo)
    real = fast._month_span  # noqa: SLF001
    for p in (periods.period("this_year", as_of), periods.period("this_quarter", as_of),
              periods.Period(dt.datetime(2025, 1, 17), dt.datetime(2025, 5, 9), as_of)):
        calls: list[int] = []

        def counted(con, params, calls=calls):
            calls.append(1)
            return real(con, params)

        monkeypatch.setattr(fast, "_month_span", counted)
        shared.forget()  # (the process keeps a viewer's histogram answers: each side computes its own)
        with_months = [engine.kpis(demo, unit=root, detail=True, **p.window()),
                       *(engine.breakdown(demo, by, detail=True, **p.window()) for by in ("child", "town", "month"))]
        assert calls
        monkeypatch.setattr(fast, "_month_span", lambda con, params: fast._no_months(params))  # noqa: SLF001
        shared.forget()
        days_only = [engine.kpis(demo, unit=root, detail=True, **p.window()),
                     *(engine.breakdown(demo, by, detail=True, **p.window()) for by in ("child", "town", "month"))]
        assert with_months == days_only
        same(with_months[0], raw(monkeypatch, engine.kpis, demo, unit=root, detail=True, **p.window()), rel=0.0101)


# --- writers keep them current ----------------------------------------------------------------


def test_ingest_refreshes_the_touched_days(demo_path, tmp_path, monkeypatch):
    path = tmp_path / "copy.duckdb"
    path.write_bytes(demo_path.read_bytes())
    con = store.connect(path)
    grid = con.execute("SELECT min(unit_id) FROM units WHERE level = 'grid'").fetchone()[0]
    moved = con.execute("SELECT case_id FROM cases WHERE status = 'open' ORDER BY case_id LIMIT 1").fetchone()[0]
    header = "case_id,unit_id,source,category,reported_at,responded_at,closed_at,due_at,status,satisfaction"
    rows = [
        f"{moved},{grid},hotline,环境卫生,2025-10-02 09:00:00,2025-10-02 09:30:00,2025-10-03 10:00:00,"
        "2025-10-05 09:00:00,closed,satisfied",
        f"NEW1,{grid},app,安全隐患,2025-11-23 08:00:00,2025-11-23 08:10:00,,2025-11-23 18:00:00,in_progress,",
        f"NEW2,{grid},hotline,民生服务,2025-02-10 10:00:00,,,2025-02-12 10:00:00,open,",
    ]
    before = store.data_version(con)
    report = pipeline.ingest(con, ("\n".join([header, *rows]) + "\n").encode(), table="cases", file_name="x.csv")
    assert report.new == 2 and report.updated == 1
    assert store.data_version(con) == before + 1
    assert aggregates.current(con)
    tables = (*aggregates.TABLES, aggregates.MONTHS)
    kept = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}
    assert kept[aggregates.MONTHS]
    aggregates.rebuild(con)
    assert kept == {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}
    p = periods.period("this_year", AS_OF)
    same(engine.kpis(con, unit=grid, detail=True, **p.window()),
         raw(monkeypatch, engine.kpis, con, unit=grid, detail=True, **p.window()))
    assert engine.kpis(con, unit=grid, **p.window())["received"] == con.execute(
        "SELECT count(*) FROM cases WHERE unit_id IN (SELECT descendant_id FROM unit_closure WHERE ancestor_id = $g) "
        "AND status <> 'cancelled' AND reported_at >= $s AND reported_at < $e",
        {"g": grid, "s": p.start, "e": p.end}).fetchone()[0]
    con.close()


def test_first_read_write_open_of_a_schema_1_database_builds_them(demo_path, tmp_path):
    path = tmp_path / "old.duckdb"
    path.write_bytes(demo_path.read_bytes())
    con = duckdb.connect(str(path))
    for table in (*aggregates.TABLES, "agg_unit_map"):
        con.execute(f"DROP TABLE {table}")
    con.execute("DELETE FROM meta WHERE key = 'agg_version'")
    con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    con.close()
    ro = store.connect(path, read_only=True)  # a reader cannot migrate: the engine scans instead
    assert not aggregates.current(ro)
    ro.close()
    con = store.connect(path)
    assert store.get_meta(con, "schema_version") == "3"  # 3: the import's history flags and undo copies
    assert aggregates.current(con)
    n = con.execute("SELECT sum(received) FROM agg_units").fetchone()[0]
    assert n == con.execute("SELECT count(*) FROM cases WHERE status <> 'cancelled'").fetchone()[0]
    con.close()
