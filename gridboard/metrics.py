"""The metric engine: the only way pages, the CLI and exports get case numbers.

Every metric of DESIGN.md has one key here, in gridboard/sql/kpis.sql, in the CLI's JSON and
in the tests. Functions take a connection (or cursor) and explicit period bounds and `as_of`;
nothing here knows about Streamlit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import duckdb

from gridboard import queries, schema, store


class MetricError(ValueError):
    """Bad metric arguments (unknown unit or dimension, empty period)."""


Kind = Literal["count", "rate", "minutes", "hours"]


@dataclass(frozen=True)
class Metric:
    key: str
    zh: str
    en: str
    kind: Kind
    higher_is_better: bool


METRICS: tuple[Metric, ...] = (
    Metric("received", "受理量", "Received", "count", True),
    Metric("closed", "办结量", "Closed", "count", True),
    Metric("closure_rate", "办结率", "Closure rate", "rate", True),
    Metric("on_time_rate", "按时办结率", "On-time rate", "rate", True),
    Metric("overdue_open", "超期未办结", "Overdue open", "count", False),
    Metric("median_response_min", "响应时长中位数(分钟)", "Median response (min)", "minutes", False),
    Metric("p90_response_min", "响应时长P90(分钟)", "P90 response (min)", "minutes", False),
    Metric("median_close_hours", "办理时长中位数(小时)", "Median close time (h)", "hours", False),
    Metric("satisfaction_rate", "满意率", "Satisfaction rate", "rate", True),
    Metric("callback_rate", "回访率", "Callback rate", "rate", True),
    Metric("grid_resolved_rate", "小事不出网格率", "Resolved in grid", "rate", True),
    Metric("reopen_rate", "返工率", "Reopen rate", "rate", False),
)
METRIC_KEYS: tuple[str, ...] = tuple(m.key for m in METRICS)
METRIC_BY_KEY: dict[str, Metric] = {m.key: m for m in METRICS}

# Counts behind the rates (numerators and denominators), returned when detail=True.
COMPONENT_KEYS: tuple[str, ...] = (
    "due_passed", "closed_on_time", "responded", "surveyed", "satisfied",
    "closed_surveyed", "closed_in_grid", "reopened", "supervised",
)

# Each rate as (numerator count, denominator count) of the detail keys: the drill-down lists and
# the "why it moved" split use these, so a rate and its cases can never disagree.
RATE_PARTS: dict[str, tuple[str, str]] = {
    "closure_rate": ("closed", "received"),
    "on_time_rate": ("closed_on_time", "due_passed"),
    "satisfaction_rate": ("satisfied", "surveyed"),
    "callback_rate": ("closed_surveyed", "closed"),
    "grid_resolved_rate": ("closed_in_grid", "closed"),
    "reopen_rate": ("reopened", "closed"),
}
COUNT_KEYS: tuple[str, ...] = ("received", "closed", "overdue_open")

_FLOAT_KEYS = {m.key for m in METRICS if m.kind != "count"}


def scope_and_group(by: str | None) -> tuple[str, str, dict[str, Any]]:
    """SQL fragments and extra parameters for a grouping dimension (identifiers from schema)."""
    if by is None:
        return queries.body("scope_subtree"), "s.grp_unit", {}
    if by == "child":
        return queries.body("scope_child"), "s.grp_unit", {}
    if by in schema.LEVEL_DIMENSIONS:
        return queries.body("scope_level"), "s.grp_unit", {"levels": list(schema.LEVEL_DIMENSIONS[by])}
    if by in schema.CASE_DIMENSIONS:
        return queries.body("scope_subtree"), f"c.{schema.CASE_DIMENSIONS[by]}", {}
    if by in schema.TIME_DIMENSIONS:
        grain = schema.TIME_DIMENSIONS[by]
        return queries.body("scope_subtree"), f"CAST(date_trunc('{grain}', c.reported_at) AS DATE)", {}
    raise MetricError(f"unknown dimension {by!r}; choose one of: {', '.join(schema.DIMENSIONS)}")


def check_unit(con: duckdb.DuckDBPyConnection, unit: str | None) -> str:
    """The unit id to use (the county root when None); MetricError when it does not exist."""
    if unit is None:
        return store.root_unit(con)
    row = con.execute("SELECT 1 FROM units WHERE unit_id = $u", {"u": unit}).fetchone()
    if row is None:
        raise MetricError(f"unknown unit {unit!r}")
    return unit


def _clean(row: dict[str, Any], detail: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in METRIC_KEYS:
        value = row.get(key)
        if value is None:
            out[key] = None
        elif key in _FLOAT_KEYS:
            out[key] = float(value)
        else:
            out[key] = int(value)
    if detail:
        out.update({k: int(row.get(k) or 0) for k in COMPONENT_KEYS})
    return out


def _params(unit: str, start: dt.datetime, end: dt.datetime, as_of: dt.datetime) -> dict[str, Any]:
    if end <= start:
        raise MetricError(f"empty period: 'to' ({end:%Y-%m-%d %H:%M}) must be after 'from' ({start:%Y-%m-%d %H:%M})")
    return {"unit": unit, "start": start, "end": end, "as_of": as_of}


def kpis(
    con: duckdb.DuckDBPyConnection,
    *,
    start: dt.datetime,
    end: dt.datetime,
    as_of: dt.datetime,
    unit: str | None = None,
    detail: bool = False,
) -> dict[str, Any]:
    """All DESIGN.md metrics for the cohort reported in [start, end) under `unit` (root if None).

    Rates with a zero denominator are None. With detail=True the counts behind the rates are
    included as well (COMPONENT_KEYS).
    """
    unit = check_unit(con, unit)
    scope, group, _ = scope_and_group(None)
    sql = queries.named("kpis", scope=scope, cohort=queries.fragment("cohort", group=group))
    found = queries.rows(con, sql, _params(unit, start, end, as_of))
    if not found:  # empty cohort: counts are 0, every rate and duration is undefined
        return _clean({"received": 0, "closed": 0, "overdue_open": 0}, detail)
    return _clean(found[0], detail)


def breakdown(
    con: duckdb.DuckDBPyConnection,
    by: str,
    *,
    start: dt.datetime,
    end: dt.datetime,
    as_of: dt.datetime,
    unit: str | None = None,
    detail: bool = False,
) -> list[dict[str, Any]]:
    """The metrics per group of one dimension (schema.DIMENSIONS), groups with cases only.

    Each row has group_id and group_name (the unit's name for unit levels, the date as
    YYYY-MM-DD for day/week/month, the value itself otherwise; NULL values group as None).
    """
    unit = check_unit(con, unit)
    scope, group, extra = scope_and_group(by)
    sql = queries.named("kpis", scope=scope, cohort=queries.fragment("cohort", group=group))
    found = queries.rows(con, sql, {**_params(unit, start, end, as_of), **extra})
    names: dict[str, str] = {}
    if by == "child" or by in schema.LEVEL_DIMENSIONS:
        ids = [r["grp"] for r in found if r["grp"] is not None]
        names = {r["unit_id"]: r["name"] for r in queries.rows(con, queries.text("unit_names"), {"ids": ids})}
    out = []
    for r in found:
        gid = r["grp"]
        if isinstance(gid, dt.date):
            gid = gid.isoformat()
        row = {"group_id": gid, "group_name": names.get(gid, gid) if gid is not None else None}
        row.update(_clean(r, detail))
        out.append(row)
    return out
