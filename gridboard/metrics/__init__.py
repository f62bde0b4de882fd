"""The metric engine and what is built directly on it: KPIs and breakdowns (engine), the cases
behind a number (drill, kpi_cases), the KPI pages' data (kpi_views), deadlines, scorecard,
"why it moved" (explain) and problem clues (gaps).
"""
