"""Chart builders: plotly figures (and later pydeck decks) returned, never rendered.

Figures use one dark layout fit for the wall screen (transparent over the navy page, CJK
font stack, light text); pages render them with `PLOTLY_CONFIG` (no plotly logo, nothing
fetched from a CDN: Streamlit bundles plotly.js; no toolbar "download as png", which would save
the dark screen figure on a transparent background — gridboard/render/chart_export.py draws the
image for paper, offered beside each chart). Free text reaching a label is escaped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from gridboard.core import fmt, i18n

FONT_FAMILY = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'
TEXT = "#e6edf7"
MUTED = "#9fb3cf"
GRID = "#1f3556"
COLORS = {
    "received": "#3fa7ff",
    "closed": "#36d399",
    "rate": "#ffc53d",
    "bad": "#ff6b6b",
}

PLOTLY_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d", "toggleSpikelines", "toImage"],
}


def _template() -> go.layout.Template:
    """plotly_dark with the dashboard's layout laid over it: transparent paper and plot, the CJK
    font stack in light text, tight margins, the legend above the plot, muted grid lines and ticks."""
    template = go.layout.Template(pio.templates["plotly_dark"])
    template.layout.update(
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"family": FONT_FAMILY, "color": TEXT, "size": 14},
        margin={"l": 10, "r": 10, "t": 36, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        hoverlabel={"font": {"family": FONT_FAMILY}},
    )
    axis = {"gridcolor": GRID, "zerolinecolor": GRID, "linecolor": GRID, "tickfont": {"color": MUTED}}
    template.layout.xaxis.update(axis)
    template.layout.yaxis.update(axis)
    return template


# Every figure made in this process starts on the dashboard's template. Plotly applies its default
# template at construction without validating it again; setting the same template by name on each
# figure (update_layout(template=...) plus the layout and axis updates) cost ~50 ms a figure; born
# dressed, a figure costs ~4 ms, and the script runs of /overview, /response and /ranking took
# 25–30 % less CPU (AppTest, small test county). chart_export.py replaces it with plotly_white for paper.
TEMPLATE = "gridboard"
pio.templates[TEMPLATE] = _template()
pio.templates.default = TEMPLATE


def _layout(fig: go.Figure, *, height: int = 360) -> go.Figure:
    """The figure at `height` on the dashboard's template (already its template when it was made in
    this process after this module was imported; set here, the slow way, otherwise)."""
    if pio.templates.default != TEMPLATE or fig.layout.template.layout.font.family != FONT_FAMILY:
        fig.update_layout(template=pio.templates[TEMPLATE])
    fig.update_layout(height=height)
    return fig


def preload_figure() -> go.Figure:
    """The login page's hidden chart (gridboard.ui.widgets.preload_charts): the trend chart's
    shape — bars, a rate line on a second axis, dates — over made-up weeks, so that the browser
    runs the drawing code the pages' charts use before the first page after signing in."""
    weeks = [dt.date(2026, 1, 5) + dt.timedelta(days=7 * i) for i in range(8)]
    rows = [{"group_id": d.isoformat(), "received": 10 + i, "closed": 8 + i, "closure_rate": 0.8}
            for i, d in enumerate(weeks)]
    return trend_figure(rows, start=weeks[0], end=weeks[-1] + dt.timedelta(days=7), grain="week")


def count_axis(values: Sequence[Any]) -> dict[str, Any]:
    """A case-count axis: from 0, whole-number ticks only (no 0.2, 0.4 for a few cases)."""
    top = max((v for v in values if v is not None), default=0)
    axis: dict[str, Any] = {"rangemode": "tozero", "tickformat": ",d"}
    if top <= 5:  # plotly would pick ticks of 0.5 or less: one per case instead
        axis.update({"tick0": 0, "dtick": 1, "range": [0, max(top, 1) * 1.1]})
    return axis


_HALF_BUCKET = {"day": dt.timedelta(hours=12), "week": dt.timedelta(days=3.5), "month": dt.timedelta(days=15)}


def bucket_range(buckets: Sequence[str], grain: str = "day") -> list[str] | None:
    """An x range from half a bucket before the first to half a bucket after the last (ISO dates),
    so no tick falls past the period's end; None without buckets."""
    if not buckets:
        return None
    half = _HALF_BUCKET.get(grain, _HALF_BUCKET["day"])
    first = dt.datetime.fromisoformat(str(buckets[0])) - half
    last = dt.datetime.fromisoformat(str(buckets[-1])) + half
    return [f"{first:%Y-%m-%d %H:%M}", f"{last:%Y-%m-%d %H:%M}"]


