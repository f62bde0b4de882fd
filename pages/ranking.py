"""网格排名 / grid rankings at the county's assessment period (考核周期, month by default, kept equal
to the sidebar's period): league table (rank, 90 % band, 样本少, rank change, stars, shrunk and raw
components), honour and red lists,
a unit's profile (radar, 12-month trend, cases behind each component), a difference explained in
points, and index weights to try live and (leaders, administrators) save."""

from gridboard import ui

ui.page_guard()

import datetime as dt

import streamlit as st

from gridboard.core import config, fmt, i18n, periods, schema
from gridboard.ranking import gridindex, league, settings_store
from gridboard.ranking.gridindex import COMPONENTS
from gridboard.render import charts_ranking
from gridboard.render import ranking_tables as tables
from gridboard.ui import assessment

CHOICE_KEYS = ("rk_level", "rk_grid_type", "rk_profile", "rk_case_comp", "rk_case_which", "rk_mode", "rk_a", "rk_b")
lang = ui.lang()
t = ui.t
f = ui.filters()
ui.page_header(t("page_ranking"), f)
f = assessment.assessment_filters("rk_period")
user = ui.current_user()

levels = league.levels_under(ui.cached(league.unit_info, f.unit_id).level)
if not levels:
    st.info(t("rk_no_levels"))
    st.stop()
TAB_KEYS = ("rk_tab_table", "rk_tab_lists", "rk_tab_explain", "rk_tab_method")
if st.session_state.get("rk_lang", lang) != lang:  # the browser holds choices by their (old) labels
    for key in CHOICE_KEYS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
    was = {i18n.text(k, st.session_state["rk_lang"]): k for k in TAB_KEYS}  # the open tab, by its label
    if st.session_state.get("rk_tabs") in was:
        st.session_state["rk_tabs"] = t(was[st.session_state["rk_tabs"]])
st.session_state["rk_lang"] = lang

# --- controls: level, grid type, weights -------------------------------------------------------

ui.url_choice("level", "rk_level", levels)  # ?level=: a shared link opens the same league
if st.session_state.get("rk_level") not in levels:
    st.session_state["rk_level"] = "grid" if "grid" in levels else levels[0]
controls = st.columns([1, 2, 3], vertical_alignment="bottom")
level_names = {lv: ui.level_label(lv) for lv in levels}
level = controls[0].selectbox(t("rk_level"), levels, key="rk_level", format_func=level_names.get)
grid_type = None
if level == "grid":
    type_names = {"all": t("rk_grid_type_all"), **{g: schema.label("grid_type", g, lang) for g in schema.GRID_TYPES}}
    with controls[1]:
        choice = st.segmented_control(t("rk_grid_type"), list(type_names), key="rk_grid_type", required=True,
                                      default="all", format_func=type_names.get)
    grid_type = None if choice in (None, "all") else choice

cfg = config.load()
saved_pct = {c: round(100 * w) for c, w in gridindex.settings_from(cfg).normalised_weights().items()}
for c in COMPONENTS:
    st.session_state.setdefault(f"rk_w_{c}", saved_pct[c])


def reset_weights() -> None:
    for c in COMPONENTS:
        st.session_state[f"rk_w_{c}"] = saved_pct[c]


def save_weights() -> None:
    try:
        settings_store.save_weights({c: st.session_state[f"rk_w_{c}"] / 100 for c in COMPONENTS}, user=user)
        st.session_state["rk_saved"] = True
    except settings_store.SettingsError as exc:
        st.session_state["rk_save_error"] = str(exc)


