"""集体经济 / Collective economy: villages by operating-income band (bands from the config), weak
villages against last year, 3万 floor and 10万 goal, total and median income, year-on-year growth,
cooperatives and party-led cooperatives, dividends, the map of villages by band (no basemap) and
the weak villages with their trend. Definitions: gridboard/economy.py."""

from gridboard import ui

ui.page_guard()

import datetime as dt

import streamlit as st

from gridboard.core import config, export
from gridboard.people import economy
from gridboard.render import charts_people

TILE_WIDTH = 205
TILES_MAX_WIDTH = 6 * TILE_WIDTH + 5 * 16

f = ui.filters()
lang = ui.lang()
user = ui.current_user()
settings = economy.settings_from(config.load())
ui.page_header(ui.t("page_economy"), f)

years = ui.cached(economy.years, f.unit_id)
if not years:
    st.info(ui.t("eco_none"))
    st.stop()
default = ui.cached(economy.default_year, f.unit_id, upto=economy.period_year(f.end))
year = st.selectbox(ui.t("eco_year"), years[::-1], index=years[::-1].index(default), key="eco_year",
                    format_func=lambda y: ui.t("eco_year_label", year=y), width=220)
now = ui.cached(economy.summary, year=year, unit=f.unit_id, settings=settings)
if not now["villages"]:
    st.info(ui.t("eco_no_villages"))
    st.stop()
labels = economy.band_labels(settings.edges, lang)


def year_caption(title: str) -> export.Caption:  # downloads of the chosen year, not the sidebar's period
    return export.Caption(title, f.unit_name, dt.date(year, 1, 1), dt.date(year, 12, 31), f.as_of, lang, ui.t("page_economy"))


names = economy.label_values(settings, lang)

st.subheader(ui.t("eco_heading", year=year))
st.caption(ui.t("eco_caption", villages=now["villages"], reporting=now["reporting"], year=year,
                weak_edge=labels[0]))
vs = ui.t("eco_vs_last_year")
TILES = (  # key, kind, previous-year key, higher is better
    ("weak", "count", "weak_prev", False), ("below_floor", "count", "below_floor_prev", False),
    ("at_goal", "count", "at_goal_prev", True), ("total_operating_income", "wan", None, True),
    ("median_operating_income", "wan", None, True), ("yoy_growth", "rate", None, True),
    ("cooperatives", "count", None, True), ("party_led_cooperatives", "count", None, True),
    ("party_led_share", "rate", None, True), ("dividends", "wan", None, True),
    ("total_income", "wan", None, True), ("no_data", "count", None, False),
)
tiles = st.container(horizontal=True, horizontal_alignment="distribute", gap="small", width=TILES_MAX_WIDTH)
for key, kind, prev_key, better in TILES:
    with tiles:
        st.metric(**charts_people.tile(
            kind, now[key], now[prev_key] if prev_key else None, label=ui.t(f"eco_{key}", **names), lang=lang,
            help=ui.t(f"eco_def_{key}", **names),
            higher_is_better=better, description=vs, relative=False,
        ), border=True, width=TILE_WIDTH)

villages = ui.cached(economy.villages, year=year, unit=f.unit_id, settings=settings)
st.subheader(ui.t("eco_map", year=year))
shapes = ui.cached(economy.shapes, f.unit_id)
st.pydeck_chart(charts_people.economy_map(villages, shapes, labels=labels, year=year, lang=lang, height_px=600),
                height=600, key="eco_map")
st.markdown(charts_people.legend_html(labels, ui.t("eco_map_note")), unsafe_allow_html=True)
left, right = st.columns(2)
with left:
    st.subheader(ui.t("eco_bands"))
    bands = ui.cached(economy.bands, year=year, unit=f.unit_id, settings=settings, lang=lang)
    ui.plotly(charts_people.bands_figure(bands, year=year, lang=lang), key="eco_bands", caption=year_caption(ui.t("eco_bands")))
with right:
    st.subheader(ui.t("eco_history"))
    history = ui.cached(economy.history, year=year, unit=f.unit_id, settings=settings)
    ui.plotly(charts_people.economy_history_figure(history, lang=lang), key="eco_history",
              caption=export.Caption(ui.t("eco_history"), f.unit_name, as_of=f.as_of, lang=lang, page=ui.t("page_economy")))

st.subheader(ui.t("eco_weak_list", year=year, n=now["weak"]))
weak = [v for v in villages if v["weak"]]
if weak:
    ui.dataframe(economy.villages_frame(weak, year=year, labels=labels, lang=lang), hide_index=True, width="stretch",
                 column_config={ui.t("eco_col_trend"): st.column_config.LineChartColumn(ui.t("eco_col_trend"),
                                                                                       y_min=0)})
    if any(p.path == "pages/profile.py" for p in ui.visible_pages(user.role if user else "")):
        names = {v["unit_id"]: f"{v['name']}（{v['parent_name'] or '—'}）" for v in weak}
        with st.container(horizontal=True, vertical_alignment="bottom"):
            pick = st.selectbox(ui.t("prof_pick_unit"), list(names), format_func=names.get, key="eco_profile_pick", width=360)
            st.page_link("pages/profile.py", label=ui.t("prof_open"), icon=":material/badge:",
                         query_params={"unit": pick})
else:
    st.success(ui.t("eco_weak_none", year=year))

with st.expander(ui.t("eco_all_villages", n=len(villages))):
    table = economy.villages_frame(villages, year=year, labels=labels, lang=lang)
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={ui.t("eco_col_trend"): st.column_config.LineChartColumn(ui.t("eco_col_trend"),
                                                                                       y_min=0)})
    ui.download_table(table.drop(columns=[ui.t("eco_col_trend")]), f"collective_economy_{f.unit_id}_{year}",
                      caption=year_caption(ui.t("eco_all_villages", n=len(villages))))
