"""League tables of the grid index (网格排名): what the ranking page shows, without a browser.

It owns the rank change against the previous period (▲3 ▼2), the honour and red lists (前10名 /
后10名), "explain the difference" between two units or two periods in index points, the monthly
score trend of one unit (one pass of gridboard/sql/grid_index.sql for the unit and its parent)
and the cases behind each component. Scores come from gridboard.gridindex; the tables the page
renders and downloads are built in gridboard/ranking_tables.py. No streamlit here.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import duckdb

from gridboard.core import periods
from gridboard.db import queries
from gridboard.metrics import drill, engine
from gridboard.ranking import bands, gridindex
from gridboard.ranking.gridindex import COMPONENTS, IndexSettings, UnitScore

LEVELS: tuple[str, ...] = ("town", "community", "grid", "micro_grid")
_DEPTH = {"county": 0, "town": 1, "community": 2, "village": 2, "grid": 3, "micro_grid": 4}
LIST_SIZE = 10  # 前10名 / 后10名

# The drill-down metric whose denominator is a component's n (the cases it counts).
COMPONENT_METRIC: dict[str, str] = {
    "on_time_rate": "on_time_rate",
    "closure_rate": "closure_rate",
    "satisfaction_rate": "satisfaction_rate",
    "response": "median_response_min",
    "grid_resolved_rate": "grid_resolved_rate",
}
# Cases that cost a unit points, over the cohort row k (fixed texts, never user input): counted
# by the component's denominator but not meeting it. For the response component "missed" means
# responded later than the target ($target_s seconds).
MISSED: dict[str, str] = {
    "on_time_rate": "k.due_at <= $as_of AND NOT coalesce(k.closed_at <= k.due_at, FALSE)",
    "closure_rate": "NOT coalesce(k.closed_at <= $as_of, FALSE)",
    "satisfaction_rate": "k.satisfaction = 'dissatisfied'",
    "response": "k.responded_at <= $as_of AND epoch(k.responded_at) - epoch(k.reported_at) > $target_s",
    "grid_resolved_rate": "k.closed_at <= $as_of AND k.handled_level IS DISTINCT FROM 'grid'",
}
Which = Literal["missed", "counted"]


ASSESSMENT_PRESETS: dict[str, str] = {"month": "this_month", "quarter": "this_quarter", "year": "this_year"}


def assessment_preset(setting: object) -> str:
    """The period preset of the county's assessment period setting (month → this_month, the default)."""
    return ASSESSMENT_PRESETS.get(str(setting), "this_month")


# --- units and levels --------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitInfo:
    unit_id: str
    name: str
    level: str
    parent_id: str | None


def unit_info(con: duckdb.DuckDBPyConnection, unit_id: str) -> UnitInfo:
    """Name, level and parent of one unit (MetricError when it does not exist)."""
    row = con.execute("SELECT unit_id, name, level, parent_id FROM units WHERE unit_id = $u", {"u": unit_id}).fetchone()
    if row is None:
        raise engine.MetricError(f"unknown unit {unit_id!r}")
    return UnitInfo(*row)


def unit_names(con: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, str]:
    """unit_id → name for the given ids (e.g. the parents of a league table)."""
    return {r["unit_id"]: r["name"] for r in queries.rows(con, queries.text("unit_names"), {"ids": list(ids)})}


def levels_under(level: str) -> tuple[str, ...]:
    """The ranking levels below a unit of `level` (county: all four; micro-grid: none)."""
    depth = _DEPTH.get(level, 0)
    return tuple(lv for lv in LEVELS if _DEPTH[lv] > depth)


# --- league table ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeagueRow:
    unit: UnitScore
    previous_rank: int | None = None
    previous_score: float | None = None
    previous_band: tuple[float | None, float | None] = (None, None)

    @property
    def change(self) -> int | None:
        """Places gained since the previous period (positive = moved up); None when unknown."""
        if self.unit.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.unit.rank

    @property
    def significant(self) -> bool:
        """The move means something: this period's band and the previous one do not overlap."""
        return self.change not in (None, 0) and not bands.overlap(self.unit.band, self.previous_band)


def league(current: list[UnitScore], previous: list[UnitScore]) -> list[LeagueRow]:
    """The current table (its order) with each unit's rank and score in the previous period."""
    before = {u.unit_id: u for u in previous}
    out = []
    for u in current:
        p = before.get(u.unit_id)
        out.append(LeagueRow(u, p.rank if p else None, p.score if p else None, p.band if p else (None, None)))
    return out


