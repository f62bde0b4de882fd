"""The grid index (网格指数) and stars: a fair 0–100 score per unit, explained by components.

DESIGN.md "Grid index": score = 100 × Σ wᵢ·sᵢ over component scores sᵢ ∈ [0, 1]
(on_time_rate, closure_rate, satisfaction_rate, response = min(1, target / median response),
grid_resolved_rate). Each component is shrunk toward the parent unit's value by its own
denominator n: (x·n + k·parent) / (n + k), so a grid with 2 cases cannot top one with 200.
A component with no data at all (n = 0 here and no parent value) is left out and the weights of
the others are renormalised. Every unit with at least one case in the period gets a score and a
rank: the shrinkage carries small numbers, and the score's uncertainty band (ranking/bands.py,
from each component's Beta posterior) says how far to trust it; a rank whose band is wider than
`band_provisional` points is marked provisional (样本少) but still given. Stars are absolute
bands or relative shares (bands.assign_stars, the `star_mode` setting).
The numbers come from the named query grid_index.sql: the metric engine's definitions and keys
(tests hold them equal to engine.breakdown), only the counts the index needs and one quantile.
`inputs()` fetches them once; `from_inputs()` scores and ranks in Python, so trying other weights
or a grid-type filter asks nothing of the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb

from gridboard.core import catalog, config, schema
from gridboard.db import queries, store
from gridboard.metrics import engine, fast, shared
from gridboard.ranking import bands

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
    min_cases: int = 20  # other flags' minimum (profile); ranking ranks every unit with a case
    band_provisional: float = 10.0  # a band wider than this (index points) marks the rank provisional
    star_mode: str = "auto"  # absolute, relative, or auto (relative when absolute bands crowd)

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
    grid_type: str | None = None
    counts: dict[str, int] = field(default_factory=dict)  # metrics' detail counts (numerators, denominators)
    parent_raw: dict[str, float | None] = field(default_factory=dict)  # the parent's unshrunk components
    band_low: float | None = None  # the score's 90 % band (bands.score_band)
    band_high: float | None = None
    provisional: bool = False  # band wider than the setting: 样本少
    star_basis: str = "absolute"  # stars from absolute bands or relative shares

    @property
    def band(self) -> tuple[float | None, float | None]:
        return self.band_low, self.band_high

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
            "star_basis": self.star_basis,
            "cases": self.cases,
            "provisional": self.provisional,
            "band_low": self.band_low,
            "band_high": self.band_high,
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


@dataclass(frozen=True)
class IndexInputs:
    """The numbers a ranking needs, fetched once: scoring them (from_inputs) is plain Python, so
    a page can try other weights, or filter by grid type, without asking the database again."""

    level: str
    rows: list[dict[str, Any]]  # index_rows() of the listed units, with group_name
    meta: dict[str, tuple[str | None, int | None, str | None]]  # unit → (parent_id, households, grid_type)
    parents: dict[str | None, dict[str, Any]]  # parent unit → its detail row (all its cases)


# The counts and values of the named query grid_index.sql (kpis.sql's keys, only those the index uses).
INDEX_COUNTS: tuple[str, ...] = (
    "received", "closed", "due_passed", "closed_on_time", "responded", "surveyed", "satisfied", "closed_in_grid",
)
_INDEX_VALUES = ("closure_rate", "on_time_rate", "median_response_min", "satisfaction_rate", "grid_resolved_rate")
_MONTH = {False: "CAST(NULL AS DATE)", True: "CAST(date_trunc('month', k.reported_at) AS DATE)"}


def index_sql(scope: str, monthly: bool) -> str:
    """grid_index.sql with the cohort fragment and the catalogue's columns the index uses."""
    return queries.named(
        "grid_index", scope=scope, cohort=queries.fragment("cohort", group="s.grp_unit"), month=_MONTH[monthly],
        counts=catalog.count_sql(INDEX_COUNTS), durations=catalog.duration_sql(("median_response_min",)),
        rates=catalog.rate_sql(tuple(k for k in _INDEX_VALUES if k in catalog.RATE_KEYS)),
    )


