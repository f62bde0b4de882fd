"""Dates of the bulletin: a month 'YYYY-MM' as a period, the months to choose from, the period's
Chinese label (2026年10月), and the 环比/同比 periods (the previous calendar month and the same month
last year for a month; as many days before, and the same dates a year earlier, for any other period).
"""

from __future__ import annotations

import datetime as dt

from gridboard.bulletin.templates import BulletinError
from gridboard.core import periods


def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    """'YYYY-MM' → [first day, first day of the next month); BulletinError when malformed."""
    try:
        first = dt.datetime.strptime(month.strip(), "%Y-%m")
    except ValueError:
        raise BulletinError(f"月份应形如 2026-10，而不是 {month!r}") from None
    nxt = periods.month_start(first.date(), -1)
    return first, dt.datetime.combine(nxt, dt.time())


def recent_months(as_of: dt.datetime, n: int = 25) -> list[str]:
    """'YYYY-MM' of as_of's month and the n − 1 months before it, newest first."""
    return [f"{m:%Y-%m}" for m in (periods.month_start(as_of.date(), back) for back in range(n))]


def last_whole_month(as_of: dt.datetime) -> str:
    """'YYYY-MM' of the month before as_of's: the bulletin's default (the page, the warm)."""
    return recent_months(as_of, 2)[1]


def is_month(start: dt.datetime, end: dt.datetime) -> bool:
    return (start.day == 1 and start.time() == dt.time() and
            end == dt.datetime.combine(periods.month_start(start.date(), -1), dt.time()))


def period_label(start: dt.datetime, end: dt.datetime) -> str:
    if is_month(start, end):
        return f"{start.year}年{start.month}月"
    last = (end - dt.timedelta(microseconds=1)).date()
    return f"{start.year}年{start.month}月{start.day}日至{last.year}年{last.month}月{last.day}日"


def comparison_periods(start: dt.datetime, end: dt.datetime, as_of: dt.datetime) -> tuple[periods.Period, periods.Period]:
    """(环比 period, 同比 period): the previous month and the same month last year for a month."""
    p = periods.Period(start, end, as_of, "last_month" if is_month(start, end) else "custom")
    return periods.previous(p), periods.same_last_year(p)
