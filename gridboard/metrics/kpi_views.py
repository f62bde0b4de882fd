"""The numbers of the KPI pages beyond the metric engine: the closed-loop funnel, overdue ageing
buckets, duration distributions (median, P90, histogram bins, from the durations grouped by value in
DuckDB: metrics/durations.py), the scorecard's windows, and the map from a table column to the
cases it counts.

Every count here has a case list behind it (gridboard.kpi_cases) built from the same SQL text,
and tests/test_kpi_views.py checks that each list is as long as its number. No streamlit here.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from gridboard.core import catalog, fmt, periods
from gridboard.db import queries
from gridboard.metrics import durations, engine, memo

# --- the closed loop -----------------------------------------------------------------------------

FUNNEL_STAGES: tuple[str, ...] = ("reported", "dispatched", "responded", "closed", "surveyed", "satisfied")


def _cohort_sql(name: str, **fragments: str) -> str:
    scope, group, _ = engine.scope_and_group(None)
    return queries.named(name, scope=scope, cohort=queries.fragment("cohort", group=group), **fragments)


def _params(start: dt.datetime, end: dt.datetime, as_of: dt.datetime, unit: str) -> dict[str, Any]:
    if end <= start:
        raise engine.MetricError("empty period: 'to' must be after 'from'")
    return {"start": start, "end": end, "as_of": as_of, "unit": unit}


def funnel(
    con: duckdb.DuckDBPyConnection, *, start: dt.datetime, end: dt.datetime, as_of: dt.datetime,
    unit: str | None = None,
) -> dict[str, int]:
    """Cohort cases at each stage of the loop by as_of (keys FUNNEL_STAGES, in order)."""
    unit = engine.check_unit(con, unit)
    row = queries.rows(con, _cohort_sql("kpi_funnel"), _params(start, end, as_of, unit))[0]
    return {k: int(row[k] or 0) for k in FUNNEL_STAGES}


# --- overdue ageing ------------------------------------------------------------------------------

AGE_BUCKETS: tuple[str, ...] = ("d0_1", "d1_3", "d3_7", "d7p")
AGE_LABELS_ZH = {"d0_1": "超期0–1天", "d1_3": "超期1–3天", "d3_7": "超期3–7天", "d7p": "超期7天以上"}
AGE_LABELS_EN = {"d0_1": "0–1 d late", "d1_3": "1–3 d late", "d3_7": "3–7 d late", "d7p": "> 7 d late"}


def ageing(
    con: duckdb.DuckDBPyConnection, *, start: dt.datetime, end: dt.datetime, as_of: dt.datetime,
    unit: str | None = None,
) -> dict[str, int]:
    """The cohort's overdue open cases by days past due (keys AGE_BUCKETS); they add up to
    engine.kpis()["overdue_open"]."""
    unit = engine.check_unit(con, unit)
    sql = _cohort_sql("kpi_ageing", bucket=queries.body("kpi_age_bucket"))
    found = {r["bucket"]: int(r["n"]) for r in queries.rows(con, sql, _params(start, end, as_of, unit))}
    return {b: found.get(b, 0) for b in AGE_BUCKETS}


# --- duration distributions ----------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    key: str
    value: str  # SQL over the cohort row k (fixed text)
    keep: str  # which cohort rows have the duration (fixed text)
    kind: str  # "minutes" or "hours", as the metric kinds
    median_key: str  # the metric that is this measure's median


def _measure(key: str, median_key: str) -> Measure:
    """A duration as the catalogue defines its median: its value and the count it is measured over."""
    m = catalog.METRIC_BY_KEY[median_key]
    assert m.value is not None
    return Measure(key, m.value, catalog.COUNT_BY_KEY[m.numerator].predicate, m.kind, median_key)


MEASURES: dict[str, Measure] = {
    "response": _measure("response", "median_response_min"),
    "close": _measure("close", "median_close_hours"),
}
TARGET_BINS = 30


def bin_expression(measure: str) -> str:
    """The bin of a duration: floor(v / $width) kept in [0, $bins] (the last bin is open-ended)."""
    return f"greatest(0, least($bins, CAST(floor(({MEASURES[measure].value}) / $width) AS BIGINT)))"


def nice_width(span: float, bins: int = TARGET_BINS) -> float:
    """A round bin width (1, 2, 2.5 or 5 × 10^k) giving about `bins` bins over [0, span] (1 for
    an empty span: every duration is zero)."""
    if span <= 0:
        return 1.0
    raw = span / bins
    power = 10 ** math.floor(math.log10(raw))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= raw:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


@dataclass(frozen=True)
class Bin:
    index: int
    lo: float
    hi: float | None  # None: open-ended last bin
    count: int


@dataclass(frozen=True)
class Distribution:
    measure: str
    n: int
    median: float | None
    p90: float | None
    p99: float | None
    max: float | None
    within: int  # durations at most `limit`
    limit: float | None
    width: float
    bins: int  # index of the open-ended bin
    histogram: list[Bin]

    @property
    def within_share(self) -> float | None:
        return self.within / self.n if self.n and self.limit is not None else None


def distribution(
    con: duckdb.DuckDBPyConnection, measure: str, *, start: dt.datetime, end: dt.datetime, as_of: dt.datetime,
    unit: str | None = None, limit: float | None = None, target_bins: int = TARGET_BINS,
) -> Distribution:
    """Response minutes or close hours of the cohort: median and P90 exactly as the metric engine
    computes them, and a histogram up to twice the P90 or the P99 if lower (never under twice the
    median), everything above in one open-ended last bin.

    Memoised per data version like the per-group quantiles (metrics/memo.py): a distribution of
    本年 is a pass over the year's cases, and stays the same until a case is reported between its
    end and another's, or a measured case's time passes between its as_of and another's."""
    return distributions(con, {measure: limit}, start=start, end=end, as_of=as_of, unit=unit,
                         target_bins=target_bins)[measure]


