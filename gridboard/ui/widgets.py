"""Small rendering helpers the pages share: page header, plotly charts with their PNG download,
tables with their CSV/.xlsx downloads and printed copy.

Downloads are named and captioned from what is on screen: the page title (page_header keeps it for
the run), the shared filters' unit and period (last day included) and as-of time, and the chart's
or table's title (`title=`, else the page's); `caption=` overrides it all for a table or chart
that is not about the sidebar's period (a year, an assessment month).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from gridboard.core import catalog, export, fmt
from gridboard.render import chart_export, charts
from gridboard.ui import printing
from gridboard.ui.filters import FILTERS_KEY, Filters
from gridboard.ui.session import lang, t

PAGE_TITLE_KEY = "_gridboard_page_title"  # the page_header title of this run (downloads' names)
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# --- rendering helpers ---------------------------------------------------------------------------


def page_header(title: str, f: Filters) -> None:
    """Page title with the area, period and as-of stamp under it (free text escaped)."""
    st.session_state[PAGE_TITLE_KEY] = title
    st.title(title)
    st.caption(
        f"{fmt.escape_md(f.unit_name)} · {fmt.escape_md(f.label)} · "
        f"{fmt.escape_md(t('as_of', as_of=f.as_of.strftime('%Y-%m-%d %H:%M')))}"
    )


def download_caption(title: str | None = None, *, unit: str | None = None) -> export.Caption:
    """The caption of a download on this page: its title (the page's when None), the page, the
    shared filters' unit (or `unit`), period and as-of time, in the session's language."""
    page = st.session_state.get(PAGE_TITLE_KEY, "")
    f: Filters | None = st.session_state.get(FILTERS_KEY)
    if f is None:
        return export.Caption(title or page, unit or "", lang=lang(), page=page)
    return export.caption(title or page, unit or f.unit_name, f.start, f.end, f.as_of, lang(), page=page)


def chart_download(fig: Any, key: str, title: str | None = None, cap: export.Caption | None = None) -> None:
    """A small "download image" button under a chart: the figure as a PNG for white paper (title,
    unit, period, source line), drawn only when clicked, named unit_page_title_period.png."""
    if not chart_export.available():
        return
    cap = cap or download_caption(title)
    st.download_button(t("download_png"), lambda: chart_export.png_bytes(fig, cap), file_name=cap.file_name("png"),
                       mime="image/png", icon=":material/image:", on_click="ignore", key=f"dl_png_{key}",
                       type="tertiary")


def plotly(fig: Any, *, key: str | None = None, title: str | None = None,
           caption: export.Caption | None = None) -> None:
    """A plotly figure (dark, for the screen) with its PNG download (light, for paper)."""
    st.plotly_chart(fig, theme=None, config=charts.PLOTLY_CONFIG, key=key, width="stretch")
    chart_download(fig, key or f"chart_{id(fig)}", title, caption)


PRELOAD_KEY = "gb_chart_preload"


def preload_charts() -> None:
    """A chart and a table nobody sees, for the login page: the browser fetches the chart
    library and the data grid there, and runs their drawing and layout code once, while the user
    types, not on the first page after signing in. A chart of the pages' shape, not an empty figure
    (that loads the library but leaves its drawing code cold); hidden with visibility, not
    display:none, so that the browser lays it out too, and taken out of the flow. Nothing of the
    county's data is in them (charts.preload_figure: made-up weeks)."""
    st.html(f"<style>.st-key-{PRELOAD_KEY} {{ visibility: hidden; position: absolute; left: 0; top: 0; "
            "width: 900px; height: 0; overflow: hidden; pointer-events: none; }</style>")
    with st.container(key=PRELOAD_KEY):
        st.plotly_chart(charts.preload_figure(), theme=None, config=charts.PLOTLY_CONFIG, key=f"{PRELOAD_KEY}_figure",
                        width="stretch")
        frame = pd.DataFrame({"-": [0.5, 0.25]})
        st.dataframe(frame.style.format("{:.1%}"), key=f"{PRELOAD_KEY}_table")  # the data grid's code too


def download_buttons(table: Callable[[], pd.DataFrame], cap: export.Caption, keys: tuple[str, str]) -> None:
    """CSV (UTF-8 with BOM, opens in Excel) and .xlsx buttons side by side for the frame `table()`
    returns, named after `cap` (the .xlsx with its title rows); `keys` are the two widget keys. The
    files are made by gridboard.export (formula-safe) only when a button is clicked."""
    with st.container(horizontal=True, gap="small"):
        st.download_button(t("download_csv"), lambda: export.to_csv_bytes(table()), file_name=cap.file_name("csv"),
                           mime="text/csv", icon=":material/download:", on_click="ignore", key=keys[0])
        st.download_button(t("download_xlsx"), lambda: export.to_xlsx_bytes(table(), t("exp_sheet"), cap),
                           file_name=cap.file_name("xlsx"), mime=XLSX_MIME, icon=":material/table_view:",
                           on_click="ignore", key=keys[1])


def download_table(df: pd.DataFrame, name: str, *, title: str | None = None,
                   caption: export.Caption | None = None) -> None:
    """The download buttons of a table shown on the page (download_buttons; its caption from
    `title` and the page unless `caption` is given), and the whole table as a static copy that
    only printing shows (the grid above it prints ~10 rows)."""
    cap = caption or download_caption(title)
    download_buttons(lambda: df, cap, (f"dl_csv_{name}", f"dl_xlsx_{name}"))
    printing.print_table(df, cap)


def metrics_table(df: pd.DataFrame) -> None:
    """A metrics frame from fmt.metrics_frame with number formats per metric kind."""
    formats = {"rate": "%.1f", "minutes": "%.1f", "hours": "%.1f", "count": "localized"}
    column_config = {}
    for m in catalog.METRICS:
        label = fmt.column_label(m, lang())
        if label in df.columns:
            column_config[label] = st.column_config.NumberColumn(label, format=formats[m.kind], help=m.zh)
    decimals = [fmt.column_label(m, lang()) for m in catalog.METRICS if m.kind != "count"]
    styled = df.style.format("{:.1f}", subset=[c for c in decimals if c in df.columns], na_rep=fmt.DASH)
    st.dataframe(styled, hide_index=True, width="stretch", column_config=column_config)  # empty cells read "—"


# --- never a blank page ----------------------------------------------------------------------------

PROGRESS_DELAY_S = 0.15  # a computation that takes longer shows what it computes (Streamlit's spinner waits 0.5 s)
_WHAT = {  # function name -> (zh, en) of what it computes
    "kpis": ("指标", "the indicators"), "breakdown": ("分组指标", "the breakdown"),
    "distribution": ("时长分布", "the duration distribution"), "distributions": ("时长分布", "the duration distributions"), "build": ("汇总", "the summary"),
    "inputs": ("网格指数", "the grid index"), "explain": ("变化原因", "why it moved"),
    "child_scores": ("下级单位得分", "the scores of the units below"), "summary": ("汇总", "the summary"),
    "by_unit": ("各单位数据", "the figures per unit"), "ageing": ("超期账龄", "the ageing"),
    "funnel": ("办理环节", "the case funnel"), "case_list": ("案件清单", "the case list"),
}


def _what(func: Callable[..., Any]) -> str:
    zh, en = _WHAT.get(func.__name__, ("数据", "the data"))
    return f"正在计算{zh}…" if lang() != "en" else f"Computing {en}…"


@contextmanager
def computing(func: Callable[..., Any]) -> Iterator[None]:
    """While `func` runs, show where its result will appear what is being computed, from
    PROGRESS_DELAY_S on (cache hits and fast queries show nothing); removed when it returns.
    ui.cached wraps every page computation in it, so no page stays blank while it works."""
    ctx = get_script_run_ctx()
    if ctx is None:  # not inside a script run (tests calling library code): nothing to show
        yield
        return
    slot = st.empty()
    lock = threading.Lock()
    state = {"done": False}
    text = _what(func)

    def show() -> None:
        with lock:
            if not state["done"]:
                slot.info(text, icon=":material/hourglass_top:")

    timer = threading.Timer(PROGRESS_DELAY_S, show)
    add_script_run_ctx(timer, ctx)
    timer.start()
    try:
        yield
    finally:
        with lock:
            state["done"] = True
        timer.cancel()
        slot.empty()
