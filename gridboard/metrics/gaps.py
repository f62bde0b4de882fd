"""Gap flags: units that look good on paper but are not solving the problems.

Two kinds, both per group of a breakdown (the child units of a unit by default, or every unit of
one level below it):

- **closing without solving**: the closure rate is high (≥ CLOSURE_MIN) but satisfaction is low
  (≤ SATISFACTION_MAX) or the reopen rate is high (≥ REOPEN_MIN);
- **recurring**: cases that come back — an earlier case at the same place (the grid; micro-grids
  roll up to it) and of the same category was closed at most RECUR_DAYS days before this one was
  reported (gridboard/sql/gaps_recurrence.sql, window functions in DuckDB). A unit is flagged when
  its share of recurring cases is ≥ RECURRENCE_MIN.

Units with fewer than `min_cases` cohort cases (the `min_cases_for_rank` setting) are never
flagged: two cases say nothing. `recurrence_pairs` lists the cases behind a recurring count (each
with the earlier case it repeats); its total equals the count. No streamlit here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from gridboard.core import config
from gridboard.db import queries
from gridboard.metrics import engine, shared

CLOSURE_MIN = 0.95  # "high" closure rate
SATISFACTION_MAX = 0.93  # "low" satisfaction: two points under the 95 % target
REOPEN_MIN = 0.05  # "high" reopen rate
RECURRENCE_MIN = 0.40  # "high" share of recurring cases
RECUR_DAYS = 30  # a case recurs within this many days of the earlier one's closing

FLAGS: tuple[str, ...] = ("closed_unsatisfied", "closed_reopened", "recurring")
GROUPINGS: tuple[str, ...] = ("child", "town", "community", "grid")


@dataclass(frozen=True)
class Thresholds:
    closure_min: float = CLOSURE_MIN
    satisfaction_max: float = SATISFACTION_MAX
    reopen_min: float = REOPEN_MIN
    recurrence_min: float = RECURRENCE_MIN
    days: int = RECUR_DAYS


def _window(start: dt.datetime, end: dt.datetime, as_of: dt.datetime, unit: str, days: int) -> dict[str, Any]:
    if end <= start:
        raise engine.MetricError("empty period")
    return {"start": start, "end": end, "as_of": as_of, "unit": unit, "days": int(days)}


def _fragments(by: str | None, *, direct: bool = False) -> tuple[dict[str, str], dict[str, Any]]:
    if by is not None and by not in GROUPINGS:
        raise engine.MetricError(f"unknown grouping {by!r}; choose one of {', '.join(GROUPINGS)}")
    scope, _, extra = engine.scope_and_group(by, direct=direct)
    fragments = {"scope": scope, "grid_of": queries.body("gaps_grid_of"), "recurring": queries.body("gaps_recurrence")}
    return fragments, extra


def recurrence_counts(
    con: duckdb.DuckDBPyConnection,
    by: str | None = "child",
    *,
    start: dt.datetime,
    end: dt.datetime,
    as_of: dt.datetime,
    unit: str | None = None,
    days: int = RECUR_DAYS,
) -> dict[Any, int]:
    """Recurring cases per group id (by=None: the whole unit, under the key None).

    The whole unit and its children come from one count per child plus the unit's own cases (they
    add up to the unit), shared by the process per data version: a bulletin asks both. A period that
    ended by as_of (a bulletin's last month) counts the same at every later as_of (each comparison
    with as_of in gaps_recurrence.sql is then implied by one with the end), so the process keeps it
    (shared.part) until a write touches a report day before its end: a live county's writes of
    today leave it as it is."""
    unit = engine.check_unit(con, unit)
    if by not in (None, "child"):
        return _counts(con, by, False, _window(start, end, as_of, unit, days))
    found = _counts(con, "child", True, _window(start, end, as_of, unit, days))
    if by is None:
        total = sum(found.values())
        return {None: total} if total else {}
    return {g: n for g, n in found.items() if g != unit}


def _counts(con: duckdb.DuckDBPyConnection, by: str, direct: bool, window: dict[str, Any]) -> dict[Any, int]:
    fragments, extra = _fragments(by, direct=direct)
    sql = queries.named("gaps_recurrence_counts", **fragments)
    params = {**window, **extra}

    def count() -> list[dict[str, Any]]:
        return queries.rows(con, sql, params)

    if not isinstance(con, duckdb.DuckDBPyConnection):
        rows = count()
    elif window["end"] > window["as_of"]:
        rows = shared.answer(con, ("recurrence", sql), params, count)
    else:
        what = ("recurrence", sql, tuple(sorted((k, repr(v)) for k, v in params.items() if k != "as_of")))
        # any earlier report day may hold an earlier case closed inside the window
        rows = shared.part(con, what, dt.date.min, (window["end"] - dt.timedelta(microseconds=1)).date(),
                           window["as_of"], lambda: (count(), window["end"], None, 1))
    return {r["grp"]: int(r["recurring"]) for r in rows}


def recurrence_pairs(
    con: duckdb.DuckDBPyConnection,
    by: str | None = "child",
    group_value: Any = None,
    *,
    start: dt.datetime,
    end: dt.datetime,
    as_of: dt.datetime,
    unit: str | None = None,
    days: int = RECUR_DAYS,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, pd.DataFrame]:
    """(total, page) of the recurring cases of one group (all of the unit when by is None),
    newest first, each with the earlier case it repeats and the days since that one closed."""
    unit = engine.check_unit(con, unit)
    fragments, extra = _fragments(by)
    params = {**_window(start, end, as_of, unit, days), **extra, "limit": int(limit), "offset": int(offset)}
    predicate = "TRUE"
    if by is not None:
        predicate = "r.grp = $group_value"
        params["group_value"] = str(group_value)
    sql = queries.named("gaps_recurrence_pairs", **fragments, predicate=predicate)
    df = queries.frame(con, sql, params)
    if len(df):
        total = int(df["total"].iloc[0])
    elif offset:
        total = int(queries.frame(con, sql, {**params, "limit": 1, "offset": 0})["total"].sum())
    else:
        total = 0
    return total, df.drop(columns=["total"])


def _flags_of(row: dict[str, Any], th: Thresholds) -> list[str]:
    out = []
    high_closure = row["closure_rate"] is not None and row["closure_rate"] >= th.closure_min
    if high_closure and row["satisfaction_rate"] is not None and row["satisfaction_rate"] <= th.satisfaction_max:
        out.append("closed_unsatisfied")
    if high_closure and row["reopen_rate"] is not None and row["reopen_rate"] >= th.reopen_min:
        out.append("closed_reopened")
    if row["recurrence_rate"] is not None and row["recurrence_rate"] >= th.recurrence_min:
        out.append("recurring")
    return out


def flags(
    con: duckdb.DuckDBPyConnection,
    by: str = "child",
    *,
    start: dt.datetime,
    end: dt.datetime,
    as_of: dt.datetime,
    unit: str | None = None,
    min_cases: int | None = None,
    thresholds: Thresholds | None = None,
) -> list[dict[str, Any]]:
    """Every group of `by` under `unit` with its rates, recurring count and flags.

    Rows: group_id, group_name, received, closed, closure_rate, satisfaction_rate, reopen_rate,
    reopened, recurring, recurrence_rate, flags (a list of FLAGS codes; empty when the group is
    fine or has fewer than `min_cases` cases). Flagged groups first, most flags first, then by
    recurrence rate.
    """
    th = thresholds or Thresholds()
    if min_cases is None:
        min_cases = int(config.load()["min_cases_for_rank"])  # type: ignore[call-overload]
    window = {"start": start, "end": end, "as_of": as_of, "unit": unit}
    rows = engine.breakdown(con, by, detail=True, **window)
    recurring = recurrence_counts(con, by, days=th.days, **window)
    out = []
    for r in rows:
        n = recurring.get(r["group_id"], 0)
        row = {
            "group_id": r["group_id"], "group_name": r["group_name"], "received": r["received"],
            "closed": r["closed"], "closure_rate": r["closure_rate"], "satisfaction_rate": r["satisfaction_rate"],
            "reopen_rate": r["reopen_rate"], "reopened": r["reopened"], "recurring": n,
            "recurrence_rate": n / r["received"] if r["received"] else None,
        }
        row["flags"] = _flags_of(row, th) if r["received"] >= min_cases else []
        out.append(row)
    out.sort(key=lambda x: (-len(x["flags"]), -(x["recurrence_rate"] or 0), str(x["group_id"])))
    return out
