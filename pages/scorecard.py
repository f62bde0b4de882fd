"""驾驶舱 / Scorecard: every judged metric as actual ÷ target (1 = on target, Boston CityScore's
idea) in red/amber/green — durations as the share within the time limit —, one overall score (the
mean of min(ratio, 1), misses listed), 环比 and 同比, and which sub-units pull the score down. The
period is the 考核周期, kept equal to the sidebar's period and the header (the county's assessment
period by default). Every bar, row and cell opens the cases behind it."""

from gridboard import ui

ui.page_guard()

import streamlit as st

from gridboard.core import config, fmt, periods
from gridboard.metrics import kpi_views, scorecard
from gridboard.render import charts_kpi, kpi_tables
from gridboard.ui import assessment, drill, metric_tables

DRILL_KEY = {"response_within_share": "median_response_min", "close_within_share": "median_close_hours"}
f = ui.filters()
lang = ui.lang()
ui.page_header(ui.t("page_scorecard"), f)
f = assessment.assessment_filters("score_period")  # 考核周期 = the sidebar's period = the header's
period = f.period
window = {**period.window(), "unit": f.unit_id}
stamp = f"{f.unit_id}_{period.start:%Y%m%d}_{period.end:%Y%m%d}"
targets = config.load().targets
card = ui.cached(scorecard.build, targets, period, unit=f.unit_id)
if card.same_comparison:
    st.caption(ui.t("kpi_score_periods_ytd", now=kpi_views.period_label(period),
                    prev=kpi_views.period_label(periods.previous(period))) + " · " + ui.t("kpi_targets_caption"))
else:
    st.caption(ui.t("kpi_score_periods", now=kpi_views.period_label(period),
                    prev=kpi_views.period_label(periods.previous(period)),
                    last=kpi_views.period_label(periods.same_last_year(period))) + " · " + ui.t("kpi_targets_caption"))

counts = {c: sum(1 for ln in card.lines if ln.rag == c) for c in ("green", "amber", "red")}
left, right = st.columns([1, 2])
with left:
    ui.plotly(charts_kpi.overall_gauge(card.overall, lang=lang), key="score_gauge", title=ui.t("page_scorecard"))
    st.markdown(f"**{fmt.escape_md(ui.t('kpi_score_counts', **counts))}**")
    sep = "、" if lang == "zh" else ", "
    misses = sep.join(f"{kpi_tables.score_label(ln, lang)} {fmt.number(ln.ratio, 2)}" for ln in card.misses)
    st.markdown(fmt.escape_md(ui.t("kpi_score_misses", items=misses) if misses else ui.t("kpi_score_all_met")))
    st.caption(ui.t("kpi_score_overall_note"))
with right:
    st.subheader(ui.t("kpi_score_ratio_heading"))
    st.caption(ui.t("kpi_score_ratio_caption") + ui.t("kpi_chart_hint"))
    bar = drill.chart_pick(charts_kpi.ratio_bars(card.lines, lang=lang), f"score_bars_{stamp}", ui.t("kpi_score_ratio_heading"))
if bar:
    drill.case_panel(f"score_bars_{stamp}_{bar}", f"{f.unit_name.split(' / ')[-1]} · "
                     f"{fmt.metric_label(scorecard.within.metric_of(bar), lang)}",
                     drill.metric_options(DRILL_KEY.get(bar, bar), window), name=f"scorecard_{bar}_{stamp}")

# --- the table: actual, target, ratio, 环比, 同比 --------------------------------------------------------

st.subheader(ui.t("kpi_score_table_heading"))
frame, styled, numbers = kpi_tables.score_frame(card, lang)
picked = drill.cell_table(styled, f"score_table_{stamp}", column_config=metric_tables.right_aligned(numbers))
ui.download_table(frame, f"scorecard_{stamp}", title=ui.t("kpi_score_table_heading"))
if picked is not None:
    line = card.lines[picked[0]]
    drill.case_panel(f"score_table_{stamp}_{line.key}", f"{f.unit_name.split(' / ')[-1]} · "
                        f"{kpi_tables.score_label(line, lang)}", drill.metric_options(DRILL_KEY.get(line.key, line.key), window),
                        name=f"scorecard_{line.key}_{stamp}",
                        on_close=lambda: drill.clear_selection(f"score_table_{stamp}"))

# --- which sub-units pull the score down -------------------------------------------------------------

rows = ui.cached(scorecard.children, targets, **window)
if rows:
    st.subheader(ui.t("kpi_score_children", level=ui.child_level_label(f.unit_id)))
    st.caption(ui.t("kpi_cell_hint"))
    frame, styled, keys, numbers = kpi_tables.child_score_frame(rows, targets, lang)
    children_key = f"score_children_{stamp}"
    picked = drill.cell_table(styled, children_key, height=metric_tables.table_height(len(frame)),
                                 column_config=metric_tables.right_aligned(numbers))
    ui.download_table(frame, children_key)
    if picked is not None and picked[1] in keys:
        row, key = rows[picked[0]], keys[picked[1]]
        drill.case_panel(f"{children_key}_{picked[0]}_{key}",
                         f"{row['group_name']} · {fmt.metric_label(scorecard.within.metric_of(key), lang)}",
                         drill.metric_options(DRILL_KEY.get(key, key), window, group_by="child", group_value=row["group_id"]),
                            name=f"{children_key}_{key}", on_close=lambda: drill.clear_selection(children_key))
