"""Scorecard ratios, red/amber/green and the overall score on the fixture county."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gridboard.core import periods
from gridboard.db import store
from gridboard.metrics import scorecard

FIXTURE = Path(__file__).parent / "data" / "metrics_fixture.sql"


@pytest.fixture
def con(fresh_db):
    fresh_db.execute(FIXTURE.read_text(encoding="utf-8"))
    store.rebuild_unit_closure(fresh_db)
    return fresh_db


@pytest.mark.parametrize(
    ("actual", "target", "higher", "want"),
    [(0.95, 1.0, True, 0.95), (1.0, 0.95, True, 1.0 / 0.95), (30.0, 60.0, False, 1.5), (60.0, 30.0, False, 0.5),
     (0.0, 0.03, False, 1.5), (None, 1.0, True, None), (3.0, 1.0, True, 1.5)],
)
def test_ratio(actual, target, higher, want):
    got = scorecard.ratio(actual, target, higher)
    assert got == (None if want is None else pytest.approx(want))


@pytest.mark.parametrize(("r", "colour"), [(1.2, "green"), (1.0, "green"), (0.97, "amber"), (0.95, "amber"),
                                           (0.9499, "red"), (None, None)])
def test_rag(r, colour):
    assert scorecard.rag(r) == colour


def test_build_on_fixture(con):
    # evaluated on 03-11 12:00: c4 has closed too (5 of 8), c9's deadline has passed
    p = periods.Period(dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 11), dt.datetime(2026, 3, 11, 12), "custom")
    card = scorecard.build(con, {"closure_rate": 0.8, "on_time_rate": 1.0, "median_close_hours": 13.0}, p)
    by = {ln.key: ln for ln in card.lines}
    assert [ln.key for ln in card.lines] == ["closure_rate", "on_time_rate", "median_close_hours"]
    assert by["closure_rate"].ratio == pytest.approx(0.625 / 0.8) and by["closure_rate"].rag == "red"
    assert by["on_time_rate"].ratio == pytest.approx(2 / 6)  # c1 c8 of c1 c2 c3 c8 c9 c11
    assert by["median_close_hours"].ratio == pytest.approx(13 / 12)  # 1, 1, 12, 28, 48
    assert by["median_close_hours"].rag == "green"
    assert card.overall == pytest.approx((0.625 / 0.8 + 2 / 6 + 13 / 12) / 3)
    # the previous 10 days (Feb 19 – Mar 1, seen on Mar 1 12:00) hold only c6, closed: 100 %
    assert by["closure_rate"].previous == pytest.approx(1.0)
    assert by["closure_rate"].last_year is None  # nothing in March 2025
