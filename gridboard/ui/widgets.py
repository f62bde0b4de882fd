"""Small rendering helpers the pages share: page header, plotly charts, tables and their downloads.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from gridboard.core import catalog, export, fmt
from gridboard.render import charts
from gridboard.ui.filters import Filters
from gridboard.ui.session import lang, t

# --- rendering helpers ---------------------------------------------------------------------------


def page_header(title: str, f: Filters) -> None:
    """Page title with the area, period and as-of stamp under it (free text escaped)."""
    st.title(title)
    st.caption(
        f"{fmt.escape_md(f.unit_name)} · {fmt.escape_md(f.label)} · "
        f"{fmt.escape_md(t('as_of', as_of=f.as_of.strftime('%Y-%m-%d %H:%M')))}"
    )


def plotly(fig: Any, *, key: str | None = None) -> None:
    st.plotly_chart(fig, theme=None, config=charts.PLOTLY_CONFIG, key=key, width="stretch")


def download_table(df: pd.DataFrame, name: str) -> None:
    """CSV (UTF-8 with BOM, opens in Excel) and .xlsx download buttons for a table; the files are
    made by gridboard.export (formula-safe) only when a button is clicked."""
    row = st.container(horizontal=True, gap="small")
    with row:
        st.download_button(t("download_csv"), lambda: export.to_csv_bytes(df), file_name=f"{name}.csv",
                           mime="text/csv", icon=":material/download:", on_click="ignore", key=f"dl_csv_{name}")
        st.download_button(
            t("download_xlsx"), lambda: export.to_xlsx_bytes(df), file_name=f"{name}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            icon=":material/table_view:", on_click="ignore", key=f"dl_xlsx_{name}",
        )


def metrics_table(df: pd.DataFrame) -> None:
    """A metrics frame from fmt.metrics_frame with number formats per metric kind."""
    formats = {"rate": "%.1f", "minutes": "%.1f", "hours": "%.1f", "count": "localized"}
    column_config = {}
    for m in catalog.METRICS:
        label = fmt.column_label(m, lang())
        if label in df.columns:
            column_config[label] = st.column_config.NumberColumn(label, format=formats[m.kind], help=m.zh)
    st.dataframe(df, hide_index=True, width="stretch", column_config=column_config)
