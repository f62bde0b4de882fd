"""The import page's check and load (steps 3 and 4) and the import log, with the upload held between reruns.

The checked upload is a pipeline.Batch with its own cursor and temp tables (Checked). It is held
for the session with ui.hold and closed when the file, the table, the mapping or an option
changes, after the load, when the file is removed and when the session ends.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from gridboard import ui
from gridboard.core import config, export, fmt, schema
from gridboard.ingest import mapping, pipeline, undo
from gridboard.server import api
from gridboard.ui import printing

BATCH = "import_batch"  # ui.hold slot of the checked upload
UPLOAD_N = "imp_upload_n"  # uploader generation: a new key empties the uploader after a load
OPENED = "imp_opened"  # the inspected file (headers, suggested mapping, sample), by file and table
RESULT = "imp_result"  # what the last load did, shown on top until the next file
PRESET = "imp_preset"
PENDING_PRESET = "imp_pending_preset"  # a preset to select on the next run (after "save as")
PROBLEM_ROWS = 1000
PREVIEW_ROWS = 50
KINDS = ("new", "updated", "unchanged")
COUNT = st.column_config.NumberColumn(format="localized")
log = logging.getLogger("gridboard.import")


class Checked:
    """A prepared upload between reruns: the batch, the cursor it came from, what it was made of.

    Views are computed once; downloads are made on click under the same lock as the page's calls
    (a deferred download runs on another thread).
    """

    def __init__(self, batch: pipeline.Batch, cursor: Any, signature: str) -> None:
        self.batch, self.cursor, self.signature = batch, cursor, signature
        self.lock = threading.Lock()
        self.memo: dict[tuple, Any] = {}
        self.closed = False

    def view(self, fn: Callable[..., Any], *args: Any) -> Any:
        key = (fn.__name__, *args)
        if key not in self.memo:
            with self.lock:
                self.memo[key] = fn(*args)
        return self.memo[key]

    def download(self, make: Callable[[], bytes]) -> Callable[[], bytes]:
        def guarded() -> bytes:
            with self.lock:
                return b"" if self.closed else make()
        return guarded

    def close(self) -> None:
        with self.lock:
            if not self.closed:
                self.closed = True
                self.batch.close()
                self.cursor.close()


def signature(*parts: Any) -> str:
    return hashlib.sha1(json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()[:16]


def release() -> None:
    ui.hold(BATCH)


# --- step 3: check -----------------------------------------------------------------------------------


def step_check(table: str, uploaded: Any, m: mapping.Mapping, ready: bool) -> Checked | None:
    st.subheader(ui.t("imp_step3"), anchor=False)
    parent, add, live = None, False, False
    if table != "units":
        choices = dict(ui.cached(pipeline.parent_choices))
        cols = st.columns([2, 3], vertical_alignment="bottom")
        add = cols[0].checkbox(ui.t("imp_add_units"), key="imp_add_units", help=ui.t("imp_add_units_help"))
        if add and choices:
            # No default: the analyst names the town or community new grids belong to (issue #15).
            if st.session_state.get("imp_parent") not in (None, *choices):
                st.session_state["imp_parent"] = None
            parent = cols[1].selectbox(ui.t("imp_parent"), list(choices), format_func=choices.get, key="imp_parent",
                                       index=None, placeholder=ui.t("imp_parent_pick"))
            if parent is None:
                st.caption(ui.t("imp_parent_needed"))
    if table == "cases":
        days = config.load()["history_open_days"]
        live = st.checkbox(ui.t("imp_live_history", days=days), key="imp_live_history",
                           help=ui.t("imp_live_history_help", days=days))
    ready = ready and not (add and parent is None)
    sig = signature(uploaded.file_id, table, m.to_dict(), add, parent, live)
    checked: Checked | None = ui.held(BATCH)
    if checked is not None and checked.signature != sig:
        release()
        checked = None
        st.info(ui.t("imp_recheck"))
    if st.button(ui.t("imp_check"), type="primary", disabled=not ready, key="imp_check", icon=":material/fact_check:"):
        release()
        st.session_state.pop(RESULT, None)
        checked = run_check(table, uploaded, m, parent, sig, live)
    elif checked is None and ready:
        st.caption(ui.t("imp_check_help"))
    return checked


def run_check(table: str, uploaded: Any, m: mapping.Mapping, parent: str | None, sig: str,
              live: bool = False) -> Checked | None:
    bar = st.progress(0.0, text=ui.t("imp_progress_start"))

    def progress(done: int, total: int | None) -> None:
        share = min(done / total, 1.0) if total else 0.0
        bar.progress(share, text=ui.t("imp_progress", done=f"{done:,}", total=f"{total:,}" if total else "?"))

    cur = ui.cursor()
    try:
        batch = pipeline.prepare(cur, uploaded.getvalue(), table=table, file_name=uploaded.name, mapping=m,
                               add_units_under=parent, live_history=live, on_progress=progress)
    except pipeline.IngestError as exc:
        cur.close()
        bar.empty()
        st.error(ui.t("imp_error", reason=exc.text(ui.lang())), icon=":material/error:")
        return None
    except Exception as exc:  # an unforeseen failure: say so in one line, never a traceback
        log.exception("import check failed")
        cur.close()
        bar.empty()
        st.error(ui.t("imp_error_unexpected", reason=f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"))
        return None
    bar.empty()
    checked = Checked(batch, cur, sig)
    ui.hold(BATCH, checked)
    return checked


def show_check(checked: Checked) -> None:
    batch, r = checked.batch, checked.batch.report
    tiles = st.container(horizontal=True, gap="small")
    figures = [("imp_m_read", r.rows_read), ("imp_m_accepted", r.rows_accepted), ("imp_m_rejected", r.rows_rejected),
               ("imp_m_new", r.new), ("imp_m_updated", r.updated), ("imp_m_unchanged", r.unchanged)]
    with tiles:
        for key, value in figures:
            st.metric(ui.t(key), f"{value:,}", border=True, width="stretch")
    extras = [ui.t(k, n=f"{v:,}") for k, v in (("imp_x_warned", r.rows_warned), ("imp_x_merged", r.rows_merged),
                                               ("imp_x_unassigned", r.rows_unassigned),
                                               ("imp_x_units", len(r.new_units))) if v]
    if extras:
        st.caption(" · ".join(extras))
    if r.rows_history:
        key = "imp_history_live" if r.live_history else "imp_history_flagged"
        st.warning(ui.t(key, n=f"{r.rows_history:,}", days=r.history_days), icon=":material/history:")
    with st.expander(ui.t("imp_report")):
        st.markdown("\n".join(f"- {fmt.escape_md(line.strip())}" for line in r.summary_lines(ui.lang())))
    if r.new_units:
        st.markdown(f"**{ui.t('imp_new_units', n=len(r.new_units))}**")
        printing.dataframe(new_units_frame(r.new_units), hide_index=True, width="stretch",
                     height=min(38 + 35 * len(r.new_units), 283))
    if any(p["code"] == "unknown_unit" for p in r.problem_summary):
        st.info(ui.t("imp_hint_add_units"), icon=":material/lightbulb:")
    show_problems(checked)
    st.markdown(f"**{ui.t('imp_preview')}**")
    counts = {"new": r.new, "updated": r.updated, "unchanged": r.unchanged}
    for tab, kind in zip(st.tabs([ui.t(f"imp_tab_{k}", n=f"{counts[k]:,}") for k in KINDS]), KINDS, strict=True):
        with tab:
            if not counts[kind]:
                st.caption(ui.t("imp_preview_empty"))
                continue
            rows = checked.view(batch.preview, kind, PREVIEW_ROWS, ui.lang())
            printing.dataframe(rows.astype("object").where(rows.notna(), "—"), hide_index=True, width="stretch")
            if counts[kind] > PREVIEW_ROWS:
                st.caption(ui.t("imp_preview_more", n=PREVIEW_ROWS, total=f"{counts[kind]:,}"))


def new_units_frame(units: list[dict[str, Any]]) -> pd.DataFrame:
    """The units a load would create, with their parent's name, in the page's language."""
    names = dict(ui.cached(pipeline.parent_choices, True))
    df = pd.DataFrame(units)
    return pd.DataFrame({
        ui.t("imp_nu_name"): df["name"],
        ui.t("imp_nu_level"): [schema.label("level", v, ui.lang()) for v in df["level"]],
        ui.t("imp_nu_parent"): [names.get(p, p) if isinstance(p, str) else ui.t("imp_nu_root") for p in df["parent_id"]],
        ui.t("imp_nu_id"): df["unit_id"],
        ui.t("imp_nu_place"): [f"{x:.5f}, {y:.5f}" if pd.notna(x) and pd.notna(y) else "—"
                               for x, y in zip(df.get("lon", [None] * len(df)), df.get("lat", [None] * len(df)), strict=True)],
    })


def show_problems(checked: Checked) -> None:
    batch, r = checked.batch, checked.batch.report
    if not r.problem_summary:
        st.success(ui.t("imp_no_problems"), icon=":material/check_circle:")
        return
    st.markdown(f"**{ui.t('imp_problems')}**")
    summary = pd.DataFrame(r.problem_summary)
    summary["severity"] = summary["severity"].map(lambda s: ui.t(f"imp_sev_{s}"))
    if ui.lang() == "en":
        summary["message"] = summary["code"].map(lambda c: ui.t(f"prob_{c}"))
        summary["column"] = summary["col"]
    summary = summary[["column", "message", "severity", "rows", "first_row"]]
    summary.columns = [ui.t(k) for k in ("imp_p_field", "imp_p_problem", "imp_p_action", "imp_p_rows", "imp_p_first")]
    printing.dataframe(summary, hide_index=True, width="stretch", column_config={ui.t("imp_p_rows"): COUNT})
    cols = st.columns([1, 2, 2], vertical_alignment="bottom")
    labels = {s: ui.t(f"imp_sev_{s}") for s in ("error", "warning")}
    severity = cols[0].segmented_control(ui.t("imp_severity"), list(labels), key="imp_severity", format_func=labels.get)
    english = ui.lang() == "en"
    fields = cols[1].multiselect(ui.t("imp_fields"), sorted({p["col" if english else "column"] for p in r.problem_summary}),
                                 key="imp_fields", placeholder=ui.t("imp_fields_all"))
    rows = checked.view(batch.problems, PROBLEM_ROWS, severity, ui.lang())
    stem = r.file_name.rsplit(".", 1)[0] or "import"
    if fields:
        field = rows.columns[1]  # 字段 / Field ("closed_at (ClosedDate)" in English)
        rows = rows[(rows[field].str.split(" ").str[0] if english else rows[field]).isin(fields)]
    with cols[2]:
        row = st.container(horizontal=True, gap="small")
        with row:
            if r.rows_rejected:
                st.download_button(ui.t("imp_dl_rejected", n=f"{r.rows_rejected:,}"), checked.download(batch.rejected_csv),
                                   file_name=ui.t("imp_rejected_file", stem=stem), mime="text/csv", on_click="ignore",
                                   icon=":material/download:", key="imp_dl_rejected")
            st.download_button(ui.t("imp_dl_problems"),
                               checked.download(lambda: export.to_csv_bytes(batch.problems(None))),
                               file_name=ui.t("imp_problems_file", stem=stem), mime="text/csv", on_click="ignore",
                               icon=":material/download:", key="imp_dl_problems")
    value = rows.columns[2]  # 原始值 / Value
    rows = rows.assign(**{value: rows[value].fillna(ui.t("imp_empty_value"))})
    printing.dataframe(rows, hide_index=True, width="stretch", height=min(38 + 35 * max(len(rows), 1), 388))
    total = sum(p["rows"] for p in r.problem_summary)
    if total > PROBLEM_ROWS:
        st.caption(ui.t("imp_problems_more", n=f"{PROBLEM_ROWS:,}"))


# --- step 4: load ------------------------------------------------------------------------------------


def step_load(checked: Checked) -> None:
    st.subheader(ui.t("imp_step4"), anchor=False)
    r = checked.batch.report
    all_or_nothing = st.checkbox(ui.t("imp_all_or_nothing"), key="imp_all_or_nothing", help=ui.t("imp_aon_help"))
    blocked = r.rows_accepted == 0 or (all_or_nothing and r.rows_rejected > 0)
    if r.rows_accepted == 0:
        st.warning(ui.t("imp_nothing_accepted"))
    elif all_or_nothing and r.rows_rejected:
        st.warning(ui.t("imp_aon_blocked", n=f"{r.rows_rejected:,}"))
    label = ui.t("imp_load", n=f"{r.rows_accepted:,}")
    if not st.button(label, type="primary", disabled=blocked, key="imp_load", icon=":material/upload:"):
        return
    user = ui.current_user()
    try:
        with st.spinner(ui.t("imp_loading")), checked.lock:
            report = checked.batch.commit(user=user.name if user else None, all_or_nothing=all_or_nothing)
    except pipeline.IngestError as exc:
        st.error(ui.t("imp_error", reason=exc.text(ui.lang())), icon=":material/error:")
        return
    release()
    api.data_written()
    st.session_state[RESULT] = {**report.to_dict(), "notes": list(report.notes)}
    st.session_state[UPLOAD_N] = st.session_state.get(UPLOAD_N, 0) + 1
    st.session_state.pop(OPENED, None)
    st.rerun()


def show_history() -> None:
    st.divider()
    st.subheader(ui.t("imp_history"), anchor=False)
    cur = ui.cursor()
    try:
        history = pipeline.history(cur, 20, ui.lang())
    finally:
        cur.close()
    if history.empty:
        st.caption(ui.t("imp_history_empty"))
    else:
        counts = {c: COUNT for c in history.columns[3:7]}  # rows read / inserted / updated / rejected
        outcome = history.columns[-1]  # 结果 right after the file name: it stays in view at 1366 (已撤销)
        history = history[[*history.columns[:3], outcome, *history.columns[3:-1]]]
        printing.dataframe(history, hide_index=True, width="stretch", column_config=counts)
        undo_controls()


def undo_controls() -> None:
    """Undo one batch of the import log (the page is for analysts and admins only)."""
    done = st.session_state.pop("imp_undone", None)
    if done:
        st.success(done, icon=":material/undo:")
    cur = ui.cursor()
    try:
        can = undo.undoable(cur)
    finally:
        cur.close()
    if not can:
        st.caption(ui.t("imp_undo_none"))
        return
    cols = st.columns([2, 1, 3], vertical_alignment="bottom")
    batch = cols[0].selectbox(ui.t("imp_undo_pick"), can, key="imp_undo_batch", format_func=lambda i: f"#{i}",
                              help=ui.t("imp_undo_help"))
    sure = cols[2].checkbox(ui.t("imp_undo_sure", n=batch), key=f"imp_undo_sure_{batch}")
    if cols[1].button(ui.t("imp_undo"), key="imp_undo", icon=":material/undo:", disabled=not sure):
        cur = ui.cursor()
        try:
            result = undo.undo(cur, int(batch))
        except pipeline.IngestError as exc:
            st.error(ui.t("imp_error", reason=exc.text(ui.lang())), icon=":material/error:")
            return
        finally:
            cur.close()
        api.data_written()
        log.info("import #%s undone by %s", batch, getattr(ui.current_user(), "name", None))
        st.session_state["imp_undone"] = result.describe(ui.lang())
        st.session_state.pop(RESULT, None)  # the load it reported is gone
        st.rerun()
