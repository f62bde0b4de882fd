"""The cohort's durations as multisets: each distinct value and how many cases have it.

The response page shows two exact distributions of its period (median, P90 and P99 as DuckDB's
quantile_cont computes them, the share within the response target, a histogram). Sorting a year's
4.6 M values per question cost 0.36 s at 10 M cases, and two more passes counted the bins. Grouped
by value, one pass (duration_values.sql) gives everything at once: the quantiles, the share and
any bin width follow from the few hundred thousand distinct values, and values of two parts of a
period merge exactly. So the period is asked in two parts: the report days before the last week,
kept by the process (shared.part) while no write touches them, and the last week's days, asked
again each time. A live county writes the last days only (new cases; responses and closes of the
last week's), so each minute and each data version of the day costs a pass over about a week of
cases (0.02 s at 10 M) instead of the year.

Owns: duration_values.sql's run, the parts, and the statistics over a multiset (Multiset).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt

from gridboard.db import queries
from gridboard.metrics import engine, memo, shared


@dataclass(frozen=True)
class Multiset:
    """Durations as ascending values (a value may repeat when parts were merged) and their counts."""

    values: npt.NDArray[np.float64]
    counts: npt.NDArray[np.int64]

    @cached_property
    def _cumulative(self) -> npt.NDArray[np.int64]:
        return np.cumsum(self.counts)

    @property
    def n(self) -> int:
        return int(self._cumulative[-1]) if len(self.counts) else 0

    @property
    def max(self) -> float:
        return float(self.values[-1])  # every count is at least 1 (a value is there because a case has it)

    def at(self, position: int) -> float:
        """The value at a 0-based position of the sorted durations."""
        return float(self.values[np.searchsorted(self._cumulative, position, side="right")])

    def quantile(self, q: float) -> float:
        """quantile_cont as DuckDB computes it (the metric engine's definition, DESIGN.md): position
        h = (n - 1) q, the values at floor(h) and ceil(h) weighed by d = h - floor(h) as DuckDB's
        source writes it, lo (1 - d) + hi d. Its build may fuse that multiply-add, so the last bit
        can differ (tests/test_durations.py allows 1e-12 relative)."""
        h = (self.n - 1) * q
        lo, hi = math.floor(h), math.ceil(h)
        low = self.at(lo)
        if lo == hi:
            return low
        d = h - lo
        return low * (1.0 - d) + self.at(hi) * d

    def at_most(self, limit: float | None) -> int:
        """How many durations are at most `limit` (none for no limit, as SQL's v <= NULL)."""
        return 0 if limit is None else int(self.counts[self.values <= limit].sum())

    def histogram(self, width: float, bins: int) -> list[int]:
        """Counts of bins 0..bins: bin b holds b*width <= v < (b+1)*width, bin `bins` everything
        above, negative values bin 0 — kpi_views.bin_expression's arithmetic, so a bar and the case
        list behind it agree."""
        index = np.clip(np.floor(self.values / width), 0, bins).astype(np.int64)
        return [int(c) for c in np.bincount(index, weights=self.counts, minlength=bins + 1)]

    def merged(self, other: Multiset) -> Multiset:
        values = np.concatenate([self.values, other.values])
        order = np.argsort(values, kind="stable")  # two ascending runs: a merge, not a sort
        return Multiset(values[order], np.concatenate([self.counts, other.counts])[order])


@dataclass(frozen=True)
class _Part:
    """One part's durations per measure, each measure's as_of range [lo, hi) (None: open), the
    part's latest report and the first report in the later range (the memo's end_hi)."""

    durations: dict[str, Multiset]
    lo: dict[str, dt.datetime | None]
    hi: dict[str, dt.datetime | None]
    last: dt.datetime | None
    later: dt.datetime | None


@dataclass(frozen=True)
class Found:
    """The durations of each measure over the whole period, and the ranges the answer stays exact
    for (memo.keep_whole's end_lo, end_hi, asof_lo, asof_hi)."""

    durations: dict[str, Multiset]
    ranges: dict[str, dict[str, Any]]


def collect(con: duckdb.DuckDBPyConnection, measures: Mapping[str, tuple[str, str]],
            params: Mapping[str, Any]) -> Found:
    """The durations of the cohort of `params` (start, end, as_of, unit) for each measure (key →
    (value SQL, keep SQL) over cohort rows k, keep of the form `k.col <= $as_of`): the report days
    before the last shared.RECENT_DAYS days from the process's kept part where it still holds, the
    others asked now."""
    start, end, as_of = params["start"], params["end"], params["as_of"]
    settle = {key: memo.settle_column(keep) for key, (_, keep) in measures.items()}
    # nothing is kept of a duration whose as_of range is unknown
    cut = shared.recent_cut(con, start, end, as_of) if all(settle.values()) else start
    recent = _scan(con, measures, settle, {**params, "start": cut, "later_from": end,
                                           "scan_end": memo.scan_end(params)})
    parts = [recent]
    if cut > start:
        def older() -> tuple[_Part, dt.datetime | None, dt.datetime | None, int]:
            found = _scan(con, measures, settle, {**params, "end": cut, "later_from": cut, "scan_end": cut})
            return (found, _edge(max, list(found.lo.values())), _edge(min, list(found.hi.values())),
                    sum(len(d.values) for d in found.durations.values()))
        what = ("durations", params["unit"], start, tuple(measures.items()))
        parts.insert(0, shared.part(con, what, start.date(), (cut - dt.timedelta(microseconds=1)).date(), as_of, older))
    durations = {key: parts[0].durations[key] for key in measures}
    if len(parts) == 2:
        durations = {key: d.merged(recent.durations[key]) for key, d in durations.items()}
    last = recent.last if recent.last is not None else parts[0].last
    ranges = {key: {"end_lo": last, "end_hi": recent.later,
                    "asof_lo": _edge(max, [p.lo[key] for p in parts]),
                    "asof_hi": _edge(min, [p.hi[key] for p in parts])} for key in measures}
    return Found(durations, ranges)


def _edge(pick: Any, times: list[dt.datetime | None]) -> dt.datetime | None:
    found = [t for t in times if t is not None]
    return pick(found) if found else None


def _scan(con: duckdb.DuckDBPyConnection, measures: Mapping[str, tuple[str, str]],
          settle: Mapping[str, str | None], params: Mapping[str, Any]) -> _Part:
    """One pass of duration_values.sql over the cohort's report times [start, end) of `params`."""
    rows = []
    for i, (key, (value, keep)) in enumerate(measures.items()):
        column = settle[key]
        lo_sql, hi_sql = memo.settle_range_sql(column) if column else ("NULL", "NULL")
        rows.append(queries.fragment("duration_value_rows", m=str(i), value=value, keep=keep, lo=lo_sql, hi=hi_sql))
    scope, group, _ = engine.scope_and_group(None)
    sql = queries.named("duration_values", scope=scope, cohort=queries.fragment("cohort", group=group),
                        values="\nUNION ALL\n".join(rows))
    found = queries.run(con, sql, dict(params)).fetchnumpy()
    m, v, n = found["m"], found["v"], found["n"]
    known, data, counts = ~np.ma.getmaskarray(v), np.ma.getdata(v), np.ma.getdata(n)
    durations: dict[str, Multiset] = {}
    lo: dict[str, dt.datetime | None] = {}
    hi: dict[str, dt.datetime | None] = {}
    last = None
    for i, key in enumerate(measures):
        mine = (m == i) & known
        values = data[mine].astype(np.float64)
        order = np.argsort(values)  # distinct values (grouped): any sort will do, and quicksort is fastest
        durations[key] = Multiset(values[order], counts[mine].astype(np.int64)[order])
        at = int(np.flatnonzero((m == i) & ~known & (n == 0))[0])  # the measure's ranges row
        lo[key], hi[key] = _time(found["lo"], at), _time(found["hi"], at)
        last = _time(found["last"], at)
    later = _time(found["last"], int(np.flatnonzero(m == -1)[0]))
    return _Part(durations, lo, hi, last, later)


def _time(column: Any, at: int) -> dt.datetime | None:
    if np.ma.getmaskarray(column)[at]:
        return None
    value = np.ma.getdata(column)[at]
    return None if np.isnat(value) else value.astype("datetime64[us]").item()  # type: ignore[no-any-return]
