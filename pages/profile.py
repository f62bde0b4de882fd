"""网格/村画像 / Unit profile: one page for any unit — flags with their reasons, case KPIs against
the previous period, grid index and stars within its parent, cases by category, volunteers,
collective economy (villages), households and the units below it. The unit comes from ?unit=ID
(other pages link here), else the shared filter; a search box picks any other. gridboard/profile.py
gathers the numbers."""

from gridboard import ui

ui.page_guard()

import streamlit as st

from gridboard.core import catalog, config, fmt, params, schema
from gridboard.metrics import engine
from gridboard.people import economy, profile
from gridboard.ranking import gridindex
from gridboard.render import charts, charts_people

TILE_WIDTH = 205
TILES_MAX_WIDTH = 6 * TILE_WIDTH + 5 * 16
KPI_TILES = ("received", "closure_rate", "on_time_rate", "satisfaction_rate", "overdue_open")  # + the index tile

f = ui.filters()
lang = ui.lang()
settings = profile.settings_from(config.load())

# The unit: ?unit=ID until the shared filter's unit changes, then the filter's unit again.
if st.session_state.get("_prof_filter_unit", f.unit_id) != f.unit_id:
    st.query_params.pop("unit", None)
st.session_state["_prof_filter_unit"] = f.unit_id

st.title(ui.t("page_profile"))
search_col, pick_col = st.columns([1, 2], vertical_alignment="bottom")
text = search_col.text_input(ui.t("prof_search"), key="prof_search", placeholder=ui.t("prof_search_hint"))
found = ui.cached(profile.search, text) if text.strip() else []
if found:
    options = {r["unit_id"]: f"{r['name']}（{schema.label('level', r['level'], lang)}"
               + (f" · {r['parent_name']}" if r["parent_name"] else "") + "）" for r in found}
    pick = pick_col.selectbox(ui.t("prof_results", n=len(found)), list(options), format_func=options.get,
                              index=None, placeholder=ui.t("prof_pick_placeholder"), key="prof_pick")
    if pick and pick != st.query_params.get("unit"):
        st.query_params["unit"] = pick
elif text.strip():
    pick_col.caption(ui.t("prof_no_match"))

asked = st.query_params.get("unit")
unit = params.unit_id(asked) or f.unit_id
try:
    if asked and unit == f.unit_id and asked != f.unit_id:
        raise engine.MetricError("not a unit id")  # ?unit= that cannot be an id: same notice
    p = ui.cached(profile.build, unit, start=f.start, end=f.end, as_of=f.as_of, preset=f.preset, settings=settings)
except engine.MetricError:
    st.warning(ui.t("prof_unknown_unit", unit=fmt.escape_md(params.shown(asked or unit))))
    st.query_params.pop("unit", None)
    p = ui.cached(profile.build, f.unit_id, start=f.start, end=f.end, as_of=f.as_of, preset=f.preset,
                  settings=settings)
info, k, kp = p["unit"], p["kpis"], p["kpis_prev"]

st.subheader(f"{fmt.escape_md(info['name'])} · {schema.label('level', info['level'], lang)}")
st.caption(f"{fmt.escape_md(info['path'])} · {fmt.escape_md(f.label)} · "
           f"{fmt.escape_md(ui.t('as_of', as_of=f.as_of.strftime('%Y-%m-%d %H:%M')))}")
if unit != f.unit_id and st.button(ui.t("prof_back_to_filter", name=f.unit_name.split(" / ")[-1]), key="prof_reset"):
    st.query_params.pop("unit", None)
    st.rerun()

with st.container(border=True):
    st.markdown(f"**{ui.t('prof_flags')}**")
    if p["flags"]:
        for flag in p["flags"]:
            badge = ui.t("prof_badge_high") if flag["severity"] == "high" else ui.t("prof_badge_medium")
            colour = "red" if flag["severity"] == "high" else "orange"
            st.markdown(f":{colour}-badge[{badge}] {fmt.escape_md(profile.flag_text(flag, lang))}")
    else:
        st.markdown(f":green-badge[{ui.t('prof_badge_ok')}] {ui.t('prof_no_flags')}")

st.subheader(ui.t("prof_cases"))
st.caption(ui.t("vs_previous", start=f"{p['period']['prev_start']:%Y-%m-%d %H:%M}",
                end=f"{p['period']['prev_end']:%Y-%m-%d %H:%M}"))
tiles = st.container(horizontal=True, horizontal_alignment="distribute", gap="small", width=TILES_MAX_WIDTH)
for key in KPI_TILES:
    m = catalog.METRIC_BY_KEY[key]
    with tiles:
        st.metric(fmt.metric_label(m, lang, with_unit=False), fmt.metric(m, k[key], lang),
                  fmt.delta(m, k[key], kp[key], lang), **fmt.delta_style(m, k[key], kp[key]),
                  delta_description=ui.t("vs_label"), help=ui.t(f"def_{key}"), border=True, width=TILE_WIDTH)
