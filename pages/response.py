"""响应时长 / Response time: response and close time distributions (median and P90, histograms
from the durations grouped by value), the share within the response target, by sub-unit (drill
down to a micro-grid), category, source and department, and trends. Every number and bar opens the cases it counts."""

from gridboard import ui

ui.page_guard()

import streamlit as st

from gridboard.core import config, fmt
from gridboard.metrics import engine, kpi_cases, kpi_views, within
from gridboard.render import charts_kpi
from gridboard.ui import drill, metric_tables

PAGE = "response"
TILES = ("received", "responded", "median_response_min", "p90_response_min", "within_share", "median_close_hours",
         "on_time_rate", "overdue_open")
COLUMNS = ("received", "responded", "median_response_min", "p90_response_min", "median_close_hours", "on_time_rate",
           "overdue_open")

f = ui.filters()
lang = ui.lang()
ui.page_header(ui.t("page_response"), f)
path = drill.drill_path(PAGE, f)
unit_id, unit_name = path[-1]
drill.breadcrumb(PAGE, path)
window = {**f.window(), "unit": unit_id}
before_window = {**f.previous().window(), "unit": unit_id}
stamp = f"{unit_id}_{f.start:%Y%m%d}_{f.end:%Y%m%d}"
target = config.load().targets.get("median_response_min")

now = dict(ui.cached(engine.kpis, detail=True, **window))
before = dict(ui.cached(engine.kpis, detail=True, **before_window))
# both distributions from one pass over the cohort (the older days kept: metrics/durations.py)
found = ui.cached(kpi_views.distributions, {"response": target, "close": None}, **window)
response = found["response"]
now["within_share"] = response.within_share
# the 环比 needs only its share within the limit: one count pass, not a distribution's sort and bins
before["within_share"] = None if target is None else ui.cached(
    within.share, "response_within_share", target, **before_window)
metric_tables.tiles(TILES, now, before, f)
if not now["received"]:
    st.info(ui.t("no_cases"))
    st.stop()
within_cases = kpi_cases.Query("response_within", values=(("within_limit", target),))
drill.tile_cases(PAGE, TILES, window, unit_name, f"response_{stamp}", special={"within_share": [
    (ui.t("kpi_numerator", what=fmt.metric_label(kpi_views.column_metric("within_share"), lang)),
     drill.case_fetch(within_cases, window)),
    (ui.t("kpi_denominator", what=fmt.metric_label(kpi_views.column_metric("responded"), lang)),
     drill.case_fetch(kpi_cases.Query("responded"), window)),
]})

# --- distributions: click a bar for its cases ---------------------------------------------------------

close = found["close"]
for column, d, heading, goal in zip(st.columns(2), (response, close), ("kpi_hist_response", "kpi_hist_close"),
                                    (target, None), strict=True):
    with column:
        st.subheader(ui.t(heading))
        if not d.n:
            st.info(ui.t("kpi_no_durations"))
            continue
        kind = kpi_views.MEASURES[d.measure].kind
        st.caption(ui.t("kpi_hist_caption", n=f"{d.n:,}", median=fmt.duration(d.median, kind, lang),
                        p90=fmt.duration(d.p90, kind, lang)) + " · " + ui.t("kpi_chart_hint"))
        chart_key = f"response_hist_{d.measure}_{stamp}"
        hit = drill.chart_pick(charts_kpi.histogram(d, lang=lang, target=goal), chart_key, ui.t(heading), PAGE)
        chosen = next((b for b in d.histogram if b.index == hit), None) if hit is not None else None
        if chosen is not None:
            upper = f"≥ {fmt.number(chosen.lo)}" if chosen.hi is None else f"{fmt.number(chosen.lo)}–{fmt.number(chosen.hi)}"
            label = f"{upper} {fmt.duration(1, kind, lang).split(' ', 1)[1]}"
            q = kpi_cases.Query(f"{d.measure}_bin", values=(("bin", chosen.index), ("width", d.width), ("bins", d.bins)))
            drill.case_panel(f"{chart_key}_{chosen.index}", f"{unit_name} · {ui.t(heading)} · {label}",
                                [(label, drill.case_fetch(q, window))], name=f"{d.measure}_{chosen.index}_{stamp}")

# --- sub-units: click a name to go down --------------------------------------------------------------

children = ui.cached(engine.breakdown, "child", detail=True, complete=True, **window)
if any(not r["direct"] for r in children):
    st.subheader(ui.t("kpi_by_unit", level=ui.child_level_label(unit_id)))
    st.caption(ui.t("kpi_drill_hint"))
    drill.group_table(PAGE, children, COLUMNS, f"response_units_{stamp}", "child", window, down=True)
else:
    st.info(ui.t("kpi_no_sub_units", name=fmt.escape_md(unit_name)))

trend_tab, dims_tab = st.tabs([ui.t("kpi_tab_trend"), ui.t("kpi_tab_dims")], key="response_tabs", on_change="rerun")
with trend_tab:
    if trend_tab.open:
        drill.trend_section(PAGE, f, window, stamp, unit_name, heading="kpi_trend_response",
                               figure=charts_kpi.trend_durations, cases=("median_response_min", "median_close_hours"),
                               hint="kpi_point_hint")
with dims_tab:
    if dims_tab.open:
        drill.dimension_section(PAGE, window, stamp, bar_metric="median_response_min", columns=COLUMNS)
