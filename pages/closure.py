"""办结率 / Closure rate: from the county down to a micro-grid (click a name, breadcrumb back up),
by category, source and department, trends, overdue ageing, the closed loop and gap flags. Every
number opens the cases it counts."""

from gridboard import ui

ui.page_guard()

import streamlit as st

from gridboard.core import fmt
from gridboard.metrics import engine, kpi_cases, kpi_views
from gridboard.render import charts_kpi
from gridboard.ui import drill, metric_tables

PAGE = "closure"
TILES = ("received", "closed", "closure_rate", "on_time_rate", "overdue_open", "supervised", "reopened",
         "satisfaction_rate")
COLUMNS = ("received", "closed", "closure_rate", "on_time_rate", "overdue_open", "supervised", "reopened",
           "reopen_rate", "satisfaction_rate")

f = ui.filters()
lang = ui.lang()
ui.page_header(ui.t("page_closure"), f)
path = drill.drill_path(PAGE, f)
unit_id, unit_name = path[-1]
drill.breadcrumb(PAGE, path)
window = {**f.window(), "unit": unit_id}
stamp = f"{unit_id}_{f.start:%Y%m%d}_{f.end:%Y%m%d}"

now = ui.cached(engine.kpis, detail=True, **window)
before = ui.cached(engine.kpis, detail=True, **{**f.previous().window(), "unit": unit_id})
metric_tables.tiles(TILES, now, before, f)
if not now["received"]:
    st.info(ui.t("no_cases"))
    st.stop()
drill.tile_cases(PAGE, TILES, window, unit_name, f"closure_{stamp}")

children = ui.cached(engine.breakdown, "child", detail=True, complete=True, **window)
if any(not r["direct"] for r in children):
    st.subheader(ui.t("kpi_by_unit", level=ui.child_level_label(unit_id)))
    st.caption(ui.t("kpi_drill_hint"))
    drill.group_table(PAGE, children, COLUMNS, f"closure_units_{stamp}", "child", window, down=True)
else:
    st.info(ui.t("kpi_no_sub_units", name=fmt.escape_md(unit_name)))

# the rest in tabs whose content runs only when opened
labels = [ui.t("kpi_tab_trend"), ui.t("kpi_tab_dims"), ui.t("kpi_tab_loop"), ui.t("kpi_tab_gaps")]
trend_tab, dims_tab, loop_tab, gaps_tab = st.tabs(labels, key="closure_tabs", on_change="rerun")
with trend_tab:
    if trend_tab.open:
        drill.trend_section(PAGE, f, window, stamp, unit_name, heading="kpi_trend_closure",
                               figure=charts_kpi.trend_rate, cases=("received", "closed"))
with dims_tab:
    if dims_tab.open:
        drill.dimension_section(PAGE, window, stamp, bar_metric="closure_rate", columns=COLUMNS)
with loop_tab:
    if loop_tab.open:
        left, right = st.columns(2)
        with left:
            st.subheader(ui.t("kpi_ageing_heading"))
            buckets = ui.cached(kpi_views.ageing, **window)
            st.caption(ui.t("kpi_chart_hint") if sum(buckets.values()) else ui.t("kpi_no_overdue"))
            age = drill.chart_pick(charts_kpi.ageing_bars(buckets, lang=lang), f"closure_ageing_{stamp}",
                                     ui.t("kpi_ageing_heading"), PAGE)
        with right:
            st.subheader(ui.t("kpi_funnel_heading"))
            stages = ui.cached(kpi_views.funnel, **window)
            st.caption(ui.t("kpi_funnel_caption") + ui.t("kpi_chart_hint"))
            stage = drill.chart_pick(charts_kpi.funnel_bars(stages, lang=lang), f"closure_funnel_{stamp}",
                                       ui.t("kpi_funnel_heading"), PAGE)
        if age in kpi_views.AGE_BUCKETS:
            label = (kpi_views.AGE_LABELS_EN if lang == "en" else kpi_views.AGE_LABELS_ZH)[age]
            q = kpi_cases.Query("age_bucket", values=(("bucket", age),))
            drill.case_panel(f"closure_ageing_{stamp}_{age}", f"{unit_name} · {label}",
                                [(label, drill.case_fetch(q, window))], name=f"overdue_{age}_{stamp}")
        if stage in kpi_views.FUNNEL_STAGES:
            label = ui.t(f"kpi_stage_{stage}")
            drill.case_panel(f"closure_funnel_{stamp}_{stage}", f"{unit_name} · {label}",
                                [(label, drill.case_fetch(kpi_cases.Query(stage), window))],
                                name=f"loop_{stage}_{stamp}")
with gaps_tab:
    if gaps_tab.open:
        drill.gaps_section(PAGE, window, stamp)
