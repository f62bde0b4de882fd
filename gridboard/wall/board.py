"""The command-centre wall screen (指挥中心大屏): everything it shows, assembled without Streamlit.

Owns: the wall's URL options (?refresh, ?rotate, ?unit, ?lang), the freshness of the data (newest
case against now; stale after the `stale_after_minutes` setting; unreadable database), the twelve
tiles (today against the same time yesterday, this month against last month so far, open and
overdue now against the same time yesterday), the open-case backlog that lets a refresh read only
the cases reported since yesterday, open cases by grid for the map, the deadline wall, the live
feed, the 24-hour series, and the slow panels (30-day trend, category mix, best and worst grids of
the month). Counts come from the metric engine (engine.kpis / breakdown, gridindex) or from the
DESIGN.md deadline grading (deadline_graded.sql); pages/bigscreen.py only renders.

One computation per refresh tick: the page reads the live panel at "now" rounded down to the
wall's tick (its refresh period, at most TICK_MAX_SECONDS) through SHARED, keyed on (database, data
version, tick, unit, stale_after), so thirty walls at one tick and data version cost one
computation (gridboard.wall.shared), and an import shows on every wall at its next tick.

Refresh cost does not grow with history: "today", "this month" and the feed prune by reported_at
(zone maps); open cases come from gridboard.bigscreen_open (the backlog, cached per data version
and day, plus the cases reported since yesterday).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

import duckdb

from gridboard.core import config, i18n, params, periods
from gridboard.db import queries, store
from gridboard.metrics import engine
from gridboard.ranking import gridindex
from gridboard.wall.backlog import (  # the open-case part of the wall, used through this module too
    WALL_ROWS,
    Backlog,
    backlog,
    backlog_since,
    deadline_wall,
    grid_counts,
    open_by_grid,
    open_counts,
)
from gridboard.wall.shared import SingleFlight

REFRESH_RANGE = (5, 3600)  # seconds, ?refresh=
ROTATE_RANGE = (10, 3600)  # seconds, ?rotate=
SLOW_SECONDS = 300  # the 30-day trend, category mix and grid ranks refresh at most this often
NEWEST_LOOKBACK = dt.timedelta(days=2)  # look for the newest case here first (zone maps), then everywhere
FEED_LOOKBACK = dt.timedelta(days=1)  # the feed lists cases reported up to this long before the newest
FEED_ROWS, EXTREME_ROWS = 7, 5
RANK_LEVELS = ("grid", "community", "town")  # grid_extremes falls back level by level
PARALLEL_QUERIES = 3  # queries of one refresh run side by side (one pool for the process: no growth)
TICK_MAX_SECONDS = 60  # the live panel's as_of is "now" rounded down to min(refresh, this)
SHARED = SingleFlight()  # the live refreshes of every wall of this process (one per tick and data version)

# --- options -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    refresh_s: int
    rotate_s: int | None
    stale_after: dt.timedelta
    unit: str | None = None
    lang: str | None = None
    ignored: tuple[str, ...] = ()  # URL parameters with a bad value (the page shows a notice)


def _seconds(value: Any, lo: int, hi: int) -> int | None:
    return params.seconds(value, lo, hi)


def options(query: Mapping[str, Any], cfg: config.Config) -> Options:
    """Wall options from the URL (?refresh=SECONDS, ?rotate=SECONDS, ?unit=ID, ?lang=en) and the
    config (refresh_seconds, stale_after_minutes); bad values ("inf", "1e309", negative, not a
    number, an id that cannot be a unit) fall back to the defaults and are named in `ignored`."""
    default = _seconds(cfg["refresh_seconds"], *REFRESH_RANGE) or 30
    got = params.read(query, {
        "refresh": lambda v: params.seconds(v, *REFRESH_RANGE),
        "rotate": lambda v: params.seconds(v, *ROTATE_RANGE),
        "unit": params.unit_id,
        "lang": lambda v: params.choice(v, i18n.LANGS),
    })
    stale = dt.timedelta(minutes=max(1.0, float(cfg["stale_after_minutes"])))  # type: ignore[arg-type]
    v = got.values
    return Options(v.get("refresh", default), v.get("rotate"), stale, v.get("unit"), v.get("lang"), tuple(got.ignored))


# --- scope and rotation --------------------------------------------------------------------------


def views(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(unit_id, name) of the county and then its towns: the views ?rotate= cycles through."""
    rows = queries.rows(con, queries.text("bigscreen_units"), {})
    root = [(r["unit_id"], r["name"]) for r in rows if r["level"] == "county"][:1]
    towns = [(r["unit_id"], r["name"]) for r in rows if r["level"] == "town" and r["parent_id"] == (root or [("",)])[0][0]]
    return root + towns


