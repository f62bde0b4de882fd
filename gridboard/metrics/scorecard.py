"""The leaders' scorecard (驾驶舱): each metric against its target as a ratio where 1 is on target
(Boston CityScore's idea), red/amber/green, one overall score, and 环比 / 同比 values.

ratio = actual / target when higher is better, target / actual when lower is better; each ratio
is capped at RATIO_CAP so one metric far above target cannot hide the others in the overall
score (the mean of the ratios that exist). A metric without a value (empty cohort) has no ratio.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import duckdb

from gridboard.core import catalog, periods
from gridboard.metrics import engine

RATIO_CAP = 1.5
AMBER_FROM = 0.95  # ratio ≥ 1 green, ≥ 0.95 amber, else red
Rag = Literal["green", "amber", "red"]


@dataclass(frozen=True)
class Line:
    key: str
    actual: float | None
    target: float
    ratio: float | None
    rag: Rag | None
    previous: float | None
    last_year: float | None


@dataclass(frozen=True)
class Scorecard:
    lines: list[Line]
    overall: float | None

    @property
    def overall_rag(self) -> Rag | None:
        return rag(self.overall)


def ratio(actual: float | None, target: float, higher_is_better: bool) -> float | None:
    """actual/target (or target/actual when lower is better), capped at RATIO_CAP."""
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


def build(
    con: duckdb.DuckDBPyConnection,
    targets: Mapping[str, float],
    p: periods.Period,
    *,
    unit: str | None = None,
) -> Scorecard:
    """The scorecard of the metrics that have a target, for period p and its comparisons."""
    now = engine.kpis(con, unit=unit, **p.window())
    prev = engine.kpis(con, unit=unit, **periods.previous(p).window())
    last = engine.kpis(con, unit=unit, **periods.same_last_year(p).window())
    lines = []
    for m in catalog.METRICS:
        if m.key not in targets:
            continue
        r = ratio(now[m.key], float(targets[m.key]), m.higher_is_better)
        lines.append(Line(m.key, now[m.key], float(targets[m.key]), r, rag(r), prev[m.key], last[m.key]))
    ratios = [ln.ratio for ln in lines if ln.ratio is not None]
    overall = sum(ratios) / len(ratios) if ratios else None
    return Scorecard(lines, overall)