_BY = {schema.LEVEL_DIMENSIONS[b]: b for b in PARENT_LEVEL} | {(): None}  # levels → fast.memo_rows' by
_FAST_SCOPES = (queries.body("scope_level"), queries.body("scope_subtree"))


def index_rows(
    con: duckdb.DuckDBPyConnection | queries.Runner, scope: str, params: Mapping[str, Any], *, monthly: bool = False
) -> list[dict[str, Any]]:
    """Rows of grid_index.sql over a scope fragment (a named scope_*.sql body): group_id, month
    (ISO date when `monthly`, else None) and the index's counts and values. Without months, on
    DuckDB, the same numbers come from fast.memo_rows when the aggregates can answer: counts from
    the aggregates, each group's exact median response memoised per data version."""
    if params["end"] <= params["start"]:
        raise engine.MetricError(f"empty period: 'to' ({params['end']:%Y-%m-%d %H:%M}) must be after 'from' "
                                  f"({params['start']:%Y-%m-%d %H:%M})")
    found = None
    if not monthly and isinstance(con, duckdb.DuckDBPyConnection) and scope in _FAST_SCOPES:
        by = _BY.get(tuple(params.get("levels") or ()), "")
        found = None if by == "" else fast.memo_rows(con, by, scope, dict(params), ("median_response_min",))
    out = []
    for r in queries.rows(con, index_sql(scope, monthly), dict(params)) if found is None else found:
        month = r.get("month")
        row: dict[str, Any] = {"group_id": r["grp"], "month": month.isoformat() if month else None}
        row.update({k: int(r[k] or 0) for k in INDEX_COUNTS})
        row.update({k: None if r[k] is None else float(r[k]) for k in _INDEX_VALUES})
        out.append(row)
    return out


def _units_meta(
    con: duckdb.DuckDBPyConnection | queries.Runner, ids: list[str]
) -> dict[str, tuple[str | None, str, int | None, str | None]]:
    if isinstance(con, duckdb.DuckDBPyConnection):  # every unit once per data version (a 1,429-id list: 13 ms a call)
        wanted = set(ids)
        rows = [r for r in shared.rows(con, "units_meta_all", lambda: queries.rows(
            con, queries.text("units_meta_all"), {})) if r["unit_id"] in wanted]
    else:
        rows = queries.rows(con, queries.text("units_meta"), {"ids": ids})
    return {r["unit_id"]: (r["parent_id"], r["name"], r["households"], r["grid_type"]) for r in rows}


def inputs(
    con: duckdb.DuckDBPyConnection | queries.Runner,
    level: str,
    *,
    start: dt.datetime,
    end: dt.datetime,
    as_of: dt.datetime,
    unit: str | None = None,
) -> IndexInputs:
    """Index rows of every unit at `level` under `unit` and of their parents (all their cases):
    two passes of grid_index.sql, the counts of engine.kpis / breakdown without their extra quantiles."""
    if level not in PARENT_LEVEL:
        raise engine.MetricError(f"unknown level {level!r}; choose one of {', '.join(PARENT_LEVEL)}")
    unit = engine.check_unit(con, unit)
    root = store.root_unit(con)
    window = {"start": start, "end": end, "as_of": as_of}
    rows = index_rows(con, queries.body("scope_level"), {**window, "unit": unit, "levels": list(level_of(level))})
    meta = _units_meta(con, [r["group_id"] for r in rows])
    for r in rows:
        r["group_name"] = meta.get(r["group_id"], (None, r["group_id"]))[1]
    parent_level = PARENT_LEVEL[level]
    parents: dict[str | None, dict[str, Any]] = {}
    if parent_level is None:
        for r in index_rows(con, queries.body("scope_subtree"), {**window, "unit": root}):
            parents[root] = r
    else:
        scope = queries.body("scope_level")
        for r in index_rows(con, scope, {**window, "unit": root, "levels": list(level_of(parent_level))}):
            parents[r["group_id"]] = r
    units = {uid: (parent, households, gtype) for uid, (parent, _, households, gtype) in meta.items()}
    return IndexInputs(level, rows, units, parents)


