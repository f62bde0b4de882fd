"""Deadline states (L1/L2/L3) and the deadline wall order, on the hand-made fixture county."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gridboard.db import store
from gridboard.metrics import deadlines

FIXTURE = Path(__file__).parent / "data" / "metrics_fixture.sql"
AS_OF = dt.datetime(2026, 3, 10, 12, 0)


@pytest.fixture
def con(fresh_db):
    fresh_db.execute(FIXTURE.read_text(encoding="utf-8"))
    store.rebuild_unit_closure(fresh_db)
    return fresh_db


def test_open_cases_order_and_states(con):
    rows = deadlines.open_cases(con, as_of=AS_OF, states_only=False)
    # open at 12:00: c3 (4 days late, supervised), c11 (15 min late), c9 (23 h left), c4 (46 h left)
    assert [r["case_id"] for r in rows] == ["c3", "c11", "c9", "c4"]
    assert [r["deadline_state"] for r in rows] == ["L3", "L2", None, None]
    assert rows[1]["minutes_left"] == pytest.approx(-15.0)
    assert rows[0]["unit_name"] == "东二网格"


def test_states_only_and_limit(con):
    assert [r["case_id"] for r in deadlines.open_cases(con, as_of=AS_OF)] == ["c3", "c11"]
    assert [r["case_id"] for r in deadlines.open_cases(con, as_of=AS_OF, limit=1)] == ["c3"]


@pytest.mark.parametrize(
    ("minute", "state"),
    [(41, None), (42, "L1"), (45, "L1"), (46, "L2"), (60, "L2")],  # c11: reported 11:30, due 11:45
)
def test_c11_moves_through_the_states(con, minute, state):
    as_of = dt.datetime(2026, 3, 10, 11, 0) + dt.timedelta(minutes=minute)
    rows = {r["case_id"]: r for r in deadlines.open_cases(con, as_of=as_of, states_only=False)}
    assert rows["c11"]["deadline_state"] == state


def test_past_due_by_more_than_the_limit_is_l3(con):
    # c11's limit is 15 min: more than 15 min past 11:45 (after 12:00) it is severely overdue.
    rows = {r["case_id"]: r for r in deadlines.open_cases(con, as_of=dt.datetime(2026, 3, 10, 12, 1))}
    assert rows["c11"]["deadline_state"] == "L3"


def test_counts(con):
    assert deadlines.counts(con, as_of=AS_OF) == {"L1": 0, "L2": 1, "L3": 1, "on_track": 2, "open": 4}
    assert deadlines.counts(con, as_of=AS_OF, unit="T1") == {"L1": 0, "L2": 0, "L3": 1, "on_track": 1, "open": 2}
