"""The grid index (网格指数) and stars: a fair 0–100 score per unit, explained by components.

DESIGN.md "Grid index": score = 100 × Σ wᵢ·sᵢ over component scores sᵢ ∈ [0, 1]
(on_time_rate, closure_rate, satisfaction_rate, response = min(1, target / median response),
grid_resolved_rate). Each component is shrunk toward the parent unit's value by its own
denominator n: (x·n + k·parent) / (n + k), so a grid with 2 cases cannot top one with 200.
A component with no data at all (n = 0 here and no parent value) is left out and the weights of
the others are renormalised. Units under `min_cases` cohort cases get no rank (数据不足).
All numbers come from the metric engine (metrics.breakdown / metrics.kpis).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb

from gridboard import config, metrics, schema

COMPONENTS: tuple[str, ...] = ("on_time_rate", "closure_rate", "satisfaction_rate", "response", "grid_resolved_rate")
COMPONENT_LABELS_ZH = {
    "on_time_rate": "按时办结",
    "closure_rate": "办结率",
    "satisfaction_rate": "满意率",
    "response": "响应速度",
    "grid_resolved_rate": "小事不出网格",
}
# Denominator of each component (the n of the shrinkage), from metrics' detail counts.
_DENOMINATOR = {
    "on_time_rate": "due_passed",
    "closure_rate": "received",
    "satisfaction_rate": "surveyed",
    "response": "responded",
    "grid_resolved_rate": "closed",
}
STAR_BANDS: tuple[tuple[float, int], ...] = ((90, 5), (80, 4), (70, 3), (60, 2))
PARENT_LEVEL = {"town": None, "community": "town", "grid": "community", "micro_grid": "grid"}


def stars(score: float | None) -> int | None:
    """Star count for a score: ≥ 90 five, ≥ 80 four, ≥ 70 three, ≥ 60 two, else one."""
    if score is None:
        return None
    for bound, n in STAR_BANDS:
        if score >= bound:
            return n
    return 1


def star_text(n: int | None) -> str:
    return "—" if n is None else "★" * n


@dataclass(frozen=True)
class IndexSettings:
    weights: Mapping[str, float]
    response_target_min: float = 30.0
    k: float = 20.0
    min_cases: int = 20

    def normalised_weights(self) -> dict[str, float]:
        total = sum(max(0.0, float(self.weights.get(c, 0.0))) for c in COMPONENTS)
        if total <= 0:
            raise ValueError("grid index weights must not all be zero")
        return {c: max(0.0, float(self.weights.get(c, 0.0))) / total for c in COMPONENTS}


@dataclass
class UnitScore:
    unit_id: str
    name: str
    parent_id: str | None
    cases: int
    households: int | None
    raw: dict[str, float | None]
    components: dict[str, float | None]
    score: float | None
    stars: int | None
    rank: int | None = None
    rank_in_parent: int | None = None
    enough_data: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def cases_per_1000_households(self) -> float | None:
        if not self.households:
            return None
        return 1000.0 * self.cases / self.households

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit_id": self.unit_id,
            "name": self.name,
            "parent_id": self.parent_id,
            "rank": self.rank,
            "rank_in_parent": self.rank_in_parent,
            "score": self.score,
            "stars": self.stars,
            "cases": self.cases,
            "cases_per_1000_households": self.cases_per_1000_households,
            **{c: self.components[c] for c in COMPONENTS},
        }


def _response_score(median_min: float | None, target: float) -> float | None:
    if median_min is None:
        return None
    if median_min <= 0:
        return 1.0
    return min(1.0, target / median_min)


def _raw_components(row: Mapping[str, Any], target: float) -> dict[str, float | None]:
    return {
        "on_time_rate": row.get("on_time_rate"),
        "closure_rate": row.get("closure_rate"),
        "satisfaction_rate": row.get("satisfaction_rate"),
        "response": _response_score(row.get("median_response_min"), target),
        "grid_resolved_rate": row.get("grid_resolved_rate"),
    }


def shrink(x: float | None, n: int, parent: float | None, k: float) -> float | None:
    """(x·n + k·parent) / (n + k); the unit's own value when there is no parent value."""
    if parent is None:
        return x if n > 0 else None
    if x is None or n <= 0:
        return parent
    return (x * n + k * parent) / (n + k)


