"""Reporting periods: presets (today … this year, custom), the previous period (环比) and the
same period last year (同比), as half-open [start, end) datetimes with their evaluation time.

A comparison period is cut at the same elapsed point and evaluated as long after its start as
the current one, so "this month so far" compares like for like with "last month so far".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

PRESETS: tuple[str, ...] = (
    "today", "yesterday", "last7", "last30", "this_month", "last_month", "this_quarter", "this_year", "custom",
)
PRESET_LABELS_ZH = {
    "today": "今日", "yesterday": "昨日", "last7": "近7天", "last30": "近30天", "this_month": "本月",
    "last_month": "上月", "this_quarter": "本季度", "this_year": "本年", "custom": "自定义",
}
PRESET_LABELS_EN = {
    "today": "Today", "yesterday": "Yesterday", "last7": "Last 7 days", "last30": "Last 30 days",
    "this_month": "This month", "last_month": "Last month", "this_quarter": "This quarter",
    "this_year": "This year", "custom": "Custom",
}
DEFAULT_PRESET = "last30"
_CALENDAR_MONTHS = {"this_month": 1, "last_month": 1, "this_quarter": 3, "this_year": 12}


@dataclass(frozen=True)
class Period:
    start: dt.datetime
    end: dt.datetime
    as_of: dt.datetime
    preset: str = "custom"

    def window(self) -> dict[str, dt.datetime]:
        """Keyword arguments of the metric functions."""
        return {"start": self.start, "end": self.end, "as_of": self.as_of}


def month_start(day: dt.date, back: int = 0) -> dt.date:
    """First day of the month `back` months before `day`'s month (negative: after)."""
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def bounds(preset: str, today: dt.date, custom: tuple[dt.date, dt.date] | None = None) -> tuple[dt.date, dt.date]:
    """[first day, day after the last) of a preset relative to `today`; custom days are inclusive."""
    if preset == "custom":
        if not custom:
            raise ValueError("custom period needs two dates")
        first, last = sorted(custom)
        return first, last + dt.timedelta(days=1)
    tomorrow = today + dt.timedelta(days=1)
    quarter = month_start(today, (today.month - 1) % 3)
    spans = {
        "today": (today, tomorrow),
        "yesterday": (today - dt.timedelta(days=1), today),
        "last7": (today - dt.timedelta(days=6), tomorrow),
        "last30": (today - dt.timedelta(days=29), tomorrow),
        "this_month": (month_start(today), month_start(today, -1)),
        "last_month": (month_start(today, 1), month_start(today)),
        "this_quarter": (quarter, month_start(quarter, -3)),
        "this_year": (dt.date(today.year, 1, 1), dt.date(today.year + 1, 1, 1)),
    }
    if preset not in spans:
        raise ValueError(f"unknown period preset {preset!r}")
    return spans[preset]


def period(preset: str, as_of: dt.datetime, custom: tuple[dt.date, dt.date] | None = None) -> Period:
    """The period of a preset around `as_of` (today = as_of's date)."""
    first, after = bounds(preset, as_of.date(), custom)
    return Period(dt.datetime.combine(first, dt.time()), dt.datetime.combine(after, dt.time()), as_of, preset)


def _shifted(p: Period, prev_start: dt.datetime) -> Period:
    shift = p.start - prev_start
    prev_end = min(min(p.end, p.as_of) - shift, p.start)
    if prev_end <= prev_start:  # the current period has not started yet: compare whole periods
        prev_end = prev_start + (p.end - p.start)
    return replace(p, start=prev_start, end=prev_end, as_of=p.as_of - shift)


def previous(p: Period) -> Period:
    """环比: the previous calendar month/quarter/year for those presets, else the same number of
    days before; only as far as the current period has run."""
    months = _CALENDAR_MONTHS.get(p.preset)
    if months:
        prev_start = dt.datetime.combine(month_start(p.start.date(), months), dt.time())
    else:
        prev_start = p.start - (p.end - p.start)
    return _shifted(p, prev_start)


def same_last_year(p: Period) -> Period:
    """同比: the same dates one year earlier (29 February falls back to the 28th)."""
    d = p.start.date()
    try:
        prev = d.replace(year=d.year - 1)
    except ValueError:
        prev = d.replace(year=d.year - 1, day=28)
    return _shifted(p, dt.datetime.combine(prev, p.start.time()))
