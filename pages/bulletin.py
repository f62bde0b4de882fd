"""月度通报 / Monthly bulletin: pick a month (or use the sidebar's period) and the sidebar's area; the
bulletin shows as a printable A4 page and downloads as Word (.docx) and as the printable HTML.
Everything in it comes from gridboard.bulletin (content from the metric engine, charts, docx, html)."""

from gridboard import ui

ui.page_guard()

import datetime as dt
from dataclasses import replace

import streamlit as st

from gridboard.bulletin import content, dates, page, word
from gridboard.core import fmt

f = ui.filters()
header = st.container()
st.caption(ui.t("bul_hint"))

choices = dates.recent_months(f.as_of)
left, right = st.columns([1, 2])
with left:
    mode = st.segmented_control(ui.t("bul_mode"), ("month", "filters"), key="bul_mode", default="month",
                                required=True, format_func=lambda m: ui.t(f"bul_mode_{m}"))
with right:
    month = st.selectbox(ui.t("bul_month"), choices, index=choices.index(dates.last_whole_month(f.as_of)), key="bul_month",
                         format_func=lambda m: ui.t("bul_month_label", year=int(m[:4]), month=int(m[5:])),
                         disabled=mode != "month")
start, end = dates.month_bounds(month) if mode == "month" else (f.start, f.end)
with header:  # the bulletin's own period under the title (the sidebar's is not used in month mode)
    label = dates.period_label(start, end) if ui.lang() == "zh" else ui.t(
        "period_label", start=f"{start:%Y-%m-%d}", end=f"{end - dt.timedelta(days=1):%Y-%m-%d}")
    ui.page_header(ui.t("page_bulletin"), replace(f, label=label))

try:
    with st.spinner(ui.t("bul_building")):
        b, view = ui.cached(page.build_view, start=start, end=end, as_of=f.as_of, unit=f.unit_id)
except content.BulletinError as exc:
    st.error(ui.t("bul_error", reason=fmt.escape_md(exc)))
    st.stop()

stamp = f"{f.unit_id}_{start:%Y%m%d}_{end:%Y%m%d}"
with st.container(horizontal=True, gap="small"):
    st.download_button(ui.t("bul_download_docx"), lambda: word.to_bytes(b), file_name=f"bulletin_{stamp}.docx",
                       mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                       icon=":material/description:", on_click="ignore", key="bul_docx", type="primary")
    st.download_button(ui.t("bul_download_html"), lambda: page.to_bytes(b), file_name=f"bulletin_{stamp}.html",
                       mime="text/html", icon=":material/print:", on_click="ignore", key="bul_html")
st.caption(ui.t("bul_print_hint"))
st.html(view)
