"""Benchmarks: what each page computes for its first screen, timed on a database of N cases.

Speed is measured here (`python -m gridboard bench [--cases N] [--repeat R] [--json]`), never in
timed tests. The command first runs the memo warm a started server runs (`start_warm`; `--no-warm`
skips it), so the pages are timed as a started server serves them. A page benchmark calls the same
library functions, with the same arguments, that the page file calls for its first screen (tabs and
expanders that compute on open are left out), for one preset period: "cold" is the first call on a
freshly opened connection (the pages' caches are empty), "median" that of the repeats (DuckDB's
buffers warm; every call without the process's shared counts, metrics/shared.py), "warm" one more
call that finds those counts, as a second viewer in the same minute does (the pages' own st.cache
answers a revisit without any query at all). Besides the pages: a wall-screen
refresh, a drill click (the cases behind a number), a case list page, the aggregates' maintenance
for a 10,000-row ingest and the memo warming the server's writer runs after it (`warm`:
本年/本季度/本月), a CSV load, and the per-grid KPI table with pandas from a full DataFrame against
engine.breakdown on the same data, as a ratio.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from gridboard.core import config, periods
from gridboard.db import aggregates, store
from gridboard.metrics import drill, engine, kpi_cases, shared
from gridboard.screens import PAGES, ranking_profile, warm
from gridboard.wall import board

BENCH_PRESETS: tuple[str, ...] = ("today", "last7", "last30", "this_month", "this_quarter", "this_year")


@dataclass
class Timing:
    """Wall-clock times, and the process's CPU time (every DuckDB thread) of the cold call and the
    median run: on a shared machine the wall time is an upper bound, the CPU time what the work costs."""

    name: str
    cold_ms: float
    median_ms: float
    max_ms: float
    runs: int
    cold_cpu_ms: float = 0.0
    median_cpu_ms: float = 0.0
    warm_ms: float = 0.0  # one more call that finds the process's shared counts of the call before it

    def line(self) -> str:
        return (f"{self.name:<32} cold {self.cold_ms:8.1f} ms (cpu {self.cold_cpu_ms:8.1f})   "
                f"median {self.median_ms:8.1f} ms (cpu {self.median_cpu_ms:8.1f})   max {self.max_ms:8.1f} ms   "
                f"warm {self.warm_ms:7.1f} ms   ({self.runs} runs)")


@dataclass
class Report:
    database: str
    cases: int
    as_of: str
    aggregates_current: bool
    db_size_mb: float
    timings: list[Timing] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    peak_rss_mb: float = 0.0
    cpus: int = field(default_factory=lambda: os.cpu_count() or 0)
    load_before: tuple[float, ...] = field(default_factory=lambda: tuple(round(x, 2) for x in os.getloadavg()))
    load_after: tuple[float, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["timings"] = {t.name: {k: v for k, v in asdict(t).items() if k != "name"} for t in self.timings}
        return d


def _ms(fn: Callable[[], object], *, forget: bool = True) -> tuple[float, float]:
    """(wall ms, process CPU ms) of one call, with the process's shared counts forgotten first
    (metrics/shared.py: they would answer every repeat, and the first call from the warm's) unless
    `forget` is false."""
    if forget:
        shared.forget()
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000


def timed(name: str, fn: Callable[[], object], repeat: int) -> Timing:
    """First call (cold) then `repeat` calls: median and max of those; then one warm call, which
    finds what the last of them left in the process's shared counts, as a second viewer of the same
    minute does (the pages' own cache, Streamlit's, answers a revisit with no query at all)."""
    cold, cold_cpu = _ms(fn)
    runs = [_ms(fn) for _ in range(max(repeat, 1))]
    warm, _ = _ms(fn, forget=False)
    wall = [r[0] for r in runs]
    return Timing(name, round(cold, 1), round(statistics.median(wall), 1), round(max(wall), 1), len(runs),
                  round(cold_cpu, 1), round(statistics.median(r[1] for r in runs), 1), round(warm, 1))


def latest_case_time(con: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    row = con.execute("SELECT max(reported_at) FROM cases").fetchone()
    return row[0] if row else None


def pandas_grid_table(frame: pd.DataFrame, start: dt.datetime, end: dt.datetime, as_of: dt.datetime) -> pd.DataFrame:
    """The per-grid KPI table computed with pandas from a DataFrame of every case (the baseline):
    received, closed, on-time, overdue, satisfaction and the exact medians, per grid."""
    k = frame[(frame["reported_at"] >= start) & (frame["reported_at"] < end) & (frame["status"] != "cancelled")]
    closed = k["closed_at"] <= as_of
    due = k["due_at"] <= as_of
    responded = k["responded_at"] <= as_of
    df = pd.DataFrame({
        "grid": k["grid"], "closed": closed, "due_passed": due, "closed_on_time": due & (k["closed_at"] <= k["due_at"]),
        "overdue_open": (k["due_at"] < as_of) & ~closed,
        "surveyed": k["satisfaction"].notna(), "satisfied": k["satisfaction"].isin(["satisfied", "basic"]),
        "response_min": ((k["responded_at"] - k["reported_at"]).dt.total_seconds() / 60).where(responded),
        "close_hours": ((k["closed_at"] - k["reported_at"]).dt.total_seconds() / 3600).where(closed),
    })
    g = df.groupby("grid")
    out = g[["closed", "due_passed", "closed_on_time", "overdue_open", "surveyed", "satisfied"]].sum()
    out["received"] = g.size()
    out["median_response_min"] = g["response_min"].median()
    out["p90_response_min"] = g["response_min"].quantile(0.9)
    out["median_close_hours"] = g["close_hours"].median()
    out["closure_rate"] = out["closed"] / out["received"]
    return out


def _pandas_ratio(con: duckdb.DuckDBPyConnection, p: periods.Period, repeat: int) -> dict[str, Any]:
    # the engine first: loading the baseline's DataFrame of every case churns DuckDB's buffers, which
    # a server's engine call would not meet
    gb = timed("engine", lambda: engine.breakdown(con, "grid", **p.window()), repeat)
    frame = con.execute(
        "SELECT c.reported_at, c.responded_at, c.closed_at, c.due_at, c.status, c.satisfaction, g.ancestor_id AS grid "
        "FROM cases c JOIN unit_closure g ON g.descendant_id = c.unit_id "
        "JOIN units u ON u.unit_id = g.ancestor_id AND u.level = 'grid'").df()
    pd_ms = timed("pandas", lambda: pandas_grid_table(frame, p.start, p.end, p.as_of), repeat).median_ms
    gb_ms = gb.median_ms
    return {"period": p.preset, "pandas_ms": pd_ms, "engine_ms": gb_ms, "engine_cold_ms": gb.cold_ms,
            "engine_cold_cpu_ms": gb.cold_cpu_ms, "ratio": round(pd_ms / gb_ms, 1) if gb_ms else None,
            "ratio_cold": round(pd_ms / gb.cold_ms, 1) if gb.cold_ms else None}


def memo_fill(path: Path, *, presets: tuple[str, ...] = ("today", "this_year"), as_of: dt.datetime | None = None,
              on_line: Callable[[str], None] | None = None) -> list[Timing]:
    """Every page's first screen once on a read-write connection, as the server's first view after
    an ingest asks it: the exact per-group quantiles are computed and kept in agg_memo
    (metrics/memo.py), so the read-only `report` afterwards times what later views and a restarted
    server find. Returns the timings of those first views (one run each)."""
    con = store.connect(path)
    try:
        as_of = as_of or latest_case_time(con) or config.load().now()
        unit = store.root_unit(con)
        out = []
        for name, fn in PAGES.items():
            for preset in presets:
                p = periods.period(preset, as_of)
                out.append(timed(f"first/{name}/{preset}", functools.partial(fn, con, p, unit), 1))
                if on_line:
                    on_line(out[-1].line())
        p = periods.period("this_year", as_of)
        out.append(timed("first/grid_table/this_year", functools.partial(
            engine.breakdown, con, "grid", start=p.start, end=p.end, as_of=p.as_of), 1))
        if on_line:
            on_line(out[-1].line())
        return out
    finally:
        con.close()


def start_warm(path: Path, *, as_of: dt.datetime | None = None,
               on_line: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """What a started server does before its first visitor is likely to come: its writer warms the
    memo for WARM_PRESETS at the current data version (gridboard/server/warm.py pokes it at start
    and after every import), written into the database as the server would. The page timings that
    follow are then those of a server that has started and warmed; `bench --no-warm` times the
    first views before it (a visitor who comes within the warm's seconds)."""
    con = store.connect(path)
    try:
        as_of = as_of or latest_case_time(con) or config.load().now()
        done = [asdict(w) for w in warm(con, as_of)]
    finally:
        con.close()
    if on_line:
        on_line(f"start warm: {done}")
    return done


def run(con: duckdb.DuckDBPyConnection, *, as_of: dt.datetime, repeat: int = 3,
        presets: tuple[str, ...] = BENCH_PRESETS, pages: list[str] | None = None,
        on_line: Callable[[str], None] | None = None) -> list[Timing]:
    """Time every page (or those in `pages`) for every preset, then the wall, a drill click and a
    case list. `on_line` receives each result line as it is measured."""
    unit = store.root_unit(con)
    out: list[Timing] = []

    def add(t: Timing) -> None:
        out.append(t)
        if on_line:
            on_line(t.line())

    for name, fn in PAGES.items():
        if pages and name not in pages:
            continue
        for preset in presets:
            p = periods.period(preset, as_of)
            add(timed(f"{name}/{preset}", lambda fn=fn, p=p: fn(con, p, unit), repeat))
    if not pages:
        wall = board.RefreshBench()
        add(timed("bigscreen_refresh", lambda: wall(con, as_of), repeat))
        p = periods.period("this_year", as_of)
        town = con.execute("SELECT min(unit_id) FROM units WHERE level = 'town'").fetchall()[0][0]
        add(timed("drill_click/this_year", lambda: drill.case_list(
            con, metric="overdue_open", unit=town, start=p.start, end=p.end, as_of=p.as_of), repeat))
        add(timed("ranking_pick/this_year", lambda: ranking_profile(con, p, unit), repeat))
        add(timed("case_list_page/this_year", lambda: drill.case_list(
            con, metric="closed", offset=1000, start=p.start, end=p.end, as_of=p.as_of), repeat))
        closed = kpi_cases.Query("closed")
        add(timed("case_list_ui/this_year", lambda: (  # what the pages' case list asks: count, page 21
            kpi_cases.count(con, closed, start=p.start, end=p.end, as_of=p.as_of),
            kpi_cases.page(con, closed, start=p.start, end=p.end, as_of=p.as_of, offset=20 * kpi_cases.PAGE_SIZE)),
            repeat))
    return out


def report(path: Path, *, repeat: int = 3, presets: tuple[str, ...] = BENCH_PRESETS, pages: list[str] | None = None,
           as_of: dt.datetime | None = None, on_line: Callable[[str], None] | None = None) -> Report:
    """Open `path` read-only and run everything that needs no write (pages, wall, drill, pandas)."""
    con = store.connect(path, read_only=True)
    try:
        as_of = as_of or latest_case_time(con) or config.load().now()
        n = con.execute("SELECT count(*) FROM cases").fetchall()[0][0]
        r = Report(str(path), n, as_of.isoformat(), aggregates.current(con), round(path.stat().st_size / 2**20, 1))
        r.timings = run(con, as_of=as_of, repeat=repeat, presets=presets, pages=pages, on_line=on_line)
        if not pages:
            r.extra["pandas_grid_table"] = _pandas_ratio(con, periods.period("this_year", as_of), repeat)
            if on_line:
                on_line(f"per-grid KPI table, this_year: {r.extra['pandas_grid_table']}")
    finally:
        con.close()
    r.peak_rss_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    r.load_after = tuple(round(x, 2) for x in os.getloadavg())
    return r


def write_costs(path: Path, *, load_rows: int = 1_000_000, batch_rows: int = 10_000,
                on_line: Callable[[str], None] | None = None) -> dict[str, Any]:
    """On a copy of `path`: a `batch_rows`-row ingest of new cases (its total time and the part the
    aggregates take, refresh of the days it touches) and a `load_rows`-row CSV load through the
    same pipeline as the import page (including the aggregates)."""
    import shutil
    import tempfile

    from gridboard.ingest import pipeline

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="gridboard-bench-") as tmp:
        copy = Path(tmp) / "copy.duckdb"
        shutil.copyfile(path, copy)
        con = store.connect(copy)
        try:
            for label, rows in (("ingest_10k", batch_rows), ("csv_load", load_rows)):
                if rows <= 0:
                    continue
                csv = Path(tmp) / f"{label}.csv"
                con.execute(f"COPY (SELECT 'B{label}-' || case_id AS case_id, unit_id, source, category, subcategory, "
                            "title, reported_at, dispatched_at, responded_at, closed_at, callback_at, due_at, status, "
                            "handled_level, department, satisfaction, reopened, supervised "
                            f"FROM cases ORDER BY reported_at DESC LIMIT {int(rows)}) TO '{csv}' (HEADER)")
                t0 = time.perf_counter()
                rep = pipeline.ingest(con, csv, table="cases", file_name=csv.name)
                total = (time.perf_counter() - t0) * 1000
                out[label] = {"rows": rows, "new": rep.new, "total_ms": round(total, 1)}
                if label == "ingest_10k":
                    days = [r[0] for r in con.execute(
                        "SELECT DISTINCT CAST(reported_at AS DATE) FROM cases WHERE case_id LIKE 'Bingest_10k-%'"
                    ).fetchall()]
                    con.begin()
                    t0 = time.perf_counter()
                    aggregates.refresh_days(con, days)
                    out[label]["aggregates_ms"] = round((time.perf_counter() - t0) * 1000, 1)
                    out[label]["days"] = len(days)
                    con.rollback()
                    # what the server's writer then does in the background (gridboard/server/warm.py)
                    as_of = latest_case_time(con) or config.load().now()
                    out[label]["warm"] = [asdict(w) for w in warm(con, as_of)]
                if on_line:
                    on_line(f"{label}: {out[label]}")
        finally:
            con.close()
    return out


def command(args: Any, path: Path, say: Callable[[str], None]) -> int:
    """`python -m gridboard bench`: with --cases N on a demo of N cases, built (data/bench-N.duckdb)
    unless --db names one or it exists with N cases. ValueError for unknown pages or periods."""
    import json

    built_s = built_cpu_s = None
    if args.cases is not None:
        from gridboard.demo import county

        if args.db is None:
            path = config.PROJECT_ROOT / "data" / f"bench-{args.cases}.duckdb"
        have = None
        if path.exists():
            con = store.connect(path, read_only=True)
            have = con.execute("SELECT count(*) FROM cases").fetchall()[0][0]
            con.close()
        if have != args.cases:
            cfg = config.load()
            t0, c0 = time.perf_counter(), time.process_time()
            county.build_file(path, cases=args.cases, seed=7, as_of=args.as_of or cfg.now(),
                              outline=Path(str(cfg["county_outline"])))
            built_s = round(time.perf_counter() - t0, 1)
            built_cpu_s = round(time.process_time() - c0, 1)
            if not args.json:
                say(f"built {path} in {built_s} s")
    presets = tuple(args.presets) if args.presets else BENCH_PRESETS
    unknown = (set(args.only or []) - set(PAGES)) | (set(presets) - set(periods.PRESETS))
    if unknown:
        raise ValueError(f"unknown page(s) or period(s): {', '.join(sorted(unknown))}; pages: {', '.join(PAGES)}")
    # with --json the object is the only output on stdout; progress lines go to stderr as measured
    on_line = (lambda line: print(line, file=sys.stderr, flush=True)) if args.json else say
    started = start_warm(path, as_of=args.as_of, on_line=on_line) if args.warm else None
    r = report(path, repeat=args.repeat, presets=presets, pages=args.only, as_of=args.as_of, on_line=on_line)
    if started is not None:
        r.extra["start_warm"] = started
    if built_s is not None:
        r.extra["demo_build_s"] = built_s
        r.extra["demo_build_cpu_s"] = built_cpu_s
    if args.writes and not args.only:
        r.extra["writes"] = write_costs(path, load_rows=args.load_rows, on_line=on_line)
    if args.json:
        say(json.dumps(r.to_dict(), ensure_ascii=False, default=str))
    else:
        say(f"{r.cases:,} cases, aggregates current: {r.aggregates_current}, database {r.db_size_mb} MB, "
            f"peak memory {r.peak_rss_mb} MB; load average {r.load_before} before, {r.load_after} after, "
            f"{r.cpus} CPUs")
    return 0