def tick(now: dt.datetime, refresh_s: int) -> dt.datetime:
    """now rounded down to the wall's tick, min(refresh_s, TICK_MAX_SECONDS) seconds on the epoch's
    grid: every wall with that refresh period reads the same as_of within one tick."""
    step = max(1, min(int(refresh_s), TICK_MAX_SECONDS))
    return now - dt.timedelta(seconds=int(now.timestamp()) % step, microseconds=now.microsecond)


def rotation_index(now: dt.datetime, rotate_s: int | None, n: int) -> int:
    """Which of `n` views shows at `now` when rotating every `rotate_s` seconds (0 without rotation).
    Derived from the clock, so every screen agrees and nothing is stored per refresh."""
    if not rotate_s or n <= 1:
        return 0
    return int(now.timestamp() // rotate_s) % n


# --- freshness -----------------------------------------------------------------------------------

State = Literal["fresh", "stale", "empty", "error"]


@dataclass(frozen=True)
class Freshness:
    refreshed_at: dt.datetime
    newest: dt.datetime | None
    stale_after: dt.timedelta
    error: str | None = None

    @property
    def quiet_for(self) -> dt.timedelta | None:
        return None if self.newest is None else self.refreshed_at - self.newest

    @property
    def state(self) -> State:
        if self.error is not None:
            return "error"
        if self.newest is None:
            return "empty"
        return "stale" if self.refreshed_at - self.newest > self.stale_after else "fresh"


def newest_case(con: duckdb.DuckDBPyConnection, *, as_of: dt.datetime) -> dt.datetime | None:
    """Report time of the newest case at or before as_of (anywhere in the database)."""
    sql = queries.text("bigscreen_newest")
    for since in (as_of - NEWEST_LOOKBACK, dt.datetime(1, 1, 1)):
        found = queries.rows(con, sql, {"since": since, "as_of": as_of})[0]["newest"]
        if found is not None:
            return found
    return None


def freshness(con: duckdb.DuckDBPyConnection, *, as_of: dt.datetime, stale_after: dt.timedelta) -> Freshness:
    return Freshness(as_of, newest_case(con, as_of=as_of), stale_after)


# --- feed and hourly series ----------------------------------------------------------------------


def feed(con: duckdb.DuckDBPyConnection, *, as_of: dt.datetime, unit: str, newest: dt.datetime | None,
         limit: int = FEED_ROWS) -> list[dict]:
    """The latest cases under unit, newest first (reported up to a day before the newest case)."""
    if newest is None:
        return []
    params = {"as_of": as_of, "unit": unit, "since": newest - FEED_LOOKBACK, "limit": int(limit)}
    return queries.rows(con, queries.text("bigscreen_feed"), params)


def hourly(con: duckdb.DuckDBPyConnection, *, as_of: dt.datetime, unit: str, hours: int = 24) -> list[dict]:
    """Received and closed per hour over the last `hours` hours (the current hour last, partial)."""
    start = as_of.replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=hours - 1)
    return queries.rows(con, queries.text("bigscreen_hourly"), {"start": start, "as_of": as_of, "unit": unit})


# --- the live refresh ----------------------------------------------------------------------------


@dataclass
class Live:
    """What one refresh shows (tiles, map counts, deadline wall, feed, 24 hours) and how fresh it is."""

    freshness: Freshness
    unit: str | None = None
    kpis: dict[str, dict[str, Any]] = field(default_factory=dict)  # today, yesterday, month, last_month
    open_now: dict[str, int] = field(default_factory=dict)
    open_before: dict[str, int] = field(default_factory=dict)  # at the same time yesterday
    grids: dict[str, dict[str, int]] = field(default_factory=dict)
    wall: list[dict] = field(default_factory=list)
    feed: list[dict] = field(default_factory=list)
    hours: list[dict] = field(default_factory=list)
    version: int | None = None  # the data version it was computed on (None when not known)

    @property
    def ok(self) -> bool:
        return self.freshness.error is None


