"""Case-count axes show whole numbers (issue #15): a grid with a few cases a day gets one tick per
case, never 0.2 / 0.4; larger counts keep plotly's own (whole) ticks, with integer labels."""

from __future__ import annotations

import datetime as dt

from gridboard.render import charts, charts_kpi


def _rows(counts):
    day = dt.date(2026, 3, 1)
    return [{"group_id": (day + dt.timedelta(days=i)).isoformat(), "received": n, "closed": max(n - 1, 0),
             "closure_rate": None} for i, n in enumerate(counts)]


def test_few_cases_get_one_tick_per_case():
    fig = charts.trend_figure(_rows([1, 0, 2]), start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 4))
    assert fig.layout.yaxis.dtick == 1 and fig.layout.yaxis.tick0 == 0 and fig.layout.yaxis.tickformat == ",d"
    assert fig.layout.yaxis.range == (0, 2.2)
    kpi = charts_kpi.trend_rate(_rows([1, 1]))
    assert kpi.layout.yaxis.dtick == 1 and kpi.layout.yaxis.tickformat == ",d"
    empty = charts.trend_figure([], start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 3))
    assert empty.layout.yaxis.dtick == 1 and empty.layout.yaxis.range == (0, 1.1)


def test_many_cases_keep_automatic_whole_ticks():
    fig = charts.trend_figure(_rows([40, 12, 33]), start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 4))
    assert fig.layout.yaxis.dtick is None and fig.layout.yaxis.tickformat == ",d"
    assert fig.layout.yaxis.rangemode == "tozero"


def test_no_tick_past_the_period_end():
    """The x range ends half a bucket after the last day: the period's exclusive end (the next
    midnight) is outside it, so plotly puts no tick there."""
    fig = charts.trend_figure(_rows([1, 0, 2]), start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 4))
    assert list(fig.layout.xaxis.range) == ["2026-02-28 12:00", "2026-03-03 12:00"]
    weekly = charts_kpi.trend_rate(_rows([5, 6]), grain="week")
    assert list(weekly.layout.xaxis.range) == ["2026-02-25 12:00", "2026-03-05 12:00"]
