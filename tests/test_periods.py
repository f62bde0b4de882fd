"""Period presets, 环比 and 同比 windows (hand-worked dates)."""

from __future__ import annotations

import datetime as dt

import pytest

from gridboard.core import periods

D = dt.datetime
AS_OF = D(2026, 11, 23, 15, 30)  # a Monday afternoon


@pytest.mark.parametrize(
    ("preset", "start", "end"),
    [
        ("today", D(2026, 11, 23), D(2026, 11, 24)),
        ("yesterday", D(2026, 11, 22), D(2026, 11, 23)),
        ("last7", D(2026, 11, 17), D(2026, 11, 24)),
        ("last30", D(2026, 10, 25), D(2026, 11, 24)),
        ("this_month", D(2026, 11, 1), D(2026, 12, 1)),
        ("last_month", D(2026, 10, 1), D(2026, 11, 1)),
        ("this_quarter", D(2026, 10, 1), D(2027, 1, 1)),
        ("this_year", D(2026, 1, 1), D(2027, 1, 1)),
    ],
)
def test_presets(preset, start, end):
    p = periods.period(preset, AS_OF)
    assert (p.start, p.end, p.as_of) == (start, end, AS_OF)


def test_custom_is_inclusive_and_ordered():
    p = periods.period("custom", AS_OF, (dt.date(2026, 3, 10), dt.date(2026, 3, 1)))
    assert (p.start, p.end) == (D(2026, 3, 1), D(2026, 3, 11))
    with pytest.raises(ValueError):
        periods.period("custom", AS_OF)
    with pytest.raises(ValueError):
        periods.period("fortnight", AS_OF)


def test_previous_today_is_yesterday_up_to_the_same_time():
    prev = periods.previous(periods.period("today", AS_OF))
    assert (prev.start, prev.end, prev.as_of) == (D(2026, 11, 22), D(2026, 11, 22, 15, 30), D(2026, 11, 22, 15, 30))


def test_previous_this_month_is_last_month_so_far():
    prev = periods.previous(periods.period("this_month", AS_OF))
    # 22 days 15.5 hours into November -> the same span into October
    assert (prev.start, prev.end, prev.as_of) == (D(2026, 10, 1), D(2026, 10, 23, 15, 30), D(2026, 10, 23, 15, 30))


def test_previous_of_a_finished_period_is_whole():
    prev = periods.previous(periods.period("last_month", AS_OF))
    assert (prev.start, prev.end) == (D(2026, 9, 1), D(2026, 10, 1))  # all of September
    prev7 = periods.previous(periods.period("yesterday", AS_OF))
    assert (prev7.start, prev7.end) == (D(2026, 11, 21), D(2026, 11, 22))


def test_same_period_last_year():
    p = periods.same_last_year(periods.period("this_month", AS_OF))
    assert (p.start, p.end, p.as_of) == (D(2025, 11, 1), D(2025, 11, 23, 15, 30), D(2025, 11, 23, 15, 30))
    leap = periods.same_last_year(periods.Period(D(2028, 2, 29), D(2028, 3, 1), D(2028, 3, 2)))
    assert leap.start == D(2027, 2, 28)