def month_kpis(con: duckdb.DuckDBPyConnection, *, as_of: dt.datetime, unit: str | None = None) -> dict[str, dict]:
    """This month so far and last month as far (the month tiles: the page caches them per SLOW_SECONDS)."""
    w = windows(as_of)
    return {name: engine.kpis(con, **w[name].window(), unit=unit) for name in ("month", "last_month")}


def windows(as_of: dt.datetime) -> dict[str, periods.Period]:
    """today, yesterday (to the same time), this month, last month (as far as this one has run)."""
    today = periods.period("today", as_of)
    month = periods.period("this_month", as_of)
    return {"today": today, "yesterday": periods.previous(today), "month": month, "last_month": periods.previous(month)}


def live(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: dt.datetime,
    stale_after: dt.timedelta,
    unit: str | None = None,
    log: Backlog | None = None,
    month: dict[str, dict[str, Any]] | None = None,
    wall_rows: int = WALL_ROWS,
    feed_rows: int = FEED_ROWS,
) -> Live:
    """One refresh of the wall at as_of. The backlog and this month's numbers are computed when
    not given; the page passes them from its caches (per data version and day, per SLOW_SECONDS).
    The independent queries run side by side, each on its own cursor (DuckDB plans and runs a
    small query mostly on one core; the wall's server has two)."""
    unit = engine.check_unit(con, unit)
    log = log if log is not None else backlog(con, since=backlog_since(as_of))
    fresh = freshness(con, as_of=as_of, stale_after=stale_after)
    w = windows(as_of)
    wanted = [name for name in w if month is None or name in ("today", "yesterday")]
    jobs: dict[str, Callable[[duckdb.DuckDBPyConnection], Any]] = {
        **{name: (lambda c, p=w[name]: engine.kpis(c, **p.window(), unit=unit)) for name in wanted},
        "open": lambda c: open_by_grid(c, as_of=as_of, unit=unit, log=log),
        "wall": lambda c: deadline_wall(c, as_of=as_of, unit=unit, log=log, limit=wall_rows),
        "feed": lambda c: feed(c, as_of=as_of, unit=unit, newest=fresh.newest, limit=feed_rows),
        "hours": lambda c: hourly(c, as_of=as_of, unit=unit),
    }
    done = _side_by_side(con, jobs)
    kpis = {name: done[name] for name in wanted} | (month or {})
    rows = done["open"]
    return Live(fresh, unit, kpis, open_counts(rows), open_counts(rows, "before"), grid_counts(rows),
                done["wall"], done["feed"], done["hours"])


_POOL = ThreadPoolExecutor(max_workers=PARALLEL_QUERIES, thread_name_prefix="bigscreen")


def _side_by_side(con: duckdb.DuckDBPyConnection, jobs: dict[str, Callable[[duckdb.DuckDBPyConnection], Any]]
                  ) -> dict[str, Any]:
    """Run each job on a cursor of its own in the module's small thread pool; errors propagate."""

    def run(job: Callable[[duckdb.DuckDBPyConnection], Any]) -> Any:
        cur = con.cursor()
        try:
            return job(cur)
        finally:
            cur.close()

    futures = {name: _POOL.submit(run, job) for name, job in jobs.items()}
    return {name: f.result() for name, f in futures.items()}


DB_ERRORS: tuple[type[BaseException], ...] = (duckdb.Error, store.StoreError, OSError)


def read_live(
    open_cursor: Callable[[], duckdb.DuckDBPyConnection],
    cached: Callable[..., Any],
    *,
    as_of: dt.datetime,
    stale_after: dt.timedelta,
    unit: str | None = None,
    share: tuple[str, int] | None = None,
) -> Live:
    """One refresh as the page runs it: the backlog and the month tiles through `cached(func,
    **kwargs)` (ui.cached: per data version, and per day / per SLOW_SECONDS by their arguments),
    the rest through a fresh cursor. With `share` = (database, data version) the result is computed
    once for every caller with the same share, as_of, unit and stale_after (SHARED): the page
    passes as_of = tick(now, refresh). When the database cannot be read: a Live that says so
    (freshness state "error", no numbers) instead of an exception or old numbers."""

    def compute() -> Live:
        log = cached(backlog, since=backlog_since(as_of))
        month = cached(month_kpis, as_of=slow_as_of(as_of), unit=unit)
        cur = open_cursor()
        try:
            data = live(cur, as_of=as_of, stale_after=stale_after, unit=unit, log=log, month=month)
        finally:
            cur.close()
        data.version = None if share is None else share[1]
        return data

    try:
        if share is None:
            return compute()
        return SHARED.get((*share, as_of, unit, stale_after), compute)
    except DB_ERRORS as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return Live(Freshness(as_of, None, stale_after, error=reason[:160]), unit)


