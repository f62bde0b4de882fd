""""Why did it move": a metric's change between two periods split by group, largest first.

Counts: a group's contribution is its own change (they add up to the total change).

Rates: R = N / D = Σ wᵢ·rᵢ with wᵢ = Dᵢ / D a group's share of the denominator and rᵢ = Nᵢ / Dᵢ
its rate. The change is split by the symmetric shift-share decomposition with period-averaged
weights and rates (the "midpoint" or Bennet decomposition; see Kitagawa, E. M. (1955),
"Components of a difference between two rates", JASA 50(272): 1168–1194, and the shift-share
analysis of Dunn (1960)):

    ΔR = Σᵢ [ w̄ᵢ·Δrᵢ  +  Δwᵢ·(r̄ᵢ − R̄) ],   w̄ᵢ = (w₁ᵢ + w₂ᵢ)/2,  r̄ᵢ = (r₁ᵢ + r₂ᵢ)/2,  R̄ = (R₁ + R₂)/2

The first term is the within-effect (the group got better or worse), the second the mix-effect
(its share changed; measuring it against the average R̄ changes nothing in the sum, because
Σ Δwᵢ = 0, but blames a shrinking group only if it was better than average). The contributions
add up to ΔR exactly, and a group whose rate rose never has a negative within-effect. A group
present in one period only keeps its one rate in both (Δrᵢ = 0): its contribution is all mix.

Durations: a median does not split into group parts, so durations are explained through the share
of cases within the time limit (响应 ≤ the response target in minutes, 办理 ≤ the close target in
hours, the limits the scorecard and /response use), a rate explained as above. The page says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb

from gridboard.core import catalog
from gridboard.metrics import engine, within

# Durations as "share within the limit" (gridboard/metrics/within.py): key → (measure, metric, limit target key).
WITHIN: dict[str, tuple[str, catalog.Metric, str]] = {k: (k, v[0], v[3]) for k, v in within.SHARES.items()}
EXPLAINABLE: tuple[str, ...] = catalog.COUNT_KEYS + tuple(catalog.RATE_PARTS) + tuple(WITHIN)
metric_of = within.metric_of


@dataclass(frozen=True)
class Window:
    start: dt.datetime
    end: dt.datetime
    as_of: dt.datetime


@dataclass(frozen=True)
class Contribution:
    group_id: Any
    group_name: Any
    before: float | None  # the group's rate (or count) in each period
    after: float | None
    contribution: float  # within + mix
    rate_effect: float  # within-effect w̄·Δr
    mix_effect: float  # mix-effect Δw·(r̄ − R̄)
    weight_before: float | None = None  # the group's share of the denominator (rates)
    weight_after: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"group_id": self.group_id, "group_name": self.group_name, "before": self.before, "after": self.after,
                "weight_before": self.weight_before, "weight_after": self.weight_after,
                "within_effect": self.rate_effect, "mix_effect": self.mix_effect, "contribution": self.contribution}


@dataclass(frozen=True)
class Explanation:
    metric: str
    by: str
    before: float | None
    after: float | None
    change: float | None
    contributions: list[Contribution]
    limit: float | None = None  # the time limit of a within-limit share

    @property
    def explained(self) -> float:
        return sum(c.contribution for c in self.contributions)

    def as_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "by": self.by, "before": self.before, "after": self.after,
                "change": self.change, "limit": self.limit, "groups": [c.as_dict() for c in self.contributions]}


def shift_share(parts1: dict[Any, tuple[float, float]], parts2: dict[Any, tuple[float, float]]) -> dict[Any, tuple[
        float | None, float | None, float | None, float | None, float, float]]:
    """Symmetric shift-share of R = ΣN / ΣD between two periods, from each group's (N, D).

    Returns group → (r₁, r₂, w₁, w₂, within, mix); groups with D = 0 in both periods are left out.
    The within and mix effects of all groups add up to R₂ − R₁ exactly (both R defined)."""
    d1 = sum(d for _, d in parts1.values())
    d2 = sum(d for _, d in parts2.values())
    if not d1 or not d2:
        return {}
    big1 = sum(n for n, _ in parts1.values()) / d1
    big2 = sum(n for n, _ in parts2.values()) / d2
    mean = (big1 + big2) / 2
    out: dict[Any, tuple[float | None, float | None, float | None, float | None, float, float]] = {}
    for key in dict.fromkeys([*parts2, *parts1]):
        n1, den1 = parts1.get(key, (0.0, 0.0))
        n2, den2 = parts2.get(key, (0.0, 0.0))
        if not den1 and not den2:
            continue
        r1 = n1 / den1 if den1 else None
        r2 = n2 / den2 if den2 else None
        w1, w2 = den1 / d1, den2 / d2
        a = r1 if r1 is not None else r2
        b = r2 if r2 is not None else r1
        assert a is not None and b is not None
        within = (w1 + w2) / 2 * (b - a)
        mix = (w2 - w1) * ((a + b) / 2 - mean)
        out[key] = (r1, r2, w1, w2, within, mix)
    return out


def _parts(rows: list[dict[str, Any]], num: str, den: str) -> tuple[dict[Any, tuple[float, float]], dict[Any, Any]]:
    parts = {r["group_id"]: (float(r.get(num) or 0), float(r.get(den) or 0)) for r in rows}
    return parts, {r["group_id"]: r["group_name"] for r in rows}


def explain(
    con: duckdb.DuckDBPyConnection,
    metric: str,
    by: str,
    *,
    before: Window,
    after: Window,
    unit: str | None = None,
    limit: float | None = None,
) -> Explanation:
    """The change of `metric` from `before` to `after`, split by the groups of `by`.

    For a within-limit share (response_within_share, close_within_share) `limit` is the time
    limit in the measure's unit (minutes, hours); MetricError without it."""
    if metric not in EXPLAINABLE:
        raise engine.MetricError(f"metric {metric!r} cannot be split; choose one of {', '.join(EXPLAINABLE)}")
    if metric in WITHIN:
        if limit is None or limit <= 0:
            raise engine.MetricError(f"metric {metric!r} needs a positive time limit")
        rows1 = within.breakdown(con, metric, by, limit, unit=unit, **vars(before))
        rows2 = within.breakdown(con, metric, by, limit, unit=unit, **vars(after))
        num, den = "within", "n"
    else:
        rows1 = engine.breakdown(con, by, unit=unit, detail=True, **vars(before))
        rows2 = engine.breakdown(con, by, unit=unit, detail=True, **vars(after))
        num, den = catalog.RATE_PARTS.get(metric, (metric, metric))
    parts1, names = _parts(rows1, num, den)
    parts2, names2 = _parts(rows2, num, den)
    names.update(names2)
    out: list[Contribution] = []
    if metric in catalog.COUNT_KEYS:
        for k in dict.fromkeys([*parts2, *parts1]):
            a, b = parts1.get(k, (0.0, 0.0))[0], parts2.get(k, (0.0, 0.0))[0]
            out.append(Contribution(k, names[k], a, b, b - a, b - a, 0.0))
        before_v: float | None = sum(n for n, _ in parts1.values())
        after_v: float | None = sum(n for n, _ in parts2.values())
    else:
        d1, d2 = sum(d for _, d in parts1.values()), sum(d for _, d in parts2.values())
        before_v = sum(n for n, _ in parts1.values()) / d1 if d1 else None
        after_v = sum(n for n, _ in parts2.values()) / d2 if d2 else None
        for k, (r1, r2, w1, w2, own, mix) in shift_share(parts1, parts2).items():
            out.append(Contribution(k, names[k], r1, r2, own + mix, own, mix, w1, w2))
    out.sort(key=lambda c: -abs(c.contribution))
    change = None if before_v is None or after_v is None else after_v - before_v
    return Explanation(metric, by, before_v, after_v, change, out, limit if metric in WITHIN else None)
