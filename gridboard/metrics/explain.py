""""Why did it move": a metric's change between two periods split by group, largest first.

For a count the contribution of a group is its own change. For a rate R = N / D over the whole
unit, R = Σ N_g / D, so ΔR = Σ (N2_g / D2 − N1_g / D1): each group's contribution, which adds up
exactly to the total change. It is further split into a rate effect (the group got better or
worse) and a mix effect (the group's share of the denominator changed). Medians do not split
additively, so duration metrics are not offered here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb

from gridboard.core import catalog
from gridboard.metrics import engine

EXPLAINABLE: tuple[str, ...] = catalog.COUNT_KEYS + tuple(catalog.RATE_PARTS)


@dataclass(frozen=True)
class Window:
    start: dt.datetime
    end: dt.datetime
    as_of: dt.datetime


@dataclass(frozen=True)
class Contribution:
    group_id: Any
    group_name: Any
    before: float | None
    after: float | None
    contribution: float
    rate_effect: float
    mix_effect: float


@dataclass(frozen=True)
class Explanation:
    metric: str
    by: str
    before: float | None
    after: float | None
    change: float | None
    contributions: list[Contribution]

    @property
    def explained(self) -> float:
        return sum(c.contribution for c in self.contributions)


def explain(
    con: duckdb.DuckDBPyConnection,
    metric: str,
    by: str,
    *,
    before: Window,
    after: Window,
    unit: str | None = None,
) -> Explanation:
    """The change of `metric` from `before` to `after`, split by the groups of `by`."""
    if metric not in EXPLAINABLE:
        raise engine.MetricError(f"metric {metric!r} cannot be split; choose one of {', '.join(EXPLAINABLE)}")
    tot1 = engine.kpis(con, start=before.start, end=before.end, as_of=before.as_of, unit=unit, detail=True)
    tot2 = engine.kpis(con, start=after.start, end=after.end, as_of=after.as_of, unit=unit, detail=True)
    g1 = {r["group_id"]: r for r in engine.breakdown(
        con, by, start=before.start, end=before.end, as_of=before.as_of, unit=unit, detail=True)}
    g2 = {r["group_id"]: r for r in engine.breakdown(
        con, by, start=after.start, end=after.end, as_of=after.as_of, unit=unit, detail=True)}
    keys = list(dict.fromkeys([*g2, *g1]))
    out: list[Contribution] = []
    if metric in catalog.COUNT_KEYS:
        for k in keys:
            a, b = (g1.get(k) or {}).get(metric, 0) or 0, (g2.get(k) or {}).get(metric, 0) or 0
            name = (g2.get(k) or g1.get(k))["group_name"]
            out.append(Contribution(k, name, float(a), float(b), float(b - a), float(b - a), 0.0))
        before_v, after_v = float(tot1[metric]), float(tot2[metric])
    else:
        num, den = catalog.RATE_PARTS[metric]
        d1, d2 = tot1[den], tot2[den]
        for k in keys:
            r1, r2 = g1.get(k) or {}, g2.get(k) or {}
            n1g, d1g = r1.get(num, 0) or 0, r1.get(den, 0) or 0
            n2g, d2g = r2.get(num, 0) or 0, r2.get(den, 0) or 0
            s1 = n1g / d1 if d1 else 0.0
            s2 = n2g / d2 if d2 else 0.0
            contribution = s2 - s1
            # rate effect: the group's own rate change at its new weight; mix: the rest
            rate1 = n1g / d1g if d1g else None
            rate2 = n2g / d2g if d2g else None
            w2 = d2g / d2 if d2 else 0.0
            rate_effect = w2 * (rate2 - rate1) if rate1 is not None and rate2 is not None else 0.0
            name = (r2 or r1)["group_name"]
            out.append(Contribution(k, name, rate1, rate2, contribution, rate_effect, contribution - rate_effect))
        before_v, after_v = tot1[metric], tot2[metric]
    out.sort(key=lambda c: -abs(c.contribution))
    change = None if before_v is None or after_v is None else after_v - before_v
    return Explanation(metric, by, before_v, after_v, change, out)
