"""The leaders' scorecard (驾驶舱): each judged metric against its target as a ratio where 1 is on
target (Boston CityScore's idea), red/amber/green, one overall score, 环比 and 同比, and the same
for each sub-unit.

What is judged (SCORE_KEYS, those with a target): the rates of the catalogue, and the durations
through the share within their time limit (gridboard/metrics/within.py): "response ≤ 30 min for
90 % of cases", never the median alone, so "达标" cannot sit next to "half were late".

ratio = actual / target when higher is better, target / actual when lower is better (shown up to
RATIO_CAP). The overall score is the weighted mean (equal weights) of min(ratio, 1): a metric far
above target cannot hide a missed one, and the misses are listed. 1 means every target met.
The comparison periods come from gridboard.core.periods: 环比 the previous period as far as this
one has run (for 本年: the previous year to date), 同比 the same dates a year earlier; when the two
are the same window (本年) the scorecard says so instead of showing one number twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import duckdb

from gridboard.core import catalog, periods
from gridboard.metrics import engine, within

RATIO_CAP = 1.5  # the ratio shown (bars, table); the overall score counts each at most 1
AMBER_FROM = 0.95  # ratio ≥ 1 green, ≥ 0.95 amber, else red
Rag = Literal["green", "amber", "red"]
SCORE_KEYS: tuple[str, ...] = (
    "closure_rate", "on_time_rate", "satisfaction_rate", "callback_rate", "grid_resolved_rate", "reopen_rate",
    "response_within_share", "close_within_share",
)


@dataclass(frozen=True)
class Line:
    key: str
    actual: float | None
    target: float
    ratio: float | None
    rag: Rag | None
    previous: float | None
    last_year: float | None
    limit: float | None = None  # the time limit of a within-limit share (minutes / hours)

    @property
    def metric(self) -> catalog.Metric:
        return within.metric_of(self.key)

    @property
    def credit(self) -> float | None:
        """What the line adds to the overall score: min(ratio, 1)."""
        return None if self.ratio is None else min(1.0, self.ratio)

    @property
    def met(self) -> bool:
        return self.ratio is not None and self.ratio >= 1.0


@dataclass(frozen=True)
class Scorecard:
    lines: list[Line]
    overall: float | None
    same_comparison: bool = False  # 环比 and 同比 are one window (本年): shown once
    weights: dict[str, float] = field(default_factory=dict)

    @property
    def overall_rag(self) -> Rag | None:
        return rag(self.overall)

    @property
    def misses(self) -> list[Line]:
        """The lines under target, worst first."""
        return sorted((ln for ln in self.lines if ln.ratio is not None and ln.ratio < 1.0), key=lambda ln: ln.ratio or 0)


def ratio(actual: float | None, target: float, higher_is_better: bool) -> float | None:
    """actual/target (or target/actual when lower is better), capped at RATIO_CAP for display."""
    if actual is None or target is None:
        return None
    if higher_is_better:
        r = actual / target if target > 0 else RATIO_CAP
    else:
        r = target / actual if actual > 0 else RATIO_CAP
    return min(r, RATIO_CAP)


def rag(r: float | None) -> Rag | None:
    if r is None:
        return None
    if r >= 1.0:
        return "green"
    return "amber" if r >= AMBER_FROM else "red"


def overall(ratios: Mapping[str, float | None], weights: Mapping[str, float] | None = None) -> float | None:
    """Weighted mean of min(ratio, 1) over the ratios that exist (equal weights by default)."""
    have = {k: min(1.0, v) for k, v in ratios.items() if v is not None}
    w = {k: float((weights or {}).get(k, 1.0)) for k in have}
    total = sum(w.values())
    return sum(w[k] * v for k, v in have.items()) / total if total > 0 else None


def judged(targets: Mapping[str, float]) -> list[str]:
    """The keys the scorecard judges with these targets, in SCORE_KEYS order (a within-limit share
    needs its limit too)."""
    return [k for k in SCORE_KEYS if k in targets and (k not in within.SHARES or within.SHARES[k][3] in targets)]


def values(
    con: duckdb.DuckDBPyConnection, targets: Mapping[str, float], p: periods.Period, *, unit: str | None = None,
) -> dict[str, float | None]:
    """The judged metrics of one unit and period (the catalogue's rates and the within-limit shares)."""
    k = engine.kpis(con, start=p.start, end=p.end, as_of=p.as_of, unit=unit)
    keys = judged(targets)
    limits = {key: within.limit_of(key, targets) for key in keys if key in within.SHARES}
    shares = within.shares(con, limits, start=p.start, end=p.end, as_of=p.as_of, unit=unit)
    return {key: shares[key] if key in limits else k[key] for key in keys}


def same_window(a: periods.Period, b: periods.Period) -> bool:
    return (a.start, a.end) == (b.start, b.end)


def build(
    con: duckdb.DuckDBPyConnection,
    targets: Mapping[str, float],
    p: periods.Period,
    *,
    unit: str | None = None,
) -> Scorecard:
    """The scorecard of the metrics that have a target, for period p and its comparisons."""
    prev_p, last_p = periods.previous(p), periods.same_last_year(p)
    now, prev = (values(con, targets, q, unit=unit) for q in (p, prev_p))
    # 本年: 环比 and 同比 are one window at one as_of, so one computation answers both
    same = same_window(prev_p, last_p) and prev_p.as_of == last_p.as_of
    last = prev if same else values(con, targets, last_p, unit=unit)
    lines = []
    for key in judged(targets):
        m = within.metric_of(key)
        r = ratio(now[key], float(targets[key]), m.higher_is_better)
        limit = within.limit_of(key, targets) if key in within.SHARES else None
        lines.append(Line(key, now[key], float(targets[key]), r, rag(r), prev[key], last[key], limit))
    return Scorecard(lines, overall({ln.key: ln.ratio for ln in lines}), same_window(prev_p, last_p))


def children(
    con: duckdb.DuckDBPyConnection, targets: Mapping[str, float], *, start: Any, end: Any, as_of: Any,
    unit: str | None = None, by: str = "child",
) -> list[dict[str, Any]]:
    """Each sub-unit's ratio per judged metric, its overall score (as build) and received, worst
    overall first: group_id, group_name, received, overall, ratios, values."""
    keys = judged(targets)
    window = {"start": start, "end": end, "as_of": as_of, "unit": unit}
    rows = engine.breakdown(con, by, **window)
    limits = {key: within.limit_of(key, targets) for key in keys if key in within.SHARES}
    found = within.breakdowns(con, limits, by, start=start, end=end, as_of=as_of, unit=unit)
    shares = {key: {r["group_id"]: r["share"] for r in rows} for key, rows in found.items()}
    out = []
    for r in rows:
        vals = {key: shares[key].get(r["group_id"]) if key in shares else r[key] for key in keys}
        ratios = {key: ratio(vals[key], float(targets[key]), within.metric_of(key).higher_is_better) for key in keys}
        out.append({"group_id": r["group_id"], "group_name": r["group_name"], "received": r["received"],
                    "overall": overall(ratios), "ratios": ratios, "values": vals})
    out.sort(key=lambda x: (x["overall"] is None, x["overall"] or 0.0))
    return out
