"""The writer warms the memo after an import (gridboard/server/warm.py): the first view reads it.

On a copy of the run's shared demo county (agg_support), a Worker with its clock at AS_OF loads one
new case through the API's path; once the worker is idle its Warmer has asked every page's first
screen (screens.PAGES) of 本年/本季度/本月 at the new data version, so those questions afterwards scan
nothing (memo.quantile_sql is never built) and their answers equal the raw query's. A restarted
worker finds the periods warm (marker rows) and asks nothing that day (the next day it warms again); a failing warm leaves the import as
it was; a demo-feed tick does not warm. fast.MEMO_MIN is 0 here, so the small county's cohorts go
through the memo as a 10 M county's do. No timings: speed is `python -m gridboard bench`.
"""

from __future__ import annotations

import datetime as dt
import gc
import threading
import time
from pathlib import Path

import duckdb
import pytest
from agg_support import AS_OF, calls, demo_county, module_copy

from gridboard import screens
from gridboard.core import periods
from gridboard.db import store
from gridboard.metrics import engine, fast, memo
from gridboard.ranking import gridindex
from gridboard.server import warm
from gridboard.server.worker import Job, Worker


@pytest.fixture
def county(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return module_copy(demo_county(tmp_path_factory)[0], tmp_path)


@pytest.fixture(autouse=True)
def memo_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fast, "MEMO_MIN", 0)


def started(path: Path, inbox: Path, presets: tuple[str, ...] = warm.WARM_PRESETS, now: dt.datetime = AS_OF) -> Worker:
    w = Worker(path, inbox, now=lambda: now, threads=1)  # small, planning-bound queries
    assert w.warmer is not None
    w.warmer.settle, w.warmer.presets = 0.1, presets
    w.start()
    return w


def noted_warm(path: Path) -> str:
    """Mark the county's current version warm for every period (what a finished warm leaves), so a
    test's worker does not warm it again at start; returns the version's memo mark."""
    con = store.connect(path)
    try:
        mark, unit = memo.current_mark(con), store.root_unit(con)
        assert mark is not None
        for preset in warm.WARM_PRESETS:
            memo.note_warmed(con, mark, preset, unit, periods.period(preset, AS_OF).start, AS_OF)
        return mark
    finally:
        con.close()


def idle(w: Worker) -> None:
    assert w.warmer is not None and w.warmer.idle.wait(300)


def new_case_csv(con_path: Path, case_id: str) -> bytes:
    con = store.connect(con_path, read_only=True)
    try:
        grid = con.execute("SELECT min(unit_id) FROM units WHERE level = 'grid'").fetchone()[0]
    finally:
        con.close()
    return ("case_id,unit_id,source,category,reported_at,responded_at,closed_at,due_at,status\n"
            f"{case_id},{grid},app,安全隐患,2025-11-20 08:00:00,2025-11-20 08:01:00,,2025-11-25 18:00:00,"
            "in_progress\n").encode()


def load(w: Worker, data: bytes, origin: str = "api") -> Job:
    job = w.submit(Job("cases", None, "warm.csv", "analyst", origin=origin, data=data))
    assert job.done.wait(120) and job.status == 200, job.report
    return job


