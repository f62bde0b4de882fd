"""The cases behind the KPI pages' numbers, paged, with a text filter, and ready to show.

`count()` and `page()` (together: `cases()`) list what any number of the KPI pages counts: a metric's numerator or denominator
(gridboard.drill's conditions, so tiles and breakdown cells agree with drill.case_list), a stage
of the closed-loop funnel, an overdue-ageing bucket or a histogram bin (the same SQL texts as
gridboard.kpi_views counts with), optionally inside one group of a breakdown and narrowed by a
text filter on id, title and category. `display_frame()` turns a page of cases into the table
people see and download: Chinese (or English) headers, enum labels, masked phone numbers.
No streamlit here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from gridboard.core import catalog, fmt, schema
from gridboard.db import queries
from gridboard.metrics import drill, engine, kpi_views

# Conditions over the cohort row k beyond the catalogue's counts (drill.PREDICATES): funnel
# stages, ageing buckets and histogram bins (fixed texts; values bound).
EXTRA: dict[str, str] = {
    "reported": catalog.COUNT_BY_KEY["received"].predicate,
    "dispatched": "k.dispatched_at <= $as_of",
    "age_bucket": f"{catalog.OVERDUE_OPEN} AND ({{age}}) = $bucket",
    "response_bin": f"{kpi_views.MEASURES['response'].keep} AND {kpi_views.bin_expression('response')} = $bin",
    "close_bin": f"{kpi_views.MEASURES['close'].keep} AND {kpi_views.bin_expression('close')} = $bin",
    "response_within": (f"{kpi_views.MEASURES['response'].keep} AND {kpi_views.MEASURES['response'].value}"
                        " <= $within_limit"),
}
# Every funnel stage (kpi_views.FUNNEL_STAGES) is a `what` of its own: "closed" is drill's
# condition, the others are EXTRA conditions, each the text kpi_funnel.sql counts with.
TEXT_FILTER = (
    "(k.case_id ILIKE $q ESCAPE '\\' OR coalesce(k.title, '') ILIKE $q ESCAPE '\\'"
    " OR coalesce(k.category, '') ILIKE $q ESCAPE '\\' OR coalesce(k.subcategory, '') ILIKE $q ESCAPE '\\')"
)
_RESERVED = {"unit", "start", "end", "as_of", "limit", "offset", "q", "group_value"}
PAGE_SIZE = 50
EXPORT_MAX = 20_000  # rows a download of one list holds at most


@dataclass(frozen=True)
class Query:
    """What a case list shows: a metric (drill.PREDICATES key) or EXTRA key, its part, an optional
    breakdown group, and the values EXTRA conditions need (bucket, bin, width, bins, within_limit)."""

    what: str = "received"
    part: str = "numerator"
    group_by: str | None = None
    group_value: Any = None
    values: tuple[tuple[str, Any], ...] = ()


def _predicate(q: Query) -> str:
    if q.what in EXTRA:
        return EXTRA[q.what].replace("{age}", queries.body("kpi_age_bucket"))
    if q.what in drill.PREDICATES:
        return drill.PREDICATES[q.what][0 if q.part == "numerator" else 1]
    raise engine.MetricError(f"unknown case list {q.what!r}")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _sql_and_params(con: duckdb.DuckDBPyConnection, q: Query, name: str, *, start: dt.datetime, end: dt.datetime,
                    as_of: dt.datetime, unit: str | None, text: str) -> tuple[str, dict[str, Any]]:
    predicate = _predicate(q)
    params: dict[str, Any] = dict(q.values)
    if params.keys() & _RESERVED:
        raise engine.MetricError(f"case list values may not be named {sorted(params.keys() & _RESERVED)}")
    if q.group_by is not None:
        extra, extra_params, group_unit = drill._group_condition(q.group_by, q.group_value)  # noqa: SLF001
        predicate = f"({predicate}) AND {extra}"
        params.update(extra_params)
        if group_unit is not None:
            unit = group_unit
    if text.strip():
        predicate = f"({predicate}) AND {TEXT_FILTER}"
        params["q"] = f"%{_escape_like(text.strip())}%"
    if end <= start:
        raise engine.MetricError("empty period: 'to' must be after 'from'")
    params.update({"unit": engine.check_unit(con, unit), "start": start, "end": end, "as_of": as_of})
    scope, group, _ = engine.scope_and_group(None)
    sql = queries.named(name, scope=scope, cohort=queries.fragment("cohort", group=group), predicate=predicate)
    return sql, params


def count(
    con: duckdb.DuckDBPyConnection, q: Query, *, start: dt.datetime, end: dt.datetime, as_of: dt.datetime,
    unit: str | None = None, text: str = "",
) -> int:
    """How many cases `q` counts in the cohort of [start, end) under `unit` (narrowed by `text`);
    without a text filter this is the number on screen, read from the aggregates when they can
    answer (drill.aggregate_count), else counted."""
    sql, params = _sql_and_params(con, q, "kpi_case_count", start=start, end=end, as_of=as_of, unit=unit, text=text)
    if not text.strip() and not q.values and q.what in drill.PREDICATES and q.what not in EXTRA:
        found = drill.aggregate_count(con, q.what, "numerator" if q.part == "numerator" else "denominator", start=start, end=end, as_of=as_of,
                                      unit=engine.check_unit(con, unit), group_by=q.group_by,
                                      group_value=q.group_value)
        if found is not None:
            return found
    return int(queries.rows(con, sql, params)[0]["total"])


def page(
    con: duckdb.DuckDBPyConnection, q: Query, *, start: dt.datetime, end: dt.datetime, as_of: dt.datetime,
    unit: str | None = None, text: str = "", limit: int = PAGE_SIZE, offset: int = 0,
) -> pd.DataFrame:
    """One page of those cases, newest first (columns of drill.case_list), read from the newest
    report days only (drill.newest_page)."""
    sql, params = _sql_and_params(con, q, "kpi_case_page", start=start, end=end, as_of=as_of, unit=unit, text=text)
    return drill.newest_page(con, sql, params, limit=limit, offset=offset)


def cases(
    con: duckdb.DuckDBPyConnection,
    q: Query,
    *,
    start: dt.datetime,
    end: dt.datetime,
    as_of: dt.datetime,
    unit: str | None = None,
    text: str = "",
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> drill.CaseList:
    """count() and page() together: the cases `q` counts, newest first, paged, with the total."""
    window = {"start": start, "end": end, "as_of": as_of, "unit": unit, "text": text}
    return drill.CaseList(count(con, q, **window), page(con, q, limit=limit, offset=offset, **window))


# --- showing a page of cases ---------------------------------------------------------------------

# (column, zh, en) in the order shown; enum columns get their labels, the phone is masked.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("case_id", "事件编号", "Case"),
    ("unit_name", "所属网格", "Grid"),
    ("category", "事件类型", "Category"),
    ("subcategory", "事件子类", "Subcategory"),
    ("title", "标题", "Title"),
    ("source", "来源渠道", "Source"),
    ("status", "状态", "Status"),
    ("reported_at", "上报时间", "Reported"),
    ("responded_at", "签收时间", "Responded"),
    ("closed_at", "办结时间", "Closed"),
    ("due_at", "办理时限", "Due"),
    ("department", "承办部门", "Department"),
    ("handled_level", "办结层级", "Closed at level"),
    ("satisfaction", "满意度", "Satisfaction"),
    ("reopened", "返工", "Reopened"),
    ("supervised", "督办", "Supervised"),
    ("reporter_phone", "联系电话", "Phone"),
)
PAIR_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("case_id", "事件编号", "Case"),
    ("unit_name", "所属网格", "Grid"),
    ("category", "事件类型", "Category"),
    ("title", "标题", "Title"),
    ("reported_at", "上报时间", "Reported"),
    ("status", "状态", "Status"),
    ("earlier_case_id", "前次事件编号", "Earlier case"),
    ("earlier_title", "前次标题", "Earlier title"),
    ("earlier_closed_at", "前次办结时间", "Earlier closed"),
    ("days_after_close", "间隔天数", "Days after closing"),
    ("reporter_phone", "联系电话", "Phone"),
)
_ENUMS = {"source": "source", "status": "status", "handled_level": "handled_level", "satisfaction": "satisfaction"}


def display_frame(rows: pd.DataFrame, lang: str = "zh", columns: tuple[tuple[str, str, str], ...] = COLUMNS,
                  ) -> pd.DataFrame:
    """A page of cases as shown and downloaded: labelled headers and enums, phones masked.

    Free text stays as text (tables render it inert; downloads neutralise formulas)."""
    en = lang == "en"
    yes, no = ("Yes", "No") if en else ("是", "否")
    out: dict[str, Any] = {}
    for col, zh, en_label in columns:
        if col not in rows.columns:
            continue
        values = rows[col]
        if col in _ENUMS:
            values = values.map(lambda v, kind=_ENUMS[col]: schema.label(kind, v, lang) if isinstance(v, str) else fmt.DASH)
        elif col == "reporter_phone":
            values = values.map(fmt.mask_phone, na_action=None)
        elif col in ("title", "earlier_title"):  # a phone number typed into the title is masked too
            values = values.map(lambda v: fmt.DASH if v is None or pd.isna(v) else fmt.mask_phones_in(v))
        elif col in ("reopened", "supervised"):
            values = values.map(lambda v: no if v is None or pd.isna(v) or not bool(v) else yes)
        elif col == "days_after_close":
            values = values.round(1).map(lambda v: fmt.DASH if pd.isna(v) else v)
        elif pd.api.types.is_datetime64_any_dtype(values):  # a missing time shows "—", never None/NaT
            values = values.map(lambda v: fmt.DASH if pd.isna(v) else f"{v:%Y-%m-%d %H:%M}")
        elif values.dtype == object or pd.api.types.is_string_dtype(values):
            values = values.map(lambda v: fmt.DASH if v is None or pd.isna(v) else v)
        out[en_label if en else zh] = values.to_numpy()
    return pd.DataFrame(out)
