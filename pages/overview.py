"""总览 / KPI overview: all twelve metrics with 环比, sub-unit table, daily trend, categories."""

from gridboard import ui

ui.page_guard()

import datetime as dt

import streamlit as st

from gridboard.core import catalog, fmt
from gridboard.metrics import engine
from gridboard.render import charts
from gridboard.ui import metric_tables

TILE_WIDTH = 210  # px: six tiles a row at 1920 wide, four at 1366 (sidebar open)
TILES_MAX_WIDTH = 6 * TILE_WIDTH + 5 * 16  # never more than six a row (kiosk without sidebar)

f = ui.filters()
lang = ui.lang()
ui.page_header(ui.t("page_overview"), f)

current = ui.cached(engine.kpis, **f.window())
prev_f = f.previous()
previous = ui.cached(engine.kpis, **prev_f.window())

st.subheader(ui.t("kpi_heading"))
st.caption(ui.t("vs_previous", start=f"{prev_f.start:%Y-%m-%d %H:%M}", end=f"{prev_f.end:%Y-%m-%d %H:%M}"))
tiles = st.container(horizontal=True, horizontal_alignment="distribute", gap="small", width=TILES_MAX_WIDTH)
for m in catalog.METRICS:
    with tiles:
        st.metric(
            fmt.metric_label(m, lang, with_unit=False),
            fmt.metric(m, current[m.key], lang),
            fmt.delta(m, current[m.key], previous[m.key], lang),
            **fmt.delta_style(m, current[m.key], previous[m.key]),
            delta_description=ui.t("vs_label"),
            help=metric_tables.metric_help(m.key, current[m.key]),
            border=True,
            width=TILE_WIDTH,
        )

if not current["received"]:
    st.info(ui.t("no_cases"))
    st.stop()

shown_end = min(f.end.date(), f.as_of.date() + dt.timedelta(days=1))  # no empty future days
grain = "day" if (shown_end - f.start.date()).days <= 92 else "week"
left, right = st.columns([3, 2])
with left:
    st.subheader(ui.t(f"trend_{grain}"))
    series = ui.cached(engine.breakdown, grain, durations=False, **f.window())  # bars and a rate: no medians
    ui.plotly(charts.trend_figure(series, lang=lang, start=f.start.date(), end=shown_end, grain=grain), key="trend",
              title=ui.t(f"trend_{grain}"))
with right:
    st.subheader(ui.t("by_category"))
    categories = ui.cached(engine.breakdown, "category", durations=False, **f.window())
    ui.plotly(charts.category_figure(categories, lang=lang), key="categories", title=ui.t("by_category"))

children = ui.cached(engine.breakdown, "child", complete=True, **f.window())
by_child = ui.t("by_child", level=ui.child_level_label(f.unit_id))
st.subheader(by_child)
if any(not r["direct"] for r in children):
    shown = [{**r, "group_name": ui.t("kpi_direct_row", name=r["group_name"])} if r["direct"] else r for r in children]
    table = fmt.metrics_frame(shown, ui.t("group_name"), lang)
    ui.metrics_table(table)
    ui.download_table(table, f"overview_{f.unit_id}_{f.start:%Y%m%d}_{f.end:%Y%m%d}", title=by_child)
else:
    st.info(ui.t("no_children"))
