"""指挥中心大屏 / command-centre wall screen: tiles, map, deadline wall, feed and trends on one
16:9 screen without scrolling, refreshed in place.

Two fragments: the live one (stamp, tiles, deadline wall, map, feed, 24 hours) reruns every
?refresh=SECONDS (default: the refresh_seconds setting); the slow one (30 days, categories, grid
ranks) every SLOW_SECONDS. ?rotate=SECONDS cycles the county and its towns, ?unit=ID pins one,
?lang=en switches the language. No sidebar or header (kiosk, also with ?embed=true); a desk user
gets a 退出大屏 link back to their home page. Everything shown comes from gridboard.bigscreen*.
"""

from gridboard import ui

ui.page_guard()

import time

import streamlit as st

from gridboard.core import auth, config, i18n
from gridboard.render import maps
from gridboard.render import wall_charts as charts
from gridboard.render import wall_view as view
from gridboard.server import outlines
from gridboard.wall import board, shared

MAP_W, MAP_H = 740, 418  # CSS pixels of the map in the 1920×1080 frame (the style sheet zooms it)

cfg = config.load()
opts = board.options(st.query_params.to_dict(), cfg)
lang = opts.lang or ui.lang()
user = ui.current_user()
st.html(view.css())
ui.errors.ignored_params(opts.ignored, st.query_params.to_dict(), toast=True)

try:  # static per data version; an unreadable database shows in the live stamp instead
    scopes: list[tuple[str, str]] = ui.cached(board.views)
    base: maps.MapBase | None = ui.cached(maps.base)
except board.DB_ERRORS:
    scopes, base = [], None
names = dict(scopes)
pinned = opts.unit if opts.unit in names else None
if opts.unit is not None and pinned is None and names:
    ui.errors.ignored_params(["unit"], st.query_params.to_dict(), toast=True)
rotation = None if pinned else board.rotation_index(cfg.now(), opts.rotate_s, len(scopes))
unit = pinned or (scopes[rotation][0] if scopes else None)


def shared_key() -> tuple[str, int] | None:
    """(database, data version): every wall with the same one shares one computation per tick."""
    try:
        return ui.database(), ui.data_version()
    except board.DB_ERRORS:
        return None


@st.fragment(run_every=opts.refresh_s)
def live_panel() -> None:
    now = cfg.now()
    if rotation is not None and board.rotation_index(now, opts.rotate_s, len(scopes)) != rotation:
        st.rerun(scope="app")  # the next town: every panel follows
    as_of, share = board.tick(now, opts.refresh_s), shared_key()
    data = board.read_live(ui.cursor, ui.cached, as_of=as_of, stale_after=opts.stale_after, unit=unit, share=share)
    with st.container(key="bs_head", horizontal=True, gap="medium", vertical_alignment="center"):
        st.title(i18n.text("bs_page", lang), anchor=False, width="content")
        st.html(view.scope(scopes, unit, rotation if opts.rotate_s else None, lang), width="content")
        st.space("stretch")
        st.html(view.clock(now, lang), width="content")
        st.html(view.stamp(data.freshness, lang, version=data.version, run=time.time()), width="content")
        home = ui.visible_pages(user.role)[0] if user is not None and user.role in auth.DESK_ROLES else None
        if home is not None and home.url_path != "bigscreen":  # a desk user's way back (no sidebar here)
            st.page_link(home.path, label=i18n.text("bs_exit", lang), icon=":material/logout:", width="content")
    with st.container(key="bs_tiles"), st.container(key=f"bs_state_{data.freshness.state}"):
        for column, pair in zip(st.columns(6), view.tiles(data, lang), strict=True):
            with column:
                for tile in pair:
                    st.metric(tile.label, tile.value, tile.delta, delta_color=tile.delta_color,
                              delta_arrow=tile.delta_arrow, delta_description=tile.compare)
    left, middle, right = st.columns([35, 39, 26])
    with left:
        st.html(view.wall(data.wall, data.open_now, lang))
    with middle, st.container(key="bs_p_map"):
        # the no-WebGL note's script rides in the title's element: an element of its own would add a
        # row gap to the frame (st.html with a script is laid out, one with only <style> is not)
        st.html(view.panel_title(i18n.text("bs_map_title", lang), i18n.text("bs_map_legend", lang))
                + maps.no_webgl_script(i18n.text("map_no_webgl", lang)), unsafe_allow_javascript=True)
        if base is None or base.empty:
            st.html(view.empty_note(i18n.text("bs_map_empty", lang)))
        else:
            urls = {kind: outlines.url(kind, base.digest) for kind in maps.OUTLINES}  # loaded once, not per refresh

            def deck() -> shared.FrozenDeck:  # built and serialised once per tick for every wall
                return shared.FrozenDeck(maps.wall_deck(base, data.grids, focus=unit, width=MAP_W, height=MAP_H,
                                                        outlines=urls))

            frozen = deck() if share is None or data.freshness.error else shared.DECKS.get(
                (*share, as_of, unit, base.digest), deck)
            st.pydeck_chart(frozen, height=MAP_H)  # type: ignore[arg-type]  # reads to_json() (FrozenDeck)
    with right:
        st.html(view.feed(data.feed, now, lang))
        st.html(view.chart_panel(i18n.text("bs_hourly_title", lang), charts.hourly(data.hours, lang), "hourly"))


@st.fragment(run_every=max(opts.refresh_s, board.SLOW_SECONDS))
def slow_panel() -> None:
    slow = board.read_slow(ui.cached, now=cfg.now(), unit=unit)
    trend, categories, best, worst = st.columns([31, 25, 22, 22])
    if slow is None:  # the database cannot be read: the live stamp says so
        return
    with trend:
        svg = charts.trend(slow.days, *slow.shown_days(), lang)
        st.html(view.chart_panel(i18n.text("bs_trend_title", lang), svg, "trend"))
    with categories:
        svg = charts.categories(slow.categories, lang)
        st.html(view.chart_panel(i18n.text("bs_category_title", lang), svg, "categories"))
    n, level, empty = board.EXTREME_ROWS, slow.grids["level"], i18n.text("bs_no_ranked", lang)
    with best:
        st.html(view.grid_list(view.grid_title("best", level, n, lang), slow.grids["best"], empty, "best"))
    with worst:
        st.html(view.grid_list(view.grid_title("worst", level, n, lang), slow.grids["worst"], empty, "worst"))


with st.container(key="bs_root"):
    live_panel()
    slow_panel()
