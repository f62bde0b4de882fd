"""Answering kpis()/breakdown() from the aggregates (gridboard/db/aggregates.py) when they can.

`plan` says whether a question can be answered from the aggregates and how: the period must
start at midnight (one ending inside a day, like every 环比/同比 period cut at the time of day of
as_of, takes its last day's cases from the cases table), the aggregates current (same data version), and the unit and grouping ones the
aggregates keep (agg_units: any unit except a micro-grid, grouped by unit level down to grids, or
by day/week/month; agg_dims: the county or a town, grouped by category or source). Counts and rates
come out exactly equal to the raw query (db/sql/kpis_agg.sql: every row's final counts, corrected
case by case for the cases not settled at as_of). Durations (medians, P90) are exact quantiles over the raw
cases for cohorts up to EXACT_LIMIT cases; above it, for the county or a town grouped by nothing,
by town or by time, they come from the 1 %-bin histograms (within 1 % of the exact value, see
README "Performance"); otherwise exact again, and for cohorts of MEMO_MIN cases or more memoised per
group and data version (metrics/memo.py), so a per-grid or per-category table of a year scans
the cases once per data version, not once per view. Counts are kept by the process per data version
and, at a new minute, moved from the last answer by the cases that changed (metrics/shared.py,
db/sql/kpis_moved.sql).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import duckdb

from gridboard.core import catalog, schema
from gridboard.db import aggregates, queries
from gridboard.metrics import memo, shared

EXACT_LIMIT = 200_000  # cohorts up to this many cases get exact quantiles from the raw cases
MEMO_MIN = 20_000  # exact quantiles of cohorts from this size on go through metrics/memo.py
_HIST_LEVELS = ("county", "town")


@dataclass(frozen=True)
class Plan:
    """How to answer one question from the aggregates."""

    cube: str  # agg_units or agg_dims
    unit_col: str  # agg_unit or town_unit
    scope: str
    cube_group: str
    raw_group: str
    hist: bool  # durations of large cohorts may come from agg_hist
    months: bool = False  # ... and whole settled months from agg_hist_month (groupings a month keeps)


def _whole_day(t: dt.datetime) -> bool:
    return t.hour == 0 and t.minute == 0 and t.second == 0 and t.microsecond == 0


def _unit_level(con: duckdb.DuckDBPyConnection, unit: str) -> str | None:
    row = con.execute("SELECT level FROM units WHERE unit_id = $u", {"u": unit}).fetchone()
    return row[0] if row else None


def plan(con: duckdb.DuckDBPyConnection, unit: str, by: str | None, start: dt.datetime, end: dt.datetime,
         scope: str) -> Plan | None:
    """The aggregate plan for a question, or None when it must scan the raw cases."""
    if not _whole_day(start):
        return None
    try:
        if not aggregates.current(con):
            return None
    except duckdb.CatalogException:
        return None
    level = _unit_level(con, unit)
    if level is None or level == "micro_grid":
        return None
    hist = level in _HIST_LEVELS
    if by is None or by == "child" or by in schema.LEVEL_DIMENSIONS:
        if by == "micro_grid" or (by == "child" and level == "grid"):
            return None
        hist = hist and (by is None or by == "town" or (by == "child" and level == "county"))
        return Plan("agg_units", "agg_unit", scope, "s.grp_unit" if by else "CAST(NULL AS TEXT)",
                    "s.grp_unit" if by else "CAST(NULL AS TEXT)", hist, hist)
    if by in schema.TIME_DIMENSIONS:
        grain = schema.TIME_DIMENSIONS[by]
        return Plan("agg_units", "agg_unit", scope, f"CAST(date_trunc('{grain}', a.report_day) AS DATE)",
                    f"CAST(date_trunc('{grain}', c.reported_at) AS DATE)", hist, hist and by == "month")
    if by in ("category", "source") and level in _HIST_LEVELS:
        col = schema.CASE_DIMENSIONS[by]
        return Plan("agg_dims", "town_unit", scope, f"a.{col}", f"c.{col}", False)
    return None


_CASE_COLUMN = re.compile(r"\bk\.([a-z_]+)")


def case_columns() -> tuple[str, ...]:
    """The case columns the raw part reads: those the catalogue's counts and durations name, and
    the report time, status, unit and the case dimensions a plan groups by."""
    texts = [c.predicate for c in catalog.COUNTS] + [m.value or "" for m in catalog.METRICS]
    found = {col for t in texts for col in _CASE_COLUMN.findall(t)}
    return tuple(sorted(found | {"reported_at", "status", "unit_id", "category", "source"}))


def _cases(p: Plan, unit: str, since: str, flag: str, which: str) -> str:
    """agg_cases.sql (picked, raw): the cases of the plan's period reported since `since` (flagged
    `flag`) or for which `which` holds, with the columns the counts read, grouped as the plan says."""
    columns = ", ".join(f"c.{col}" for col in case_columns())
    return queries.fragment("agg_cases", columns=columns, unit=unit, since=since, flag=flag, which=which,
                            raw_group=p.raw_group)


def _unsettled(p: Plan, unit: str, cube_rows: str, settle: str) -> str:
    """agg_unsettled.sql (scope, cube, picked, raw) over the aggregate rows `cube_rows`, the cases
    unsettled after `settle` (a time over case c)."""
    return queries.fragment("agg_unsettled", scope=p.scope, cube_rows=cube_rows,
                            cases=_cases(p, unit, "$tail_start", "in_tail", f"{settle} >= $as_of"))



def _count_rows(con: duckdb.DuckDBPyConnection, p: Plan, params: dict[str, Any]) -> list[dict[str, Any]]:
    """The counts of one plan and window, shared by the process per data version, and at a new
    minute moved from the last answer (gridboard.metrics.shared)."""
    return shared.moving(con, ("counts", p), params, lambda: _count_rows_now(con, p, params),
                         lambda end, as_of, before: _count_rows_moved(con, p, params, end, as_of, before))

def _count_rows_now(con: duckdb.DuckDBPyConnection, p: Plan, params: dict[str, Any]) -> list[dict[str, Any]]:
    cube_rows = queries.fragment("agg_cube_rows", cube=p.cube, unit=p.unit_col, cube_group=p.cube_group)
    sql = queries.named("kpis_agg", unsettled=_unsettled(p, p.unit_col, cube_rows, aggregates.settle_sql("c")),
                        sums=aggregates.sums_sql(), counts=catalog.count_sql(), final=aggregates.final_counts_sql(),
                        rates=catalog.rate_sql())
    return queries.rows(con, sql, {**params, "forever": aggregates.FOREVER})


def _count_rows_moved(con: duckdb.DuckDBPyConnection, p: Plan, params: dict[str, Any], end_before: dt.datetime,
                      as_of_before: dt.datetime, before: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """kpis_agg.sql's rows at (end, as_of) from its rows `before` at (end_before, as_of_before) <=
    them, for the same start, unit and grouping: plus kpis_moved.sql's per-group changes."""
    cases = _cases(p, p.unit_col, "$end_before", "is_new", aggregates.changed_sql("c"))
    sql = queries.named("kpis_moved", scope=p.scope, cases=cases, counts=catalog.count_sql(),
                        before=aggregates.final_counts_sql("$as_of_before"))
    keys = [c.key for c in catalog.COUNTS]
    sums = {r["grp"]: {k: r[k] for k in keys} for r in before}
    for r in queries.rows(con, sql, {**params, "end_before": end_before, "as_of_before": as_of_before}):
        into = sums.setdefault(r["grp"], dict.fromkeys(keys, 0))
        for k in keys:
            into[k] += r[k]
    # kpis_agg.sql's order (ORDER BY grp: NULL last) and columns (grp, the counts, the rates)
    return [{"grp": g, **c, **catalog.rates(c)} for g, c in sorted(sums.items(), key=lambda gc: (gc[0] is None, gc[0]))]


