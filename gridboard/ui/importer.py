"""The data import page (issue #3): choose a table and a file, map its columns, check, load.

Step 1 the table and the file (empty templates beside), step 2 the column mapping (preset,
one selectbox per contract column with a sample value, "save as preset"), step 3 the check
(progress bar, then summary, problems by row and column, the change previewed as new / updated /
unchanged rows, rejected rows to download), step 4 the load; the import log under it.
This module owns steps 1 and 2 and render(), the page; gridboard.ui.import_check owns steps 3
and 4 and the checked upload held between reruns (a page left behind loses its uploaded file,
so coming back finds nothing held).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from gridboard import ui
from gridboard.core import export, fmt, schema
from gridboard.ingest import mapping, pipeline
from gridboard.ui import printing
from gridboard.ui.import_check import (
    OPENED,
    PENDING_PRESET,
    PRESET,
    RESULT,
    UPLOAD_N,
    release,
    show_check,
    show_history,
    signature,
    step_check,
    step_load,
)

FILE_TYPES = ["csv", "tsv", "txt", "xlsx", "xlsm", "xls"]


def table_label(name: str) -> str:
    return f"{schema.DATA_TABLES[name].zh}（{name}）" if ui.lang() == "zh" else f"{ui.t('imp_tbl_' + name)} ({name})"


def column_label(col: schema.Column, required: bool) -> str:
    text = f"{col.zh}（{col.name}）" if ui.lang() == "zh" else col.name
    return f"{text} *" if required else text


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
    if res.get("note_keys"):
        st.caption(fmt.escape_md(("；" if ui.lang() == "zh" else "; ").join(ui.t(k) for k in res["note_keys"])))


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
                 "describe": {lang: src.describe(lang) for lang in ("zh", "en")}, "rows": src.total_rows,
                 "exact": src.rows_exact, "best": mapping.best_preset(src.headers, table, suggested)}
    except pipeline.IngestError as exc:
        found = {"key": key, "error": exc}  # shown in the session's language (exc.text)
    st.session_state[OPENED] = found
    st.session_state[PENDING_PRESET] = found.get("best", "")
    return found


def first_value(sample: pd.DataFrame, headers: list[str], header: str) -> str:
    column = sample.iloc[:, headers.index(header)] if headers.index(header) < sample.shape[1] else pd.Series([])
    for value in column:
        if isinstance(value, str) and value.strip():
            return value.strip() if len(value.strip()) <= 32 else value.strip()[:31] + "…"
    return ""


def step_mapping(opened: dict[str, Any], table: str, file_id: str) -> tuple[mapping.Mapping, bool]:
    st.subheader(ui.t("imp_step2"), anchor=False)
    headers, sample = opened["headers"], opened["sample"]
    st.caption(ui.t("imp_file_read_exact" if opened.get("exact") else "imp_file_read",
                    describe=fmt.escape_md(opened["describe"][ui.lang()]), columns=len(headers),
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
            st.error(ui.t("imp_error", reason=exc.text(ui.lang())))
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
        st.caption(ui.t("imp_unused", columns=fmt.escape_md(("、" if ui.lang() == "zh" else ", ").join(unused))))
    with st.expander(ui.t("imp_sample", n=len(sample))):
        shown = sample.copy()
        shown.columns = [f"{h} ({i + 1})" if headers.count(h) > 1 else h for i, h in enumerate(headers[: shown.shape[1]])]
        printing.dataframe(shown, hide_index=True, width="stretch")
    save_preset(m)
    try:
        m.check(headers)
    except mapping.MappingError as exc:
        st.error(ui.t("imp_mapping_error", reason=exc.text(ui.lang())), icon=":material/error:")
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
                st.error(ui.t("imp_error", reason=exc.text(ui.lang())))
            else:
                st.session_state[PENDING_PRESET] = path.stem
                st.toast(ui.t("imp_preset_saved", name=path.stem))
                st.rerun()


# --- the page ----------------------------------------------------------------------------------------


def render() -> None:
    """The whole import page, top to bottom."""
    lang = ui.lang()
    if st.session_state.get("imp_lang", lang) != lang:
        # The browser holds a selectbox choice by its shown label, which the language switch changed:
        # hand the kept choices back (as ui does for the shared filters).
        for key in [k for k in st.session_state if str(k).startswith(("imp_table", PRESET, "imp_col_", "imp_severity"))]:
            st.session_state[key] = st.session_state[key]
        st.session_state.pop("imp_fields", None)  # field names differ between the languages
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
            st.error(ui.t("imp_error", reason=opened["error"].text(ui.lang())), icon=":material/error:")
        else:
            m, ready = step_mapping(opened, table, uploaded.file_id)
            checked = step_check(table, uploaded, m, ready)
            if checked is not None:
                show_check(checked)
                step_load(checked)
    show_history()
