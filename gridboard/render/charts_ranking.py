"""Charts of the ranking page: component radar, 12-month index trend, difference in points.

Plotly figures returned, never rendered, in the dark wall-screen look of gridboard.charts (same
fonts and colours); free text reaching a label is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from gridboard.core import fmt, i18n
from gridboard.ranking import gridindex
from gridboard.ranking.gridindex import COMPONENTS
from gridboard.ranking.league import Comparison, TrendPoint
from gridboard.render.charts import (
    COLORS,
    GRID,
    MUTED,
    TEXT,
    _layout,  # the one chart layout (charts_kpi/people call it too)
)

STAR_COLORS = {90: "#36d399", 80: "#3fa7ff", 70: "#ffc53d", 60: "#ff9f43"}


def _label(component: str, lang: str) -> str:
    return i18n.text(f"comp_{component}", lang)


def radar_figure(
    components: Mapping[str, float | None],
    parent: Mapping[str, float | None] | None = None,
    *,
    name: str,
    parent_name: str | None = None,
    lang: str = "zh",
) -> go.Figure:
    """The unit's component scores (0–100) on a radar, with its parent's values as a dashed ring."""
    labels = [_label(c, lang) for c in COMPONENTS]
    fig = go.Figure()
    if parent is not None:
        values = [None if parent.get(c) is None else 100 * float(parent[c]) for c in COMPONENTS]
        fig.add_scatterpolar(
            r=[*values, values[0]], theta=[*labels, labels[0]], name=fmt.escape_label(parent_name or ""),
            line={"color": MUTED, "dash": "dash", "width": 2}, hovertemplate="%{theta}: %{r:.1f}<extra></extra>",
        )
    values = [None if components.get(c) is None else 100 * float(components[c]) for c in COMPONENTS]
    fig.add_scatterpolar(
        r=[*values, values[0]], theta=[*labels, labels[0]], name=fmt.escape_label(name), fill="toself",
        line={"color": COLORS["received"], "width": 2.5}, fillcolor="rgba(63,167,255,0.25)",
        hovertemplate="%{theta}: %{r:.1f}<extra></extra>",
    )
    _layout(fig, height=360)
    shown = [v for v in values if v is not None] + [v for t in fig.data[:-1] for v in t.r if v is not None]
    low = min([*shown, 100.0])
    fig.update_layout(
        polar={
            "bgcolor": "rgba(0,0,0,0)",
            "radialaxis": {"range": [max(0.0, (low // 10) * 10 - 10), 100], "gridcolor": GRID, "linecolor": GRID,
                           "tickfont": {"color": MUTED, "size": 11}, "angle": 90, "tickangle": 90},
            "angularaxis": {"gridcolor": GRID, "linecolor": GRID, "tickfont": {"color": TEXT, "size": 13}},
        },
        margin={"l": 50, "r": 50, "t": 20, "b": 20},
        legend={"orientation": "h", "yanchor": "top", "y": -0.04, "xanchor": "center", "x": 0.5},
    )
    return fig


def trend_figure(points: Sequence[TrendPoint], *, lang: str = "zh") -> go.Figure:
    """Monthly index (line; hollow grey markers for months under the minimum case count) with
    the star bands as dotted lines."""
    months = [p.month.isoformat() for p in points]
    solid = [p.score if p.enough_data else None for p in points]
    hollow = [p.score if (not p.enough_data and p.score is not None) else None for p in points]
    cases = [p.cases for p in points]
    stars = [gridindex.star_text(p.stars) for p in points]
    axis = i18n.text("rk_axis_score", lang)
    cases_label = i18n.text("rk_col_cases", lang)
    fig = go.Figure()
    fig.add_scatter(
        x=months, y=solid, mode="lines+markers", name=axis, line={"color": COLORS["received"], "width": 2.5},
        marker={"size": 7}, customdata=list(zip(cases, stars, strict=True)), connectgaps=False,
        hovertemplate="%{x|%Y-%m}: %{y:.1f} %{customdata[1]}<br>" + cases_label + " %{customdata[0]:,}<extra></extra>",
    )
    fig.add_scatter(
        x=months, y=hollow, mode="markers", name=i18n.text("rk_too_few", lang),
        marker={"size": 8, "color": "rgba(0,0,0,0)", "line": {"color": MUTED, "width": 2}}, customdata=cases,
        hovertemplate="%{x|%Y-%m}: %{y:.1f}<br>" + cases_label + " %{customdata:,}<extra></extra>",
        showlegend=any(v is not None for v in hollow),
    )
    for bound, color in STAR_COLORS.items():
        fig.add_hline(y=bound, line={"color": color, "width": 1, "dash": "dot"}, opacity=0.6,
                      annotation_text="★" * gridindex.stars(bound), annotation_position="right",
                      annotation_font={"color": color, "size": 10})
    values = [v for v in (*solid, *hollow) if v is not None]
    low = min([*values, 60.0])
    _layout(fig, height=340)
    fig.update_layout(
        hovermode="closest", showlegend=any(v is not None for v in hollow),
        yaxis={"title": {"text": axis, "font": {"color": MUTED}}, "range": [max(0.0, low - 5), 101]},
        xaxis={"type": "date", "tickformat": "%Y-%m", "dtick": "M2", "hoverformat": "%Y-%m"},
        margin={"l": 10, "r": 64, "t": 36, "b": 10},
    )
    return fig


def explain_figure(cmp: Comparison, *, lang: str = "zh") -> go.Figure:
    """Difference in index points per component (largest on top): green where the first unit
    (or the current period) gains, red where it loses."""
    parts = list(cmp.parts)[::-1]
    diffs = [p.difference for p in parts]
    fig = go.Figure(go.Bar(
        x=diffs, y=[_label(p.component, lang) for p in parts], orientation="h",
        marker_color=[COLORS["closed"] if d >= 0 else COLORS["bad"] for d in diffs],
        text=[f"{d:+.2f}" for d in diffs], textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: %{x:+.2f}<extra></extra>",
    ))
    _layout(fig, height=60 + 44 * len(parts))
    span = max([abs(d) for d in diffs] + [0.5]) * 1.35
    fig.update_layout(showlegend=False, xaxis={"title": {"text": i18n.text("rk_explain_diff", lang)},
                                               "range": [-span, span], "zeroline": True, "zerolinecolor": MUTED})
    fig.update_yaxes(tickfont={"color": TEXT, "size": 14}, automargin=True)
    return fig
