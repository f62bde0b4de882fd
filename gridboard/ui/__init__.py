"""The Streamlit glue, the only package that imports streamlit: the shell every page runs in
(page registry, role-aware navigation, page guard, login box, language switch), re-exporting the
session, filter and widget helpers so pages write `from gridboard import ui` and `ui.filters()`.
"""

from __future__ import annotations

import runpy
from dataclasses import dataclass
from typing import Any

import streamlit as st

from gridboard.core import auth, config, fmt, i18n, sessions
from gridboard.server import kiosk
from gridboard.ui import errors
from gridboard.ui.filters import (
    FILTERS_KEY,
    LEVEL_LABELS_EN,
    UNIT_KEYS,
    Filters,
    child_level_label,
    filters,
    level_label,
    show_ignored,
    url_choice,
)
from gridboard.ui.printing import dataframe
from gridboard.ui.session import (
    cached,
    cursor,
    data_version,
    database,
    demo_data,
    held,
    hold,
    lang,
    t,
    url_language,
)
from gridboard.ui.widgets import download_table, metrics_table, page_header, plotly, preload_charts

# What pages use (`ui.filters()`, `ui.t(...)`): this module's shell plus the re-exported helpers.
__all__ = [
    "FILTERS_KEY",
    "Filters",
    "LEVEL_LABELS_EN",
    "UNIT_KEYS",
    "USER_KEY",
    "cached",
    "child_level_label",
    "cursor",
    "data_version",
    "dataframe",
    "database",
    "demo_data",
    "download_table",
    "errors",
    "filters",
    "held",
    "hold",
    "lang",
    "level_label",
    "metrics_table",
    "page_header",
    "plotly",
    "preload_charts",
    "require_settings",
    "show_ignored",
    "t",
    "url_choice",
    "url_language",
    "APP_FLAG",
    "PAGES",
    "PageSpec",
    "cookie_sync",
    "current_user",
    "kiosk_requested",
    "language_switch",
    "mark_shell_ran",
    "navigation",
    "page_guard",
    "sign_in",
    "user_box",
    "visible_pages",
]

ROOT = config.PROJECT_ROOT
APP_PATH = ROOT / "app.py"
APP_FLAG = "_gridboard_shell_ran"  # set by app.py just before pg.run(), popped by page_guard()
USER_KEY = "_gridboard_user"
COOKIE_KEY = "_gridboard_cookie"  # the session cookie value of this login (None for kiosk/dev)
TICKET_KEY = "_gridboard_ticket"  # a one-time ticket the browser has yet to exchange for it
LOGOUT_KEY = "_gridboard_logged_out"  # the browser has yet to drop its cookie


# --- page registry -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageSpec:
    path: str  # relative to the project root
    url_path: str
    title_zh: str
    title_en: str
    icon: str
    roles: tuple[str, ...]
    menu: bool = True  # False: reachable by URL and links only (the case page)

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
    PageSpec("pages/bulletin.py", "bulletin", "月度通报", "Monthly bulletin", ":material/article:", ("leader", "staff", "analyst", "admin")),
    PageSpec("pages/targets.py", "targets", "考核目标", "Targets", ":material/flag:", ("leader", "admin")),
    PageSpec("pages/import.py", "import", "数据导入", "Data import", ":material/upload_file:", ("admin", "analyst")),
    PageSpec("pages/case.py", "case", "事件详情", "Case", ":material/description:", auth.DESK_ROLES, menu=False),
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
            pages.append(st.Page(path, title=title, icon=s.icon, url_path=s.url_path,
                                 visibility="visible" if s.menu else "hidden"))
    return st.navigation(pages, position="hidden" if hidden or role == "wall" else "sidebar")


def require_settings() -> config.Config:
    """The loaded settings. A wrong settings file shows its error in the user's language (Chinese
    first: file, key, suggestion) with the pages registered but hidden, and stops the run: no
    traceback, no page, no automatic file-name menu."""
    try:
        return config.load()
    except config.ConfigError as exc:
        navigation(None, hidden=True)
        st.error(exc.message(lang()), icon=":material/settings_alert:")
        st.stop()
        raise  # st.stop() raises; this line only tells type checkers the function ends here


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


# --- login ---------------------------------------------------------------------------------------


def current_user() -> auth.User | None:
    """The signed-in user (admin when the gate is off): this session's login, else the browser's
    session cookie (a reload or a new tab), else a valid ?kiosk=TOKEN (the wall). A login whose
    account was removed or whose role changed ends at the next run."""
    if auth.auth_disabled():
        return auth.dev_user()
    user = st.session_state.get(USER_KEY)
    value = st.session_state.get(COOKIE_KEY)
    if user is not None and value is not None and sessions.verify(value) is None:
        _forget(value)
        user = None
    if user is None and not st.session_state.get(LOGOUT_KEY):
        value = st.context.cookies.get(sessions.COOKIE_NAME)
        restored = sessions.verify(value)
        if restored is not None:
            st.session_state[USER_KEY], st.session_state[COOKIE_KEY] = restored, value
            user = restored
    if user is None and kiosk_requested():
        user = kiosk.login(st.query_params.get("kiosk"))
        if user is not None:
            st.session_state[USER_KEY] = user
    return user


def kiosk_requested() -> bool:
    return "kiosk" in st.query_params


def sign_in(user: auth.User) -> None:
    """Sign `user` in for this session and have the browser fetch the session cookie
    (cookie_sync() renders the request on the following runs)."""
    value = sessions.issue(user)
    st.session_state[USER_KEY], st.session_state[COOKIE_KEY] = user, value
    st.session_state[TICKET_KEY] = sessions.issue_ticket(value)
    st.session_state.pop(LOGOUT_KEY, None)


def _forget(value: str | None) -> None:
    sessions.revoke(value)
    for key in (USER_KEY, COOKIE_KEY, TICKET_KEY):
        st.session_state.pop(key, None)
    st.session_state[LOGOUT_KEY] = True


def cookie_sync() -> None:
    """Let the browser set (after login) or drop (after logout) its HttpOnly session cookie through
    the server's /auth/ routes (gridboard.server.guard); renders nothing visible."""
    ticket = st.session_state.get(TICKET_KEY)
    if ticket and sessions.ticket_pending(ticket):
        url = f"/auth/session?ticket={ticket}"
    elif st.session_state.get(LOGOUT_KEY):
        url = "/auth/logout"
    else:
        return
    st.html(f"<script>fetch({url!r}, {{credentials: 'same-origin', cache: 'no-store'}});</script>",
            unsafe_allow_javascript=True)


def user_box(user: auth.User) -> None:
    """Who is signed in and the logout button (sidebar)."""
    st.caption(fmt.escape_md(t("signed_in_as", who=user.label(lang()))))
    if not auth.auth_disabled() and st.button(t("logout"), icon=":material/logout:", key="logout"):
        _forget(st.session_state.get(COOKIE_KEY))
        st.rerun()
