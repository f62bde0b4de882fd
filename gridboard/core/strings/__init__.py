"""Interface strings of each page area, one module per area (bigscreen.py, kpi.py, …).

Each module defines STRINGS: dict[key, (zh, en)]; gridboard.i18n merges them all at import
and refuses a key defined twice, so areas can grow without editing one shared file.
"""