with st.expander(t("rk_weights"), icon=":material/tune:"):
    for col, c in zip(st.columns(len(COMPONENTS)), COMPONENTS, strict=True):
        col.slider(tables.component_label(c, lang), 0, 100, step=1, key=f"rk_w_{c}", format="%d %%")
    tried = {c: int(st.session_state[f"rk_w_{c}"]) for c in COMPONENTS}
    total = sum(tried.values())
    st.caption(t("rk_weights_sum", total=total))
    may_save = settings_store.can_save(user.role if user else None)
    buttons = st.container(horizontal=True, gap="small")
    buttons.button(t("rk_weights_reset"), on_click=reset_weights, icon=":material/undo:", key="rk_reset",
                   disabled=tried == saved_pct)
    buttons.button(t("rk_weights_save"), on_click=save_weights, icon=":material/save:", key="rk_save", type="primary",
                   disabled=not may_save or total != 100 or tried == saved_pct)
    if not may_save:
        st.caption(t("rk_weights_no_role"))
    elif total != 100 and tried != saved_pct:
        st.caption(t("rk_weights_need_100"))
    if st.session_state.pop("rk_saved", False):
        st.success(t("rk_weights_saved"))
    if error := st.session_state.pop("rk_save_error", None):
        st.error(t("rk_weights_failed", reason=error))

if total == 0:
    st.warning(t("rk_weights_zero"))
    tried = saved_pct
settings = gridindex.settings_from(cfg, weights={c: v / 100 for c, v in tried.items()})
if tried != saved_pct:
    shown = "、" if lang == "zh" else ", "
    st.info(t("rk_weights_trying", weights=shown.join(
        f"{tables.component_label(c, lang)} {100 * w:.0f}%" for c, w in settings.normalised_weights().items())),
        icon=":material/science:")

# --- data: this period and the previous one, scored in Python with the weights above -----------

prev_f = f.previous()
current = gridindex.from_inputs(ui.cached(gridindex.inputs, level, **f.window()), settings, grid_type=grid_type)
previous = gridindex.from_inputs(ui.cached(gridindex.inputs, level, **prev_f.window()), settings, grid_type=grid_type)
rows = league.league(current, previous)
if not rows:
    st.info(t("rk_no_units"))
    st.stop()
parent_names = ui.cached(league.unit_names, sorted({u.parent_id for u in current if u.parent_id}))
by_id = {u.unit_id: u for u in current}
ranked = [u for u in current if u.rank is not None]
weights = settings.normalised_weights()

band = f"{settings.band_provisional:g}"
tiles = st.container(horizontal=True, gap="small")
with tiles:
    st.metric(t("rk_ranked"), f"{len(ranked):,}", border=True, help=t("rk_ranked_help"))
    st.metric(t("rk_provisional"), f"{sum(1 for u in ranked if u.provisional):,}", border=True,
              help=t("rk_provisional_help", band=band))
    mean = sum(u.score or 0 for u in ranked) / len(ranked) if ranked else None
    st.metric(t("rk_mean"), fmt.number(mean), border=True)
    st.metric(t("rk_five_star"), f"{sum(1 for u in ranked if u.stars == 5):,}", border=True)
stars_note = tables.stars_note(current, settings.star_mode, lang)
st.caption(t("rk_vs_previous", start=f"{prev_f.start:%Y-%m-%d %H:%M}", end=f"{prev_f.end:%Y-%m-%d %H:%M}")
           + " · " + stars_note)

# The other tabs compute and send their content only when opened (a rerun): with every tab in one
# run, a county's league of 1,429 grids took about a second to reach the browser (README "Measured").
tab_table, tab_lists, tab_explain, tab_method = st.tabs(
    [t(k) for k in TAB_KEYS], key="rk_tabs",
    on_change="rerun",
)
file_stem = f"ranking_{level}_{f.unit_id}_{f.start:%Y%m%d}_{f.end:%Y%m%d}"

# --- league table and the profile of one unit ---------------------------------------------------