idx = p["index"]
with tiles:
    if idx is None:
        st.metric(ui.t("prof_index"), "—", help=ui.t("prof_index_county"), border=True, width=TILE_WIDTH)
    else:
        score = "—" if idx["score"] is None else f"{idx['score']:.1f}"
        rank = ui.t("prof_rank", rank=idx["rank_in_parent"], of=idx["ranked_in_parent"]) \
            if idx["rank_in_parent"] else ui.t("prof_not_ranked")
        stars = gridindex.star_text(idx["stars"]) if idx["stars"] else ""
        st.metric(f"{ui.t('prof_index')} {stars}", score, rank, delta_color="off", delta_arrow="off",
                  help=ui.t("prof_index_help"), border=True, width=TILE_WIDTH)

left, right = st.columns([3, 2])
with left:
    st.subheader(ui.t("by_category"))
    if p["categories"]:
        ui.plotly(charts.category_figure(p["categories"], lang=lang), key="prof_categories", title=ui.t("by_category"))
    else:
        st.info(ui.t("no_cases"))
with right:
    st.subheader(ui.t("prof_index_parts"))
    if idx is not None and idx["components"]:
        ui.plotly(charts_people.index_components_figure(idx["components"], lang=lang), key="prof_index_parts",
                  title=ui.t("prof_index_parts"))
        st.caption(ui.t("prof_index_parts_note"))
    else:
        st.info(ui.t("prof_index_county") if idx is None else ui.t("prof_not_ranked"))

st.subheader(ui.t("prof_volunteers"))
vol = p["volunteers"]
box = st.container(horizontal=True, horizontal_alignment="distribute", gap="small", width=TILES_MAX_WIDTH)
for key, kind in (("registered", "count"), ("active", "count"), ("hours", "hours"), ("hours_per_active", "hours"),
                  ("per_100_households", "number"), ("party_share", "rate")):
    with box:
        st.metric(**charts_people.tile(kind, vol[key], label=ui.t(f"vol_{key}"), lang=lang,
                                       help=ui.t(f"vol_def_{key}")), border=True, width=TILE_WIDTH)
st.caption(ui.t("prof_county_per_100", value=fmt.number(p["county_per_100_households"])))

eco, village = p["economy"], p["village"]
if eco is not None:
    labels = economy.band_labels(settings.economy.edges, lang)
    names = economy.label_values(settings.economy, lang)
    st.subheader(ui.t("prof_economy", year=p["year"]))
    box = st.container(horizontal=True, horizontal_alignment="distribute", gap="small", width=TILES_MAX_WIDTH)
    if village is not None:
        band = labels[village["band"]] if village["band"] is not None else ui.t("eco_no_data_label")
        figures = [("wan", village["operating_income"], village["income_prev"], "eco_col_income_now"),
                   ("rate", village["growth"], None, "eco_col_growth_tile"),
                   ("count", village["cooperatives"], None, "eco_col_cooperatives"),
                   ("count", village["party_led_cooperatives"], None, "eco_col_party_led"),
                   ("wan", village["dividends"], None, "eco_col_dividends_tile")]
        with box:
            st.metric(ui.t("eco_col_band"), band, border=True, width=TILE_WIDTH)
    else:
        figures = [("count", eco["villages"], None, "eco_villages"), ("count", eco["weak"], eco["weak_prev"], "eco_weak"),
                   ("count", eco["below_floor"], eco["below_floor_prev"], "eco_below_floor"),
                   ("wan", eco["total_operating_income"], None, "eco_total_operating_income"),
                   ("wan", eco["median_operating_income"], None, "eco_median_operating_income"),
                   ("rate", eco["yoy_growth"], None, "eco_yoy_growth")]
    for kind, value, before, key in figures:
        with box:
            lower_is_better = key in ("eco_weak", "eco_below_floor")
            st.metric(**charts_people.tile(kind, value, before, label=ui.t(key, year=p["year"], **names), lang=lang,
                                           higher_is_better=not lower_is_better,
                                           description=ui.t("eco_vs_last_year"), relative=False),
                      border=True, width=TILE_WIDTH)
    if village is not None and village["history"]:
        st.caption(ui.t("prof_village_history") + " · ".join(
            f"{y}: {fmt.wan_yuan(v, lang=lang)}" for y, v in zip(village["history_years"], village["history"], strict=True)))

st.subheader(ui.t("prof_structure"))
box = st.container(horizontal=True, gap="small", width=TILES_MAX_WIDTH)
for key in ("households", "population", "towns", "communities", "villages", "grids", "micro_grids"):
    if key in ("households", "population") or info[key]:
        with box:
            st.metric(ui.t(f"prof_{key}"), fmt.count(info[key]), border=True, width=TILE_WIDTH)
st.caption(ui.t("prof_staff_note"))
