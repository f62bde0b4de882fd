"""考核目标 / Targets: the scorecard's targets (rates in percent, response and close limits and the
shares that must fall within them), editable by leaders and administrators, saved atomically to
the config file's [targets] with a change record (gridboard.ranking.settings_store)."""

from gridboard import ui

ui.page_guard()

import pandas as pd
import streamlit as st

from gridboard.core import config, fmt
from gridboard.metrics import scorecard, within
from gridboard.ranking import settings_store

lang = ui.lang()
t = ui.t
st.title(t("page_targets"))
st.caption(t("tg_intro"))
st.caption(t("tg_defaults"))
user = ui.current_user()
may_save = settings_store.can_save(user.role if user else None)
if not may_save:
    st.warning(t("tg_no_role"))
targets = config.load().targets
LIMITS = {"median_response_min": "tg_response_limit", "median_close_hours": "tg_close_limit",
          "p90_response_min": "tg_p90_limit"}
rates = [k for k in scorecard.SCORE_KEYS if k in targets]


def rate_label(key: str) -> str:
    m = within.metric_of(key)
    return fmt.metric_label(m, lang, with_unit=False) + t("tg_higher_better" if m.higher_is_better else "tg_lower_better")


with st.form("tg_form", border=True):
    st.subheader(t("tg_rates"))
    cols = st.columns(4)
    picked: dict[str, float] = {}
    for i, key in enumerate(rates):
        picked[key] = cols[i % 4].number_input(rate_label(key), min_value=0.1, max_value=100.0, step=0.5,
                                               value=round(100 * float(targets[key]), 2), key=f"tg_{key}",
                                               format="%.2f", disabled=not may_save) / 100
    st.subheader(t("tg_limits"))
    cols = st.columns(4)
    for i, (key, label) in enumerate(LIMITS.items()):
        if key in targets:
            picked[key] = cols[i].number_input(t(label), min_value=0.1, max_value=8760.0, step=1.0,
                                               value=float(targets[key]), key=f"tg_{key}", format="%.1f",
                                               disabled=not may_save)
    submitted = st.form_submit_button(t("tg_save"), type="primary", icon=":material/save:", disabled=not may_save)

if submitted and user is not None:
    changed = {k: v for k, v in picked.items() if abs(v - float(targets[k])) > 1e-9}
    if not changed:
        st.info(t("tg_unchanged"))
    else:
        try:
            settings_store.save_targets(changed, user=user)
            st.success(t("tg_saved"))
        except settings_store.SettingsError as exc:
            st.error(t("tg_failed", reason=str(exc)))

st.subheader(t("tg_log"))
log = settings_store.read_log(setting=settings_store.TARGETS_TABLE)
if not log:
    st.caption(t("tg_log_empty"))
else:
    def changes(entry: dict) -> str:
        old, new = entry.get("old") or {}, entry.get("new") or {}
        return "；".join(f"{k}: {old.get(k, '—')} → {v}" for k, v in new.items())

    ui.dataframe(pd.DataFrame({
        t("tg_col_at"): [str(e.get("at", "")).replace("T", " ") for e in log],
        t("tg_col_user"): [str(e.get("user", "")) for e in log],
        t("tg_col_changes"): [changes(e) for e in log],
    }), hide_index=True, width="stretch")
