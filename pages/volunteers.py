"""志愿服务 / Volunteers: registered and active volunteers, hours, party share, per 100 households,
activity types, monthly trend, star levels, the points leaderboard (names masked except for
leaders) and the units with few volunteers but many cases. Definitions: gridboard/volunteers.py."""

from gridboard import ui

ui.page_guard()

import streamlit as st

from gridboard.core import config, export
from gridboard.people import profile, volunteers
from gridboard.render import charts_people

TILE_WIDTH = 205
TILES_MAX_WIDTH = 6 * TILE_WIDTH + 5 * 16

f = ui.filters()
lang = ui.lang()
user = ui.current_user()
role = user.role if user else None
cfg = config.load()
edges = volunteers.star_edges(cfg)
ui.page_header(ui.t("page_volunteers"), f)

period = {"start": f.start, "end": f.end, "unit": f.unit_id}
prev_f = f.previous()
now = ui.cached(volunteers.summary, **period)
before = ui.cached(volunteers.summary, start=prev_f.start, end=prev_f.end, unit=f.unit_id)

st.subheader(ui.t("vol_heading"))
st.caption(ui.t("vol_vs_previous", start=f"{prev_f.start:%Y-%m-%d %H:%M}", end=f"{prev_f.end:%Y-%m-%d %H:%M}"))
TILES = (  # key, kind, compare with the previous period
    ("registered", "count", True), ("active", "count", True), ("active_rate", "rate", True),
    ("hours", "hours", True), ("hours_per_active", "hours", True), ("points", "count", True),
    ("party_share", "rate", False), ("per_100_households", "number", False), ("new_registered", "count", True),
    ("party_active", "count", True), ("services", "count", True), ("households", "count", False),
)
tiles = st.container(horizontal=True, horizontal_alignment="distribute", gap="small", width=TILES_MAX_WIDTH)
for key, kind, compare in TILES:
    with tiles:
        st.metric(**charts_people.tile(
            kind, now[key], before[key] if compare else None, label=ui.t(f"vol_{key}"), lang=lang,
            help=ui.t(f"vol_def_{key}"), description=ui.t("vs_label"),
        ), border=True, width=TILE_WIDTH)

if not now["registered"]:
    st.info(ui.t("vol_none"))
    st.stop()

left, right = st.columns([3, 2])
with left:
    st.subheader(ui.t("vol_trend"))
    ui.plotly(charts_people.volunteer_trend_figure(ui.cached(volunteers.trend, end=f.end, unit=f.unit_id), lang=lang),
              key="vol_trend", caption=export.caption(  # its own window: the 12 months up to the period's end
                  ui.t("vol_trend"), f.unit_name, volunteers.months_back(f.end), f.end, f.as_of, lang, ui.t("page_volunteers")))
with right:
    st.subheader(ui.t("vol_activity"))
    acts = ui.cached(volunteers.activity, **period)
    if acts:
        ui.plotly(charts_people.activity_figure(acts, lang=lang), key="vol_activity", title=ui.t("vol_activity"))
    else:
        st.info(ui.t("vol_no_services"))

left, right = st.columns([2, 3])
with left:
    st.subheader(ui.t("vol_stars"))
    ui.plotly(charts_people.stars_figure(ui.cached(volunteers.stars, end=f.end, unit=f.unit_id, edges=edges), lang=lang),
              key="vol_stars", title=ui.t("vol_stars"))
    st.caption(ui.t("vol_stars_note", edges=" / ".join(f"{e:g}" for e in edges)))
with right:
    st.subheader(ui.t("vol_leaderboard"))
    board = ui.cached(volunteers.leaderboard, **period, limit=20, edges=edges)
    if board:
        table = volunteers.leaderboard_frame(board, role=role, lang=lang)
        st.dataframe(table, hide_index=True, width="stretch", height=min(36 * len(table) + 40, 420))
        if role not in volunteers.FULL_NAME_ROLES:
            st.caption(ui.t("vol_names_masked"))
        ui.download_table(table, f"volunteer_points_{f.unit_id}_{f.start:%Y%m%d}_{f.end:%Y%m%d}",
                          title=ui.t("vol_leaderboard"))
    else:
        st.info(ui.t("vol_no_services"))

level = ui.cached(profile.unit_info, f.unit_id)["level"]
levels = volunteers.by_unit_choices(level)
st.subheader(ui.t("vol_by_unit"))
by = st.segmented_control(ui.t("vol_by_level"), levels, default=levels[0], key="vol_by",
                          format_func=lambda b: ui.t(f"vol_level_{b}"), required=True) or levels[0]
rows = ui.cached(volunteers.by_unit, by, **f.window(), few_ratio=float(cfg["few_volunteers_ratio"]))
if not rows:
    st.info(ui.t("no_children"))
    st.stop()
flagged = volunteers.few_but_busy(rows)
st.markdown(f"**{ui.t('vol_few_busy')}**")
st.caption(ui.t("vol_few_busy_note", ratio=f"{float(cfg['few_volunteers_ratio']) * 100:.0f}"))
if flagged:
    ui.dataframe(volunteers.units_frame(flagged, lang=lang), hide_index=True, width="stretch")
    if any(p.path == "pages/profile.py" for p in ui.visible_pages(role or "")):
        names = {r["unit_id"]: r["name"] for r in flagged}
        with st.container(horizontal=True, vertical_alignment="bottom"):
            pick = st.selectbox(ui.t("prof_pick_unit"), list(names), format_func=names.get, key="vol_profile_pick", width=360)
            st.page_link("pages/profile.py", label=ui.t("prof_open"), icon=":material/badge:",
                         query_params={"unit": pick})
else:
    st.success(ui.t("vol_few_busy_none"))
with st.expander(ui.t("vol_all_units", n=len(rows))):
    table = volunteers.units_frame(rows, lang=lang)
    st.dataframe(table, hide_index=True, width="stretch")
    ui.download_table(table, f"volunteers_{by}_{f.unit_id}_{f.start:%Y%m%d}_{f.end:%Y%m%d}",
                      title=ui.t("vol_by_unit"))
