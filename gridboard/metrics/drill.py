"""Drill-down: the list of cases behind any number the metric engine shows.

For each metric key a numerator and a denominator condition over the cohort (DESIGN.md
definitions from gridboard/core/catalog.py, the same ones db/sql/kpis.sql counts); a group of a breakdown narrows the
cohort the way the breakdown grouped it. The list's total equals the number on screen
(tests/test_drill.py checks every metric).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import duckdb
import pandas as pd

from gridboard.core import catalog, schema
from gridboard.db import queries
from gridboard.metrics import engine, fast

Part = Literal["numerator", "denominator"]

# (numerator, denominator) conditions over the cohort row k of every metric and count: the
# catalogue's predicates, the same texts kpis.sql counts with.
PREDICATES: dict[str, tuple[str, str]] = {
    **{c.key: catalog.predicates(c.key) for c in catalog.COUNTS},
    **{m.key: catalog.predicates(m.key) for m in catalog.METRICS},
}


@dataclass(frozen=True)
class CaseList:
    total: int
    rows: pd.DataFrame


def _group_condition(by: str, value: Any) -> tuple[str, dict[str, Any], str | None]:
    """Extra condition for one group of a breakdown; for unit levels the group becomes the unit."""
    own = engine.direct_unit(value) if by == "child" else None
    if own is not None:  # the direct row: cases filed on the unit itself
        return "k.unit_id = $group_value", {"group_value": own}, own
    if by == "child" or by in schema.LEVEL_DIMENSIONS:
        return "TRUE", {}, str(value)
    if by in schema.CASE_DIMENSIONS:
        col = schema.CASE_DIMENSIONS[by]
        if value is None:
            return f"k.{col} IS NULL", {}, None
        return f"k.{col} = $group_value", {"group_value": str(value)}, None
    if by in schema.TIME_DIMENSIONS:
        grain = schema.TIME_DIMENSIONS[by]
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        return f"CAST(date_trunc('{grain}', k.reported_at) AS DATE) = $group_value", {"group_value": day}, None
    raise engine.MetricError(f"unknown dimension {by!r}")


def count_key(metric: str, part: Part) -> str:
    """The catalogue count a metric's numerator (or denominator) list holds (engine.kpis detail key)."""
    if metric in catalog.METRIC_BY_KEY:
        m = catalog.METRIC_BY_KEY[metric]
        return m.numerator if part == "numerator" else m.denominator
    if metric in catalog.COUNT_BY_KEY:
        return metric if part == "numerator" else "received"
    raise engine.MetricError(f"unknown metric {metric!r}")


def aggregate_count(
    con: duckdb.DuckDBPyConnection, metric: str, part: Part, *, start: dt.datetime, end: dt.datetime,
    as_of: dt.datetime, unit: str, group_by: str | None = None, group_value: Any = None,
) -> int | None:
    """How many cases a list holds, read from the aggregates (metrics/fast.py: the same count the
    number on screen shows, exactly), or None when the aggregates cannot answer (then count them)."""
    if group_by is not None:
        extra, _, group_unit = _group_condition(group_by, group_value)
        if group_unit is not None:  # a unit's group is that unit's whole list
            if extra != "TRUE":
                return None  # the "direct" row: cases filed on the unit itself
            unit, group_by, group_value = group_unit, None, None
    scope, _, extra_params = engine.scope_and_group(group_by)
    plan = fast.plan(con, unit, group_by, start, end, scope)
    if plan is None:
        return None
    key = count_key(metric, part)
    params = {"unit": unit, "start": start, "end": end, "as_of": as_of, **extra_params}
    found = fast.counts(con, plan, params)
    if group_by is None:
        return int(found[0][key] or 0) if found else 0
    if group_by in schema.TIME_DIMENSIONS:
        group_value = group_value if isinstance(group_value, dt.date) else dt.date.fromisoformat(str(group_value))
    return next((int(r[key] or 0) for r in found if r["grp"] == group_value), 0)


FIRST_WINDOW = dt.timedelta(days=1)
WINDOW_GROWTH = 8


def newest_page(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any], *, limit: int,
                offset: int, total: int | None = None) -> pd.DataFrame:
    """One page of a newest-first case list (kpi_case_page.sql, bound to [$start, $end)) reading
    only the newest report days it needs: the page is asked of [end - w, end) for a window w that
    starts at a day before as_of and grows WINDOW_GROWTH times until the window yields a full page
    or covers the period. A full page from a window is the page of the whole period (every case
    outside it was reported earlier than every case inside), so on a year of cases sorted by report
    time (zone maps) the first page reads a day, not the year. With the list's `total` known, the
    first window is the one that holds the page twice over at the period's average rate (a grid's
    200 newest of a year: one query, not three)."""
    start, end = params["start"], params["end"]
    top = min(end, max(start, params["as_of"]))
    span = FIRST_WINDOW
    if total:
        share = min(1.0, 2.0 * (offset + limit) / total)
        span = max(FIRST_WINDOW, (top - start) * share + FIRST_WINDOW * (share >= 1.0))
    while True:
        low = max(start, top - span)
        df = queries.frame(con, sql, {**params, "start": low, "limit": int(limit), "offset": int(offset)})
        if len(df) >= limit or low <= start:
            return df
        span *= WINDOW_GROWTH


def case_list(
    con: duckdb.DuckDBPyConnection,
    *,
    start: dt.datetime,
    end: dt.datetime,
    as_of: dt.datetime,
    unit: str | None = None,
    metric: str = "received",
    part: Part = "numerator",
    group_by: str | None = None,
    group_value: Any = None,
    limit: int = 100,
    offset: int = 0,
) -> CaseList:
    """The cases counted by `metric`'s numerator (or denominator), newest first, paged; the total
    from the aggregates when they can answer (else counted), the page from the newest days only."""
    if metric not in PREDICATES:
        raise engine.MetricError(f"unknown metric {metric!r}")
    if end <= start:
        raise engine.MetricError("empty period: 'to' must be after 'from'")
    predicate = PREDICATES[metric][0 if part == "numerator" else 1]
    params: dict[str, Any] = {}
    list_unit = unit
    if group_by is not None:
        extra, extra_params, group_unit = _group_condition(group_by, group_value)
        predicate = f"({predicate}) AND {extra}"
        params.update(extra_params)
        if group_unit is not None:
            list_unit = group_unit
    list_unit = engine.check_unit(con, list_unit)
    scope, group, _ = engine.scope_and_group(None)
    fragments = {"scope": scope, "cohort": queries.fragment("cohort", group=group), "predicate": predicate}
    params.update({"unit": list_unit, "start": start, "end": end, "as_of": as_of})
    total = aggregate_count(con, metric, part, start=start, end=end, as_of=as_of, unit=engine.check_unit(con, unit),
                            group_by=group_by, group_value=group_value)
    if total is None:
        total = int(queries.rows(con, queries.named("kpi_case_count", **fragments), params)[0]["total"])
    rows = newest_page(con, queries.named("kpi_case_page", **fragments), params, limit=limit, offset=offset,
                       total=total)
    return CaseList(total, rows)
