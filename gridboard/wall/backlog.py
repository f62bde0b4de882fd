"""Cases open at a moment, read without scanning the history: the backlog and what came since.

A case is open at as_of when reported by then, not cancelled and not closed by then (DESIGN.md).
Every case open at any moment from `since` on is either in the backlog (reported before `since` and
still open at `since`: one scan of the history, cached per data version and day by the wall page)
or reported since `since` (a few row groups, pruned by zone maps on reported_at). The deadline
grading itself stays in deadline_graded.sql: the queries here put the union of the two parts in
front of it as a CTE named `cases`. Owns: the backlog, open cases by grid and state at two moments
(now and the same time yesterday), and the deadline wall (three groups, L1/L2/L3) with masked phone
numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from gridboard.core import fmt
from gridboard.db import queries
from gridboard.metrics import deadlines

BACKLOG_VIEW = "bigscreen_backlog"  # name the backlog is registered under (bigscreen_open_source.sql)
WALL_ROWS = 12


@dataclass(frozen=True)
class Backlog:
    """Cases reported before `since` and not closed by then (nor cancelled): with the cases
    reported since, they are every case that can be open at any time from `since` on."""

    since: dt.datetime
    table: pa.Table

    def __len__(self) -> int:
        return self.table.num_rows


def backlog_since(as_of: dt.datetime) -> dt.datetime:
    """Start of yesterday: early enough for "open at the same time yesterday"."""
    return dt.datetime.combine(as_of.date() - dt.timedelta(days=1), dt.time())


def backlog(con: duckdb.DuckDBPyConnection, *, since: dt.datetime) -> Backlog:
    """The backlog at `since` (one scan of the history; the page caches it per data version)."""
    cur = con.cursor()  # the relation API refuses a connection with an unfinished result
    try:
        return Backlog(since, cur.sql(queries.text("bigscreen_backlog"), params={"since": since}).to_arrow_table())
    finally:
        cur.close()


def _with_backlog(con: duckdb.DuckDBPyConnection, log: Backlog, name: str, params: dict[str, Any]) -> list[dict]:
    if min(params["as_of"], params.get("before", params["as_of"])) < log.since:
        raise ValueError(f"backlog from {log.since:%Y-%m-%d %H:%M} cannot answer for {params['as_of']:%Y-%m-%d %H:%M}")
    graded = queries.body("deadline_graded")
    fragments = {"source": queries.body("bigscreen_open_source"), "graded": graded}
    if "before" in params:  # the same grading at a second moment: its $as_of read as $before
        fragments["graded_before"] = graded.replace("$as_of", "$before")
    sql = queries.named(name, **fragments)
    cur = con.cursor()  # its own connection: the view stays private, and register() refuses a busy one
    try:
        cur.register(BACKLOG_VIEW, log.table)
        return queries.rows(cur, sql, {**params, "since": log.since})
    finally:
        cur.close()


def open_by_grid(con: duckdb.DuckDBPyConnection, *, as_of: dt.datetime, unit: str, log: Backlog,
                 before: dt.datetime | None = None) -> list[dict]:
    """Rows (moment, grid_id, deadline_state, n) of the cases open under unit at as_of (moment
    "now") and at `before` (moment "before"; default the same time the day before)."""
    before = before if before is not None else as_of - dt.timedelta(days=1)
    return _with_backlog(con, log, "bigscreen_open_grid", {"as_of": as_of, "before": before, "unit": unit})


def open_counts(rows: list[dict], moment: str = "now") -> dict[str, int]:
    """deadlines.counts() from open_by_grid rows: L1, L2, L3, on_track, open, and overdue (L2 + L3)."""
    out = dict.fromkeys((*deadlines.STATES, "on_track", "open"), 0)
    for r in rows:
        if r.get("moment", "now") != moment:
            continue
        out[r["deadline_state"] or "on_track"] += int(r["n"])
        out["open"] += int(r["n"])
    out["overdue"] = out["L2"] + out["L3"]
    return out


def grid_counts(rows: list[dict], moment: str = "now") -> dict[str, dict[str, int]]:
    """Per grid: open, overdue (L2 + L3) and each state."""
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        if r["grid_id"] is None or r.get("moment", "now") != moment:
            continue
        g = out.setdefault(r["grid_id"], {"open": 0, "overdue": 0, "L1": 0, "L2": 0, "L3": 0})
        g["open"] += int(r["n"])
        if r["deadline_state"]:
            g[r["deadline_state"]] += int(r["n"])
            g["overdue"] += int(r["n"]) if r["deadline_state"] in ("L2", "L3") else 0
    return out


def share_slots(sizes: dict[str, int], slots: int) -> dict[str, int]:
    """How many of `slots` rows each state gets: one each in turn (L1, L2, L3) while it has cases,
    so every non-empty state shows and a state with few cases leaves its rows to the others."""
    take = dict.fromkeys(sizes, 0)
    left = max(0, int(slots))
    while left:
        moved = False
        for state in sizes:
            if left and take[state] < sizes[state]:
                take[state] += 1
                left -= 1
                moved = True
        if not moved:
            break
    return take


def deadline_wall(
    con: duckdb.DuckDBPyConnection, *, as_of: dt.datetime, unit: str, log: Backlog, limit: int = WALL_ROWS
) -> list[dict]:
    """The deadline wall: up to `limit` open cases in three groups, L1 临期 (still savable) first,
    then L2 超期 and L3 严重超期, least time left first within a group; the rows are shared between
    the groups by share_slots. The reporter's phone comes back masked only."""
    rows = _with_backlog(con, log, "bigscreen_wall", {"as_of": as_of, "unit": unit, "limit": int(limit)})
    by_state: dict[str, list[dict]] = {s: [] for s in deadlines.STATES}
    for r in rows:
        r["phone"] = fmt.mask_phone(r.pop("reporter_phone"))
        by_state[r["deadline_state"]].append(r)
    take = share_slots({s: len(v) for s, v in by_state.items()}, limit)
    return [r for s in deadlines.STATES for r in by_state[s][:take[s]]]
