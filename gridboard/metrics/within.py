"""Durations judged by the share within a time limit: 限时内响应占比 (responded within the response
limit, minutes) and 限时内办结占比 (closed within the close limit, hours), per group or in total.

A median hides a late half ("median 29.7 min: on target" while half the cases waited longer), and
it does not split into group parts; the share within the limit does both. The limits are the
county's duration targets (median_response_min, median_close_hours: the same limits /response
uses), the shares' own targets response_within_share and close_within_share. The durations and
their cases are the catalogue's (RESPONSE_MINUTES over responded cases, CLOSE_HOURS over closed
ones); counted by the named query within_counts.sql. No streamlit here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from gridboard.core import catalog, schema
from gridboard.db import queries
from gridboard.metrics import engine, memo, shared

# key → (the metric, the duration's SQL value, the count whose cases have it, the target key holding the limit)
SHARES: dict[str, tuple[catalog.Metric, str, str, str]] = {
    "response_within_share": (catalog.Metric(
        "response_within_share", "限时内响应占比", "Responded within the limit", "rate", True, "responded", "responded",
        "限时响应", "within response limit"), catalog.RESPONSE_MINUTES, "responded", "median_response_min"),
    "close_within_share": (catalog.Metric(
        "close_within_share", "限时内办结占比", "Closed within the limit", "rate", True, "closed", "closed",
        "限时办结", "within close limit"), catalog.CLOSE_HOURS, "closed", "median_close_hours"),
}


def metric_of(key: str) -> catalog.Metric:
    """The Metric of a catalogue key or a within-limit share."""
    return SHARES[key][0] if key in SHARES else catalog.METRIC_BY_KEY[key]


def limit_of(key: str, targets: dict[str, float] | Any) -> float:
    """The time limit of a share from the targets (minutes for response, hours for close)."""
    return float(targets[SHARES[key][3]])


def breakdowns(
    con: duckdb.DuckDBPyConnection, limits: dict[str, float], by: str | None, *, start: dt.datetime,
    end: dt.datetime, as_of: dt.datetime, unit: str | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """breakdown() of several shares (key → limit) in one pass over the cohort."""
    unknown = [k for k in limits if k not in SHARES]
    if unknown:
        raise engine.MetricError(f"unknown within-limit share {unknown[0]!r}; choose one of {', '.join(SHARES)}")
    if end <= start:
        raise engine.MetricError(f"empty period: 'to' ({end:%Y-%m-%d %H:%M}) must be after 'from' ({start:%Y-%m-%d %H:%M})")
    keys = list(limits)
    if not keys:
        return {}
    columns, settle = [], []
    for i, key in enumerate(keys):
        _, value, count, _ = SHARES[key]
        keep = catalog.COUNT_BY_KEY[count].predicate
        settle.append(memo.settle_column(keep))
        columns.append(f"count(*) FILTER (WHERE {keep}) AS n_{i}, "
                       f"count(*) FILTER (WHERE {keep} AND {value} <= $within_limit_{i}) AS within_{i}")
    unit = engine.check_unit(con, unit)
    scope, group, extra = engine.scope_and_group(by)
    cohort = queries.fragment("cohort", group=group)
    ranged = all(settle)  # how long the counts stay as they are: the older days kept apart (shared.moving_counts)
    if ranged:
        firsts = ", ".join(f"min(CASE WHEN k.{c} > $as_of THEN k.{c} END)" for c in dict.fromkeys(c for c in settle if c))
        columns.append(f"least({firsts}) AS asof_hi")
    older = "k.reported_at < $cut" if ranged else "FALSE"
    sql, moved = (queries.named("within_counts", scope=scope, cohort=c, older=older, columns=",\n    ".join(columns))
                  for c in (cohort, shared.moved_cohort(cohort)))
    params = {"unit": unit, "start": start, "end": end, "as_of": as_of, **extra,
              **{f"within_limit_{i}": float(limits[k]) for i, k in enumerate(keys)}}
    # shared by the pages of the process, at the next minute the kept counts plus the moved cases,
    # the older days kept across writes of the last days
    found = shared.moving_counts(con, sql, moved, params,
                                 [f"{p}_{i}" for i in range(len(keys)) for p in ("n", "within")], ranged=ranged)
    names: dict[str, str] = {}
    if by == "child" or (by is not None and by in schema.LEVEL_DIMENSIONS):
        ids = [r["grp"] for r in found if r["grp"] is not None]
        names = {r["unit_id"]: r["name"] for r in queries.rows(con, queries.text("unit_names"), {"ids": ids})}
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in keys}
    for r in found:
        gid = r["grp"].isoformat() if isinstance(r["grp"], dt.date) else r["grp"]
        for i, key in enumerate(keys):
            n, within = int(r[f"n_{i}"] or 0), int(r[f"within_{i}"] or 0)
            out[key].append({"group_id": gid, "group_name": names.get(gid, gid) if gid is not None else None,
                             "n": n, "within": within, "share": within / n if n else None})
    return out


def breakdown(
    con: duckdb.DuckDBPyConnection, key: str, by: str | None, limit: float, *, start: dt.datetime, end: dt.datetime,
    as_of: dt.datetime, unit: str | None = None,
) -> list[dict[str, Any]]:
    """Per group of `by` (None: one row for the whole unit): group_id, group_name, n (cases with
    the duration by as_of) and within (duration at most `limit`), and the share within/n (None if n = 0)."""
    return breakdowns(con, {key: limit}, by, start=start, end=end, as_of=as_of, unit=unit)[key]


def shares(
    con: duckdb.DuckDBPyConnection, limits: dict[str, float], *, start: dt.datetime, end: dt.datetime,
    as_of: dt.datetime, unit: str | None = None,
) -> dict[str, float | None]:
    """share() of several keys (key → limit) in one pass."""
    found = breakdowns(con, limits, None, start=start, end=end, as_of=as_of, unit=unit)
    out: dict[str, float | None] = {}
    for key, rows in found.items():
        n = sum(r["n"] for r in rows)
        out[key] = sum(r["within"] for r in rows) / n if n else None
    return out


def share(
    con: duckdb.DuckDBPyConnection, key: str, limit: float, *, start: dt.datetime, end: dt.datetime,
    as_of: dt.datetime, unit: str | None = None,
) -> float | None:
    """The unit's share within the limit (None without cases that have the duration)."""
    rows = breakdown(con, key, None, limit, start=start, end=end, as_of=as_of, unit=unit)
    n = sum(r["n"] for r in rows)
    return sum(r["within"] for r in rows) / n if n else None
