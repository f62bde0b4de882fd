"""Streamlit glue, the only module of gridboard/ that imports streamlit.

It owns: the page registry (PAGES, one line per page with its roles), the page guard, the
server's one database connection and the per-call cursors, the demo build on first start,
who is signed in, the shared sidebar filters (period and unit cascade), cached metric calls
keyed by (database, data version, function, arguments), and small render helpers (tables
with downloads, plotly charts). Everything that can be decided without a browser lives in
the plain modules (auth, fmt, i18n, charts, metrics) and is only called from here.
"""

from __future__ import annotations

import datetime as dt
import importlib
import runpy
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from gridboard import auth, charts, config, export, fmt, i18n, metrics, periods, schema, store

ROOT = config.PROJECT_ROOT
APP_PATH = ROOT / "app.py"
APP_FLAG = "_gridboard_shell_ran"  # set by app.py just before pg.run(), popped by page_guard()
USER_KEY = "_gridboard_user"
FILTERS_KEY = "_gridboard_filters"


# --- page registry -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageSpec:
    path: str  # relative to the project root
    url_path: str
    title_zh: str
    title_en: str
    icon: str
    roles: tuple[str, ...]

    def title(self, lang: str) -> str:
        return i18n.pick(self.title_zh, self.title_en, lang)


# One line per page, in menu order; the first page a role may see is its home page ("/").
PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/overview.py", "overview", "总览", "Overview", ":material/dashboard:", auth.DESK_ROLES),
    PageSpec("pages/scorecard.py", "scorecard", "驾驶舱", "Scorecard", ":material/speed:", auth.DESK_ROLES),
    PageSpec("pages/closure.py", "closure", "办结率", "Closure rate", ":material/task_alt:", auth.DESK_ROLES),
    PageSpec("pages/response.py", "response", "响应时长", "Response time", ":material/timer:", auth.DESK_ROLES),
    PageSpec("pages/why.py", "why", "变化归因", "Why it moved", ":material/waterfall_chart:", auth.DESK_ROLES),
    PageSpec("pages/bigscreen.py", "bigscreen", "指挥中心大屏", "Wall screen", ":material/tv:", ("wall", "staff", "leader", "admin")),
    PageSpec("pages/ranking.py", "ranking", "网格排名", "Grid rankings", ":material/military_tech:", auth.DESK_ROLES),
    PageSpec("pages/volunteers.py", "volunteers", "志愿服务", "Volunteers", ":material/volunteer_activism:", auth.ROLES),
    PageSpec("pages/economy.py", "economy", "集体经济", "Collective economy", ":material/agriculture:", auth.ROLES),
    PageSpec("pages/profile.py", "profile", "网格/村画像", "Unit profile", ":material/badge:", auth.DESK_ROLES),
    PageSpec("pages/import.py", "import", "数据导入", "Data import", ":material/upload_file:", ("admin", "analyst")),
)


def visible_pages(role: str) -> list[PageSpec]:
    return [p for p in PAGES if role in p.roles]


def navigation(role: str | None, *, hidden: bool = False) -> Any:
    """st.navigation over the pages `role` may see (all pages, hidden, before login).

    The first page is the home page at "/". Streamlit serves a default page only there, so it
    also gets a hidden alias at its own url_path: /overview works as a direct URL too.
    """
    specs = list(PAGES) if role is None else visible_pages(role)
    pages = []
    for i, s in enumerate(specs):
        title, path = s.title(lang()), str(ROOT / s.path)
        if i == 0:
            pages.append(st.Page(path, title=title, icon=s.icon, url_path=f"{s.url_path}-home", default=True))
            pages.append(st.Page(path, title=title, icon=s.icon, url_path=s.url_path, visibility="hidden"))
        else:
            pages.append(st.Page(path, title=title, icon=s.icon, url_path=s.url_path))
    return st.navigation(pages, position="hidden" if hidden or role == "wall" else "sidebar")


def page_guard() -> None:
    """First line of every page file: make sure the page runs inside app.py's shell.

    On a freshly started server a direct URL (/overview) runs the page file alone. app.py sets
    APP_FLAG just before pg.run(); when it is missing here, run app.py itself (login gate,
    navigation, filters; it runs this page once through pg.run()) and stop this outer run.
    """
    if st.session_state.pop(APP_FLAG, False):
        return
    runpy.run_path(str(APP_PATH), run_name="__gridboard_app__")
    st.stop()