def _buckets(start: dt.date, end: dt.date, grain: str) -> list[str]:
    """ISO dates of the days (or Monday-started weeks) from start up to (not including) end."""
    if grain == "week":
        start = start - dt.timedelta(days=start.weekday())
    step = 7 if grain == "week" else 1
    return [(start + dt.timedelta(days=i)).isoformat() for i in range(0, (end - start).days, step)]


def trend_figure(
    rows: Sequence[dict[str, Any]],
    *,
    lang: str = "zh",
    start: dt.date | None = None,
    end: dt.date | None = None,
    grain: str = "day",
) -> go.Figure:
    """Received and closed per day or week (bars) with the closure rate (line, right axis).

    `rows` are metrics.breakdown(by="day" or "week") rows; buckets in [start, end) without
    cases show as 0 (rate: gap). Rows outside [start, end) are left out.
    """
    by_day = {str(r["group_id"]): r for r in rows if r.get("group_id") is not None}
    days = _buckets(start, end, grain) if start and end else sorted(by_day)
    received = [by_day.get(d, {}).get("received", 0) for d in days]
    closed = [by_day.get(d, {}).get("closed", 0) for d in days]
    rates = [by_day.get(d, {}).get("closure_rate") for d in days]
    rate_name = i18n.text("axis_rate", lang)
    fig = go.Figure()
    fig.add_bar(x=days, y=received, name=fmt.metric_label("received", lang), marker_color=COLORS["received"],
                hovertemplate="%{y:,}<extra>%{fullData.name}</extra>")
    fig.add_bar(x=days, y=closed, name=fmt.metric_label("closed", lang), marker_color=COLORS["closed"],
                hovertemplate="%{y:,}<extra>%{fullData.name}</extra>")
    fig.add_scatter(
        x=days, y=[None if r is None else r * 100 for r in rates], name=rate_name, yaxis="y2",
        mode="lines+markers", line={"color": COLORS["rate"], "width": 2.5}, marker={"size": 5},
        hovertemplate="%{y:.1f} %<extra>%{fullData.name}</extra>", connectgaps=False,
    )
    _layout(fig)
    fig.update_layout(
        barmode="group",
        bargap=0.25,
        hovermode="x unified",
        yaxis={"title": {"text": i18n.text("axis_cases", lang), "font": {"color": MUTED}},
               **count_axis(received + closed)},
        yaxis2={
            "title": {"text": f"{rate_name} (%)", "font": {"color": MUTED}},
            "overlaying": "y", "side": "right", "range": [0, 105], "showgrid": False,
            "tickvals": [0, 25, 50, 75, 100],
            "tickfont": {"color": MUTED},
        },
        xaxis={"type": "date", "tickformat": "%m-%d", "hoverformat": "%Y-%m-%d", "range": bucket_range(days, grain)},
    )
    return fig


def category_figure(rows: Sequence[dict[str, Any]], *, lang: str = "zh", top: int = 12) -> go.Figure:
    """Received cases per category (horizontal bars, largest on top), closure rate in the hover.

    `rows` are metrics.breakdown(by="category") rows; beyond `top` categories the rest are summed.
    """
    ordered = sorted(rows, key=lambda r: r.get("received") or 0, reverse=True)
    shown, rest = ordered[:top], ordered[top:]
    names = [fmt.escape_label(i18n.term(r["group_name"], lang)) if r.get("group_name")
             else i18n.text("uncategorised", lang) for r in shown]
    values = [r.get("received") or 0 for r in shown]
    rates = [fmt.rate(r.get("closure_rate")) for r in shown]
    if rest:
        names.append(i18n.pick("其他", "Others", lang))
        values.append(sum(r.get("received") or 0 for r in rest))
        rates.append(fmt.DASH)
    rate_name = i18n.text("axis_rate", lang)
    fig = go.Figure(
        go.Bar(
            x=values[::-1], y=names[::-1], orientation="h", marker_color=COLORS["received"],
            text=[f"{v:,}" for v in values[::-1]], textposition="outside", cliponaxis=False,
            customdata=rates[::-1],
            hovertemplate="%{y}: %{x:,}<br>" + rate_name + " %{customdata}<extra></extra>",
            name=fmt.metric_label("received", lang),
        )
    )
    _layout(fig, height=max(240, 34 * len(names) + 60))
    fig.update_layout(
        showlegend=False,
        # headroom so the count printed after the longest bar is not cut off
        xaxis={"title": {"text": i18n.text("axis_cases", lang)}, "range": [0, max(values, default=0) * 1.15 or 1]},
    )
    fig.update_yaxes(tickfont={"color": TEXT, "size": 14}, automargin=True)
    return fig
