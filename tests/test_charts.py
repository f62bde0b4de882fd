"""Chart builders return figures (never render): gaps filled, labels escaped, no plotly logo."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go

from gridboard.render import charts


def row(group_id, received, closed, rate, name=None):
    return {"group_id": group_id, "group_name": name or group_id, "received": received, "closed": closed,
            "closure_rate": rate}


def test_trend_fills_missing_days_and_scales_rate_to_percent():
    rows = [row("2026-11-01", 10, 8, 0.8), row("2026-11-03", 4, 4, 1.0)]
    fig = charts.trend_figure(rows, start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 4))
    assert isinstance(fig, go.Figure)
    received, closed, rate = fig.data
    assert list(received.x) == ["2026-11-01", "2026-11-02", "2026-11-03"]
    assert list(received.y) == [10, 0, 4]
    assert list(closed.y) == [8, 0, 4]
    assert list(rate.y) == [80.0, None, 100.0]
    assert received.name == "受理量" and rate.name == "办结率"
    assert fig.layout.template.layout.paper_bgcolor == "rgba(0,0,0,0)"  # the dashboard template: transparent


def test_weekly_trend_buckets_start_on_monday():
    rows = [row("2026-10-26", 30, 25, 25 / 30)]
    fig = charts.trend_figure(rows, lang="en", start=dt.date(2026, 10, 28), end=dt.date(2026, 11, 12), grain="week")
    assert list(fig.data[0].x) == ["2026-10-26", "2026-11-02", "2026-11-09"]
    assert list(fig.data[0].y) == [30, 0, 0]
    assert fig.data[0].name == "Received"


def test_category_bars_escape_names_and_sum_the_rest():
    rows = [row(f"c{i}", 100 - i, 50, 0.5, name=f"类别{i}") for i in range(14)]
    rows.append(row(None, 1, 1, 1.0, name=None))
    rows[0]["group_name"] = "<b>噪音</b>扰民"
    fig = charts.category_figure(rows, top=12)
    bar = fig.data[0]
    names = list(bar.y)[::-1]  # largest first
    assert names[0] == "&lt;b&gt;噪音&lt;/b&gt;扰民"
    assert len(names) == 13 and names[-1] == "其他"
    assert list(bar.x)[::-1][-1] == (100 - 12) + (100 - 13) + 1


def test_plotly_config_has_no_logo():
    assert charts.PLOTLY_CONFIG["displaylogo"] is False
