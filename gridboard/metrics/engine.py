"""The metric engine: the only way pages, the CLI and exports get case numbers.

Every metric of DESIGN.md is defined once, in gridboard/core/catalog.py (key, labels, counts
and their SQL predicates); db/sql/kpis.sql aggregates with the catalogue's columns, and this module
binds it. When the question allows it (whole days, a unit or dimension the aggregates keep) the
answer comes from the aggregates of gridboard/db/aggregates.py through metrics/fast.py, with the
same results; otherwise from the raw cases. Functions take a connection (or cursor) and explicit period bounds and `as_of`;
nothing here knows about Streamlit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from gridboard.core import catalog, schema
from gridboard.core.catalog import COMPONENT_KEYS, METRIC_KEYS, METRICS
from gridboard.db import queries, store
from gridboard.metrics import fast


class MetricError(ValueError):
    """Bad metric arguments (unknown unit or dimension, empty period)."""


_FLOAT_KEYS = {m.key for m in METRICS if m.kind != "count"}


DIRECT_PREFIX = "="  # group_id of the "direct" row of a complete child breakdown: "=" + the unit's id


def direct_unit(group_id: Any) -> str | None:
    """The unit whose own cases a "direct" group id stands for, else None."""
    if isinstance(group_id, str) and group_id.startswith(DIRECT_PREFIX):
        return group_id[len(DIRECT_PREFIX):]
    return None


def scope_and_group(by: str | None, *, direct: bool = False) -> tuple[str, str, dict[str, Any]]:
    """SQL fragments and extra parameters for a grouping dimension (identifiers from schema).

    With direct=True, by="child" also groups the cases filed on the unit itself (under its own id)."""
    if by is None:
        return queries.body("scope_subtree"), "s.grp_unit", {}
    if by == "child":
        return queries.body("scope_child_direct" if direct else "scope_child"), "s.grp_unit", {}
    if by in schema.LEVEL_DIMENSIONS:
        return queries.body("scope_level"), "s.grp_unit", {"levels": list(schema.LEVEL_DIMENSIONS[by])}
    if by in schema.CASE_DIMENSIONS:
        return queries.body("scope_subtree"), f"c.{schema.CASE_DIMENSIONS[by]}", {}
    if by in schema.TIME_DIMENSIONS:
        grain = schema.TIME_DIMENSIONS[by]
        return queries.body("scope_subtree"), f"CAST(date_trunc('{grain}', c.reported_at) AS DATE)", {}
    raise MetricError(f"unknown dimension {by!r}; choose one of: {', '.join(schema.DIMENSIONS)}")


def check_unit(con: duckdb.DuckDBPyConnection | queries.Runner, unit: str | None) -> str:
    """The unit id to use (the county root when None); MetricError when it does not exist."""
    if unit is None:
        return store.root_unit(con)
    if not queries.rows(con, queries.text("unit_exists"), {"unit": unit}):
        raise MetricError(f"unknown unit {unit!r}")
    return unit


def absent_metrics(con: duckdb.DuckDBPyConnection | queries.Runner) -> frozenset[str]:
    """The rates whose source field (catalog.SOURCE_FIELDS) holds no value in any case: the data
    does not record it, so the rate is absent (None, shown "—"), not 0. The one place this is decided."""
    row = queries.rows(con, queries.text("fields_present"), {})[0]
    return frozenset(k for k, field in catalog.SOURCE_FIELDS.items() if not row[field])


def _blank(rows: list[dict[str, Any]], absent: frozenset[str]) -> list[dict[str, Any]]:
    for row in rows:
        for key in absent:
            row[key] = None
    return rows


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


def kpi_sql(scope: str, group: str) -> str:
    """The kpis named query with its scope, cohort and the catalogue's aggregate columns filled in."""
    return queries.named("kpis", scope=scope, cohort=queries.fragment("cohort", group=group),
                         counts=catalog.count_sql(), durations=catalog.duration_sql(), rates=catalog.rate_sql())


def _plan(con: duckdb.DuckDBPyConnection | queries.Runner, unit: str, by: str | None, start: dt.datetime,
          end: dt.datetime, scope: str) -> fast.Plan | None:
    """The aggregates' answer on DuckDB; another engine (a queries.Runner, e.g. Spark) scans the cases."""
    return fast.plan(con, unit, by, start, end, scope) if isinstance(con, duckdb.DuckDBPyConnection) else None


def kpis(
    con: duckdb.DuckDBPyConnection | queries.Runner,
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
    params = _params(unit, start, end, as_of)
    scope, group, _ = scope_and_group(None)
    plan = _plan(con, unit, None, start, end, scope)
    if plan is not None and isinstance(con, duckdb.DuckDBPyConnection):
        found = fast.rows(con, plan, params)
    else:
        found = queries.rows(con, kpi_sql(scope, group), params)
    if not found:  # empty cohort: counts are 0, every rate and duration is undefined
        return _clean({"received": 0, "closed": 0, "overdue_open": 0}, detail)
    return _blank([_clean(found[0], detail)], absent_metrics(con))[0]


def breakdown(
    con: duckdb.DuckDBPyConnection | queries.Runner,
    by: str,
    *,
    start: dt.datetime,
    end: dt.datetime,
    as_of: dt.datetime,
    unit: str | None = None,
    detail: bool = False,
    complete: bool = False,
    durations: bool = True,
) -> list[dict[str, Any]]:
    """The metrics per group of one dimension (schema.DIMENSIONS), groups with cases only.

    Each row has group_id and group_name (the unit's name for unit levels, the date as
    YYYY-MM-DD for day/week/month, the value itself otherwise; NULL values group as None).
    With complete=True and by="child" the rows add up to the unit: every child shows (0 when it
    has no cases), and the cases filed on the unit itself form a last row with "direct": True,
    group_id DIRECT_PREFIX + unit id and the unit's own name (only when there are such cases).
    With durations=False the rows have no duration keys (medians, P90) and none is computed: for a
    chart of counts and rates (an exact median per category of a year is a scan of its cases).
    """
    unit = check_unit(con, unit)
    complete = complete and by == "child"
    scope, group, extra = scope_and_group(by, direct=complete)
    params = {**_params(unit, start, end, as_of), **extra}
    plan = _plan(con, unit, by, start, end, scope)
    if plan is not None and isinstance(con, duckdb.DuckDBPyConnection):
        found = fast.rows(con, plan, params, durations=durations)
    else:
        found = queries.rows(con, kpi_sql(scope, group), params)
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
    _blank(out, absent_metrics(con))
    out = _complete(con, unit, out, detail) if complete else out
    if not durations:
        for row in out:
            for key in catalog.DURATION_KEYS:
                row.pop(key, None)
    return out


def _zero(detail: bool) -> dict[str, Any]:
    row = _clean({}, detail)
    row.update({m.key: 0 for m in METRICS if m.kind == "count"})
    return row


def _complete(con: duckdb.DuckDBPyConnection | queries.Runner, unit: str, found: list[dict[str, Any]],
              detail: bool) -> list[dict[str, Any]]:
    """Child rows in id order with empty children as 0, then the unit's direct row (if any cases)."""
    by_id = {r["group_id"]: r for r in found}
    out = []
    for child in queries.rows(con, queries.text("unit_children"), {"unit": unit}):
        row = by_id.get(child["unit_id"]) or {"group_id": child["unit_id"], "group_name": child["name"],
                                               **_zero(detail)}
        out.append({**row, "direct": False})
    own = by_id.get(unit)
    if own is not None:
        out.append({**own, "group_id": DIRECT_PREFIX + unit, "direct": True})
    return out