def change_text(row: LeagueRow, new_label: str = "新") -> str:
    """▲3 / ▼2 when the two periods' bands do not overlap (a real move), +3 / −2 when they do
    (within the noise), — (same place, or no rank now), 新 (ranked now, not in the previous period)."""
    if row.unit.rank is None:
        return "—"
    if row.previous_rank is None:
        return new_label
    change = row.change or 0
    if change == 0:
        return "—"
    if not row.significant:
        return f"+{change}" if change > 0 else f"−{-change}"
    return f"▲{change}" if change > 0 else f"▼{-change}"


def honour_and_red(units: list[UnitScore], size: int = LIST_SIZE) -> tuple[list[UnitScore], list[UnitScore]]:
    """前N名 (best first) and 后N名 (worst first) among the ranked units, never overlapping.

    With fewer than 2·size ranked units each list takes half. A tie at the edge of the honour
    list stays on it (competition ranks), and a unit is never on both lists.
    """
    ranked = sorted((u for u in units if u.rank is not None), key=lambda u: u.rank or 0)
    n = min(size, len(ranked) // 2)
    if n == 0:
        return [], []
    honour = [u for u in ranked if (u.rank or 0) <= n]
    on_honour = {u.unit_id for u in honour}
    ascending = sorted(round(u.score or 0, 9) for u in ranked)
    red: list[UnitScore] = []
    for u in reversed(ranked):
        below = bisect.bisect_left(ascending, round(u.score or 0, 9))  # units scoring strictly lower
        if below >= n:
            break
        if u.unit_id not in on_honour:
            red.append(u)
    return honour, red


# --- points: contributions, losses, differences ------------------------------------------------


def points(u: UnitScore, weights: dict[str, float]) -> dict[str, float]:
    """Each component's contribution to the score, 100 × wᵢ × sᵢ with the weights renormalised
    over the components the unit has (as gridindex.combine does): they sum to the score."""
    present = {c: v for c, v in u.components.items() if v is not None and weights.get(c, 0) > 0}
    total = sum(weights[c] for c in present)
    if total <= 0:
        return dict.fromkeys(COMPONENTS, 0.0)
    return {c: 100.0 * weights[c] * present[c] / total if c in present else 0.0 for c in COMPONENTS}


def lost_points(u: UnitScore, weights: dict[str, float]) -> dict[str, float]:
    """Points each component leaves on the table, 100 × wᵢ × (1 − sᵢ) (renormalised weights)."""
    present = {c: v for c, v in u.components.items() if v is not None and weights.get(c, 0) > 0}
    total = sum(weights[c] for c in present)
    if total <= 0:
        return dict.fromkeys(COMPONENTS, 0.0)
    return {c: 100.0 * weights[c] * (1 - present[c]) / total if c in present else 0.0 for c in COMPONENTS}


def below_parent(u: UnitScore, weights: dict[str, float]) -> dict[str, float]:
    """Points each component is below the parent's own value, 100 × wᵢ × (parentᵢ − sᵢ), with the
    weights renormalised over the unit's components (negative: above the parent)."""
    present = {c: v for c, v in u.components.items() if v is not None and weights.get(c, 0) > 0}
    total = sum(weights[c] for c in present)
    out = dict.fromkeys(COMPONENTS, 0.0)
    for c, v in present.items():
        parent = u.parent_raw.get(c)
        if parent is not None and total > 0:
            out[c] = 100.0 * weights[c] * (parent - v) / total
    return out


def main_loss(u: UnitScore, weights: dict[str, float]) -> str | None:
    """The unit's main loss relative to its peers: the component furthest below the parent's
    value in points; without a parent value (or nothing below it) the weakest component."""
    gap = below_parent(u, weights)
    worst = max(COMPONENTS, key=lambda c: gap[c])
    return worst if gap[worst] > 1e-9 else weakest(u, weights)


def weakest(u: UnitScore, weights: dict[str, float]) -> str | None:
    """The component that costs the unit most points (None for a perfect or empty score)."""
    lost = lost_points(u, weights)
    worst = max(COMPONENTS, key=lambda c: lost[c])
    return worst if lost[worst] > 1e-9 else None


@dataclass(frozen=True)
class PartDiff:
    component: str
    a_value: float | None  # component score sᵢ (shrunk), 0..1
    b_value: float | None
    a_points: float
    b_points: float

    @property
    def difference(self) -> float:
        return self.a_points - self.b_points


@dataclass(frozen=True)
class Comparison:
    """Score of a minus score of b, split by component (largest difference first); the parts
    add up to the score difference exactly."""

    a: UnitScore
    b: UnitScore
    parts: list[PartDiff]

    @property
    def difference(self) -> float | None:
        if self.a.score is None or self.b.score is None:
            return None
        return self.a.score - self.b.score


def compare(a: UnitScore, b: UnitScore, settings: IndexSettings) -> Comparison:
    """Which components make the difference between two scores (two units, or one unit in two
    periods), in index points."""
    weights = settings.normalised_weights()
    pa, pb = points(a, weights), points(b, weights)
    parts = [PartDiff(c, a.components.get(c), b.components.get(c), pa[c], pb[c]) for c in COMPONENTS]
    parts.sort(key=lambda p: (-abs(p.difference), COMPONENTS.index(p.component)))
    return Comparison(a, b, parts)


# --- 12-month trend ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    month: dt.date
    score: float | None
    stars: int | None
    cases: int
    enough_data: bool
    components: dict[str, float | None]


def trend_window(last_day: dt.date, months: int = 12) -> tuple[dt.datetime, dt.datetime]:
    """[first day of the month `months − 1` before last_day's month, first day after its month)."""
    first = periods.month_start(last_day, months - 1)
    after = periods.month_start(last_day, -1)
    return dt.datetime.combine(first, dt.time()), dt.datetime.combine(after, dt.time())


def monthly_rows(
    con: duckdb.DuckDBPyConnection,
    unit: str,
    parent: str | None,
    *,
    start: dt.datetime,
    end: dt.datetime,
    as_of: dt.datetime,
) -> list[dict[str, Any]]:
    """Per month the index's counts for `unit` and for `parent`, in one pass over the cases
    (grid_index.sql over scope_pair.sql); rows have grp ('unit' or 'parent'), month (ISO date)."""
    params = {"unit": unit, "parent": parent, "start": start, "end": end, "as_of": as_of}
    rows = gridindex.index_rows(con, queries.body("scope_pair"), params, monthly=True)
    return [{**r, "grp": "unit" if r["group_id"] == unit else "parent"} for r in rows]


def trend(rows: list[dict[str, Any]], settings: IndexSettings, *, start: dt.datetime, end: dt.datetime) -> list[TrendPoint]:
    """The unit's monthly scores from monthly_rows(), each month shrunk toward the parent's same
    month exactly as gridindex.scores() scores a one-month period; a month without cases has none."""
    unit = {r["month"]: r for r in rows if r["grp"] == "unit"}
    parent = {r["month"]: r for r in rows if r["grp"] == "parent"}
    out = []
    month = start.date()
    while month < end.date():
        key = month.isoformat()
        row = unit.get(key)
        if row is None:
            out.append(TrendPoint(month, None, None, 0, False, dict.fromkeys(COMPONENTS)))
        else:
            _, comps, score = gridindex.score_row(row, parent.get(key), settings)
            enough = row["received"] >= 1 and score is not None
            out.append(TrendPoint(month, score, gridindex.stars(score) if enough else None, row["received"], enough, comps))
        month = periods.month_start(month, -1)
    return out


# --- the cases behind a component --------------------------------------------------------------


def component_cases(
    con: duckdb.DuckDBPyConnection,
    component: str,
    *,
    which: Which,
    unit: str,
    start: dt.datetime,
    end: dt.datetime,
    as_of: dt.datetime,
    target_min: float,
    limit: int = 100,
    offset: int = 0,
) -> drill.CaseList:
    """The cases a component counts (its denominator, `which="counted"`) or those that cost the
    unit points (`which="missed"`), newest first, paged; `component="received"` lists the cohort."""
    if component == "received":
        return drill.case_list(con, start=start, end=end, as_of=as_of, unit=unit, metric="received",
                               part="denominator", limit=limit, offset=offset)
    if component not in MISSED:
        raise engine.MetricError(f"unknown component {component!r}")
    if which == "counted":
        return drill.case_list(con, start=start, end=end, as_of=as_of, unit=unit, metric=COMPONENT_METRIC[component],
                               part="denominator", limit=limit, offset=offset)
    unit = engine.check_unit(con, unit)
    scope, group, _ = engine.scope_and_group(None)
    sql = queries.named("case_list", scope=scope, cohort=queries.fragment("cohort", group=group),
                        predicate=MISSED[component])
    params = {"unit": unit, "start": start, "end": end, "as_of": as_of, "target_s": float(target_min) * 60.0,
              "limit": int(limit), "offset": int(offset)}
    df = queries.frame(con, sql, params)
    if len(df):
        total = int(df["total"].iloc[0])
    elif offset:
        first = queries.frame(con, sql, {**params, "limit": 1, "offset": 0})
        total = int(first["total"].iloc[0]) if len(first) else 0
    else:
        total = 0
    return drill.CaseList(total, df.drop(columns=["total"]))



def neighbour(ids: list[str], unit_id: str) -> str:
    """The unit listed just above `unit_id` (the one below for the first): a natural comparison."""
    i = ids.index(unit_id) if unit_id in ids else 0
    if len(ids) < 2:
        return ids[0]
    return ids[i - 1] if i > 0 else ids[1]
