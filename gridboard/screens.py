"""The first screen of every page as library calls, and the memo warm built on them.

`PAGES` holds, per page, what the page file computes for its first screen (tabs and expanders that
compute on open are left out), with the same functions and arguments, for one period and unit:
the benchmark (gridboard/bench.py) times them, and `warm` asks them after an import so the memo
(metrics/memo.py) keeps their exact quantiles (the server's writer runs it: gridboard/server/warm.py).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb

from gridboard.bulletin import dates, page
from gridboard.core import config, periods
from gridboard.db import store
from gridboard.metrics import engine, explain, kpi_views, memo, scorecard, within
from gridboard.people import profile, volunteers
from gridboard.ranking import gridindex, league

PageFn = Callable[[duckdb.DuckDBPyConnection, periods.Period, str], object]


def _overview(con: duckdb.DuckDBPyConnection, p: periods.Period, unit: str) -> object:
    w: dict[str, Any] = {**p.window(), "unit": unit}
    shown_end = min(p.end.date(), p.as_of.date() + dt.timedelta(days=1))
    grain = "day" if (shown_end - p.start.date()).days <= 92 else "week"
    return (engine.kpis(con, **w), engine.kpis(con, **{**periods.previous(p).window(), "unit": unit}),
            engine.breakdown(con, grain, durations=False, **w), engine.breakdown(con, "category", durations=False, **w),
            engine.breakdown(con, "child", **w))


def _closure(con: duckdb.DuckDBPyConnection, p: periods.Period, unit: str) -> object:
    w: dict[str, Any] = {**p.window(), "unit": unit}
    return (engine.kpis(con, detail=True, **w),
            engine.kpis(con, detail=True, **{**periods.previous(p).window(), "unit": unit}),
            engine.breakdown(con, "child", detail=True, **w))


def _response(con: duckdb.DuckDBPyConnection, p: periods.Period, unit: str) -> object:
    w: dict[str, Any] = {**p.window(), "unit": unit}
    b: dict[str, Any] = {**periods.previous(p).window(), "unit": unit}
    target = config.load().targets.get("median_response_min")  # as the page: the memo's key has the limit
    return (engine.kpis(con, detail=True, **w), engine.kpis(con, detail=True, **b),
            kpi_views.distributions(con, {"response": target, "close": None}, **w),
            None if target is None else within.share(con, "response_within_share", target, **b),
            engine.breakdown(con, "child", detail=True, **w))


def _scorecard(con: duckdb.DuckDBPyConnection, p: periods.Period, unit: str) -> object:
    targets = config.load().targets
    return (scorecard.build(con, targets, p, unit=unit),
            scorecard.children(con, targets, unit=unit, **p.window()))


def _why(con: duckdb.DuckDBPyConnection, p: periods.Period, unit: str) -> object:
    before = periods.previous(p)
    return explain.explain(con, "closure_rate", "child", before=explain.Window(before.start, before.end, before.as_of),
                           after=explain.Window(p.start, p.end, p.as_of), unit=unit)


def _ranking(con: duckdb.DuckDBPyConnection, p: periods.Period, unit: str) -> object:
    """The league of grids (the page's open tab) with each grid's rank change against the previous
    period. A unit's profile below it opens when the user picks a unit (a rerun: a drill click)."""
    settings = gridindex.settings_from(config.load())
    now = gridindex.inputs(con, "grid", unit=unit, **p.window())
    before = gridindex.inputs(con, "grid", unit=unit, **periods.previous(p).window())
    return league.league(gridindex.from_inputs(now, settings), gridindex.from_inputs(before, settings))


def ranking_profile(con: duckdb.DuckDBPyConnection, p: periods.Period, unit: str) -> object:
    """What picking a unit of the league computes (a drill click, not a first screen): the best
    grid's monthly trend and the first page of its cases, as the ranking page asks them."""
    settings = gridindex.settings_from(config.load())
    first = gridindex.from_inputs(gridindex.inputs(con, "grid", unit=unit, **p.window()), settings)[0]
    t_start, t_end = league.trend_window(min(p.end.date() - dt.timedelta(days=1), p.as_of.date()))
    return (league.monthly_rows(con, first.unit_id, first.parent_id, start=t_start, end=t_end, as_of=p.as_of),
            league.component_cases(con, "received", which="counted", unit=first.unit_id, start=p.start, end=p.end,
                                   as_of=p.as_of, target_min=settings.response_target_min, limit=200))


def _profile(con: duckdb.DuckDBPyConnection, p: periods.Period, unit: str) -> object:
    return profile.build(con, unit, start=p.start, end=p.end, as_of=p.as_of, preset=p.preset)


def _volunteers(con: duckdb.DuckDBPyConnection, p: periods.Period, unit: str) -> object:
    prev = periods.previous(p)
    return (volunteers.summary(con, start=p.start, end=p.end, unit=unit),
            volunteers.summary(con, start=prev.start, end=prev.end, unit=unit),
            volunteers.by_unit(con, "child", unit=unit, **p.window()))


def _bulletin(con: duckdb.DuckDBPyConnection, p: periods.Period, unit: str) -> object:
    """The bulletin page's first screen: its month mode's default, the last whole month before as_of
    (the sidebar's period does not change it; only as_of comes from `p`)."""
    start, end = dates.month_bounds(dates.last_whole_month(p.as_of))
    return page.build_view(con, start=start, end=end, as_of=p.as_of, unit=unit)


PAGES: dict[str, PageFn] = {
    "overview": _overview, "closure": _closure, "response": _response, "scorecard": _scorecard, "why": _why,
    "ranking": _ranking, "profile": _profile, "volunteers": _volunteers, "bulletin": _bulletin,
}


WARM_PRESETS: tuple[str, ...] = ("this_year", "this_quarter", "this_month")


def _grid_table(con: duckdb.DuckDBPyConnection, p: periods.Period, unit: str) -> object:
    """The per-grid KPI table (the KPI pages' 按网格 breakdown, and bench's figure against pandas)."""
    return engine.breakdown(con, "grid", unit=unit, start=p.start, end=p.end, as_of=p.as_of)


# what the warm asks besides the first screens: not a first screen, but a table of exact medians
# per grid that would otherwise scan the period's cases on its first view
WARM_EXTRA: dict[str, PageFn] = {"grid_table": _grid_table}


@dataclass(frozen=True)
class Warmed:
    """One period warmed: the data version (memo mark), the preset, wall and CPU seconds."""

    mark: str
    preset: str
    seconds: float
    cpu_seconds: float
    skipped: bool = False  # already warmed at this version (a marker row)


def warm(con: duckdb.DuckDBPyConnection, as_of: dt.datetime, *, presets: tuple[str, ...] = WARM_PRESETS,
         unit: str | None = None, cancelled: Callable[[], bool] = lambda: False) -> list[Warmed]:
    """What the server's writer runs after an import (gridboard/server/warm.py): every page's first
    screen and WARM_EXTRA for each preset at `as_of` on `con` (a read-write cursor: the memo keeps the exact
    quantiles they compute, metrics/memo.py), then a marker that the period is warm at this data
    version on this day (a period already marked is skipped). CPU seconds are the process's while it ran. Stops between two questions once
    `cancelled()` is true. Nothing when the aggregates are not current (nothing would be kept)."""
    mark = memo.current_mark(con)
    if mark is None:
        return []
    unit = unit or store.root_unit(con)
    out: list[Warmed] = []
    for preset in presets:
        p = periods.period(preset, as_of)
        if memo.warmed(con, mark, preset, unit, p.start, as_of):
            out.append(Warmed(mark, preset, 0.0, 0.0, skipped=True))
            continue
        t0, c0 = time.perf_counter(), time.process_time()
        with memo.warming():  # (answers whose ranges cost a scan are stored only by the warm)
            for fn in (*PAGES.values(), *WARM_EXTRA.values()):
                if cancelled():
                    return out
                fn(con, p, unit)
        if memo.current_mark(con) != mark:  # a write came in between: what was kept is of no use
            return out
        memo.note_warmed(con, mark, preset, unit, p.start, as_of)
        out.append(Warmed(mark, preset, round(time.perf_counter() - t0, 2), round(time.process_time() - c0, 2)))
    return out
