"""Chart builders of the volunteer, collective-economy and unit-profile pages: plotly figures and
the pydeck economy map, returned, never rendered (pages render them).

The figures share gridboard.charts' dark wall-screen layout. The map has no basemap and fetches
nothing: `pdk.Deck(map_provider=None)` *without* a map_style argument serialises pydeck's own
"__MAP_STYLE__" sentinel, which Streamlit reads as "no base map"; an explicit map_style=None (or
"") makes Streamlit 1.67 fill in a basemaps.cartocdn.com style, a request to the internet. The
county, town and village boundaries come from units.boundary (GeoJSON); villages are filled by
their operating-income band. Free text reaching a plotly label is escaped here; the map tooltip's
values are HTML-escaped by Streamlit when it fills the template (escaping them here too would show
"&amp;").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
import pydeck as pdk

from gridboard.core import fmt, i18n
from gridboard.ranking import gridindex
from gridboard.render import charts

# Band fill colours, weak (red) to strong (green); more bands than colours reuse the last.
BAND_COLORS: tuple[tuple[int, int, int], ...] = (
    (255, 107, 107), (255, 169, 77), (255, 214, 102), (125, 211, 140), (54, 179, 126), (32, 140, 110),
)
NO_DATA_COLOR = (110, 125, 150)
STAR_COLOR = "#ffc53d"
PREVIOUS_COLOR = "rgba(159, 179, 207, 0.45)"  # last year's bars: muted, behind this year's colours


def _hex(rgb: Sequence[int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb[:3])


def band_color(band: int | None) -> tuple[int, int, int]:
    if band is None:
        return NO_DATA_COLOR
    return BAND_COLORS[min(int(band), len(BAND_COLORS) - 1)]


def _pick(zh: str, en: str, lang: str) -> str:
    return i18n.pick(zh, en, lang)


# --- volunteers ----------------------------------------------------------------------------------


def volunteer_trend_figure(rows: Sequence[dict[str, Any]], *, lang: str = "zh") -> go.Figure:
    """Service hours per month (bars) and active volunteers (line, right axis): volunteers.trend rows."""
    months = [r["month"] for r in rows]
    hours_name = _pick("服务时长(小时)", "Service hours", lang)
    active_name = _pick("活跃志愿者", "Active volunteers", lang)
    fig = go.Figure()
    fig.add_bar(x=months, y=[r["hours"] for r in rows], name=hours_name, marker_color=charts.COLORS["received"],
                hovertemplate="%{y:,.1f}<extra>%{fullData.name}</extra>")
    fig.add_scatter(x=months, y=[r["active"] for r in rows], name=active_name, yaxis="y2", mode="lines+markers",
                    line={"color": charts.COLORS["rate"], "width": 2.5},
                    hovertemplate="%{y:,}<extra>%{fullData.name}</extra>")
    charts._layout(fig)  # the shared wall-screen layout
    fig.update_layout(
        hovermode="x unified",
        xaxis={"type": "category"},
        yaxis={"title": {"text": hours_name, "font": {"color": charts.MUTED}}, "rangemode": "tozero"},
        yaxis2={"title": {"text": active_name, "font": {"color": charts.MUTED}}, "overlaying": "y", "side": "right",
                "rangemode": "tozero", "showgrid": False, "tickfont": {"color": charts.MUTED}, "tickmode": "auto",
                "tickformat": ",.0f"},
    )
    return fig


def activity_figure(rows: Sequence[dict[str, Any]], *, lang: str = "zh") -> go.Figure:
    """Service hours per activity type (horizontal bars, most on top), services and volunteers in the hover."""
    names = [fmt.escape_label(i18n.term(r["activity_type"], lang)) if r.get("activity_type") else _pick("未分类", "Unspecified", lang)
             for r in rows]
    hours = [r["hours"] for r in rows]
    extra = [[r["services"], r["volunteers"]] for r in rows]
    services, people = _pick("服务次数", "services", lang), _pick("人", "volunteers", lang)
    fig = go.Figure(go.Bar(
        x=hours[::-1], y=names[::-1], orientation="h", marker_color=charts.COLORS["closed"],
        text=[f"{h:,.0f}" for h in hours[::-1]], textposition="outside", cliponaxis=False, customdata=extra[::-1],
        hovertemplate="%{y}: %{x:,.1f} h<br>" + services + " %{customdata[0]:,} · %{customdata[1]:,} " + people
        + "<extra></extra>",
    ))
    charts._layout(fig, height=max(240, 40 * len(names) + 60))
    fig.update_layout(showlegend=False, xaxis={"title": {"text": _pick("服务时长(小时)", "Hours", lang)},
                                               "range": [0, 1.22 * max(hours or [1]) or 1]})  # room for the labels
    fig.update_yaxes(tickfont={"color": charts.TEXT, "size": 14}, automargin=True)
    return fig


def stars_figure(rows: Sequence[dict[str, Any]], *, lang: str = "zh") -> go.Figure:
    """Registered volunteers per star level (volunteers.stars rows), the threshold in the label."""
    labels = []  # short, two lines, never rotated: the chart sits in a narrow column at 1366 wide
    for r in rows:
        if r["star"] == 0:
            labels.append(_pick("未达<br>星级", "No<br>star", lang))
        else:
            labels.append(_pick(f"{r['star']}星", f"{r['star']}★", lang) + f"<br>≥{r['min_hours']:g}h")
    values = [r["volunteers"] for r in rows]
    fig = go.Figure(go.Bar(x=labels, y=values, marker_color=[charts.MUTED] + [STAR_COLOR] * (len(rows) - 1),
                           text=[f"{v:,}" for v in values], textposition="outside", cliponaxis=False,
                           hovertemplate="%{x}: %{y:,}<extra></extra>"))
    charts._layout(fig, height=320)
    fig.update_xaxes(tickangle=0, tickfont={"size": 12})
    log = max(values or [0]) > 50 * max(1, min(values or [1]))  # one huge "no star" bar: log scale, powers of 10
    fig.update_layout(showlegend=False, yaxis={"title": {"text": _pick("志愿者(人)", "Volunteers", lang)},
                                               "type": "log" if log else "linear", "dtick": 1 if log else None})
    return fig


# --- unit profile ----------------------------------------------------------------------------------

COMPONENT_LABELS_EN = {"on_time_rate": "On time", "closure_rate": "Closure", "satisfaction_rate": "Satisfaction",
                       "response": "Response", "grid_resolved_rate": "Resolved in grid"}


def index_components_figure(components: dict[str, float | None], *, lang: str = "zh") -> go.Figure:
    """The grid index components (0–100 after shrinkage) as horizontal bars, weakest at the bottom."""
    keys = [c for c in gridindex.COMPONENTS if components.get(c) is not None]
    keys.sort(key=lambda c: components[c] or 0.0)
    names = [gridindex.COMPONENT_LABELS_ZH[c] if lang != "en" else COMPONENT_LABELS_EN[c] for c in keys]
    values = [100.0 * (components[c] or 0.0) for c in keys]
    colors = [charts.COLORS["bad"] if v < 60 else charts.COLORS["rate"] if v < 80 else charts.COLORS["closed"]
              for v in values]
    fig = go.Figure(go.Bar(x=values, y=names, orientation="h", marker_color=colors, text=[f"{v:.1f}" for v in values],
                           textposition="outside", cliponaxis=False, hovertemplate="%{y}: %{x:.1f}<extra></extra>"))
    charts._layout(fig, height=max(240, 44 * len(keys) + 70))
    fig.update_layout(showlegend=False, xaxis={"range": [0, 108], "title": {"text": _pick("得分", "Score", lang)}})
    fig.update_yaxes(tickfont={"color": charts.TEXT, "size": 14}, automargin=True)
    return fig


# --- collective economy ----------------------------------------------------------------------------


def bands_figure(rows: Sequence[dict[str, Any]], *, year: int, lang: str = "zh") -> go.Figure:
    """Villages per operating-income band this year (coloured by band) and last year (grey): economy.bands rows."""
    labels = [r["label"] for r in rows]
    fig = go.Figure()
    fig.add_bar(x=labels, y=[r["villages_prev"] for r in rows], name=str(year - 1), marker_color=PREVIOUS_COLOR,
                text=[r["villages_prev"] for r in rows], textposition="outside", cliponaxis=False,
                hovertemplate="%{x}: %{y}<extra>" + str(year - 1) + "</extra>")
    fig.add_bar(x=labels, y=[r["villages"] for r in rows], name=str(year),
                marker_color=[_hex(band_color(r["band"])) for r in rows],
                text=[r["villages"] for r in rows], textposition="outside", cliponaxis=False,
                hovertemplate="%{x}: %{y}<extra>" + str(year) + "</extra>")
    charts._layout(fig, height=360)
    fig.update_layout(barmode="group", bargap=0.25, showlegend=True,
                      yaxis={"title": {"text": _pick("村(个)", "Villages", lang)}, "rangemode": "tozero"},
                      xaxis={"title": {"text": _pick("经营性收入", "Operating income", lang)}})
    return fig


def economy_history_figure(rows: Sequence[dict[str, Any]], *, lang: str = "zh") -> go.Figure:
    """Weak villages per year (red bars) and the median operating income in 万元 (line): economy.history rows."""
    years = [str(r["year"]) for r in rows]
    weak_name = _pick("薄弱村", "Weak villages", lang)
    median_name = _pick("经营性收入中位数(万元)", "Median income (10k CNY)", lang)
    fig = go.Figure()
    fig.add_bar(x=years, y=[r["weak"] for r in rows], name=weak_name, marker_color=charts.COLORS["bad"],
                text=[r["weak"] for r in rows], textposition="outside", cliponaxis=False,
                hovertemplate="%{y}<extra>%{fullData.name}</extra>")
    fig.add_scatter(x=years, y=[None if r["median_operating_income"] is None else r["median_operating_income"] / 1e4
                                for r in rows],
                    name=median_name, yaxis="y2", mode="lines+markers", line={"color": charts.COLORS["closed"], "width": 2.5},
                    hovertemplate="%{y:,.1f}<extra>%{fullData.name}</extra>")
    charts._layout(fig, height=360)
    fig.update_layout(xaxis={"type": "category"},
                      yaxis={"title": {"text": weak_name}, "rangemode": "tozero"},
                      yaxis2={"title": {"text": median_name}, "overlaying": "y", "side": "right",
                              "rangemode": "tozero", "showgrid": False, "tickmode": "auto", "tickformat": ",.0f"})
    return fig


def _bounds(geometries: Sequence[dict[str, Any]], points: Sequence[tuple[float, float]]) -> tuple[float, ...] | None:
    xs: list[float] = [p[0] for p in points]
    ys: list[float] = [p[1] for p in points]

    def walk(coords: Any) -> None:
        if coords and isinstance(coords[0], int | float):
            xs.append(float(coords[0]))
            ys.append(float(coords[1]))
        else:
            for c in coords:
                walk(c)

    for g in geometries:
        walk(g.get("coordinates") or [])
    if not xs:
        return None
    return min(xs), min(ys), max(xs), max(ys)


def view_for(bounds: tuple[float, ...] | None, *, width_px: int = 900, height_px: int = 560) -> pdk.ViewState:
    """A view centred on the bounds, zoomed so they fit a chart of about width × height pixels."""
    if bounds is None:
        return pdk.ViewState(longitude=117.3, latitude=35.6, zoom=9)
    x0, y0, x1, y1 = bounds
    lat = (y0 + y1) / 2
    span_x = max(x1 - x0, 1e-3)
    span_y = max((y1 - y0) / max(math.cos(math.radians(lat)), 0.1), 1e-3)
    zoom = min(math.log2(width_px * 360 / (512 * span_x)), math.log2(height_px * 360 / (512 * span_y)))
    return pdk.ViewState(longitude=(x0 + x1) / 2, latitude=lat, zoom=round(zoom - 0.15, 2), pitch=0, bearing=0)


def economy_map(
    villages: Sequence[dict[str, Any]], shapes: dict[str, list[dict[str, Any]]], *, labels: Sequence[str],
    year: int, lang: str = "zh", height_px: int = 560,
) -> pdk.Deck:
    """Villages filled by band (economy.villages rows), town and county outlines (economy.shapes), no basemap.

    A village without a boundary shows as a dot at its lon/lat; one with neither is left out.
    """
    by_id = {v["unit_id"]: v for v in villages}
    no_data = _pick("无数据", "No data", lang)
    features, dots = [], []
    for shape in shapes.get("village", []):
        v = by_id.get(shape["unit_id"])
        if v is None:
            continue
        features.append({"type": "Feature", "geometry": shape["geometry"], "properties": _tip(v, labels, no_data, lang)})
    drawn = {f["properties"]["unit_id"] for f in features}
    for v in villages:
        if v["unit_id"] not in drawn and v.get("lon") is not None and v.get("lat") is not None:
            dots.append({**_tip(v, labels, no_data, lang), "position": [v["lon"], v["lat"]]})
    outlines = [{"type": "Feature", "geometry": s["geometry"], "properties": {"name": s["name"]}}
                for s in shapes.get("county", []) + shapes.get("town", [])]
    layers = [
        pdk.Layer("GeoJsonLayer", {"type": "FeatureCollection", "features": features}, id="villages",
                  pickable=True, stroked=True, filled=True, get_fill_color="properties.fill",
                  get_line_color=[15, 30, 55, 255], line_width_min_pixels=1),
        pdk.Layer("GeoJsonLayer", {"type": "FeatureCollection", "features": outlines}, id="towns",
                  pickable=False, stroked=True, filled=False, get_line_color=[200, 225, 255, 230],
                  line_width_min_pixels=2),
    ]
    if dots:
        layers.append(pdk.Layer("ScatterplotLayer", dots, id="village_dots", pickable=True, get_position="position",
                                get_fill_color="fill", get_radius=600, radius_min_pixels=4))
    points = [(v["lon"], v["lat"]) for v in villages if v.get("lon") is not None and v.get("lat") is not None]
    view = view_for(_bounds([s["geometry"] for s in shapes.get("village", [])] + [o["geometry"] for o in outlines],
                            points), height_px=height_px)
    income_word, band_word = _pick(f"{year}年经营性收入", f"Operating income {year}", lang), _pick("档次", "Band", lang)
    tooltip = {
        "html": "<b>{name}</b> · {town}<br/>" + income_word + "：{income}<br/>" + band_word + "：{band}<br/>{growth}",
        "style": {"backgroundColor": "#0b1a33", "color": charts.TEXT, "fontSize": "14px"},
    }
    return pdk.Deck(layers=layers, initial_view_state=view, map_provider=None, tooltip=tooltip)  # no map_style: see docstring


def legend_html(labels: Sequence[str], note: str = "") -> str:
    """The map legend: a coloured square per band label (labels come from numbers, escaped anyway)."""
    items = "".join(
        f'<span style="margin-right:14px;white-space:nowrap"><span style="display:inline-block;width:12px;'
        f'height:12px;background:{_hex(band_color(b))};margin-right:5px;vertical-align:-1px"></span>'
        f"{fmt.escape_label(label)}</span>"
        for b, label in enumerate(labels)
    )
    extra = f'<span style="color:{charts.MUTED}">{fmt.escape_label(note)}</span>' if note else ""
    return f'<div style="font-size:14px;line-height:1.9">{items}{extra}</div>'


def _tip(v: dict[str, Any], labels: Sequence[str], no_data: str, lang: str) -> dict[str, Any]:
    band = v.get("band")
    growth = v.get("growth")
    growth_text = "" if growth is None else _pick("同比 ", "YoY ", lang) + f"{growth * 100:+.1f} %"
    return {
        "unit_id": v["unit_id"], "name": v["name"], "town": v.get("parent_name") or "—",
        "income": fmt.wan_yuan(v.get("operating_income"), lang=lang), "band": labels[band] if band is not None else no_data,
        "growth": growth_text, "fill": [*band_color(band), 215],
    }


# --- metric tiles ----------------------------------------------------------------------------------

TILE_KINDS = ("count", "rate", "hours", "number", "wan")


def tile_value(kind: str, value: Any, lang: str = "zh") -> str:
    """A tile value: count 1,234 · rate 96.4 % · hours 12.5 小时 · number 3.4 · wan 123.5 万元."""
    if kind == "count":
        return fmt.count(value)
    if kind == "rate":
        return fmt.rate(value)
    if value is None:
        return fmt.DASH
    if kind == "hours" and abs(float(value)) >= 100_000:  # 157,304 小时 does not fit a tile: 15.7 万小时
        return _pick(f"{float(value) / 10_000:,.1f} 万小时", f"{float(value) / 1000:,.1f}k h", lang)
    if kind == "hours":
        return fmt.duration(value, "hours", lang)
    if kind == "wan":
        return fmt.wan_yuan(value, digits=0 if abs(float(value)) >= 10_000_000 else 1, lang=lang)
    return fmt.number(value)


def _delta_text(kind: str, diff: float, previous: float, lang: str, relative: bool = True) -> tuple[str, bool]:
    """(signed change as shown, with the relative change unless `relative` is False; whether it shows as zero)."""
    if kind == "count":
        shown = f"{abs(int(round(diff))):,}"
        zero = int(round(diff)) == 0
    elif kind == "rate":
        shown = f"{abs(diff) * 100:.1f} {_pick('个百分点', 'pp', lang)}"
        zero = round(abs(diff) * 1000) == 0
    elif kind == "wan":
        shown = fmt.wan_yuan(abs(diff), lang=lang)
        zero = round(abs(diff) / 1000) == 0
    else:
        digits = 0 if abs(diff) >= 100 else 1
        shown = f"{abs(diff):,.{digits}f}" + (f" {_pick('小时', 'h', lang)}" if kind == "hours" else "")
        zero = round(abs(diff) * 10) == 0
    sign = "" if zero else "+" if diff > 0 else "-"
    text = sign + shown
    if relative and kind in ("count", "wan") and previous and not zero:
        share = f"{sign}{abs(diff) / abs(previous) * 100:.1f} %"
        text = share if len(text) + len(share) > 12 else f"{text} ({share})"  # long: the share alone fits a tile
    return text, zero


def tile(
    kind: str, value: Any, previous: Any = None, *, label: str, lang: str = "zh", help: str | None = None,
    higher_is_better: bool = True, description: str | None = None, relative: bool = True,
) -> dict[str, Any]:
    """Keyword arguments of st.metric for one figure, with its change on `previous` when both are known:
    green when the change is good (by higher_is_better), red when bad, grey without arrow when none shows."""
    out: dict[str, Any] = {"label": label, "value": tile_value(kind, value, lang), "delta": None, "help": help,
                           "delta_color": "off", "delta_arrow": "off"}
    missing = value is None or previous is None
    if not missing:
        text, zero = _delta_text(kind, float(value) - float(previous), float(previous), lang, relative)
        out["delta"] = text
        if not zero:
            out["delta_color"] = "normal" if higher_is_better else "inverse"
            out["delta_arrow"] = "auto"
        if description:
            out["delta_description"] = description
    return out
