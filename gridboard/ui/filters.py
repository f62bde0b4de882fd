"""The shared filters (period and unit) drawn in the sidebar and read by every page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

import streamlit as st

from gridboard.core import config, i18n, periods, schema
from gridboard.ui.session import _unit_tree, data_version, database, lang, t

FILTERS_KEY = "_gridboard_filters"
PERIOD_NEXT_KEY = "_gridboard_period_next"  # a period preset the sidebar takes on the next run


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
