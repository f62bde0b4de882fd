"""gridboard: decision-support dashboard library for a county grid-governance command centre.

Everything here is testable without a browser; only gridboard/ui.py imports streamlit.
"""

__version__ = "0.1.0"
