"""The shared filters (period and unit) drawn in the sidebar and read by every page, and the page
state kept in the URL: the filters (?period=, ?from=&to= for a custom period, ?scope=UNIT) and a
page's own choices (url_choice) are read from the address on a session's first run and written
back on every run, so a reload keeps the view and a copied link opens it for someone else. Every
value is checked by core.params; a bad one is ignored with a notice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import streamlit as st

from gridboard.core import config, i18n, params, periods, schema
from gridboard.ui import errors
from gridboard.ui.session import _unit_tree, data_version, database, lang, t

FILTERS_KEY = "_gridboard_filters"
PERIOD_NEXT_KEY = "_gridboard_period_next"  # a period preset the sidebar takes on the next run
URL_LOADED_KEY = "_gridboard_url_loaded"  # the shared filters were read from the URL (once a session)
URL_PERIOD_KEY = "_gridboard_url_period"  # the URL chose the period: the assessment default yields to it
URL_IGNORED_KEY = "_gridboard_url_ignored"  # (name, value) of bad URL parameters still to be shown
SHARED_PARAMS: tuple[str, ...] = ("period", "from", "to", "scope")


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

        # The "all" label is bound now, in this run's language: a format_func that looked the language
        # up when called would answer from whatever session state is current at that moment.
        everything = t("all_units")
        choice = st.selectbox(
            level_label({lv for _, lv, _ in children}), ["", *by_id], key=key, on_change=clear_below,
            format_func=lambda uid, by_id=by_id, everything=everything: by_id.get(uid, everything),
        )
        if not choice:
            break
        selected = choice
        names.append(by_id[choice])
    return selected, names


# --- the URL ---------------------------------------------------------------------------------------


def _ignore(name: str, value: Any) -> None:
    st.session_state[URL_IGNORED_KEY] = [*st.session_state.get(URL_IGNORED_KEY, []), (name, value)]


def show_ignored() -> None:
    """The notice for each URL parameter that was ignored (once; in the main area)."""
    pending = st.session_state.pop(URL_IGNORED_KEY, [])
    if pending:
        errors.ignored_params([n for n, _ in pending], dict(pending))


def _chain(tree: dict[str, list[tuple[str, str, str]]], unit_id: str) -> list[str] | None:
    """Unit ids from below the root down to `unit_id` ([] for the root), None when not in the tree."""
    parent = {uid: pid for pid, kids in tree.items() for uid, _, _ in kids}
    if unit_id not in parent:
        return None
    chain = []
    while parent.get(unit_id, ""):
        chain.append(unit_id)
        unit_id = parent[unit_id]
    return chain[::-1] if len(chain) <= len(UNIT_KEYS) else None


def _load_url(tree: dict[str, list[tuple[str, str, str]]]) -> None:
    """Once a session: the shared filters from ?period= (?from=&to= for custom) and ?scope=."""
    if st.session_state.get(URL_LOADED_KEY):
        return
    st.session_state[URL_LOADED_KEY] = True
    query = st.query_params.to_dict()
    got = params.read(query, {"period": lambda v: params.choice(v, periods.PRESETS), "from": params.date,
                              "to": params.date, "scope": params.unit_id})
    bad = list(got.ignored)
    v = got.values
    preset = v.get("period", "custom" if "from" in v and "to" in v else None)
    if preset == "custom":
        if "from" in v and "to" in v and v["from"] <= v["to"]:
            st.session_state["f_range"] = (v["from"], v["to"])
        else:
            bad += [n for n in ("period", "from", "to") if n in query and n not in bad]
            preset = None
    elif preset is not None:
        bad += [n for n in ("from", "to") if n in query and n not in bad]  # dates only go with custom
    if preset is not None:
        st.session_state["f_period"] = preset
        st.session_state[URL_PERIOD_KEY] = True
    if "scope" in v:
        chain = _chain(tree, v["scope"])
        if chain is None:
            bad.append("scope")
        else:
            for depth, key in enumerate(UNIT_KEYS):
                st.session_state[key] = chain[depth] if depth < len(chain) else ""
    for name in bad:
        _ignore(name, query.get(name))


def _write_url(f: Filters, root_id: str) -> None:
    """The shared filters into the URL (only the parameters that changed)."""
    want: dict[str, str] = {"period": f.preset}
    if f.preset == "custom":
        want["from"] = f.start.date().isoformat()
        want["to"] = (f.end.date() - dt.timedelta(days=1)).isoformat()
    if f.unit_id != root_id:
        want["scope"] = f.unit_id
    for name in SHARED_PARAMS:
        if name in want:
            if st.query_params.get(name) != want[name]:
                st.query_params[name] = want[name]
        elif name in st.query_params:
            del st.query_params[name]


def url_choice(name: str, key: str, allowed: Sequence[str]) -> None:
    """Keep a page's own choice (the widget with session-state `key`) in the URL as ?name=value:
    call it just before the widget. On the page's first run in a session a valid value from the
    URL becomes the widget's value (a bad one is ignored with a notice); afterwards the widget's
    value is written to the URL."""
    loaded = f"_gridboard_url_{key}"
    if not st.session_state.get(loaded):
        st.session_state[loaded] = True
        if name in st.query_params:
            value = params.choice(st.query_params.get(name), tuple(allowed))
            if value is None:
                errors.ignored_params([name], st.query_params.to_dict())
                del st.query_params[name]
            else:
                st.session_state[key] = value
        return
    value = st.session_state.get(key)
    if value in allowed and st.query_params.get(name) != value:
        st.query_params[name] = str(value)


def child_level_label(unit_id: str) -> str:
    """Name of the level below `unit_id` (镇街, 社区/村, 网格, 微网格), "下级单位" when mixed/none."""
    db = database()
    return level_label({lv for _, lv, _ in _unit_tree(db, data_version(db)).get(unit_id, [])})


def filters(*, render: bool = False, url: bool = True) -> Filters:
    """The shared filters: drawn in the sidebar by app.py (render=True), read by pages. With `url`
    (every page but the wall) they are read from the URL once a session and written back."""
    if not render and FILTERS_KEY in st.session_state:
        return st.session_state[FILTERS_KEY]
    if not render:  # a page run without app.py's sidebar (should not happen behind page_guard)
        with st.sidebar:
            return filters(render=True)
    as_of = config.load().now().replace(second=0)
    today = as_of.date()
    db = database()
    tree = _unit_tree(db, data_version(db))
    if url and tree.get(""):
        _load_url(tree)
    if (pending := st.session_state.pop(PERIOD_NEXT_KEY, None)) in periods.PRESETS:  # a page chose the period
        st.session_state["f_period"] = pending
    st.session_state.setdefault("f_period", periods.DEFAULT_PRESET)
    st.markdown(f"**{t('filters')}**")
    labels = periods.PRESET_LABELS_EN if lang() == "en" else periods.PRESET_LABELS_ZH
    preset = st.selectbox(t("period"), periods.PRESETS, key="f_period", format_func=labels.get)
    custom = None
    if preset == "custom":
        first, after = periods.bounds(periods.DEFAULT_PRESET, today)  # the default's days, ending today
        st.session_state.setdefault("f_range", (first, after - dt.timedelta(days=1)))
        picked = st.date_input(t("date_range"), key="f_range", max_value=today + dt.timedelta(days=366),
                               format="YYYY-MM-DD")
        if isinstance(picked, tuple | list) and len(picked) == 2:
            custom = (picked[0], picked[1])
        else:
            st.caption(t("bad_range"))
    period = periods.period(preset if preset != "custom" or custom else periods.DEFAULT_PRESET, as_of, custom)
    if not tree.get(""):
        st.error(t("no_units"))
        st.stop()
    unit_id, names = _unit_cascade(tree)
    last = period.end.date() - dt.timedelta(days=1)
    label = t("period_label", start=period.start.date().isoformat(), end=last.isoformat())
    result = Filters(period.start, period.end, as_of, unit_id, " / ".join(names), label, period.preset)
    st.session_state[FILTERS_KEY] = result
    if url:
        _write_url(result, tree[""][0][0])
    return result
