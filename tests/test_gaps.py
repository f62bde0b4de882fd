"""Gap flags: recurrence at the same grid and category within 30 days of closing, and high
closure with low satisfaction or high reopen rate, hand-checked on tests/data/metrics_fixture.sql."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gridboard.db import store
from gridboard.metrics import engine, gaps

FIXTURE = Path(__file__).parent / "data" / "metrics_fixture.sql"
START, END, AS_OF = dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 11), dt.datetime(2026, 3, 10, 12, 0)
W = {"start": START, "end": END, "as_of": AS_OF}


@pytest.fixture
def con(fresh_db):
    fresh_db.execute(FIXTURE.read_text(encoding="utf-8"))
    store.rebuild_unit_closure(fresh_db)
    return fresh_db


# Recurring in the fixture's cohort:
# - c1 (G1, 环境卫生, reported 03-01 08:00) after c6 (G1, 环境卫生, closed 03-01 02:00, 6 h before;
#   c6 itself was reported before the period, but its closing counts);
# - c2 (micro-grid MG1, so grid G1; 环境卫生, reported 03-02 09:00) after c1 (closed 03-01 20:00,
#   13 h before; c6 closed earlier still, c5 is cancelled);
# - c4 (G3, 矛盾纠纷, reported 03-09 10:00) after c10 (G3, 矛盾纠纷, closed 03-07 08:00, 50 h before).
# Not: c8 (G2 环境卫生: nothing closed there before), c9 (G1 安全隐患: none closed), c11 (no category).


def test_recurrence_counts_by_town_and_grid(con):
    assert gaps.recurrence_counts(con, "child", **W) == {"T1": 2, "T2": 1}
    assert gaps.recurrence_counts(con, "grid", **W) == {"G1": 2, "G3": 1}
    assert gaps.recurrence_counts(con, "community", **W) == {"M1": 2, "V1": 1}
    assert gaps.recurrence_counts(con, None, **W) == {None: 3}
    assert gaps.recurrence_counts(con, None, unit="MG1", **W) == {None: 1}  # c2 matches c1 in its grid


def test_recurrence_pairs_hand_computed(con):
    total, pairs = gaps.recurrence_pairs(con, None, **W)
    assert total == 3
    got = {r.case_id: (r.earlier_case_id, round(r.days_after_close, 4)) for r in pairs.itertuples()}
    assert got == {"c4": ("c10", round(50 / 24, 4)), "c2": ("c1", round(13 / 24, 4)), "c1": ("c6", 0.25)}
    assert list(pairs["case_id"]) == ["c4", "c2", "c1"]  # newest first


def test_recurrence_needs_the_later_case_reported_by_as_of(con):
    early = {**W, "as_of": dt.datetime(2026, 3, 9, 9, 0)}  # c4 is reported at 10:00
    assert gaps.recurrence_counts(con, None, **early) == {None: 2}


def test_thirty_days_is_inclusive(con):
    # c8 (G2, 环境卫生) closed 03-06 09:00: r1 exactly 30 days later recurs, r2 one second later does not
    con.execute(
        "INSERT INTO cases (case_id, unit_id, category, reported_at, status) VALUES "
        "('r1', 'G2', '环境卫生', TIMESTAMP '2026-04-05 09:00:00', 'open'), "
        "('r2', 'G2', '环境卫生', TIMESTAMP '2026-04-05 09:00:01', 'open')"
    )
    window = {"start": dt.datetime(2026, 4, 1), "end": dt.datetime(2026, 4, 10), "as_of": dt.datetime(2026, 4, 9)}
    assert gaps.recurrence_counts(con, None, **window) == {None: 1}
    total, pairs = gaps.recurrence_pairs(con, None, **window)
    assert (total, list(pairs["case_id"]), list(pairs["earlier_case_id"])) == (1, ["r1"], ["c8"])
    assert gaps.recurrence_counts(con, None, days=31, **window) == {None: 2}


@pytest.mark.parametrize("by", ["child", "town", "community", "grid"])
def test_pair_lists_are_as_long_as_the_counts(con, by):
    for group, n in gaps.recurrence_counts(con, by, **W).items():
        total, pairs = gaps.recurrence_pairs(con, by, group, **W)
        assert total == n == len(pairs), (by, group)
    total, first = gaps.recurrence_pairs(con, None, limit=1, **W)
    _, second = gaps.recurrence_pairs(con, None, limit=1, offset=1, **W)
    past_total, past = gaps.recurrence_pairs(con, None, limit=1, offset=5, **W)
    assert total == past_total == 3 and len(past) == 0
    assert list(first["case_id"]) + list(second["case_id"]) == ["c4", "c2"]


def test_flags_with_thresholds(con):
    th = gaps.Thresholds(closure_min=0.5, satisfaction_max=0.7, reopen_min=0.3, recurrence_min=0.3)
    rows = gaps.flags(con, "child", min_cases=1, thresholds=th, **W)
    by = {r["group_id"]: r for r in rows}
    # T1: closed 3 of 5 (0.6), satisfaction 2/3, reopen 1/3, recurring 2 of 5
    assert by["T1"]["flags"] == ["closed_unsatisfied", "closed_reopened", "recurring"]
    assert by["T1"]["recurrence_rate"] == pytest.approx(0.4)
    # T2: closure 1/3 is not high; recurring 1 of 3
    assert by["T2"]["flags"] == ["recurring"] and by["T2"]["recurring"] == 1
    assert [r["group_id"] for r in rows] == ["T1", "T2"]  # most flags first
    # too few cases: never flagged
    assert all(r["flags"] == [] for r in gaps.flags(con, "child", min_cases=6, thresholds=th, **W))


def test_default_thresholds(con):
    rows = gaps.flags(con, "grid", min_cases=1, **W)
    assert {r["group_id"] for r in rows} == {"G1", "G2", "G3"}
    flagged = {r["group_id"]: r["flags"] for r in rows}
    # closure under 95 % everywhere; G1: 2 of 3 recurring (c1 c2), G3: 1 of 3 is under 40 %
    assert flagged == {"G1": ["recurring"], "G2": [], "G3": []}
    assert rows[0]["group_id"] == "G1"


def test_unknown_grouping(con):
    with pytest.raises(engine.MetricError):
        gaps.recurrence_counts(con, "department", **W)