def combine(components: Mapping[str, float | None], weights: Mapping[str, float]) -> float | None:
    """100 × Σ wᵢ·sᵢ over the components that have a value, weights renormalised over those."""
    present = {c: v for c, v in components.items() if v is not None and weights.get(c, 0) > 0}
    total = sum(weights[c] for c in present)
    if total <= 0:
        return None
    return 100.0 * sum(weights[c] * v for c, v in present.items()) / total


def _units_meta(con: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, tuple[str | None, int | None]]:
    rows = con.execute(
        "SELECT unit_id, parent_id, households FROM units WHERE list_contains($ids, unit_id)", {"ids": ids}
    ).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def scores(
    con: duckdb.DuckDBPyConnection,
    level: str,
    settings: IndexSettings,
    *,
    start: dt.datetime,
    end: dt.datetime,
    as_of: dt.datetime,
    unit: str | None = None,
) -> list[UnitScore]:
    """Grid index of every unit at `level` under `unit`, ranked (best first).

    rank is over all listed units with enough data; rank_in_parent within each parent.
    Units at the level with no cases at all in the period are not listed.
    """
    if level not in PARENT_LEVEL:
        raise metrics.MetricError(f"unknown level {level!r}; choose one of {', '.join(PARENT_LEVEL)}")
    weights = settings.normalised_weights()
    target = settings.response_target_min
    rows = metrics.breakdown(con, level, start=start, end=end, as_of=as_of, unit=unit, detail=True)
    ids = [r["group_id"] for r in rows]
    meta = _units_meta(con, ids)

    parent_level = PARENT_LEVEL[level]
    parent_rows: dict[str | None, dict[str, Any]] = {}
    if parent_level is None:
        total = metrics.kpis(con, start=start, end=end, as_of=as_of, detail=True)
        root = con.execute("SELECT unit_id FROM units WHERE parent_id IS NULL LIMIT 1").fetchone()
        parent_rows[root[0] if root else None] = total
    else:
        for r in metrics.breakdown(con, parent_level, start=start, end=end, as_of=as_of, detail=True):
            parent_rows[r["group_id"]] = r

    out: list[UnitScore] = []
    for r in rows:
        parent_id, households = meta.get(r["group_id"], (None, None))
        raw = _raw_components(r, target)
        parent = parent_rows.get(parent_id)
        parent_raw = _raw_components(parent, target) if parent else dict.fromkeys(COMPONENTS)
        comps = {
            c: shrink(raw[c], int(r.get(_DENOMINATOR[c]) or 0), parent_raw[c], settings.k) for c in COMPONENTS
        }
        score = combine(comps, weights)
        enough = r["received"] >= settings.min_cases
        out.append(
            UnitScore(
                unit_id=r["group_id"],
                name=r["group_name"],
                parent_id=parent_id,
                cases=r["received"],
                households=households,
                raw=raw,
                components=comps,
                score=score,
                stars=stars(score) if enough else None,
                enough_data=enough,
            )
        )
    _rank(out)
    return out


def _rank(units: list[UnitScore]) -> None:
    """Competition ranking (1, 2, 2, 4) by score, best first; ties broken by case count for order only."""
    ranked = [u for u in units if u.enough_data and u.score is not None]
    ranked.sort(key=lambda u: (-round(u.score, 9), -u.cases, u.unit_id))
    _assign(ranked, "rank")
    by_parent: dict[str | None, list[UnitScore]] = {}
    for u in ranked:
        by_parent.setdefault(u.parent_id, []).append(u)
    for group in by_parent.values():
        _assign(group, "rank_in_parent")
    rest = [u for u in units if u not in ranked]
    rest.sort(key=lambda u: (-u.cases, u.unit_id))
    units[:] = ranked + rest


def _assign(ordered: list[UnitScore], attr: str) -> None:
    previous: float | None = None
    rank = 0
    for i, u in enumerate(ordered, start=1):
        s = round(u.score or 0.0, 9)
        if previous is None or s != previous:
            rank = i
            previous = s
        setattr(u, attr, rank)


def level_of(by: str) -> tuple[str, ...]:
    """Stored level codes of a ranking level ('community' covers villages)."""
    return schema.LEVEL_DIMENSIONS[by]


def settings_from(cfg: config.Config, weights: Mapping[str, float] | None = None) -> IndexSettings:
    """Index settings from the county's config (weights may be overridden, e.g. to try others)."""
    return IndexSettings(
        weights=dict(weights if weights is not None else cfg.weights),
        response_target_min=float(cfg.targets.get("median_response_min", 30.0)),
        k=float(cfg["shrink_k"]),
        min_cases=int(cfg["min_cases_for_rank"]),
    )
