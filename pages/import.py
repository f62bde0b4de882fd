"""数据导入 / Data import (issue #3): choose a table and a file, map its columns, check, load.

Step 1 the table and the file (empty templates beside), step 2 the column mapping (preset,
one selectbox per contract column with a sample value, "save as preset"), step 3 the check
(progress bar, then summary, problems by row and column, the change previewed as new / updated /
unchanged rows, rejected rows to download), step 4 the load; the import log under it.

The checked upload is an pipeline.Batch with its own cursor and temp tables. It is held for the
session with ui.hold and closed when the file, the table, the mapping or an option changes, after
the load, when the file is removed (also what the analyst finds on coming back to this page: a
page left behind loses its uploaded file) and when the session ends.
"""

from gridboard import ui

ui.page_guard()

import hashlib
import json
import logging
import threading
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from gridboard.core import export, fmt, schema
from gridboard.ingest import mapping, pipeline

BATCH = "import_batch"  # ui.hold slot of the checked upload
UPLOAD_N = "imp_upload_n"  # uploader generation: a new key empties the uploader after a load
OPENED = "imp_opened"  # the inspected file (headers, suggested mapping, sample), by file and table
RESULT = "imp_result"  # what the last load did, shown on top until the next file
PRESET = "imp_preset"
PENDING_PRESET = "imp_pending_preset"  # a preset to select on the next run (after "save as")
FILE_TYPES = ["csv", "tsv", "txt", "xlsx", "xlsm", "xls"]
PROBLEM_ROWS = 1000
PREVIEW_ROWS = 50
KINDS = ("new", "updated", "unchanged")
COUNT = st.column_config.NumberColumn(format="localized")
log = logging.getLogger("gridboard.import")
lang = ui.lang()


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


def table_label(name: str) -> str:
    return f"{schema.DATA_TABLES[name].zh}（{name}）" if lang == "zh" else f"{ui.t('imp_tbl_' + name)} ({name})"


def column_label(col: schema.Column, required: bool) -> str:
    text = f"{col.zh}（{col.name}）" if lang == "zh" else f"{col.name} ({col.zh})"
    return f"{text} *" if required else text