def _shrunk(
    row: Mapping[str, Any], parent_raw: Mapping[str, float | None], settings: IndexSettings, weights: Mapping[str, float]
) -> tuple[dict[str, float | None], dict[str, float | None], float | None]:
    raw = _raw_components(row, settings.response_target_min)
    comps = {c: shrink(raw[c], int(row.get(_DENOMINATOR[c]) or 0), parent_raw[c], settings.k) for c in COMPONENTS}
    return raw, comps, combine(comps, weights)


def parent_components(parent: Mapping[str, Any] | None, settings: IndexSettings) -> dict[str, float | None]:
    """The unshrunk components of a parent's detail row (all None without one)."""
    return _raw_components(parent, settings.response_target_min) if parent else dict.fromkeys(COMPONENTS)


def score_row(
    row: Mapping[str, Any], parent: Mapping[str, Any] | None, settings: IndexSettings
) -> tuple[dict[str, float | None], dict[str, float | None], float | None]:
    """(raw, shrunk components, score) of one detail row, shrunk toward its parent's row."""
    return _shrunk(row, parent_components(parent, settings), settings, settings.normalised_weights())


def from_inputs(data: IndexInputs, settings: IndexSettings, *, grid_type: str | None = None) -> list[UnitScore]:
    """Score and rank fetched inputs; with `grid_type` only grids of that type are listed and ranked."""
    weights = settings.normalised_weights()  # all-zero weights fail here, before anything is scored
    parent_raws: dict[str | None, dict[str, float | None]] = {}
    out: list[UnitScore] = []
    for r in data.rows:
        parent_id, households, gtype = data.meta.get(r["group_id"], (None, None, None))
        if grid_type is not None and gtype != grid_type:
            continue
        if parent_id not in parent_raws:
            parent_raws[parent_id] = parent_components(data.parents.get(parent_id), settings)
        raw, comps, score = _shrunk(r, parent_raws[parent_id], settings, weights)
        enough = r["received"] >= 1 and score is not None
        ns = {c: int(r.get(_DENOMINATOR[c]) or 0) for c in COMPONENTS}
        ks = {c: settings.k if parent_raws[parent_id][c] is not None else 0.0 for c in COMPONENTS}
        low, high = bands.score_band(comps, ns, weights, ks)
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
                stars=None,
                enough_data=enough,
                grid_type=gtype,
                counts={k: int(r.get(k) or 0) for k in INDEX_COUNTS},
                parent_raw=parent_raws[parent_id],
                band_low=low,
                band_high=high,
                provisional=low is not None and high is not None and high - low > settings.band_provisional,
            )
        )
    _rank(out)
    bands.assign_stars(out, settings.star_mode, STAR_BANDS)
    return out


def scores(
    con: duckdb.DuckDBPyConnection,
    level: str,
    settings: IndexSettings,
    *,
    start: dt.datetime,
    end: dt.datetime,
    as_of: dt.datetime,
    unit: str | None = None,
    grid_type: str | None = None,
) -> list[UnitScore]:
    """Grid index of every unit at `level` under `unit`, ranked (best first).

    rank is over all listed units (each has a case); rank_in_parent within each parent.
    Units at the level with no cases at all in the period are not listed. With `grid_type`
    (general / dedicated) only grids of that type are listed, ranked among themselves.
    """
    data = inputs(con, level, start=start, end=end, as_of=as_of, unit=unit)
    return from_inputs(data, settings, grid_type=grid_type)


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
    ranked_ids = {id(u) for u in ranked}  # by identity: dataclass == compares every field (slow)
    rest = [u for u in units if id(u) not in ranked_ids]
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
        band_provisional=float(str(cfg["rank_provisional_band"])),
        star_mode=str(cfg["star_mode"]),
    )
