"""Deadline states of open cases (L1 临期 / L2 超期 / L3 严重超期) and the deadline wall list.

The grading lives once, in gridboard/sql/deadline_graded.sql; this module binds it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from gridboard.db import queries
from gridboard.metrics import engine

STATES: tuple[str, ...] = ("L1", "L2", "L3")
STATE_LABELS_ZH = {"L1": "临期", "L2": "超期", "L3": "严重超期"}
STATE_LABELS_EN = {"L1": "Near due", "L2": "Overdue", "L3": "Severely overdue"}
STATE_COLOURS = {"L1": "#3b82f6", "L2": "#facc15", "L3": "#ef4444"}  # blue / yellow / red


def _sql(name: str) -> str:
    return queries.named(name, graded=queries.body("deadline_graded"))


def open_cases(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: dt.datetime,
    unit: str | None = None,
    states_only: bool = True,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Open cases at as_of, least time left to breach first (overdue ones lead)."""
    unit = engine.check_unit(con, unit)
    params = {"as_of": as_of, "unit": unit, "states_only": states_only, "limit": int(limit)}
    return queries.rows(con, _sql("open_cases"), params)


def counts(con: duckdb.DuckDBPyConnection, *, as_of: dt.datetime, unit: str | None = None) -> dict[str, int]:
    """Open cases by state: keys L1, L2, L3, on_track and open (the total)."""
    unit = engine.check_unit(con, unit)
    found = {r["deadline_state"]: int(r["n"]) for r in queries.rows(con, _sql("deadline_counts"),
                                                                      {"as_of": as_of, "unit": unit})}
    out = {s: found.get(s, 0) for s in STATES}
    out["on_track"] = found.get(None, 0)
    out["open"] = sum(found.values())
    return out
