"""gridboard entry point: page config, login gate, role-aware navigation, shared sidebar filters.

Run with `streamlit run app.py`. Every page file in pages/ starts with `ui.page_guard()`,
which runs this script itself when a fresh server was asked for a page URL directly.
"""

import duckdb
import streamlit as st

from gridboard import ui
from gridboard.core import auth, fmt, i18n, throttle
from gridboard.db import store
from gridboard.ui import printing, search


def login_page() -> None:
    """The login form (用户名/密码/登录); signs in and reruns, or shows why not. Stops the run."""
    ui.navigation(None, hidden=True)  # registers the pages: no automatic file-name menu
    with st.sidebar:
        ui.language_switch()
    _, middle, _ = st.columns([1, 1.2, 1])
    with middle:
        st.title(ui.t("app_title"))
        st.caption(ui.t("app_subtitle"))
        if ui.kiosk_requested():
            st.error(ui.t("kiosk_failed"))
        demo_accounts = demo_login_closed_or_open()
        with st.form("login", border=True):
            st.subheader(ui.t("login_title"))
            name = st.text_input(ui.t("username"), key="login_name")
            password = st.text_input(ui.t("password"), type="password", key="login_password")
            submitted = st.form_submit_button(ui.t("login"), type="primary", width="stretch")
        try:
            if submitted and (not name.strip() or not password):
                st.error(ui.t("login_empty"))
            elif submitted:
                attempt(name, password)
            if demo_accounts:
                st.warning(ui.t("demo_accounts"), icon=":material/science:")
        except auth.AuthConfigError as exc:
            st.error(ui.t("auth_config_error", reason=fmt.escape_md(exc)))
        ui.cookie_sync()  # after a logout: the browser drops its session cookie
    ui.preload_charts()
    st.stop()


def demo_login_closed_or_open() -> bool:
    """True when the demo accounts are in force on the demo county (the form says so). With no
    [users.*] on any other database the login is closed: say how to create the first admin, stop."""
    if not auth.using_demo_accounts():
        return False
    if ui.demo_data():
        return True
    st.error(ui.t("login_closed"), icon=":material/lock:")
    ui.cookie_sync()
    st.stop()
    return False


def _refusal(verdict: throttle.Verdict) -> str:
    if verdict.locked:
        return ui.t("login_locked", minutes=max(1, -(-verdict.wait_seconds // 60)))
    return ui.t("login_wait", seconds=verdict.wait_seconds)


def attempt(name: str, password: str) -> None:
    """Check one login through the throttle (per account and client address); signs in and reruns."""
    address = st.context.ip_address
    address = address if isinstance(address, str) and address else "?"
    verdict = throttle.THROTTLE.check(name, address)
    if not verdict.allowed:
        st.error(_refusal(verdict))
        return
    user = auth.authenticate(name, password)
    if user is None:
        verdict = throttle.THROTTLE.failure(name, address)
        st.error(ui.t("login_failed") if verdict.allowed else _refusal(verdict))
        return
    throttle.THROTTLE.success(name, address)
    ui.sign_in(user)
    st.rerun()


def chinese_widgets() -> None:
    """Streamlit's own English in its widgets, said in Chinese where no option sets it: the file
    uploader's button and limit line, the menu's "View N more / View less" (CSS: the English text
    is hidden or sized 0, the Chinese drawn in its place; the button stays clickable; English mode
    keeps Streamlit's texts)."""
    if ui.lang() != "zh":
        return
    limit = st.get_option("server.maxUploadSize")
    hide = "visibility: hidden; font-size: 0 !important;"
    show = "visibility: visible; font-size: 0.875rem;"
    nav = '[data-testid="stSidebarNav"]'
    st.html(f"""<style>
    [data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] p {{ {hide} }}
    [data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] p::after {{ {show} content: "选择文件"; }}
    [data-testid="stFileUploaderDropzoneInstructions"] span {{ {hide} }}
    [data-testid="stFileUploaderDropzoneInstructions"] span::after {{ {show} content: "拖放文件到此处，单个文件不超过 {limit} MB"; }}
    [data-testid="stSidebarNavViewButton"] {{ font-size: 0 !important; }}
    [data-testid="stSidebarNavViewButton"]::after {{ font-size: 0.875rem; content: "展开全部页面"; }}
    {nav}:has([data-testid="stSidebarNavItems"] > :nth-child(11)) [data-testid="stSidebarNavViewButton"]::after {{
        content: "收起"; }}
    </style>""")


st.set_page_config(
    page_title=i18n.text("app_title", ui.lang()),
    page_icon="🛡️",
    layout="wide",
    initial_sidebar_state="collapsed" if ui.kiosk_requested() else "expanded",
)
ui.require_settings()  # a wrong gridboard.toml: its error in Chinese on the page, and nothing else
ui.url_language()  # ?lang=en of a shared link, before the language switch (the login form too)
chinese_widgets()

user = ui.current_user()
if user is None:
    login_page()
if not ui.visible_pages(user.role):
    st.error(ui.t("no_pages"))
    st.stop()
pg = ui.navigation(user.role)

try:  # open it now (not at the first query): locked, read-only, corrupt or truncated shows here
    ui.database()
    ui.data_version()
    db_ok = True
except (store.StoreError, ImportError, duckdb.Error, OSError) as exc:
    db_ok = False
    if pg.url_path != "bigscreen":  # the wall says it with its red stamp instead
        ui.errors.database_unreadable(exc)
        st.stop()

with st.sidebar:
    ui.language_switch()
    if db_ok:
        ui.filters(render=True, url=pg.url_path != "bigscreen")  # the wall reads its own ?unit=
        if user.role != "wall" and pg.url_path != "bigscreen":  # the wall hides its sidebar: no stray input
            search.search_box()
    st.divider()
    ui.user_box(user)
    ui.cookie_sync()  # after a login: the browser fetches its session cookie

ui.show_ignored()  # a bad parameter of the URL: a notice above the page
if pg.url_path != "bigscreen":  # the wall is never printed, and the element would take a row gap off its fit
    printing.print_styles()  # print media only: light page, no sidebar, tables whole
ui.mark_shell_ran()
with ui.errors.shielded(pg.url_path or "home"):
    pg.run()