def mark_shell_ran() -> None:
    st.session_state[APP_FLAG] = True


# --- language ------------------------------------------------------------------------------------


def lang() -> str:
    return "en" if st.session_state.get("lang") == "en" else "zh"


def t(key: str, **values: object) -> str:
    return i18n.text(key, lang(), **values)


def _relabel_choices() -> None:
    """After a language switch, push the kept choices back to their selectboxes: the browser
    holds a choice by its shown label, which the switch changed (近30天 → Last 30 days)."""
    for key in ("f_period", *UNIT_KEYS):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def language_switch() -> None:
    st.session_state.setdefault("lang", "zh")
    st.segmented_control(
        "语言 / Language", i18n.LANGS, format_func=i18n.LANG_NAMES.get, key="lang", required=True,
        label_visibility="collapsed", on_change=_relabel_choices,
    )


# --- database ------------------------------------------------------------------------------------

_BUILD_LOCK = threading.Lock()


def database() -> str:
    """Path of the served database, building the demo county first when the file is missing."""
    cfg = config.load()
    path = cfg.db_path
    if not path.exists():
        with _BUILD_LOCK:
            if not path.exists():
                from gridboard import demo  # heavy (shapely): only on first start

                outline = Path(str(cfg["county_outline"]))
                with st.spinner(t("building_demo")):
                    summary = demo.build_file(
                        path, cases=int(cfg["demo_cases"]), seed=int(cfg["demo_seed"]), as_of=cfg.now(),
                        outline=outline if outline.is_absolute() else ROOT / outline,
                    )
                st.toast(t("demo_built", cases=f"{summary.cases:,}", seconds=f"{summary.seconds:.0f}"))
    return str(path)


@st.cache_resource(show_spinner=False)
def _connection(db: str) -> duckdb.DuckDBPyConnection:
    """The server's one read-write connection to `db` (sessions use cursors of it)."""
    return store.connect(db)


def cursor() -> duckdb.DuckDBPyConnection:
    """A fresh cursor of the server's connection (close it when done)."""
    return _connection(database()).cursor()


def data_version(db: str | None = None) -> int:
    """The data version of the served database (page caches key on it)."""
    cur = _connection(db or database()).cursor()
    try:
        return store.data_version(cur)
    finally:
        cur.close()


@st.cache_data(max_entries=512, ttl=dt.timedelta(minutes=15), show_spinner=False)
def _cached_call(db: str, version: int, name: str, args: tuple, kwargs: dict) -> Any:
    module, _, attr = name.rpartition(".")
    cur = _connection(db).cursor()
    try:
        return getattr(importlib.import_module(module), attr)(cur, *args, **kwargs)
    finally:
        cur.close()