class RefreshBench:
    """The benchmark "bigscreen_refresh": one refresh of the county wall as the page runs it every
    refresh_s seconds, with its caches warm (the runner's warm-up call fills them): the backlog
    (once per data version and day) and this month's tiles (once per SLOW_SECONDS) are not timed."""

    def __init__(self) -> None:
        self._memo: dict[tuple, Any] = {}

    def __call__(self, con: duckdb.DuckDBPyConnection, as_of: dt.datetime) -> Live:
        def cached(func: Callable[..., Any], **kwargs: Any) -> Any:
            key = (id(con), func.__name__, *sorted(kwargs.items()))
            if key not in self._memo:
                if len(self._memo) > 8:  # another database or as_of: start over
                    self._memo.clear()
                self._memo[key] = func(con, **kwargs)
            return self._memo[key]

        return read_live(con.cursor, cached, as_of=as_of, stale_after=dt.timedelta(minutes=30))


# --- slow panels ---------------------------------------------------------------------------------


def slow_as_of(now: dt.datetime) -> dt.datetime:
    """now rounded down to SLOW_SECONDS: the slow panels' as_of (shared by every screen's cache)."""
    return now - dt.timedelta(seconds=int(now.timestamp()) % SLOW_SECONDS, microseconds=now.microsecond)


def last30(as_of: dt.datetime) -> periods.Period:
    return periods.period("last30", as_of)


def grid_extremes(
    con: duckdb.DuckDBPyConnection, *, as_of: dt.datetime, unit: str | None = None, n: int = EXTREME_ROWS
) -> dict[str, Any]:
    """Best and worst grids of this month by grid index (ranked units only, the two lists do not
    overlap). When fewer than two grids have enough cases to rank (a small county early in the
    month), the same for communities/villages, then towns; `level` says which was used."""
    month = periods.period("this_month", as_of)
    settings = gridindex.settings_from(config.load())
    ranked: list[gridindex.UnitScore] = []
    for level in RANK_LEVELS:
        ranked = [s for s in gridindex.scores(con, level, settings, **month.window(), unit=unit) if s.rank is not None]
        if len(ranked) >= 2:
            break
    top = min(n, (len(ranked) + 1) // 2)  # fewer than 2n ranked: split them, best half first
    bottom = min(n, len(ranked) - top)

    def row(s: gridindex.UnitScore) -> dict[str, Any]:
        return {"unit_id": s.unit_id, "name": s.name, "rank": s.rank, "score": s.score, "stars": s.stars}

    worst = ranked[len(ranked) - bottom:][::-1] if bottom else []
    return {"level": level, "best": [row(s) for s in ranked[:top]], "worst": [row(s) for s in worst],
            "ranked": len(ranked)}


@dataclass
class Slow:
    """The slow panels: 30 days by day and by category, best and worst grids of the month."""

    as_of: dt.datetime
    period: periods.Period
    days: list[dict] = field(default_factory=list)
    categories: list[dict] = field(default_factory=list)
    grids: dict[str, Any] = field(default_factory=dict)

    def shown_days(self) -> tuple[dt.date, dt.date]:
        """[first day, day after the last) of the 30-day chart: no empty future days."""
        return self.period.start.date(), min(self.period.end.date(), self.as_of.date() + dt.timedelta(days=1))


def read_slow(cached: Callable[..., Any], *, now: dt.datetime, unit: str | None = None) -> Slow | None:
    """The slow panels at now rounded down to SLOW_SECONDS, through `cached(func, *args, **kwargs)`
    (ui.cached); None when the database cannot be read."""
    as_of = slow_as_of(now)
    p = last30(as_of)
    try:
        return Slow(as_of, p, cached(engine.breakdown, "day", **p.window(), unit=unit),
                    cached(engine.breakdown, "category", **p.window(), unit=unit),
                    cached(grid_extremes, as_of=as_of, unit=unit))
    except DB_ERRORS:
        return None
