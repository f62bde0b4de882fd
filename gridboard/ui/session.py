"""Per-session state of the UI: the language, the database connection (one per process, a cursor per
session), the data version and settings fingerprint every cache is keyed on, cached calls, the unit
tree, and resources held for a session.
"""

from __future__ import annotations

import datetime as dt
import importlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import streamlit as st

from gridboard.core import config, i18n
from gridboard.db import queries, store

# --- language ------------------------------------------------------------------------------------


def lang() -> str:
    return "en" if st.session_state.get("lang") == "en" else "zh"


def t(key: str, **values: object) -> str:
    return i18n.text(key, lang(), **values)


_LANG_LOADED = "_gridboard_url_lang"


def url_language() -> None:
    """Once per session, before the language switch is drawn: ?lang=en (or zh) from the URL sets the
    language, so a shared or reloaded link opens in its language (the login form too). Later runs
    write the language back: ?lang=en while English is on, nothing for Chinese (the default)."""
    if not st.session_state.get(_LANG_LOADED):
        st.session_state[_LANG_LOADED] = True
        asked = st.query_params.get("lang")
        if asked in i18n.LANGS:
            st.session_state["lang"] = asked
        elif asked is not None:
            st.session_state["_gridboard_url_ignored"] = [*st.session_state.get("_gridboard_url_ignored", []),
                                                          ("lang", asked)]
        return
    if lang() == "en":
        if st.query_params.get("lang") != "en":
            st.query_params["lang"] = "en"
    elif "lang" in st.query_params:
        del st.query_params["lang"]


# --- database ------------------------------------------------------------------------------------

_BUILD_LOCK = threading.Lock()


def database() -> str:
    """Path of the served database, building the demo county first when the file is missing."""
    cfg = config.load()
    path = cfg.db_path
    if not path.exists():
        with _BUILD_LOCK:
            if not path.exists():
                from gridboard.demo import county  # heavy (shapely): only on first start

                outline = Path(str(cfg["county_outline"]))
                with st.spinner(t("building_demo")):
                    summary = county.build_file(
                        path, cases=int(cfg["demo_cases"]), seed=int(cfg["demo_seed"]), as_of=cfg.now(),
                        outline=outline if outline.is_absolute() else config.PROJECT_ROOT / outline,
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


def demo_data() -> bool:
    """True when the served database is the demo county (its `demo` marker in the meta table);
    False for real data and for a database that cannot be read. A missing file counts as the demo:
    the first page view after login builds the demo county there, and nothing is built before."""
    if not config.load().db_path.exists():
        return True
    try:
        con = cursor()
        try:
            return store.get_meta(con, "demo") is not None
        finally:
            con.close()
    except (store.StoreError, duckdb.Error, OSError, ImportError):
        return False


def data_version(db: str | None = None) -> int:
    """The data version of the served database (page caches key on it)."""
    cur = _connection(db or database()).cursor()
    try:
        return store.data_version(cur)
    finally:
        cur.close()


@st.cache_data(max_entries=512, ttl=dt.timedelta(minutes=15), show_spinner=False)
def _cached_call(db: str, version: int, settings: str, name: str, args: tuple, kwargs: dict) -> Any:
    module, _, attr = name.rpartition(".")
    cur = _connection(db).cursor()
    try:
        return getattr(importlib.import_module(module), attr)(cur, *args, **kwargs)
    finally:
        cur.close()


def cached(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """func(cursor, *args, **kwargs) for a module-level gridboard function, cached by (database, data
    version, settings fingerprint, function, arguments): results change when the data changes and
    when a saved setting (e.g. the grid index weights) changes, not 15 minutes later. While it
    computes, the page shows what (widgets.computing)."""
    from gridboard.ui.widgets import computing  # widgets builds on this module

    db = database()
    settings = config.load().fingerprint()
    with computing(func):
        return _cached_call(db, data_version(db), settings, f"{func.__module__}.{func.__qualname__}", args, kwargs)


@st.cache_data(max_entries=8, show_spinner=False)
def _unit_tree(db: str, version: int) -> dict[str, list[tuple[str, str, str]]]:
    """Children of each unit: parent_id → [(unit_id, level, name)], root under ""."""
    cur = _connection(db).cursor()
    try:
        rows = queries.run(cur, queries.text("unit_tree"), {}).fetchall()
    finally:
        cur.close()
    tree: dict[str, list[tuple[str, str, str]]] = {}
    for unit_id, parent_id, level, name in rows:
        tree.setdefault(parent_id or "", []).append((unit_id, level, name))
    return tree


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
