"""Print glue: the print stylesheet the shell puts on every page, and the static copy of a table
that is printed in place of its canvas grid (gridboard/render/print_view.py makes both).

A Streamlit grid prints only the rows in its scroll area, so every table on a page is printed from
a whole static copy: download_table (gridboard.ui.widgets) adds one after a table's download
buttons, and `dataframe()` — st.dataframe plus its copy right after it — is what pages call for a
table without them. A copy holds at most print_view.PRINT_ROWS_MAX rows and then says how many
were left out.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from gridboard.core import export
from gridboard.render import maps, print_view
from gridboard.ui import grid_hover
from gridboard.ui.session import t


def print_styles() -> None:
    """The print stylesheet (print media only: the screen is untouched), with the grids' pointer
    replay after a scroll (gridboard.ui.grid_hover) and the maps' no-WebGL note in the same element. Called once per run by the
    shell (app.py)."""
    # our own scripts: fit charts to the paper; one click selects a grid cell after a scroll; a map
    # panel says why it is empty in a browser without WebGL
    st.html(print_view.css() + grid_hover.SCRIPT + maps.no_webgl_script(t("map_no_webgl")), unsafe_allow_javascript=True)


def print_table(df: pd.DataFrame, caption: export.Caption | None = None, *, download: bool = True) -> None:
    """The whole of `df` as a static table, hidden on screen and printed instead of the grid above
    it (the grid would print only the rows in view). `download`: the table has download buttons,
    which the line after a cut copy points to."""
    more = t("prt_more_download" if download else "prt_more", n=f"{len(df) - print_view.PRINT_ROWS_MAX:,}",
             total=f"{len(df):,}") if len(df) > print_view.PRINT_ROWS_MAX else None
    st.html(print_view.table_html(df, caption, more=more))


def printable(data: Any) -> pd.DataFrame:
    """The frame a printed copy shows for what st.dataframe was given: a Styler's data, a frame, or
    anything pandas makes a frame of; columns of lists (sparklines) left out."""
    df = data.data if hasattr(data, "data") and isinstance(data.data, pd.DataFrame) else pd.DataFrame(data)
    listed = [c for c in df.columns
              if len(df) and df[c].map(lambda v: isinstance(v, list | tuple) or hasattr(v, "shape")).any()]
    return df.drop(columns=listed) if listed else df


def dataframe(data: Any, **kwargs: Any) -> Any:
    """st.dataframe(data, **kwargs) followed by its whole printed copy (see the module docstring);
    returns what st.dataframe returns (the selection event of a selectable table)."""
    event = st.dataframe(data, **kwargs)
    print_table(printable(data), download=False)
    return event
