"""Analyst imports: opening files (readers; csvfile, excel, source), mapping headers (mapping,
presets/), parsing values, row checks, staging, the report and import log (report) and the load
pipeline (pipeline).
"""
