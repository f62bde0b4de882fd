""""Why it moved": group contributions add up to the total change (hand-checked on the fixture)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gridboard.db import store
from gridboard.metrics import engine, explain

FIXTURE = Path(__file__).parent / "data" / "metrics_fixture.sql"
AS_OF = dt.datetime(2026, 3, 10, 12, 0)
BEFORE = explain.Window(dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 6), AS_OF)  # c1 c2 c3
AFTER = explain.Window(dt.datetime(2026, 3, 6), dt.datetime(2026, 3, 11), AS_OF)  # c4 c8 c9 c10 c11


@pytest.fixture
def con(fresh_db):
    fresh_db.execute(FIXTURE.read_text(encoding="utf-8"))
    store.rebuild_unit_closure(fresh_db)
    return fresh_db


def test_closure_rate_by_town_hand_computed(con):
    e = explain.explain(con, "closure_rate", "child", before=BEFORE, after=AFTER)
    assert e.before == pytest.approx(2 / 3) and e.after == pytest.approx(2 / 5)
    assert e.change == pytest.approx(2 / 5 - 2 / 3)
    by = {c.group_id: c for c in e.contributions}
    assert by["T1"].contribution + by["T2"].contribution == pytest.approx(2 / 5 - 2 / 3)
    assert [c.group_id for c in e.contributions] == ["T1", "T2"]  # largest first
    assert by["T1"].rate_effect + by["T1"].mix_effect == pytest.approx(by["T1"].contribution)
    # shift-share by hand. Before: T1 holds all 3 cases (c1 c2 closed, c3 open): r 2/3, w 1.
    # After: T1 has c8 (closed) and c9 (open): r 1/2, w 2/5; T2 has c4 c11 (open) and c10: r 1/3, w 3/5.
    mean = (2 / 3 + 2 / 5) / 2
    assert by["T1"].rate_effect == pytest.approx((1 + 2 / 5) / 2 * (1 / 2 - 2 / 3))
    assert by["T1"].mix_effect == pytest.approx((2 / 5 - 1) * ((2 / 3 + 1 / 2) / 2 - mean))
    assert (by["T1"].weight_before, by["T1"].weight_after) == (pytest.approx(1.0), pytest.approx(2 / 5))
    # T2 has no cases before: its one rate (1/3) in both periods, its contribution all mix
    assert by["T2"].rate_effect == 0 and by["T2"].mix_effect == pytest.approx(3 / 5 * (1 / 3 - mean))
    assert by["T2"].before is None and by["T2"].after == pytest.approx(1 / 3)


def test_received_by_category(con):
    e = explain.explain(con, "received", "category", before=BEFORE, after=AFTER)
    assert e.change == 2
    by = {c.group_id: c.contribution for c in e.contributions}
    assert by == {"环境卫生": -1, "安全隐患": 0, "矛盾纠纷": 2, None: 1}


@pytest.mark.parametrize("metric", explain.EXPLAINABLE)
@pytest.mark.parametrize("by", ["child", "grid", "category", "source"])
def test_contributions_add_up(con, metric, by):
    e = explain.explain(con, metric, by, before=BEFORE, after=AFTER, limit=30.0)
    if e.change is not None:
        assert e.explained == pytest.approx(e.change, abs=1e-12)


def test_medians_are_refused_and_within_shares_need_a_limit(con):
    with pytest.raises(engine.MetricError):
        explain.explain(con, "median_close_hours", "child", before=BEFORE, after=AFTER)
    with pytest.raises(engine.MetricError):
        explain.explain(con, "close_within_share", "child", before=BEFORE, after=AFTER)