def _exact_durations(con: duckdb.DuckDBPyConnection, p: Plan, params: dict[str, Any]) -> dict[Any, dict[str, Any]]:
    group = "s.grp_unit" if p.raw_group in ("s.grp_unit", "CAST(NULL AS TEXT)") else p.raw_group
    sql = queries.named("kpis_durations", scope=p.scope, cohort=queries.fragment("cohort", group=group),
                        durations=catalog.duration_sql())
    return {r["grp"]: r for r in queries.rows(con, sql, params)}


def _hist_durations(con: duckdb.DuckDBPyConnection, p: Plan, params: dict[str, Any]) -> dict[Any, dict[str, Any]]:
    values = []
    for name, m in aggregates.measures().items():
        predicate = catalog.COUNT_BY_KEY[name].predicate
        values.append(f"SELECT grp, '{name}' AS measure, {m.value} AS v, 1 AS n FROM raw AS k WHERE {predicate}")
        values.append(f"SELECT grp, '{name}' AS measure, {m.value} AS v, -1 AS n FROM raw AS k "
                      f"WHERE NOT k.in_tail AND {predicate.replace('$as_of', '$forever')}")
    wanted = ", ".join(f"('{k}', '{catalog.METRIC_BY_KEY[k].numerator}', {catalog.METRIC_BY_KEY[k].quantile})"
                       for k in catalog.DURATION_KEYS)
    cube_rows = queries.fragment("agg_hist_rows", cube_group=p.cube_group)
    settle = aggregates.settle_sql("c", aggregates.measures())  # the times the measured counts compare with as_of
    sql = queries.named("kpis_agg_durations", unsettled=_unsettled(p, "town_unit", cube_rows, settle),
                        values="\n    UNION ALL\n    ".join(values), bin=aggregates.bin_sql(),
                        wanted=f"VALUES {wanted}")
    out: dict[Any, dict[str, Any]] = {}
    params = {**params, **(_month_span(con, params) if p.months else _no_months(params)),
              "forever": aggregates.FOREVER}
    for r in queries.rows(con, sql, params):
        out.setdefault(r["grp"], {})[r["metric"]] = r["value"]
    return out


