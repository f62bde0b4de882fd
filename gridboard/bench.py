"""Benchmarks: how long the queries behind each screen take on a given database.

Speed is measured here (`python -m gridboard bench --db PATH`), never in timed tests. Each
benchmark is a named callable over a read-only connection; the runner repeats it and reports
the median and the best wall time. Later features register their own (e.g. the wall screen's
refresh) in BENCHMARKS.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from gridboard.metrics import engine
from gridboard.wall import board

BenchFn = Callable[[duckdb.DuckDBPyConnection, dt.datetime], object]


@dataclass(frozen=True)
class BenchResult:
    name: str
    runs: int
    median_ms: float
    best_ms: float

    def line(self) -> str:
        return f"{self.name:<28} median {self.median_ms:9.1f} ms   best {self.best_ms:9.1f} ms   ({self.runs} runs)"


def _day(as_of: dt.datetime) -> dt.datetime:
    return as_of.replace(hour=0, minute=0, second=0, microsecond=0)


def _kpis_30d(con: duckdb.DuckDBPyConnection, as_of: dt.datetime) -> object:
    end = _day(as_of) + dt.timedelta(days=1)
    return engine.kpis(con, start=end - dt.timedelta(days=30), end=end, as_of=as_of)


def _kpis_today(con: duckdb.DuckDBPyConnection, as_of: dt.datetime) -> object:
    return engine.kpis(con, start=_day(as_of), end=_day(as_of) + dt.timedelta(days=1), as_of=as_of)


def _kpis_year(con: duckdb.DuckDBPyConnection, as_of: dt.datetime) -> object:
    end = _day(as_of) + dt.timedelta(days=1)
    return engine.kpis(con, start=end - dt.timedelta(days=365), end=end, as_of=as_of)


def _by(dimension: str, days: int) -> BenchFn:
    def run(con: duckdb.DuckDBPyConnection, as_of: dt.datetime) -> object:
        end = _day(as_of) + dt.timedelta(days=1)
        return engine.breakdown(con, dimension, start=end - dt.timedelta(days=days), end=end, as_of=as_of)

    return run


BENCHMARKS: dict[str, BenchFn] = {
    "kpis_today": _kpis_today,
    "kpis_30d": _kpis_30d,
    "kpis_365d": _kpis_year,
    "by_town_30d": _by("town", 30),
    "by_grid_30d": _by("grid", 30),
    "by_category_30d": _by("category", 30),
    "by_day_365d": _by("day", 365),
    "bigscreen_refresh": board.RefreshBench(),  # one wall-screen refresh, its caches warm
}


def latest_case_time(con: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    row = con.execute("SELECT max(reported_at) FROM cases").fetchone()
    return row[0] if row else None


def run(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: dt.datetime,
    runs: int = 5,
    only: list[str] | None = None,
) -> list[BenchResult]:
    """Run every benchmark (or those named in `only`) `runs` times after one warm-up run."""
    results = []
    for name, fn in BENCHMARKS.items():
        if only and name not in only:
            continue
        fn(con, as_of)  # warm-up: first touch of the file pages
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            fn(con, as_of)
            times.append((time.perf_counter() - t0) * 1000)
        results.append(BenchResult(name, runs, statistics.median(times), min(times)))
    return results
