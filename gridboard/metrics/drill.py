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
from gridboard.metrics import engine

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
    """The cases counted by `metric`'s numerator (or denominator), newest first, paged."""
    if metric not in PREDICATES:
        raise engine.MetricError(f"unknown metric {metric!r}")
    predicate = PREDICATES[metric][0 if part == "numerator" else 1]
    params: dict[str, Any] = {"limit": int(limit), "offset": int(offset)}
    if group_by is not None:
        extra, extra_params, group_unit = _group_condition(group_by, group_value)
        predicate = f"({predicate}) AND {extra}"
        params.update(extra_params)
        if group_unit is not None:
            unit = group_unit
    unit = engine.check_unit(con, unit)
    scope, group, _ = engine.scope_and_group(None)
    sql = queries.named(
        "case_list", scope=scope, cohort=queries.fragment("cohort", group=group), predicate=predicate
    )
    params.update({"unit": unit, "start": start, "end": end, "as_of": as_of})
    df = queries.frame(con, sql, params)
    total = int(df["total"].iloc[0]) if len(df) else _count_when_paged_past_end(con, sql, params, offset)
    return CaseList(total, df.drop(columns=["total"]))


def _count_when_paged_past_end(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any], offset: int) -> int:
    """An empty page past the end still needs the total: ask for the first row."""
    if offset == 0:
        return 0
    df = queries.frame(con, sql, {**params, "limit": 1, "offset": 0})
    return int(df["total"].iloc[0]) if len(df) else 0