_SEP = "\x1f"  # between a group and a metric key in a memoised histogram answer


def _kept_hist_durations(con: duckdb.DuckDBPyConnection, p: Plan, params: dict[str, Any],
                         groups: list[Any]) -> dict[Any, dict[str, Any]]:
    """_hist_durations memoised per data version (metrics/memo.py). The answer is a function of
    the cohort's durations and of which of them are measured at as_of (a row's bins are those of
    its final values, corrected for the values not yet measured; a month's row is the sum of its
    days), so it stays exact while no case is reported between two ends and no measured time passes
    between two as_of — the same ranges as an exact quantile's.

    Finding those ranges is a scan of its own (memo_ranges.sql, as costly as the answer), so only
    the writer's warm stores the answer (memo.warming); a viewer reads what the warm stored and
    keeps its own answers in the process's shared answers, per data version and as_of: on a live
    county the next write drops a stored answer within seconds (but one of a period no write touched,
    carried to the new version: a bulletin's last month). A period cut at the clock (every 环比: its
    end, before as_of and not at midnight, moves each minute) is never stored: its memo row would
    seldom answer a later minute (0.08 s of ranges against 0.07 s for 本年's 环比)."""
    moving_end = params["end"] <= params["as_of"] and not _whole_day(params["end"])
    cols = tuple(dict.fromkeys(c for c in map(memo.metric_settle_column, catalog.DURATION_KEYS) if c))
    kind = "hist|" + memo.kind_of(p.scope, p.raw_group, params)
    kept = None if moving_end else memo.recall(con, kind, params)
    if kept is None and (moving_end or not memo.is_warming()):
        found = shared.answer(con, ("hist", p), params,
                              lambda: [{"grp": g, **row} for g, row in _hist_durations(con, p, params).items()])
        return {r.pop("grp"): r for r in found}
    if kept is not None:
        by_key = {memo.group_key(g): g for g in groups}
        out: dict[Any, dict[str, Any]] = {}
        for name, value in kept.items():
            grp, metric = name.split(_SEP, 1)
            if grp in by_key:
                out.setdefault(by_key[grp], {})[metric] = value
        return out
    out = _hist_durations(con, p, params)
    memo.keep_whole(con, kind, p.scope, cols, params, {
        f"{memo.group_key(g)}{_SEP}{metric}": value for g, row in out.items() for metric, value in row.items()}
        or {_SEP: None})  # an answer with no durations at all is kept too
    return out