def signature(*parts: Any) -> str:
    return hashlib.sha1(json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()[:16]


def release() -> None:
    ui.hold(BATCH)


# --- step 1: table and file ------------------------------------------------------------------------


def step_file() -> tuple[str, Any]:
    st.subheader(ui.t("imp_step1"), anchor=False)
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.session_state.setdefault("imp_table", "cases")
        labels = {name: table_label(name) for name in schema.DATA_TABLES}
        table = st.selectbox(ui.t("imp_table"), list(labels), format_func=labels.get, key="imp_table")
        n = st.session_state.setdefault(UPLOAD_N, 0)
        uploaded = st.file_uploader(ui.t("imp_file"), type=FILE_TYPES, key=f"imp_file_{n}", help=ui.t("imp_file_help"))
    with right:
        st.markdown(f"**{ui.t('imp_templates')}**")
        st.caption(ui.t("imp_templates_help", table=table_label(table)))
        row = st.container(horizontal=True, gap="small")
        with row:
            for kind, icon in (("xlsx", ":material/table_view:"), ("csv", ":material/download:")):
                st.download_button(
                    ui.t(f"imp_template_{kind}"), lambda kind=kind: export.template_bytes(table, kind),
                    file_name=export.template_file_name(table, kind), icon=icon, on_click="ignore",
                    key=f"imp_tpl_{kind}",
                )
    return table, uploaded


def show_result() -> None:
    res = st.session_state.get(RESULT)
    if not res:
        return
    values = {k: f"{res[k]:,}" for k in ("new", "updated", "unchanged", "rows_rejected", "rows_accepted")}
    values.update(file=fmt.escape_md(res["file_name"]), log_id=res["log_id"], table=table_label(res["table"]))
    if res["outcome"] in ("loaded", "partial"):
        st.success(ui.t("imp_done", **values), icon=":material/check_circle:")
    elif res["outcome"] == "unchanged":
        st.info(ui.t("imp_done_unchanged", **values), icon=":material/info:")
    else:
        st.warning(ui.t("imp_done_nothing", **values), icon=":material/block:")
    if res.get("notes"):
        st.caption(fmt.escape_md("；".join(res["notes"])))


# --- step 2: mapping ---------------------------------------------------------------------------------


def opened_file(uploaded: Any, table: str) -> dict[str, Any]:
    """Headers, suggested mapping and sample of the uploaded file (read once per file and table)."""
    key = [uploaded.file_id, table]
    found = st.session_state.get(OPENED)
    if found and found["key"] == key:
        return found
    try:
        src, suggested, sample = pipeline.inspect(uploaded.getvalue(), table, file_name=uploaded.name)
        found = {"key": key, "headers": src.headers, "suggested": suggested, "sample": sample,
                 "describe": src.describe(), "rows": src.total_rows, "best": best_preset(src.headers, table, suggested)}
    except pipeline.IngestError as exc:
        found = {"key": key, "error": str(exc)}
    st.session_state[OPENED] = found
    st.session_state[PENDING_PRESET] = found.get("best", "")
    return found


def best_preset(headers: list[str], table: str, suggested: mapping.Mapping) -> str:
    """A preset that fits the headers better than the automatic mapping ("" when none does)."""
    best, best_n = "", len(suggested.columns) if not suggested.unmapped_required() else -1
    for p in mapping.list_presets(table):
        try:
            m = mapping.load_preset(p["name"]).resolve(headers)
        except mapping.MappingError:
            continue
        if not m.unmapped_required() and len(m.columns) > best_n:
            best, best_n = p["name"], len(m.columns)
    return best


def first_value(sample: pd.DataFrame, headers: list[str], header: str) -> str:
    column = sample.iloc[:, headers.index(header)] if headers.index(header) < sample.shape[1] else pd.Series([])
    for value in column:
        if isinstance(value, str) and value.strip():
            return value.strip() if len(value.strip()) <= 32 else value.strip()[:31] + "…"
    return ""


def step_mapping(opened: dict[str, Any], table: str, file_id: str) -> tuple[mapping.Mapping, bool]:
    st.subheader(ui.t("imp_step2"), anchor=False)
    headers, sample = opened["headers"], opened["sample"]
    st.caption(ui.t("imp_file_read", describe=fmt.escape_md(opened["describe"]), columns=len(headers),
                    rows=f"{opened['rows']:,}" if opened["rows"] is not None else "?"))
    presets = {p["name"]: p for p in mapping.list_presets(table)}
    if PENDING_PRESET in st.session_state:
        pending = st.session_state.pop(PENDING_PRESET)
        st.session_state[PRESET] = pending if pending in presets else ""
    if st.session_state.get(PRESET) not in ("", *presets):
        st.session_state[PRESET] = ""
    labels = {"": ui.t("imp_preset_auto")}
    labels.update({n: p["label"] + (ui.t("imp_preset_builtin") if p["builtin"] else "") for n, p in presets.items()})
    top = st.columns([3, 2], gap="large", vertical_alignment="bottom")
    with top[0]:
        preset = st.selectbox(ui.t("imp_preset"), list(labels), key=PRESET, format_func=labels.get)
    if preset and preset == opened.get("best"):
        with top[1]:
            st.caption(ui.t("imp_preset_picked"))
    if preset:
        try:
            base = mapping.load_preset(preset).resolve(headers)
        except mapping.MappingError as exc:
            st.error(ui.t("imp_error", reason=str(exc)))
            return mapping.Mapping(table), False
    else:
        base = opened["suggested"]
    token = signature(file_id, table, preset)
    t = schema.DATA_TABLES[table]
    optional = {"status", "unit_id"} if table == "cases" else set()
    columns: dict[str, str] = {}
    not_mapped = ui.t("imp_not_mapped")
    with st.container(border=True):
        st.caption(ui.t("imp_mapping_help"))
        ordered = sorted(t.columns, key=lambda c: not (c.required and c.name not in optional))
        for i, col in enumerate(ordered):
            if i % 4 == 0:
                grid = st.columns(4)
            with grid[i % 4]:
                key = f"imp_col_{token}_{col.name}"
                st.session_state.setdefault(key, base.columns.get(col.name, ""))
                header = st.selectbox(column_label(col, col.required and col.name not in optional), ["", *headers],
                                      key=key, format_func=lambda h: h or not_mapped)
                if header:
                    columns[col.name] = header
                    example = first_value(sample, headers, header)
                    st.caption(ui.t("imp_example", value=fmt.escape_md(example)) if example else ui.t("imp_example_empty"))
                elif col.name in base.constants:
                    st.caption(ui.t("imp_constant", value=fmt.escape_md(base.constants[col.name])))
                else:
                    st.caption("\u00a0")  # keeps the rows of the grid level
    m = mapping.Mapping(table, columns, dict(base.constants), base.values, base.missing, base.units, None, base.label)
    unused = [h for h in headers if h not in columns.values()]
    if unused:
        st.caption(ui.t("imp_unused", columns=fmt.escape_md("、".join(unused))))
    with st.expander(ui.t("imp_sample", n=len(sample))):
        shown = sample.copy()
        shown.columns = [f"{h} ({i + 1})" if headers.count(h) > 1 else h for i, h in enumerate(headers[: shown.shape[1]])]
        st.dataframe(shown, hide_index=True, width="stretch")
    save_preset(m)
    try:
        m.check(headers)
    except mapping.MappingError as exc:
        st.error(ui.t("imp_mapping_error", reason=str(exc)), icon=":material/error:")
        st.caption(ui.t("imp_mapping_fix"))
        return m, False
    return m, True


def save_preset(m: mapping.Mapping) -> None:
    with st.expander(ui.t("imp_save_preset")):
        cols = st.columns([2, 3, 1], vertical_alignment="bottom")
        name = cols[0].text_input(ui.t("imp_preset_name"), key="imp_preset_name", placeholder="my_hotline",
                                  help=ui.t("imp_preset_name_help"))
        label = cols[1].text_input(ui.t("imp_preset_label"), key="imp_preset_label")
        if cols[2].button(ui.t("imp_save"), key="imp_save_preset", disabled=not m.columns):
            try:
                path = mapping.save_preset(m, name.strip(), label.strip())
            except mapping.MappingError as exc:
                st.error(ui.t("imp_error", reason=str(exc)))
            else:
                st.session_state[PENDING_PRESET] = path.stem
                st.toast(ui.t("imp_preset_saved", name=path.stem))
                st.rerun()


# --- step 3: check -----------------------------------------------------------------------------------


def step_check(table: str, uploaded: Any, m: mapping.Mapping, ready: bool) -> Checked | None:
    st.subheader(ui.t("imp_step3"), anchor=False)
    parent = None
    if table != "units":
        choices = dict(ui.cached(pipeline.parent_choices))
        cols = st.columns([2, 3], vertical_alignment="bottom")
        add = cols[0].checkbox(ui.t("imp_add_units"), key="imp_add_units", help=ui.t("imp_add_units_help"))
        if add and choices:
            if st.session_state.get("imp_parent") not in choices:
                st.session_state["imp_parent"] = next(iter(choices))
            parent = cols[1].selectbox(ui.t("imp_parent"), list(choices), format_func=choices.get, key="imp_parent")
    sig = signature(uploaded.file_id, table, m.to_dict(), parent)
    checked: Checked | None = ui.held(BATCH)
    if checked is not None and checked.signature != sig:
        release()
        checked = None
        st.info(ui.t("imp_recheck"))
    if st.button(ui.t("imp_check"), type="primary", disabled=not ready, key="imp_check", icon=":material/fact_check:"):
        release()
        st.session_state.pop(RESULT, None)
        checked = run_check(table, uploaded, m, parent, sig)
    elif checked is None and ready:
        st.caption(ui.t("imp_check_help"))
    return checked


def run_check(table: str, uploaded: Any, m: mapping.Mapping, parent: str | None, sig: str) -> Checked | None:
    bar = st.progress(0.0, text=ui.t("imp_progress_start"))

    def progress(done: int, total: int | None) -> None:
        share = min(done / total, 1.0) if total else 0.0
        bar.progress(share, text=ui.t("imp_progress", done=f"{done:,}", total=f"{total:,}" if total else "?"))

    cur = ui.cursor()
    try:
        batch = pipeline.prepare(cur, uploaded.getvalue(), table=table, file_name=uploaded.name, mapping=m,
                               add_units_under=parent, on_progress=progress)
    except pipeline.IngestError as exc:
        cur.close()
        bar.empty()
        st.error(ui.t("imp_error", reason=str(exc)), icon=":material/error:")
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
    with st.expander(ui.t("imp_report")):
        st.markdown("\n".join(f"- {fmt.escape_md(line.strip())}" for line in r.summary_lines()))
    if r.new_units:
        with st.expander(ui.t("imp_new_units", n=len(r.new_units))):
            units = pd.DataFrame(r.new_units).rename(columns={c.name: c.zh for c in schema.UNITS.columns})
            st.dataframe(units, hide_index=True, width="stretch")
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
            st.dataframe(checked.view(batch.preview, kind, PREVIEW_ROWS), hide_index=True, width="stretch")
            if counts[kind] > PREVIEW_ROWS:
                st.caption(ui.t("imp_preview_more", n=PREVIEW_ROWS, total=f"{counts[kind]:,}"))


def show_problems(checked: Checked) -> None:
    batch, r = checked.batch, checked.batch.report
    if not r.problem_summary:
        st.success(ui.t("imp_no_problems"), icon=":material/check_circle:")
        return
    st.markdown(f"**{ui.t('imp_problems')}**")
    summary = pd.DataFrame(r.problem_summary)
    summary["severity"] = summary["severity"].map(lambda s: ui.t(f"imp_sev_{s}"))
    summary = summary[["column", "message", "severity", "rows", "first_row"]]
    summary.columns = [ui.t(k) for k in ("imp_p_field", "imp_p_problem", "imp_p_action", "imp_p_rows", "imp_p_first")]
    st.dataframe(summary, hide_index=True, width="stretch", column_config={ui.t("imp_p_rows"): COUNT})
    cols = st.columns([1, 2, 2], vertical_alignment="bottom")
    labels = {s: ui.t(f"imp_sev_{s}") for s in ("error", "warning")}
    severity = cols[0].segmented_control(ui.t("imp_severity"), list(labels), key="imp_severity", format_func=labels.get)
    fields = cols[1].multiselect(ui.t("imp_fields"), sorted({p["column"] for p in r.problem_summary}),
                                 key="imp_fields", placeholder=ui.t("imp_fields_all"))
    rows = checked.view(batch.problems, PROBLEM_ROWS, severity)
    stem = r.file_name.rsplit(".", 1)[0] or "import"
    if fields:
        rows = rows[rows["字段"].isin(fields)]
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
    rows = rows.assign(原始值=rows["原始值"].fillna(ui.t("imp_empty_value")))
    st.dataframe(rows, hide_index=True, width="stretch", height=min(38 + 35 * max(len(rows), 1), 388))
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
        st.error(ui.t("imp_error", reason=str(exc)), icon=":material/error:")
        return
    release()
    st.session_state[RESULT] = {**report.to_dict(), "notes": list(report.notes)}
    st.session_state[UPLOAD_N] = st.session_state.get(UPLOAD_N, 0) + 1
    st.session_state.pop(OPENED, None)
    st.rerun()


def show_history() -> None:
    st.divider()
    st.subheader(ui.t("imp_history"), anchor=False)
    cur = ui.cursor()
    try:
        history = pipeline.history(cur, 20)
    finally:
        cur.close()
    if history.empty:
        st.caption(ui.t("imp_history_empty"))
    else:
        counts = {c: COUNT for c in history.columns[3:7]}  # rows read / inserted / updated / rejected
        st.dataframe(history, hide_index=True, width="stretch", column_config=counts)


# --- the page ----------------------------------------------------------------------------------------

if st.session_state.get("imp_lang", lang) != lang:
    # The browser holds a selectbox choice by its shown label, which the language switch changed:
    # hand the kept choices back (as ui does for the shared filters).
    for key in [k for k in st.session_state if str(k).startswith(("imp_table", PRESET, "imp_col_", "imp_severity"))]:
        st.session_state[key] = st.session_state[key]
st.session_state["imp_lang"] = lang
st.title(ui.t("page_import"))
st.caption(ui.t("imp_intro"))
result_slot = st.container()
table, uploaded = step_file()
if uploaded is None:
    release()
    st.session_state.pop(OPENED, None)
    with result_slot:
        show_result()
else:
    st.session_state.pop(RESULT, None)
    opened = opened_file(uploaded, table)
    if "error" in opened:
        release()
        st.error(ui.t("imp_error", reason=opened["error"]), icon=":material/error:")
    else:
        m, ready = step_mapping(opened, table, uploaded.file_id)
        checked = step_check(table, uploaded, m, ready)
        if checked is not None:
            show_check(checked)
            step_load(checked)
show_history()