def distributions(
    con: duckdb.DuckDBPyConnection, limits: Mapping[str, float | None], *, start: dt.datetime, end: dt.datetime,
    as_of: dt.datetime, unit: str | None = None, target_bins: int = TARGET_BINS,
) -> dict[str, Distribution]:
    """distribution() of several measures (measure → its limit), those the memo does not hold
    computed together (metrics/durations.py: one pass over the cohort's recent days, the older days'
    durations kept by the process while no write touches them)."""
    unknown = [k for k in limits if k not in MEASURES]
    if unknown:
        raise engine.MetricError(f"unknown measure {unknown[0]!r}; choose one of {', '.join(MEASURES)}")
    unit = engine.check_unit(con, unit)
    base = _params(start, end, as_of, unit)
    out: dict[str, Distribution] = {}
    missing: list[str] = []
    for measure, limit in limits.items():
        settle = memo.settle_column(MEASURES[measure].keep)
        kept = memo.recall(con, _kind(measure, limit, target_bins), {**base, "within_limit": limit}) if settle else None
        if kept is not None:
            out[measure] = _from_values(measure, limit, kept)
        else:
            missing.append(measure)
    if missing:
        computed = _distributions(con, {m: limits[m] for m in missing}, base, target_bins)
        for measure, (d, ranges) in computed.items():
            settle = memo.settle_column(MEASURES[measure].keep)
            if settle:
                memo.keep_whole(con, _kind(measure, limits[measure], target_bins), engine.scope_and_group(None)[0],
                                (settle,), {**base, "within_limit": limits[measure]}, _values(d), ranges)
            out[measure] = d
    return {m: out[m] for m in limits}


def _kind(measure: str, limit: float | None, target_bins: int) -> str:
    return f"distribution|{measure}|{limit}|{target_bins}"


def _distributions(con: duckdb.DuckDBPyConnection, limits: Mapping[str, float | None], params: dict[str, Any],
                   target_bins: int) -> dict[str, tuple[Distribution, dict[str, Any]]]:
    """The distributions of `limits`' measures and how long each stays exact (memo.keep_whole's
    ranges): their durations as multisets (metrics/durations.py: one pass, the older days kept)."""
    found = durations.collect(con, {m: (MEASURES[m].value, MEASURES[m].keep) for m in limits}, params)
    return {m: (_distribution(MEASURES[m], found.durations[m], limit, target_bins), found.ranges[m])
            for m, limit in limits.items()}


def _distribution(m: Measure, values: durations.Multiset, limit: float | None, target_bins: int) -> Distribution:
    """The distribution of one measure from its durations: the statistics, then a bin width from them."""
    n = values.n
    if not n:
        return Distribution(m.key, 0, None, None, None, None, 0, limit, 1.0, 0, [])
    median, p90, p99 = (values.quantile(q) for q in (0.5, 0.9, 0.99))
    span = max(min(p99, p90 * 2), median * 2, 0.0)
    width = nice_width(span, target_bins)
    bins = max(1, math.ceil(span / width))
    counts = values.histogram(width, bins)
    top = bins if counts[bins] else bins - 1
    histogram = [Bin(i, i * width, None if i == bins else (i + 1) * width, counts[i]) for i in range(top + 1)]
    return Distribution(m.key, n, median, p90, p99, values.max, values.at_most(limit), limit, width, bins, histogram)


_STATS = ("median", "p90", "p99", "max")


def _values(d: Distribution) -> dict[str, float | None]:
    """A distribution as the memo keeps it: named numbers, one per bin ("bin:3")."""
    out: dict[str, float | None] = {"n": d.n, "within": d.within, "width": d.width, "bins": d.bins}
    out.update({k: getattr(d, k) for k in _STATS})
    out.update({f"bin:{b.index}": b.count for b in d.histogram})
    return out


