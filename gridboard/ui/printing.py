"""Print glue: the print stylesheet the shell puts on every page, and the static copy of a table
that is printed in place of its canvas grid (gridboard/render/print_view.py makes both)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gridboard.core import export
from gridboard.render import print_view


def print_styles() -> None:
    """The print stylesheet (print media only: the screen is untouched). Called once per run by
    the shell (app.py)."""
    st.html(print_view.css(), unsafe_allow_javascript=True)  # our own script: fits charts to the paper


def print_table(df: pd.DataFrame, caption: export.Caption | None = None) -> None:
    """The whole of `df` as a static table, hidden on screen and printed instead of the grid above
    it (the grid would print only the rows in view)."""
    st.html(print_view.table_html(df, caption))
