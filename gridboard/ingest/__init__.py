"""Analyst imports: reading CSV/Excel (readers), mapping headers (mapping, presets/), parsing
values, row checks, staging and the load pipeline (pipeline).
"""
