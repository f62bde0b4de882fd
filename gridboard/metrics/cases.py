"""One case: finding it (search by id, phone, title words, grid name) and its whole loop.

`search` gives a short list of matches; `detail` the case with its grid path, the steps of its
loop (reported → dispatched → responded → closed → callback) with the time each took, and its
deadline state at `as_of`. Phones are returned as stored: the page masks them by role.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import duckdb

from gridboard.db import queries

STEPS: tuple[str, ...] = ("reported_at", "dispatched_at", "responded_at", "closed_at", "callback_at")
MAX_QUERY = 100


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(con: duckdb.DuckDBPyConnection, text: str, limit: int = 20) -> list[dict[str, Any]]:
    """Cases matching `text` (case id, phone digits, title words, grid name), best first; [] for
    an empty text."""
    q = text.strip()[:MAX_QUERY]
    if not q:
        return []
    digits = re.sub(r"\D", "", q) if re.fullmatch(r"[\d\s+-]+", q) else ""
    params = {"q": q, "digits": digits, "like": f"%{_escape_like(q)}%", "limit": int(limit)}
    return queries.rows(con, queries.text("case_search"), params)


def deadline_state(case: dict[str, Any], as_of: dt.datetime) -> str:
    """no_deadline, on_time (closed by the deadline), late (closed after it), overdue (open past
    it) or open (open, deadline ahead)."""
    due, closed = case.get("due_at"), case.get("closed_at")
    if due is None:
        return "no_deadline"
    if closed is not None and closed <= as_of:
        return "on_time" if closed <= due else "late"
    return "overdue" if as_of > due else "open"


def timeline(case: dict[str, Any], as_of: dt.datetime) -> list[dict[str, Any]]:
    """The loop's steps in order: step, at (None when not reached by as_of), minutes since the
    previous reached step (None for the first or an unreached step)."""
    out: list[dict[str, Any]] = []
    previous: dt.datetime | None = None
    for step in STEPS:
        at = case.get(step)
        if at is not None and at > as_of:
            at = None
        minutes = (at - previous).total_seconds() / 60 if at is not None and previous is not None else None
        out.append({"step": step, "at": at, "minutes": minutes})
        if at is not None:
            previous = at
    return out


def detail(con: duckdb.DuckDBPyConnection, case_id: str, as_of: dt.datetime) -> dict[str, Any] | None:
    """The case, its grid path (county first), timeline and deadline state; None when unknown."""
    found = queries.rows(con, queries.text("case_detail"), {"case_id": case_id})
    if not found:
        return None
    case = found[0]
    path = queries.rows(con, queries.text("unit_path"), {"unit": case["unit_id"]})
    return {"case": case, "path": path, "timeline": timeline(case, as_of),
            "deadline": deadline_state(case, as_of)}