def _from_values(measure: str, limit: float | None, v: dict[str, float | None]) -> Distribution:
    n = int(v["n"] or 0)
    if not n:
        return Distribution(measure, 0, None, None, None, None, 0, limit, 1.0, 0, [])
    width, bins = float(v["width"] or 1.0), int(v["bins"] or 0)
    top = max(int(k.split(":", 1)[1]) for k in v if k.startswith("bin:"))
    histogram = [Bin(i, i * width, None if i == bins else (i + 1) * width, int(v.get(f"bin:{i}") or 0))
                 for i in range(top + 1)]
    stats = {k: None if v[k] is None else float(v[k]) for k in _STATS}  # type: ignore[arg-type]
    return Distribution(measure, n, stats["median"], stats["p90"], stats["p99"], stats["max"], int(v["within"] or 0),
                        limit, width, bins, histogram)


# --- scorecard windows ---------------------------------------------------------------------------

SCORE_WINDOWS: tuple[str, ...] = ("filter", "yesterday", "last7", "this_month", "this_quarter", "this_year", "custom")


def score_period(
    choice: str, shared: periods.Period, custom: tuple[dt.date, dt.date] | None = None,
) -> periods.Period:
    """The scorecard's window: the shared filter's period ("filter"), a preset around its as_of,
    or a custom range (inclusive days; falls back to the shared period while incomplete)."""
    if choice == "filter" or (choice == "custom" and not custom):
        return shared
    if choice not in SCORE_WINDOWS:
        raise ValueError(f"unknown scorecard window {choice!r}")
    return periods.period(choice, shared.as_of, custom if choice == "custom" else None)


def period_label(p: periods.Period) -> str:
    """"2026-11-01 – 2026-11-23" for whole days (end exclusive), with the time when a comparison
    period is cut mid-day ("2026-10-01 – 2026-10-23 15:30")."""
    if p.end.time() == dt.time():
        last = p.end - dt.timedelta(days=1)
        return p.start.date().isoformat() if last.date() == p.start.date() else f"{p.start:%Y-%m-%d} – {last:%Y-%m-%d}"
    return f"{p.start:%Y-%m-%d} – {p.end:%Y-%m-%d %H:%M}"


# --- table columns and the cases they count ------------------------------------------------------

# The counts behind the rates, as columns and tiles of their own (the catalogue's counts, labels
# and direction), and the share of responses within the response target (a Distribution's
# within_share). A count column lists the cases of its own predicate; a rate or duration column
# lists its numerator / measured cases.
EXTRA_METRICS: dict[str, catalog.Metric] = {
    **{c.key: catalog.Metric(c.key, c.zh, c.en, "count", c.higher_is_better, c.key, "received")
       for c in catalog.COUNTS if c.key not in catalog.METRIC_BY_KEY},
    "within_share": catalog.Metric("within_share", "目标内响应占比", "Responded within target", "rate", True,
                                   "responded", "responded"),
}


def column_metric(key: str) -> catalog.Metric:
    """The Metric of a column key: one of catalog.METRICS or EXTRA_METRICS."""
    return catalog.METRIC_BY_KEY.get(key) or EXTRA_METRICS[key]


def metric_frame(rows: Sequence[Mapping[str, Any]], keys: Sequence[str], name_label: str, lang: str = "zh",
                 names: Sequence[str] | None = None) -> pd.DataFrame:
    """Breakdown rows as a table: the name column, then `keys` (rates in percent with one decimal,
    durations with one, counts as integers); headers are fmt.column_label of each key."""
    data: dict[str, list[Any]] = {name_label: list(names) if names is not None else
                                  [r.get("group_name") or fmt.DASH for r in rows]}
    for key in keys:
        m = column_metric(key)
        values = [r.get(key) for r in rows]
        if m.kind == "rate":
            values = [None if v is None else round(float(v) * 100, 1) for v in values]
        elif m.kind != "count":
            values = [None if v is None else round(float(v), 1) for v in values]
        data[fmt.column_label(m, lang)] = values
    frame = pd.DataFrame(data)
    for key in keys:
        m = column_metric(key)
        if m.kind == "count":
            frame[fmt.column_label(m, lang)] = frame[fmt.column_label(m, lang)].astype("Int64")
    return frame


def column_keys(keys: Sequence[str], lang: str = "zh") -> dict[str, str]:
    """Header label → column key, to map a clicked cell back to what it counts."""
    return {fmt.column_label(column_metric(k), lang): k for k in keys}


def cases_of_column(key: str) -> tuple[str, str]:
    """(drill key, part) of a table column key: any catalogue count or metric lists its numerator."""
    if key in catalog.COUNT_BY_KEY or key in catalog.METRIC_BY_KEY:
        return key, "numerator"
    raise KeyError(key)