def _no_months(params: dict[str, Any]) -> dict[str, Any]:
    return {"month_from": params["start_day"], "open_from": params["start_day"]}


def _month_span(con: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> dict[str, Any]:
    """month_from / open_from of agg_hist_rows.sql: the whole months [month_from, open_from) of
    the period whose histogram rows are all settled at as_of (read from agg_hist_month)."""
    first, end_day = params["start_day"], params["end_day"]
    month_from = first if first.day == 1 else (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    month_to = end_day.replace(day=1)
    if month_from >= month_to:
        return _no_months(params)
    try:
        row = queries.run(con, queries.text("agg_month_open"),
                          {**params, "month_from": month_from, "month_to": month_to}).fetchone()
    except duckdb.CatalogException:  # a database from before agg_hist_month: days only
        return _no_months(params)
    return {"month_from": month_from, "open_from": row[0] if row and row[0] else month_to}


def _days(params: dict[str, Any]) -> dict[str, Any]:
    """Whole report days [start_day, end_day) from the aggregates; a period ending inside a day
    takes that day's cases [tail_start, end) from the cases table."""
    tail = dt.datetime.combine(params["end"].date(), dt.time())
    return {**params, "start_day": params["start"].date(), "end_day": tail.date(), "tail_start": tail}


def counts(con: duckdb.DuckDBPyConnection, p: Plan, params: dict[str, Any]) -> list[dict[str, Any]]:
    """The counts and rates of kpis.sql per group from the aggregates, without the durations."""
    return _count_rows(con, p, _days(params))


def rows(con: duckdb.DuckDBPyConnection, p: Plan, params: dict[str, Any], *, durations: bool = True) -> list[dict[str, Any]]:
    """The rows kpis.sql would give (grp, counts, durations, rates), from the aggregates; without
    `durations`, the counts and rates only (no quantile is computed)."""
    params = _days(params)
    found = _count_rows(con, p, params)
    if not found or not durations:
        return found
    total = sum(int(r["received"] or 0) for r in found)
    if p.hist and total > EXACT_LIMIT:
        values = _kept_hist_durations(con, p, params, [r["grp"] for r in found])
    elif total >= MEMO_MIN:
        values = _memo_durations(con, p, params, found, catalog.DURATION_KEYS)
    else:
        values = _exact_durations(con, p, params)
    for r in found:
        d = values.get(r["grp"], {})
        for key in catalog.DURATION_KEYS:
            r[key] = d.get(key)
    return found


def _memo_durations(con: duckdb.DuckDBPyConnection, p: Plan, params: dict[str, Any], found: list[dict[str, Any]],
                    keys: tuple[str, ...]) -> dict[Any, dict[str, Any]]:
    """Exact durations per group through metrics/memo.py (memoised per data version)."""
    return memo.group_quantiles(con, keys, p.scope, p.raw_group, params, [r["grp"] for r in found if r["received"]])


def memo_rows(con: duckdb.DuckDBPyConnection, by: str | None, scope: str, params: dict[str, Any],
              durations: tuple[str, ...]) -> list[dict[str, Any]] | None:
    """kpis.sql's rows per group of a unit level (`by`, scope_level) or of the whole unit (None,
    scope_subtree) with only the `durations` asked for: the counts and rates from the aggregates
    and each duration exact, per group, through metrics/memo.py (memoised per data version).
    None when the aggregates cannot answer (then the caller scans)."""
    p = plan(con, params["unit"], by, params["start"], params["end"], scope)
    if p is None:
        return None
    params = _days(params)
    found = _count_rows(con, p, params)
    values = _memo_durations(con, p, params, found, durations)
    for r in found:
        for key in durations:
            r[key] = values.get(r["grp"], {}).get(key)
    return found
