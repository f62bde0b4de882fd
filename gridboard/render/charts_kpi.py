"""Plotly figures of the KPI pages (scorecard, closure, response, why it moved), returned, never
rendered. They share gridboard.charts' dark layout and config (PNG export from the toolbar, no
CDN). Every bar a person may click carries its key in `customdata`, so the page can list the
cases behind it; free text reaching a label is escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import plotly.graph_objects as go

from gridboard.core import catalog, fmt, i18n, schema
from gridboard.metrics import explain, kpi_views, scorecard
from gridboard.render import charts
from gridboard.render.charts import COLORS, MUTED, TEXT

RAG_COLORS = {"green": "#36d399", "amber": "#ffc53d", "red": "#ff6b6b", None: "#5b6b82"}
AGE_COLORS = ("#facc15", "#fb923c", "#f87171", "#dc2626")
FUNNEL_COLORS = ("#3fa7ff", "#4fb3ff", "#5ec0f0", "#36d399", "#a78bfa", "#ffc53d")


def _h(text: str) -> str:
    return fmt.escape_label(text)


# --- scorecard -----------------------------------------------------------------------------------


def overall_gauge(overall: float | None, *, lang: str = "zh", height: int = 260) -> go.Figure:
    """The overall score (weighted mean of min(ratio, 1): 1 = every target met) as a gauge banded
    red/amber/green."""
    cap = 1.0
    fig = go.Figure(go.Indicator(
        mode="gauge+number", value=overall if overall is not None else 0,
        number={"valueformat": ".2f", "font": {"size": 56, "color": RAG_COLORS[scorecard.rag(overall)]}},
        gauge={
            "axis": {"range": [0, cap], "tickvals": [0, 0.5, scorecard.AMBER_FROM, 1], "tickformat": ".2f",
                     "tickfont": {"color": MUTED}},
            "bar": {"color": "rgba(230,237,247,0.85)", "thickness": 0.25},
            "bgcolor": "rgba(0,0,0,0)",
            "steps": [
                {"range": [0, scorecard.AMBER_FROM], "color": "rgba(255,107,107,0.35)"},
                {"range": [scorecard.AMBER_FROM, 1], "color": "rgba(255,197,61,0.45)"},
            ],
            "threshold": {"line": {"color": TEXT, "width": 3}, "thickness": 0.9, "value": 1},
        },
        title={"text": i18n.pick("综合得分（1 = 全部达标）", "Overall score (1 = every target met)", lang),
               "font": {"size": 16, "color": MUTED}},
    ))
    charts._layout(fig, height=height)
    fig.update_layout(margin={"l": 45, "r": 45, "t": 50, "b": 10})
    return fig


def ratio_bars(lines: Sequence[scorecard.Line], *, lang: str = "zh") -> go.Figure:
    """One bar per metric: its ratio to target (1 = target line), coloured red/amber/green, the
    actual and target values in the hover. customdata: [metric key, actual / target text]."""
    shown = list(lines)[::-1]  # first metric on top
    names = [fmt.metric_label(ln.metric, lang) for ln in shown]
    ratios = [ln.ratio if ln.ratio is not None else 0 for ln in shown]
    target_word, actual_word = i18n.pick("目标", "target", lang), i18n.pick("实际", "actual", lang)
    detail = [f"{actual_word} {fmt.metric(ln.metric, ln.actual, lang)} / {target_word} {fmt.metric(ln.metric, ln.target, lang)}"
              for ln in shown]
    fig = go.Figure(go.Bar(
        x=ratios, y=names, orientation="h", marker_color=[RAG_COLORS[ln.rag] for ln in shown],
        text=[fmt.number(ln.ratio, 2) for ln in shown], textposition="outside", cliponaxis=False,
        customdata=[[ln.key, d] for ln, d in zip(shown, detail, strict=True)],
        hovertemplate="%{y}: %{text}<br>%{customdata[1]}<extra></extra>",
    ))
    charts._layout(fig, height=max(260, 40 * len(shown) + 70))
    fig.add_vline(x=1, line={"color": TEXT, "width": 2, "dash": "dash"})
    fig.add_annotation(x=1, y=1.02, yref="paper", text=i18n.pick("目标 = 1", "target = 1", lang), showarrow=False,
                       font={"color": MUTED, "size": 12}, yanchor="bottom")
    fig.update_layout(showlegend=False, bargap=0.35,
                      xaxis={"range": [0, scorecard.RATIO_CAP * 1.12], "tickvals": [0, 0.5, 1, 1.5],
                             "title": {"text": i18n.pick("实际与目标之比", "Ratio to target", lang)}})
    fig.update_yaxes(tickfont={"color": TEXT, "size": 13}, automargin=True)
    return fig


# --- closure page --------------------------------------------------------------------------------


def funnel_bars(stages: dict[str, int], *, lang: str = "zh") -> go.Figure:
    """The closed loop reported → … → satisfied as horizontal bars (first stage on top), each
    with its count and share of reported. customdata: the stage key."""
    keys = list(kpi_views.FUNNEL_STAGES)[::-1]
    first = stages.get("reported") or 0
    names = [i18n.text(f"kpi_stage_{k}", lang) for k in keys]
    values = [stages.get(k, 0) for k in keys]
    text = [f"{v:,} ({fmt.rate(v / first) if first else fmt.DASH})" for v in values]
    fig = go.Figure(go.Bar(
        x=values, y=names, orientation="h", marker_color=list(FUNNEL_COLORS)[::-1], text=text,
        textposition="outside", cliponaxis=False, customdata=keys, hovertemplate="%{y}: %{text}<extra></extra>",
    ))
    charts._layout(fig, height=300)
    fig.update_layout(showlegend=False, bargap=0.3, xaxis={"range": [0, max(values + [1]) * 1.6], "showgrid": False})
    fig.update_yaxes(tickfont={"color": TEXT, "size": 14}, automargin=True)
    return fig


def ageing_bars(buckets: dict[str, int], *, lang: str = "zh") -> go.Figure:
    """Overdue open cases by days past due (0–1, 1–3, 3–7, > 7 d). customdata: the bucket key."""
    labels = kpi_views.AGE_LABELS_EN if lang == "en" else kpi_views.AGE_LABELS_ZH
    keys = list(kpi_views.AGE_BUCKETS)
    values = [buckets.get(k, 0) for k in keys]
    fig = go.Figure(go.Bar(
        x=[labels[k] for k in keys], y=values, marker_color=list(AGE_COLORS), text=[f"{v:,}" for v in values],
        textposition="outside", cliponaxis=False, customdata=keys, hovertemplate="%{x}: %{y:,}<extra></extra>",
    ))
    charts._layout(fig, height=300)
    fig.update_layout(showlegend=False, yaxis={"title": {"text": i18n.text("axis_cases", lang)}, "rangemode": "tozero",
                                               "range": [0, max(values + [1]) * 1.25]})
    fig.update_xaxes(tickfont={"color": TEXT, "size": 13})
    return fig


def group_label(by: str, value: Any, lang: str = "zh") -> str:
    """Label of a breakdown group: source codes as labels, None as 未分类/—."""
    if value is None:
        return i18n.text("uncategorised", lang) if by in ("category", "subcategory") else fmt.DASH
    if by in ("source", "handled_level"):
        return schema.label(by, str(value), lang)
    if by == "category":
        return i18n.term(value, lang)
    return str(value)


def rate_bars(rows: Sequence[dict[str, Any]], key: str, *, label: Callable[[dict[str, Any]], str],
              lang: str = "zh", top: int = 15) -> go.Figure:
    """One rate (e.g. closure_rate) per group as horizontal bars, worst at the top, with the
    group's received count in the hover. customdata: the group id (as text, "" for None)."""
    m = catalog.METRIC_BY_KEY[key]
    ordered = sorted((r for r in rows if r.get(key) is not None), key=lambda r: r[key],
                     reverse=not m.higher_is_better)[:top][::-1]
    names = [_h(label(r)) for r in ordered]
    values = [r[key] * 100 if m.kind == "rate" else r[key] for r in ordered]
    received = [f"{r.get('received') or 0:,}" for r in ordered]
    fig = go.Figure(go.Bar(
        x=values, y=names, orientation="h", marker_color=COLORS["rate"] if m.higher_is_better else COLORS["bad"],
        text=[fmt.metric(m, r[key], lang) for r in ordered], textposition="outside", cliponaxis=False,
        customdata=[["" if r["group_id"] is None else str(r["group_id"]), n] for r, n in zip(ordered, received,
                                                                                             strict=True)],
        hovertemplate="%{y}: %{text}<br>" + fmt.metric_label("received", lang) + " %{customdata[1]}<extra></extra>",
    ))
    charts._layout(fig, height=max(240, 28 * len(ordered) + 70))
    xaxis: dict[str, Any] = {"title": {"text": fmt.column_label(m, lang)}}
    if m.kind == "rate":  # zoom in on the spread, ticks never beyond 100 %
        low = max(0.0, min(values + [100.0]) - 5)
        step = 5 if 100 - low <= 30 else 10 if 100 - low <= 60 else 25
        first = int(low // step) * step
        xaxis.update(range=[first, 100 + (100 - first) * 0.15], tickvals=list(range(first, 101, step)))
    else:
        xaxis.update(range=[0, max(values + [1]) * 1.25])
    fig.update_layout(showlegend=False, bargap=0.3, xaxis=xaxis)
    fig.update_yaxes(tickfont={"color": TEXT, "size": 13}, automargin=True)
    return fig


def _date_axis(grain: str) -> dict[str, Any]:
    return {"type": "date", "tickformat": "%Y-%m" if grain == "month" else "%m-%d",
            "hoverformat": "%Y-%m" if grain == "month" else "%Y-%m-%d"}


def trend_rate(rows: Sequence[dict[str, Any]], *, lang: str = "zh", grain: str = "day",
               rate_key: str = "closure_rate") -> go.Figure:
    """Received and closed per day/week/month (bars) with a rate (line, right axis), from
    engine.breakdown(by=day|week|month) rows. customdata: the bucket's date (group_id)."""
    buckets = [r for r in rows if r.get("group_id") is not None]
    x = [str(r["group_id"]) for r in buckets]
    ids = [str(r["group_id"]) for r in buckets]
    rate_name = fmt.metric_label(rate_key, lang)
    fig = go.Figure()
    fig.add_bar(x=x, y=[r["received"] for r in buckets], name=fmt.metric_label("received", lang),
                marker_color=COLORS["received"], customdata=ids, hovertemplate="%{y:,}<extra>%{fullData.name}</extra>")
    fig.add_bar(x=x, y=[r["closed"] for r in buckets], name=fmt.metric_label("closed", lang),
                marker_color=COLORS["closed"], customdata=ids, hovertemplate="%{y:,}<extra>%{fullData.name}</extra>")
    fig.add_scatter(x=x, y=[None if r.get(rate_key) is None else r[rate_key] * 100 for r in buckets], name=rate_name,
                    yaxis="y2", mode="lines+markers", line={"color": COLORS["rate"], "width": 2.5},
                    marker={"size": 5}, hovertemplate="%{y:.1f} %<extra>%{fullData.name}</extra>")
    charts._layout(fig)
    fig.update_layout(
        barmode="group", bargap=0.25, hovermode="x unified",
        yaxis={"title": {"text": i18n.text("axis_cases", lang)},
               **charts.count_axis([r["received"] for r in buckets] + [r["closed"] for r in buckets])},
        yaxis2={"title": {"text": f"{rate_name} (%)"}, "overlaying": "y", "side": "right", "range": [0, 105],
                "tickvals": [0, 25, 50, 75, 100], "showgrid": False, "tickfont": {"color": MUTED}},
        xaxis={**_date_axis(grain), "range": charts.bucket_range(x, grain)},
    )
    return fig


# --- response page -------------------------------------------------------------------------------


def histogram(d: kpi_views.Distribution, *, lang: str = "zh", target: float | None = None) -> go.Figure:
    """A duration histogram (bins from DuckDB) with the median and P90 as vertical lines (and a
    target line when given); the open-ended last bin is labelled "≥ x". customdata: bin index."""
    m_kind = kpi_views.MEASURES[d.measure].kind
    unit = fmt.duration(1, m_kind, lang).split(" ", 1)[1]
    centres = [b.lo + d.width / 2 for b in d.histogram]
    labels = [f"≥ {fmt.number(b.lo, 1)}" if b.hi is None else f"{fmt.number(b.lo, 1)}–{fmt.number(b.hi, 1)}"
              for b in d.histogram]
    colours = [COLORS["bad"] if b.hi is None else COLORS["received"] for b in d.histogram]
    fig = go.Figure(go.Bar(
        x=centres, y=[b.count for b in d.histogram], width=[d.width * 0.92] * len(d.histogram), marker_color=colours,
        customdata=[[b.index, lab] for b, lab in zip(d.histogram, labels, strict=True)],
        hovertemplate="%{customdata[1]} " + unit + ": %{y:,}<extra></extra>",
    ))
    charts._layout(fig, height=320)
    marks = [(d.median, i18n.pick("中位数", "median", lang), COLORS["closed"]),
             (d.p90, "P90", COLORS["rate"])]
    if target is not None:
        marks.append((target, i18n.pick("目标", "target", lang), TEXT))
    for i, (value, name, colour) in enumerate(marks):
        if value is None:
            continue
        x = min(value, (d.bins + 0.5) * d.width)
        fig.add_vline(x=x, line={"color": colour, "width": 2, "dash": "dash" if i else "solid"})
        fig.add_annotation(x=x, y=1 - 0.09 * i, yref="paper", text=f"{name} {fmt.duration(value, m_kind, lang)}",
                           showarrow=False, xanchor="left", font={"color": colour, "size": 12},
                           bgcolor="rgba(11,22,40,0.7)")
    fig.update_layout(showlegend=False, bargap=0.05,
                      xaxis={"title": {"text": fmt.duration(1, m_kind, lang).split(" ", 1)[1]}, "rangemode": "tozero"},
                      yaxis={"title": {"text": i18n.text("axis_cases", lang)}, "rangemode": "tozero"})
    return fig


def trend_durations(rows: Sequence[dict[str, Any]], *, lang: str = "zh", grain: str = "day") -> go.Figure:
    """Median and P90 response minutes (left axis) and median close hours (right axis) per
    day/week/month. customdata: the bucket's date."""
    buckets = [r for r in rows if r.get("group_id") is not None]
    x = [str(r["group_id"]) for r in buckets]
    fig = go.Figure()
    for key, colour, dash in (("median_response_min", COLORS["received"], "solid"),
                              ("p90_response_min", COLORS["rate"], "dot")):
        fig.add_scatter(x=x, y=[r.get(key) for r in buckets], name=fmt.metric_label(key, lang), customdata=x,
                        mode="lines+markers", line={"color": colour, "width": 2.5, "dash": dash}, marker={"size": 6},
                        hovertemplate="%{y:.1f}<extra>%{fullData.name}</extra>")
    fig.add_scatter(x=x, y=[r.get("median_close_hours") for r in buckets], customdata=x, yaxis="y2",
                    name=fmt.metric_label("median_close_hours", lang), mode="lines+markers",
                    line={"color": COLORS["closed"], "width": 2}, marker={"size": 6},
                    hovertemplate="%{y:.1f}<extra>%{fullData.name}</extra>")
    charts._layout(fig)
    fig.update_layout(
        hovermode="x unified",
        yaxis={"title": {"text": fmt.duration(1, "minutes", lang).split(" ", 1)[1]}, "rangemode": "tozero"},
        yaxis2={"title": {"text": fmt.duration(1, "hours", lang).split(" ", 1)[1]}, "overlaying": "y", "side": "right",
                "rangemode": "tozero", "showgrid": False, "tickmode": "auto", "nticks": 6, "tickformat": ",.0f",
                "tickfont": {"color": MUTED}},
        xaxis=_date_axis(grain),
    )
    return fig


# --- why it moved --------------------------------------------------------------------------------


def waterfall_steps(contributions: Sequence[Any], top: int = 10) -> list[tuple[Any, str, float]]:
    """The largest `top` contributions as (group id, name, value), the rest summed as one
    ("__rest__", "", value) step: the steps add up to the same total as all contributions."""
    everything = list(contributions)
    if len(everything) <= top + 1:  # one left over is shown as itself, not as "others"
        top = len(everything)
    steps = [(c.group_id, c.group_name, float(c.contribution)) for c in everything[:top]]
    rest = everything[top:]
    if rest:
        steps.append(("__rest__", "", float(sum(c.contribution for c in rest))))
    return steps


def waterfall(before: float, after: float, steps: Sequence[tuple[Any, str, float]], *, metric: str,
              lang: str = "zh", name_of: Callable[[Any, str], str] | None = None,
              before_label: str | None = None) -> go.Figure:
    """Before (labelled `before_label`: 上期 / 去年同期) → each group's contribution → after, as a
    waterfall. Rates are shown in percent. customdata: the step's index in `steps` (-1 for the
    before and after bars)."""
    m = explain.metric_of(metric)
    scale = 100 if m.kind == "rate" else 1
    label = name_of or (lambda gid, name: name or fmt.DASH)
    rest = i18n.pick("其他", "Others", lang)
    names = [before_label or i18n.pick("上期", "Before", lang)]
    names += [rest if gid == "__rest__" else _h(label(gid, name)) for gid, name, _ in steps]
    names.append(i18n.pick("本期", "After", lang))
    values = [before * scale] + [v * scale for _, _, v in steps] + [after * scale]
    unit = ""  # contributions of a rate are in points of the axis' percent (said under the chart): short bars
    text = [f"{values[0]:,.1f}" if scale != 1 else f"{values[0]:,.0f}"]
    text += [f"{v:+,.2f}{unit}" if scale != 1 else f"{v:+,.0f}" for v in values[1:-1]]
    text.append(f"{values[-1]:,.1f}" if scale != 1 else f"{values[-1]:,.0f}")
    fig = go.Figure(go.Waterfall(
        x=names, y=values, measure=["absolute"] + ["relative"] * len(steps) + ["total"], text=text,
        textposition="outside", cliponaxis=False,
        increasing={"marker": {"color": COLORS["closed"] if m.higher_is_better else COLORS["bad"]}},
        decreasing={"marker": {"color": COLORS["bad"] if m.higher_is_better else COLORS["closed"]}},
        totals={"marker": {"color": COLORS["received"]}}, connector={"line": {"color": MUTED, "width": 1}},
        customdata=[-1, *range(len(steps)), -1],
        hovertemplate="%{x}: %{text}<extra></extra>",
    ))
    charts._layout(fig, height=380)
    lo = min(before, after) * scale
    cum, levels = before * scale, [before * scale, after * scale]
    for _, _, v in steps:
        cum += v * scale
        levels.append(cum)
    lo, hi = min(levels), max(levels)
    pad = (hi - lo) * 0.15 or abs(hi) * 0.05 or 1
    fig.update_layout(showlegend=False, yaxis={"range": [lo - pad, hi + pad],
                                               "title": {"text": fmt.column_label(m, lang)}})
    fig.update_xaxes(tickfont={"color": TEXT, "size": 12}, tickangle=-30 if len(names) > 8 else 0)
    return fig