def scans(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    return calls(monkeypatch, memo, "quantile_sql")


def test_after_an_import_the_first_screens_read_the_memo(county, tmp_path, monkeypatch):
    data = new_case_csv(county, "WARM1")
    first_mark = noted_warm(county)
    gc.unfreeze()
    w = started(county, tmp_path / "inbox")
    try:
        idle(w)
        assert [(d.mark, d.skipped) for d in w.warmer.done] == [(first_mark, True)] * len(warm.WARM_PRESETS)
        assert gc.get_freeze_count() > 0  # what the start loaded: no full collection walks it again
        load(w, data)
        idle(w)
        after = [d for d in w.warmer.done if d.mark != first_mark]
        assert [d.preset for d in after] == list(warm.WARM_PRESETS) and not any(d.skipped for d in after)
        assert w.warmer.failures == 0
    finally:
        w.stop()
    con = store.connect(county)
    try:
        assert memo.current_mark(con) == after[0].mark
        unit = store.root_unit(con)
        seen = scans(monkeypatch)
        for preset in warm.WARM_PRESETS:
            p = periods.period(preset, AS_OF)
            for fn in screens.PAGES.values():
                fn(con, p, unit)
            assert not seen, f"{preset}: a first screen scanned for its quantiles after the warm"
            grid_table = engine.breakdown(con, "grid", unit=unit, **p.window())  # warmed too (WARM_EXTRA)
            assert not seen, f"{preset}: the per-grid table scanned for its quantiles after the warm"
            with monkeypatch.context() as m:
                m.setattr(fast, "plan", lambda *a, **k: None)
                assert grid_table == engine.breakdown(con, "grid", unit=unit, **p.window())
            for q in (p, periods.previous(p)):  # the ranking page's grid index, from the warmed memo
                got = gridindex.inputs(con, "grid", **q.window())
                with monkeypatch.context() as m:
                    m.setattr(fast, "plan", lambda *a, **k: None)
                    want = gridindex.inputs(con, "grid", **q.window())
                assert (got.rows, got.parents, got.meta) == (want.rows, want.parents, want.meta)
            assert not seen
    finally:
        con.close()


def test_a_restarted_worker_finds_the_periods_warm(county, tmp_path):
    w = started(county, tmp_path / "inbox", ("this_month",))
    try:
        idle(w)
        assert [(d.preset, d.skipped) for d in w.warmer.done] == [("this_month", False)]
    finally:
        w.stop()
    again = started(county, tmp_path / "inbox", ("this_month",), now=AS_OF + dt.timedelta(hours=1))
    try:
        idle(again)
        assert [(d.preset, d.skipped) for d in again.warmer.done] == [("this_month", True)]
    finally:
        again.stop()
    # the next day (the same month): asked again, since the 环比's end has moved a day
    day = dt.datetime.combine(AS_OF.date() + dt.timedelta(days=1), dt.time(9))
    assert periods.period("this_month", day).start == periods.period("this_month", AS_OF).start
    next_day = started(county, tmp_path / "inbox", ("this_month",), now=day)
    try:
        idle(next_day)
        assert [(d.preset, d.skipped) for d in next_day.warmer.done] == [("this_month", False)]
    finally:
        next_day.stop()


def test_a_failing_warm_does_not_touch_the_import(county, tmp_path, monkeypatch):
    def broken(*args, **kw):
        raise RuntimeError("warming broke")

    monkeypatch.setattr(warm, "warm", broken)
    data = new_case_csv(county, "WARM2")
    w = started(county, tmp_path / "inbox")
    try:
        job = load(w, data)
        assert job.report["outcome"] == "loaded" and job.report["inserted"] == 1
        idle(w)
        assert w.warmer.failures >= 1 and w.read("server_status_rows", {"ids": ["WARM2"]})
    finally:
        w.stop()


def test_a_demo_feed_tick_does_not_warm(county, tmp_path):
    data = new_case_csv(county, "FEED1")
    noted_warm(county)
    w = started(county, tmp_path / "inbox")
    try:
        idle(w)
        before = len(w.warmer.done)
        load(w, data, origin="feed")
        assert w.warmer.idle.is_set() and len(w.warmer.done) == before
    finally:
        w.stop()


def test_a_job_that_starts_interrupts_the_warm(monkeypatch):
    """hold() (a job starts) interrupts the warm's running query at once: the warmer is idle again,
    without a failure, long before the query could have ended."""
    db = duckdb.connect()
    started_query = threading.Event()

    def endless(con, as_of, **kw):
        started_query.set()
        con.execute("SELECT count(*) FROM range(1000000000000) a, range(1000) b").fetchall()
        return []

    monkeypatch.setattr(warm, "warm", endless)
    w = warm.Warmer(db.cursor, lambda: AS_OF, lambda: False, settle=0.05)
    w.start()
    try:
        w.poke()
        assert started_query.wait(30)
        time.sleep(0.3)  # inside the query
        w.hold()
        assert w.idle.wait(30) and w.failures == 0
    finally:
        w.stop()
        db.close()
