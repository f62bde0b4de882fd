"""Turning results into what people see: plotly figures, pydeck maps, display tables and the
wall screen's HTML/SVG. No database writes, no streamlit.
"""
