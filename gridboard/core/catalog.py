"""The metric catalogue: every case metric of DESIGN.md and every count behind it, defined once.

A *count* is a condition over one cohort row `k` (a case reported in the period under the unit,
status <> 'cancelled'), evaluated at `$as_of`; its SQL predicate is written here and nowhere else.
A *metric* is a count, a rate (numerator count / denominator count) or a duration quantile over
the cases of a count. From this one table:

- the KPI query (db/sql/kpis.sql) and the grid index query (db/sql/grid_index.sql) get their
  aggregate columns (`count_sql`, `rate_sql`, `duration_sql`);
- the lists of cases behind a number (metrics/drill.py, metrics/kpi_cases.py) filter with the
  same predicates (`predicates`);
- labels in both languages (core/fmt.py, the pages, the CLI's keys) come from `zh`/`en`/`short_*`.

No database, no streamlit: fixed texts only (identifiers and predicates), values stay bound.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["count", "rate", "minutes", "hours"]

_CLOSED = "k.closed_at <= $as_of"
_RESPONDED = "k.responded_at <= $as_of"
_SURVEYED = "k.satisfaction IS NOT NULL"
OVERDUE_OPEN = "k.due_at < $as_of AND (k.closed_at IS NULL OR k.closed_at > $as_of)"

# Exact durations: epoch differences (DuckDB's date_diff counts minute/hour boundaries instead).
RESPONSE_MINUTES = "(epoch(k.responded_at) - epoch(k.reported_at)) / 60.0"
CLOSE_HOURS = "(epoch(k.closed_at) - epoch(k.reported_at)) / 3600.0"


@dataclass(frozen=True)
class Count:
    """A number of cohort cases: those for which `predicate` holds."""

    key: str
    zh: str
    en: str
    predicate: str
    higher_is_better: bool = True


COUNTS: tuple[Count, ...] = (
    Count("received", "受理量", "Received", "TRUE"),
    Count("closed", "办结量", "Closed", _CLOSED),
    Count("due_passed", "已到期件数", "Past deadline", "k.due_at <= $as_of"),
    Count("closed_on_time", "按时办结件数", "Closed on time", "k.due_at <= $as_of AND k.closed_at <= k.due_at"),
    # Cases of the period's cohort still open past due_at: "本期", not the wall's 当前超期 (every open case).
    Count("overdue_open", "本期超期未办结", "Period cases overdue open", OVERDUE_OPEN, False),
    Count("responded", "已响应件数", "Responded", _RESPONDED),
    Count("surveyed", "已回访评价件数", "Surveyed", _SURVEYED),
    Count("satisfied", "满意件数", "Satisfied", "k.satisfaction IN ('satisfied', 'basic')"),
    Count("closed_surveyed", "已回访办结件数", "Closed and surveyed", f"{_CLOSED} AND {_SURVEYED}"),
    Count("closed_in_grid", "网格内办结件数", "Closed in the grid", f"{_CLOSED} AND k.handled_level = 'grid'"),
    # DESIGN.md: closed cases that were reopened; a reopened case still open counts once it closes.
    Count("reopened", "返工件数", "Reopened", f"{_CLOSED} AND k.reopened", False),
    Count("supervised", "督办件数", "Supervised", "k.supervised", False),
)
COUNT_BY_KEY: dict[str, Count] = {c.key: c for c in COUNTS}


@dataclass(frozen=True)
class Metric:
    """A metric of DESIGN.md. `numerator`/`denominator` name COUNTS: for a rate the two counts it
    divides, for a count itself over `received`, for a duration the cases it is measured over."""

    key: str
    zh: str
    en: str
    kind: Kind
    higher_is_better: bool
    numerator: str = ""
    denominator: str = ""
    short_zh: str = ""
    short_en: str = ""
    value: str | None = None  # durations: the SQL value whose quantile is taken
    quantile: float | None = None

    def short(self, lang: str) -> str:
        return (self.short_en or self.en) if lang == "en" else (self.short_zh or self.zh)


METRICS: tuple[Metric, ...] = (
    Metric("received", "受理量", "Received", "count", True, "received", "received", "受理", "received"),
    Metric("closed", "办结量", "Closed", "count", True, "closed", "received", "办结", "closed"),
    Metric("closure_rate", "办结率", "Closure rate", "rate", True, "closed", "received", "办结率", "closure rate"),
    Metric("on_time_rate", "按时办结率", "On-time rate", "rate", True, "closed_on_time", "due_passed",
           "按时办结率", "on-time rate"),
    Metric("overdue_open", "本期超期未办结", "Period cases overdue open", "count", False, "overdue_open", "received",
           "本期超期未办结", "period overdue"),
    Metric("median_response_min", "响应时长中位数(分钟)", "Median response (min)", "minutes", False,
           "responded", "responded", "响应时长", "response", RESPONSE_MINUTES, 0.5),
    Metric("p90_response_min", "响应时长P90(分钟)", "P90 response (min)", "minutes", False,
           "responded", "responded", "响应P90", "response P90", RESPONSE_MINUTES, 0.9),
    Metric("median_close_hours", "办理时长中位数(小时)", "Median close time (h)", "hours", False,
           "closed", "closed", "办理时长", "close time", CLOSE_HOURS, 0.5),
    Metric("satisfaction_rate", "满意率", "Satisfaction rate", "rate", True, "satisfied", "surveyed",
           "满意率", "satisfaction"),
    Metric("callback_rate", "回访率", "Callback rate", "rate", True, "closed_surveyed", "closed",
           "回访率", "callback"),
    Metric("grid_resolved_rate", "小事不出网格率", "Resolved in grid", "rate", True, "closed_in_grid", "closed",
           "小事不出网格", "resolved in grid"),
    Metric("reopen_rate", "返工率", "Reopen rate", "rate", False, "reopened", "closed", "返工率", "reopen"),
)
METRIC_KEYS: tuple[str, ...] = tuple(m.key for m in METRICS)
METRIC_BY_KEY: dict[str, Metric] = {m.key: m for m in METRICS}
RATE_KEYS: tuple[str, ...] = tuple(m.key for m in METRICS if m.kind == "rate")
DURATION_KEYS: tuple[str, ...] = tuple(m.key for m in METRICS if m.quantile is not None)
COUNT_KEYS: tuple[str, ...] = tuple(m.key for m in METRICS if m.kind == "count")
# The counts behind the rates that are not metrics themselves (returned by kpis(detail=True)).
COMPONENT_KEYS: tuple[str, ...] = tuple(c.key for c in COUNTS if c.key not in METRIC_BY_KEY)
# Each rate as (numerator count, denominator count).
RATE_PARTS: dict[str, tuple[str, str]] = {m.key: (m.numerator, m.denominator) for m in METRICS if m.kind == "rate"}


def predicates(key: str) -> tuple[str, str]:
    """(numerator, denominator) predicates over cohort row k of a metric or count key."""
    if key in METRIC_BY_KEY:
        m = METRIC_BY_KEY[key]
        return COUNT_BY_KEY[m.numerator].predicate, COUNT_BY_KEY[m.denominator].predicate
    if key in COUNT_BY_KEY:
        return COUNT_BY_KEY[key].predicate, COUNT_BY_KEY["received"].predicate
    raise KeyError(f"no metric or count {key!r}")


def count_sql(keys: tuple[str, ...] | None = None) -> str:
    """Aggregate columns `count(*) FILTER (WHERE predicate) AS key` over cohort rows k."""
    chosen = COUNTS if keys is None else tuple(COUNT_BY_KEY[k] for k in keys)
    return ",\n        ".join(
        "count(*) AS received" if c.predicate == "TRUE" else f"count(*) FILTER (WHERE {c.predicate}) AS {c.key}"
        for c in chosen
    )


def duration_sql(keys: tuple[str, ...] = DURATION_KEYS) -> str:
    """Exact quantiles (linear interpolation) of each duration over the cases of its count."""
    out = []
    for key in keys:
        m = METRIC_BY_KEY[key]
        out.append(f"quantile_cont({m.value}, {m.quantile}) FILTER (WHERE {COUNT_BY_KEY[m.numerator].predicate})"
                   f" AS {m.key}")
    return ",\n        ".join(out)


def rate_sql(keys: tuple[str, ...] = RATE_KEYS) -> str:
    """Rate columns over aggregated counts: NULL when the denominator is 0 (never 0, never an error)."""
    return ",\n    ".join(
        f"CAST({METRIC_BY_KEY[k].numerator} AS DOUBLE) / NULLIF({METRIC_BY_KEY[k].denominator}, 0) AS {k}"
        for k in keys
    )


def rates(counts: Mapping[str, Any], keys: tuple[str, ...] = RATE_KEYS) -> dict[str, float | None]:
    """rate_sql's rates over counts already summed in Python (the same division: None when the
    denominator is 0)."""
    out: dict[str, float | None] = {}
    for k in keys:
        m = METRIC_BY_KEY[k]
        den = counts[m.denominator]
        out[k] = float(counts[m.numerator]) / den if den else None
    return out


def label(key: str, lang: str = "zh") -> str:
    """The label of a metric or count key."""
    item: Metric | Count | None = METRIC_BY_KEY.get(key) or COUNT_BY_KEY.get(key)
    if item is None:
        raise KeyError(f"no metric or count {key!r}")
    return item.en if lang == "en" else item.zh

# The case field each rate is built from: when the data holds no value of that field at all (a
# source that does not record it), the rate is absent, shown "—", not 0.0 % (engine.absent_metrics).
SOURCE_FIELDS: dict[str, str] = {
    "satisfaction_rate": "satisfaction",
    "callback_rate": "satisfaction",
    "grid_resolved_rate": "handled_level",
    "reopen_rate": "reopened",
}
