"""Streamlit glue of the metric tiles and metric tables the KPI pages share: one tile per metric with
its 环比 change, the tables' number formats, help texts, case links and "—" for empty cells.
Split from gridboard/ui/drill.py (which keeps the drill path and the case panel); it decides nothing
about numbers: the values come from the metric engine through the pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import streamlit as st

from gridboard import ui
from gridboard.core import catalog, fmt
from gridboard.metrics import kpi_views

TILE_WIDTH = 168  # px: eight tiles a row at 1920 wide (sidebar open), four or five at 1366
_FORMATS = {"rate": "%.1f", "minutes": "%.1f", "hours": "%.1f", "count": "localized"}


def metric_help(key: str, value: Any = 0) -> str:
    """A metric's definition; for an absent rate (None whose source field the data lacks) also why."""
    text = ui.t(f"def_{key}") if key in catalog.METRIC_BY_KEY else ui.t(f"kpi_def_{key}")
    if value is None and key in catalog.SOURCE_FIELDS:
        text += "\n\n" + ui.t("kpi_absent", field=ui.t(f"kpi_field_{catalog.SOURCE_FIELDS[key]}"))
    return text


def tiles(keys: Sequence[str], now: dict[str, Any], before: dict[str, Any], f: ui.Filters) -> None:
    """One st.metric per key (metric or count of kpi_views.EXTRA_METRICS) with its 环比 change
    against the shared filter's previous period (named in a caption above the tiles)."""
    lang = ui.lang()
    prev = f.previous()
    st.caption(ui.t("vs_previous", start=f"{prev.start:%Y-%m-%d %H:%M}", end=f"{prev.end:%Y-%m-%d %H:%M}"))
    shown = [(key, kpi_views.column_metric(key)) for key in keys]
    values = {key: fmt.metric(m, now.get(key), lang) for key, m in shown}
    deltas = {key: fmt.delta(m, now.get(key), before.get(key), lang) for key, m in shown}
    # one width for the row, wide enough for its longest value and change: a county's 本年 counts
    # run to seven digits ("4,712,676", "↑ +319,687 (+7.3 %)"), which TILE_WIDTH cut off
    width = max([TILE_WIDTH, *(tile_width(values[k], deltas[k]) for k, _ in shown)])
    row = st.container(horizontal=True, gap="small")
    with row:
        for key, m in shown:
            st.metric(
                fmt.metric_label(m, lang, with_unit=False), values[key], deltas[key],
                **fmt.delta_style(m, now.get(key), before.get(key)),
                help=metric_help(key, now.get(key)), border=True, width=width,
            )


def _text_px(text: str, size: float) -> float:
    """About how wide `text` is at font size `size` px: CJK about a whole em, digits and Latin letters
    half of one, separators a quarter (checked on a 10 M county's 本年 tiles at 1920x1080)."""
    em = {",": 0.25, ".": 0.25, " ": 0.25, "%": 0.8}
    return sum(size * (0.95 if ord(ch) >= 0x2E80 else em.get(ch, 0.5)) for ch in text)


def tile_width(value: str, delta: str | None) -> int:
    """The width in px a tile needs for its value (2.25 rem) and its change (0.875 rem, with its
    arrow and padding), borders and padding included."""
    return int(max(_text_px(value, 36) + 34, _text_px(delta or "", 14) + 64))


def column_config(keys: Sequence[str]) -> dict[str, Any]:
    """Number formats and help texts for a kpi_views.metric_frame table."""
    lang = ui.lang()
    out = {}
    for key in keys:
        m = kpi_views.column_metric(key)
        label = fmt.column_label(m, lang)
        out[label] = st.column_config.NumberColumn(label, format=_FORMATS[m.kind], help=metric_help(key))
    return out


def case_links(frame: Any, lang: str) -> tuple[Any, dict[str, Any]]:
    """The case id column as links to the case page (/case?id=…, showing the id), and its config."""
    col = "Case" if lang == "en" else "事件编号"
    if col not in frame.columns:
        return frame, {}
    frame = frame.copy()
    frame[col] = [f"case?id={quote(str(v), safe='')}" for v in frame[col]]
    return frame, {col: st.column_config.LinkColumn(col, display_text=r"case\?id=(.*)")}


def no_none(frame: Any, keys: Sequence[str]) -> Any:
    """The metric table as a Styler whose empty cells (a rate or duration without data) read "—",
    never None; rates and durations with one decimal."""
    lang = ui.lang()
    decimals = [fmt.column_label(kpi_views.column_metric(k), lang) for k in keys
                if kpi_views.column_metric(k).kind != "count"]
    return frame.style.format("{:.1f}", subset=[c for c in decimals if c in frame.columns], na_rep=fmt.DASH)


def right_aligned(columns: Sequence[str]) -> dict[str, Any]:
    """Column config showing text columns (numbers formatted as text) right-aligned."""
    return {c: st.column_config.TextColumn(c, alignment="right") for c in columns}


def table_height(rows: int, most: int = 15) -> int:
    """Pixels for a table showing up to `most` rows without scrolling (35 px a row and header)."""
    return 35 * (min(rows, most) + 1) + 3