def cached(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """func(cursor, *args, **kwargs) for a module-level gridboard function, cached by
    (database, data version, function, arguments): results change when the data changes."""
    db = database()
    return _cached_call(db, data_version(db), f"{func.__module__}.{func.__qualname__}", args, kwargs)


_UNITS_SQL = "SELECT unit_id, parent_id, level, name FROM units ORDER BY unit_id"


@st.cache_data(max_entries=8, show_spinner=False)
def _unit_tree(db: str, version: int) -> dict[str, list[tuple[str, str, str]]]:
    """Children of each unit: parent_id → [(unit_id, level, name)], root under ""."""
    cur = _connection(db).cursor()
    try:
        rows = cur.execute(_UNITS_SQL).fetchall()
    finally:
        cur.close()
    tree: dict[str, list[tuple[str, str, str]]] = {}
    for unit_id, parent_id, level, name in rows:
        tree.setdefault(parent_id or "", []).append((unit_id, level, name))
    return tree


# --- login ---------------------------------------------------------------------------------------


def current_user() -> auth.User | None:
    """The signed-in user (admin when the gate is off); a valid ?kiosk=TOKEN signs in the wall."""
    if auth.auth_disabled():
        return auth.dev_user()
    user = st.session_state.get(USER_KEY)
    if user is None and kiosk_requested():
        user = auth.kiosk_login(st.query_params.get("kiosk"))
        if user is not None:
            sign_in(user)
    return user


def kiosk_requested() -> bool:
    return "kiosk" in st.query_params


def sign_in(user: auth.User) -> None:
    st.session_state[USER_KEY] = user


def user_box(user: auth.User) -> None:
    """Who is signed in and the logout button (sidebar)."""
    st.caption(fmt.escape_md(t("signed_in_as", who=user.label(lang()))))
    if not auth.auth_disabled() and st.button(t("logout"), icon=":material/logout:", key="logout"):
        st.session_state.pop(USER_KEY, None)
        st.rerun()


# --- filters -------------------------------------------------------------------------------------

UNIT_KEYS: tuple[str, ...] = ("f_unit_1", "f_unit_2", "f_unit_3", "f_unit_4")  # town … micro-grid
LEVEL_LABELS_EN = {"town": "Town / street", "community": "Community / village", "grid": "Grid", "micro_grid": "Micro-grid"}


def level_label(levels: set[str] | str) -> str:
    """镇街 / 社区/村 / 网格 / 微网格 for a level (villages count as communities); 下级单位 if mixed."""
    found = {"community" if lv == "village" else lv for lv in ({levels} if isinstance(levels, str) else levels)}
    if len(found) != 1:
        return i18n.pick("下级单位", "Sub-unit", lang())
    level = found.pop()
    return i18n.pick(schema.DIMENSION_LABELS_ZH.get(level, level), LEVEL_LABELS_EN.get(level, level), lang())


@dataclass(frozen=True)
class Filters:
    """The shared filters: period [start, end) evaluated at as_of, and a unit, with labels."""

    start: dt.datetime
    end: dt.datetime
    as_of: dt.datetime
    unit_id: str
    unit_name: str
    label: str
    preset: str = periods.DEFAULT_PRESET

    @property
    def period(self) -> periods.Period:
        return periods.Period(self.start, self.end, self.as_of, self.preset)

    def previous(self) -> Filters:
        """The previous period (环比), cut at the same elapsed point (periods.previous)."""
        p = periods.previous(self.period)
        return replace(self, start=p.start, end=p.end, as_of=p.as_of)

    def window(self) -> dict[str, Any]:
        """Keyword arguments of the metric functions (start, end, as_of, unit)."""
        return {"start": self.start, "end": self.end, "as_of": self.as_of, "unit": self.unit_id}


def _unit_cascade(tree: dict[str, list[tuple[str, str, str]]]) -> tuple[str, list[str]]:
    """Selectboxes 镇街 → 社区/村 → 网格 → 微网格; returns (unit id, names from the top)."""
    root_id, _, root_name = tree[""][0]
    selected, names = root_id, [root_name]
    for depth, key in enumerate(UNIT_KEYS):
        children = tree.get(selected, [])
        if not children:
            break
        by_id = {uid: name for uid, _, name in children}
        if st.session_state.get(key) not in by_id:
            st.session_state[key] = ""

        def clear_below(depth: int = depth) -> None:
            for deeper in UNIT_KEYS[depth + 1:]:
                st.session_state[deeper] = ""

        choice = st.selectbox(
            level_label({lv for _, lv, _ in children}), ["", *by_id], key=key, on_change=clear_below,
            format_func=lambda uid, by_id=by_id: by_id.get(uid, t("all_units")),
        )
        if not choice:
            break
        selected = choice
        names.append(by_id[choice])
    return selected, names


def child_level_label(unit_id: str) -> str:
    """Name of the level below `unit_id` (镇街, 社区/村, 网格, 微网格), "下级单位" when mixed/none."""
    db = database()
    return level_label({lv for _, lv, _ in _unit_tree(db, data_version(db)).get(unit_id, [])})


def filters(*, render: bool = False) -> Filters:
    """The shared filters: drawn in the sidebar by app.py (render=True), read by pages."""
    if not render and FILTERS_KEY in st.session_state:
        return st.session_state[FILTERS_KEY]
    if not render:  # a page run without app.py's sidebar (should not happen behind page_guard)
        with st.sidebar:
            return filters(render=True)
    as_of = config.load().now().replace(second=0)
    today = as_of.date()
    st.session_state.setdefault("f_period", periods.DEFAULT_PRESET)
    st.markdown(f"**{t('filters')}**")
    labels = periods.PRESET_LABELS_EN if lang() == "en" else periods.PRESET_LABELS_ZH
    preset = st.selectbox(t("period"), periods.PRESETS, key="f_period", format_func=labels.get)
    custom = None
    if preset == "custom":
        st.session_state.setdefault("f_range", periods.bounds(periods.DEFAULT_PRESET, today))
        picked = st.date_input(t("date_range"), key="f_range", max_value=today + dt.timedelta(days=366))
        if isinstance(picked, tuple | list) and len(picked) == 2:
            custom = (picked[0], picked[1])
        else:
            st.caption(t("bad_range"))
    period = periods.period(preset if preset != "custom" or custom else periods.DEFAULT_PRESET, as_of, custom)
    db = database()
    tree = _unit_tree(db, data_version(db))
    if not tree.get(""):
        st.error(t("no_units"))
        st.stop()
    unit_id, names = _unit_cascade(tree)
    last = period.end.date() - dt.timedelta(days=1)
    label = t("period_label", start=period.start.date().isoformat(), end=last.isoformat())
    result = Filters(period.start, period.end, as_of, unit_id, " / ".join(names), label, period.preset)
    st.session_state[FILTERS_KEY] = result
    return result


# --- rendering helpers ---------------------------------------------------------------------------


def page_header(title: str, f: Filters) -> None:
    """Page title with the area, period and as-of stamp under it (free text escaped)."""
    st.title(title)
    st.caption(
        f"{fmt.escape_md(f.unit_name)} · {fmt.escape_md(f.label)} · "
        f"{fmt.escape_md(t('as_of', as_of=f.as_of.strftime('%Y-%m-%d %H:%M')))}"
    )


def plotly(fig: Any, *, key: str | None = None) -> None:
    st.plotly_chart(fig, theme=None, config=charts.PLOTLY_CONFIG, key=key, width="stretch")


def download_table(df: pd.DataFrame, name: str) -> None:
    """CSV (UTF-8 with BOM, opens in Excel) and .xlsx download buttons for a table; the files are
    made by gridboard.export (formula-safe) only when a button is clicked."""
    row = st.container(horizontal=True, gap="small")
    with row:
        st.download_button(t("download_csv"), lambda: export.to_csv_bytes(df), file_name=f"{name}.csv",
                           mime="text/csv", icon=":material/download:", on_click="ignore", key=f"dl_csv_{name}")
        st.download_button(
            t("download_xlsx"), lambda: export.to_xlsx_bytes(df), file_name=f"{name}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            icon=":material/table_view:", on_click="ignore", key=f"dl_xlsx_{name}",
        )


def metrics_table(df: pd.DataFrame) -> None:
    """A metrics frame from fmt.metrics_frame with number formats per metric kind."""
    formats = {"rate": "%.1f", "minutes": "%.1f", "hours": "%.1f", "count": "localized"}
    column_config = {}
    for m in metrics.METRICS:
        label = fmt.column_label(m, lang())
        if label in df.columns:
            column_config[label] = st.column_config.NumberColumn(label, format=formats[m.kind], help=m.zh)
    st.dataframe(df, hide_index=True, width="stretch", column_config=column_config)


# --- per-session resources -----------------------------------------------------------------------


def _release_all(slots: dict[str, Any]) -> None:
    for resource in list(slots.values()):
        resource.close()
    slots.clear()


@st.cache_resource(scope="session", on_release=_release_all, show_spinner=False)
def _session_slots() -> dict[str, Any]:
    """Resources held by this session (released when the session disconnects or ends)."""
    return {}


def hold(key: str, resource: Any | None = None) -> None:
    """Keep `resource` (an object with close()) for this session under `key`, closing the one it
    replaces; `hold(key)` closes and forgets it. Whatever is held is closed when the session ends."""
    slots = _session_slots()
    old = slots.pop(key, None)
    if old is not None and old is not resource:
        old.close()
    if resource is not None:
        slots[key] = resource


def held(key: str) -> Any | None:
    """What this session holds under `key` (None when nothing, or after a reconnect)."""
    return _session_slots().get(key)