with tab_table:
    frame = tables.league_frame(rows, lang=lang, parent_names=parent_names, grid_types=level == "grid")
    columns = {c: st.column_config.NumberColumn(c, format=fm) for c, fm in tables.number_formats(frame).items()}
    event = st.dataframe(
        frame, key="rk_table", on_select="rerun", selection_mode="single-row", hide_index=True, placeholder="—",
        width="stretch", height=min(38 + 35 * len(frame), 560), column_config=columns,
    )
    st.caption(t("rk_table_hint", band=band))
    ui.download_table(frame, file_stem, title=t("page_ranking"))

    picked = event.selection.rows if event and event.selection else []
    if picked and st.session_state.get("rk_picked") != picked[0]:
        st.session_state["rk_picked"] = picked[0]
        st.session_state["rk_profile"] = rows[picked[0]].unit.unit_id
    if st.session_state.get("rk_profile") not in by_id:  # (another level or period: not listed now)
        st.session_state["rk_profile"] = None
    st.divider()
    st.subheader(t("rk_profile"))
    # The profile opens on a unit the user picks (a row of the league, or this box): it lies below
    # the league's first screen, and its trend and cases are a pass over the unit's year each.
    unit_id = st.selectbox(t("rk_profile_unit"), list(by_id), key="rk_profile", index=None,
                           placeholder=t("rk_profile_pick"), format_func=lambda i: tables.unit_option(by_id[i], lang))
    if unit_id is None:
        st.caption(t("rk_profile_hint"))
    else:
        u = by_id[unit_id]
        row = next(r for r in rows if r.unit.unit_id == unit_id)
        cards = st.container(horizontal=True, gap="small")
        with cards:
            delta = None if u.score is None or row.previous_score is None else f"{u.score - row.previous_score:+.1f}"
            st.metric(t("rk_col_score"), fmt.number(u.score), delta, border=True, delta_description=t("vs_label"))
            st.metric(t("rk_col_stars"), tables.stars_text(u, lang), border=True)
            st.metric(t("rk_col_rank"), tables.rank_text(u, len(ranked), lang),
                      league.change_text(row, t("rk_new")) if row.change else None, border=True,
                      delta_arrow="off", delta_color="normal" if (row.change or 0) > 0 else "inverse")
            st.metric(t("rk_col_cases"), fmt.count(u.cases), border=True)
        left, right = st.columns(2)
        parent_name = parent_names.get(u.parent_id or "", u.parent_id or "")
        with left:
            st.markdown(f"**{t('rk_radar')}**")
            ui.plotly(charts_ranking.radar_figure(u.components, u.parent_raw, name=u.name, lang=lang,
                                                  parent_name=t("rk_radar_parent", name=parent_name)), key="rk_radar",
                      title=f"{u.name} · {t('rk_radar')}")
        with right:
            st.markdown(f"**{t('rk_trend')}**")
            last_day = min(f.end.date() - dt.timedelta(days=1), f.as_of.date())
            t_start, t_end = league.trend_window(last_day)
            monthly = ui.cached(league.monthly_rows, u.unit_id, u.parent_id, start=t_start, end=t_end, as_of=f.as_of)
            ui.plotly(charts_ranking.trend_figure(league.trend(monthly, settings, start=t_start, end=t_end), lang=lang),
                      key="rk_trend", title=f"{u.name} · {t('rk_trend')}")
            st.caption(t("rk_trend_note"))
        st.markdown(f"**{t('rk_components')}**")
        ui.dataframe(tables.styled(tables.components_frame(u, settings, lang=lang), lang=lang), hide_index=True,
                     placeholder="—", width="stretch")

        st.markdown(f"**{t('rk_cases_title')}**")
        pick = st.columns([2, 3], vertical_alignment="bottom")
        component = pick[0].selectbox(t("rk_cases_component"), ["received", *COMPONENTS], key="rk_case_comp",
                                      format_func=lambda c: tables.component_label(c, lang))
        which = "counted"
        if component != "received":
            with pick[1]:
                which = st.segmented_control(
                    t("rk_cases_which"), ["missed", "counted"], key="rk_case_which", required=True, default="missed",
                    format_func={w: t(f"rk_which_{w}") for w in ("missed", "counted")}.get,
                ) or "missed"
        found = ui.cached(league.component_cases, component, which=which, unit=unit_id, start=f.start, end=f.end,
                          as_of=f.as_of, target_min=settings.response_target_min, limit=200)
        cases = tables.cases_frame(found.rows, lang=lang)
        st.caption(t("rk_cases_total", total=f"{found.total:,}", shown=f"{len(cases):,}")
                   + (f" · {t('rk_response_missed', target=f'{settings.response_target_min:g}')}"
                      if component == "response" and which == "missed" else ""))
        st.dataframe(cases, hide_index=True, placeholder="—", width="stretch", height=min(38 + 35 * len(cases), 420))
        ui.download_table(cases, f"ranking_cases_{unit_id}_{component}_{which}", title=t("rk_cases_title"))

