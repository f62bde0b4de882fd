"""The assessment period (考核周期) of the ranking page and the scorecard, kept equal to the
sidebar's period so the header, the sidebar and the page show one period.

On a session's first visit to such a page the sidebar's period becomes the county's assessment
period (the `assessment_period` setting: this month, quarter or year so far); the page's own
考核周期 control then moves the sidebar's period with it (a callback, before the sidebar is drawn).
"""

from __future__ import annotations

import streamlit as st

from gridboard.core import config, periods
from gridboard.ranking import league
from gridboard.ui.filters import PERIOD_NEXT_KEY, URL_PERIOD_KEY, Filters, filters
from gridboard.ui.session import lang, t

CHOICES: tuple[str, ...] = ("this_month", "last_month", "this_quarter", "this_year")
_APPLIED = "_gridboard_assessment_applied"


def default_preset() -> str:
    """The preset of the county's assessment period (this_month unless set otherwise)."""
    return league.assessment_preset(config.load()["assessment_period"])


def assessment_filters(key: str) -> Filters:
    """The shared filters, switched once per session to the assessment period, with a 考核周期
    control (widget `key`) that moves the sidebar's period."""
    f = filters()
    preset = default_preset()
    if not st.session_state.get(_APPLIED):
        st.session_state[_APPLIED] = True
        if f.preset != preset and not st.session_state.get(URL_PERIOD_KEY):  # a shared link keeps its period
            st.session_state[PERIOD_NEXT_KEY] = preset
            st.rerun()
    st.session_state[key] = f.preset if f.preset in CHOICES else None

    def follow() -> None:
        if st.session_state.get(key) in CHOICES:
            st.session_state["f_period"] = st.session_state[key]

    labels = periods.PRESET_LABELS_EN if lang() == "en" else periods.PRESET_LABELS_ZH
    st.segmented_control(t("rk_period"), CHOICES, key=key, on_change=follow, format_func=lambda c: labels[c],
                         help=t("rk_period_help", period=labels[preset]))
    return f
