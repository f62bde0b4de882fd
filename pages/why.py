"""变化归因 / Why it moved: a metric's change between the chosen period and a comparison period
(环比, 同比 or custom, labelled 上期 / 去年同期 / 对比期) split by sub-unit, level, category, source or
department with the symmetric shift-share of gridboard.metrics.explain (within-effect + mix-effect),
largest contributions first, as a waterfall and a table whose contributions add up to the change.
Durations are explained through the share within the time limit (said on the page). A clicked row
lists that group's cases in either period."""

from gridboard import ui

ui.page_guard()

import datetime as dt
from collections.abc import Callable

import streamlit as st

from gridboard.core import config, fmt, periods
from gridboard.metrics import explain, kpi_views
from gridboard.render import charts_kpi, kpi_tables
from gridboard.ui import drill, metric_tables

SPLITS = ("child", "town", "community", "grid", "category", "source", "department")
COMPARE = ("previous", "last_year", "custom")
TOP = 12  # waterfall steps; the rest are summed as one
DRILL_KEY = {"response_within_share": "median_response_min", "close_within_share": "median_close_hours"}

f = ui.filters()
lang = ui.lang()
ui.page_header(ui.t("page_why"), f)

ui.url_choice("metric", "why_metric", explain.EXPLAINABLE)  # ?metric=&by=&vs=: a shared link opens this view
ui.url_choice("by", "why_by", SPLITS)
ui.url_choice("vs", "why_compare", COMPARE)
st.session_state.setdefault("why_metric", "closure_rate")
c1, c2, c3 = st.columns(3)
with c1:
    metric = st.selectbox(ui.t("kpi_why_metric"), explain.EXPLAINABLE, key="why_metric",
                          format_func=lambda k: fmt.metric_label(explain.metric_of(k), lang, with_unit=False))
with c2:
    by = st.selectbox(ui.t("kpi_why_by"), SPLITS, key="why_by", format_func=lambda d: ui.t(f"kpi_dim_{d}"))
with c3:
    compare = st.selectbox(ui.t("kpi_why_compare"), COMPARE, key="why_compare",
                           format_func=lambda c: ui.t(f"kpi_cmp_{c}"))
before_p = periods.same_last_year(f.period) if compare == "last_year" else periods.previous(f.period)
if compare == "custom":
    default = (before_p.start.date(), (before_p.end - dt.timedelta(seconds=1)).date())
    picked = st.date_input(ui.t("kpi_why_before_range"), value=default, key="why_before_range",
                           max_value=f.as_of.date())
    if isinstance(picked, tuple | list) and len(picked) == 2:
        before_p = periods.period("custom", f.as_of, (picked[0], picked[1]))
after = explain.Window(f.start, f.end, f.as_of)
before = explain.Window(before_p.start, before_p.end, before_p.as_of)
before_label = ui.t(f"kpi_why_label_{compare}")
st.caption(ui.t("kpi_why_periods", after=kpi_views.period_label(f.period),
                before=f"{before_label} {kpi_views.period_label(before_p)}"))

m = explain.metric_of(metric)
limit = None
if metric in explain.WITHIN:
    limit = float(config.load().targets[explain.WITHIN[metric][2]])
    what = fmt.metric_label("median_response_min" if metric == "response_within_share" else "median_close_hours", lang,
                            with_unit=False)
    unit_text = ui.t("kpi_why_minutes" if metric == "response_within_share" else "kpi_why_hours")
    st.info(ui.t("kpi_why_within_note", what=what, limit=f"{limit:g} {unit_text}"), icon=":material/info:")
e = ui.cached(explain.explain, metric, by, before=before, after=after, unit=f.unit_id, limit=limit)
row = st.container(horizontal=True, gap="small")
with row:
    st.metric(before_label, fmt.metric(m, e.before, lang), border=True, width=220)
    st.metric(ui.t("kpi_why_after"), fmt.metric(m, e.after, lang), fmt.delta(m, e.after, e.before, lang),
              **fmt.delta_style(m, e.after, e.before), border=True, width=220)
if e.change is None or not e.contributions:
    st.info(ui.t("kpi_why_undefined"))
    st.stop()


def name_of(group_id: object, group_name: object) -> str:
    if by in ("category", "source", "department"):
        return charts_kpi.group_label(by, group_id, lang)
    return str(group_name or fmt.DASH)


names = [name_of(c.group_id, c.group_name) for c in e.contributions]
unit = f" {fmt.points(lang)}" if m.kind == "rate" else ""
scale = 100 if m.kind == "rate" else 1
table_key = f"why_table_{metric}_{by}_{compare}_{f.unit_id}_{f.start:%Y%m%d}"


def show_cases(i: int, on_close: Callable[[], None] | None = None) -> None:
    """The cases of contribution i in the chosen and the comparison period."""
    c = e.contributions[i]
    windows = ((ui.t("kpi_after_period"), after), (before_label, before))
    options = [(f"{when} · {label}", fetch) for when, w in windows
               for label, fetch in drill.metric_options(DRILL_KEY.get(metric, metric), {"start": w.start, "end": w.end, "as_of": w.as_of,
                                                                    "unit": f.unit_id}, group_by=by, group_value=c.group_id)]
    drill.case_panel(f"{table_key}_{i}", f"{names[i]} · {fmt.metric_label(m, lang)}", options,
                        name=f"why_{metric}_{i}", on_close=on_close)


st.subheader(ui.t("kpi_why_waterfall"))
st.caption(ui.t("kpi_chart_hint"))
steps = charts_kpi.waterfall_steps(e.contributions, TOP)
fig = charts_kpi.waterfall(e.before, e.after, steps, metric=metric, lang=lang, name_of=name_of,
                           before_label=before_label)
step = drill.chart_pick(fig, f"{table_key}_waterfall", ui.t("kpi_why_waterfall"))
if isinstance(step, int) and 0 <= step < len(steps) and steps[step][0] != "__rest__":
    show_cases(next(i for i, c in enumerate(e.contributions) if c.group_id == steps[step][0]))
st.caption(ui.t("kpi_why_sum", sum=f"{e.explained * scale:+,.2f}{unit}", change=f"{e.change * scale:+,.2f}{unit}")
           + (" " + ui.t("kpi_why_rate_note") + " " + ui.t("kpi_why_shift_share") if m.kind == "rate" else ""))

st.subheader(ui.t("kpi_why_table"))
table = kpi_tables.explain_frame(e, names, lang, before_label=before_label)
level = "%.1f" if m.kind == "rate" else "localized"
change = "%+.2f" if m.kind == "rate" else "%+d"
formats = {before_label: level, ui.t("kpi_col_after"): level, ui.t("kpi_col_contribution"): change,
           ui.t("kpi_col_rate_effect"): change, ui.t("kpi_col_mix_effect"): change,
           ui.t("kpi_col_weight_before"): "%.1f", ui.t("kpi_col_weight_after"): "%.1f"}
picked = drill.cell_table(table, table_key, height=metric_tables.table_height(len(table)), column_config={
    k: st.column_config.NumberColumn(k, format=v) for k, v in formats.items() if k in table.columns})
ui.download_table(table, table_key, title=ui.t("kpi_why_table"))
if picked is not None:
    show_cases(picked[0], on_close=lambda: drill.clear_selection(table_key))