# --- honour and red lists -----------------------------------------------------------------------

with tab_lists:
    if tab_lists.open:
        honour, red = league.honour_and_red(current)
        if not honour:
            st.info(t("rk_lists_empty"))
        else:
            for col, key, units in zip(st.columns(2), ("rk_honour", "rk_red"), (honour, red), strict=True):
                with col:
                    st.subheader(t(key, n=min(league.LIST_SIZE, len(units))))
                    listed = tables.list_frame(units, rows, weights, lang=lang, parent_names=parent_names)
                    st.dataframe(tables.styled(listed, lang=lang), hide_index=True, placeholder="—", width="stretch")
                    ui.download_table(listed, f"{file_stem}_{key}", title=t(key, n=min(league.LIST_SIZE, len(units))))

# --- explain a difference -----------------------------------------------------------------------

with tab_explain:
    if tab_explain.open:
        modes = {"unit": t("rk_mode_unit"), "previous": t("rk_mode_previous"), "last_year": t("rk_mode_last_year")}
        mode = st.segmented_control(t("rk_explain_mode"), list(modes), key="rk_mode", required=True, default="unit",
                                    format_func=modes.get) or "unit"
        choices = [u.unit_id for u in ranked] or list(by_id)
        pick = st.columns(2)
        if st.session_state.get("rk_a") not in choices:
            st.session_state["rk_a"] = unit_id if unit_id in choices else choices[0]
        a_id = pick[0].selectbox(t("rk_explain_a"), choices, key="rk_a", format_func=lambda i: tables.unit_option(by_id[i], lang))
        a = by_id[a_id]
        b, a_label, b_label = None, a.name, ""
        others = [i for i in choices if i != a_id]
        if mode == "unit":
            if others:  # (a single unit has nothing to compare with)
                if st.session_state.get("rk_b") not in others:
                    st.session_state["rk_b"] = league.neighbour(choices, a_id)
                b_id = pick[1].selectbox(t("rk_explain_b"), others, key="rk_b",
                                         format_func=lambda i: tables.unit_option(by_id[i], lang))
                b, b_label = by_id[b_id], by_id[b_id].name
        else:
            other = prev_f.period if mode == "previous" else periods.same_last_year(f.period)
            other_units = gridindex.from_inputs(
                ui.cached(gridindex.inputs, level, start=other.start, end=other.end, as_of=other.as_of, unit=f.unit_id),
                settings)
            b = next((x for x in other_units if x.unit_id == a_id), None)
            a_label = f"{a.name}（{t('rk_period_now')}）" if lang == "zh" else f"{a.name} ({t('rk_period_now')})"
            period_name = t("rk_period_prev" if mode == "previous" else "rk_period_last_year")
            b_label = f"{a.name}（{period_name}）" if lang == "zh" else f"{a.name} ({period_name})"
        if b is None or b.score is None or a.score is None:
            st.info(t("rk_explain_one" if mode == "unit" else "rk_explain_missing"))
        else:
            cmp = league.compare(a, b, settings)
            st.markdown(fmt.escape_md(tables.explain_sentence(cmp, a_label, b_label, lang=lang)))
            left, right = st.columns(2)
            with left:
                ui.plotly(charts_ranking.explain_figure(cmp, lang=lang), key="rk_explain_chart")
            with right:
                ui.dataframe(tables.styled(tables.comparison_frame(cmp, a_label, b_label, lang=lang), lang=lang, points=True),
                             hide_index=True, placeholder="—", width="stretch")

# --- method and the record of weight changes ----------------------------------------------------

with tab_method:
    if tab_method.open:
        st.markdown(t("rk_method", target=f"{settings.response_target_min:g}", k=f"{settings.k:g}", band=band,
                      stars=stars_note))
        st.subheader(t("rk_weights_log"))
        log = tables.log_frame(settings_store.read_log(setting=settings_store.TABLE), lang=lang)
        if log.empty:
            st.caption(t("rk_log_empty"))
        else:
            ui.dataframe(log, hide_index=True, placeholder="—", width="stretch")
