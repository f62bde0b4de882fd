"""Volunteer service (志愿服务): registered and active volunteers, hours, points, stars, by unit.

Definitions (one name each: SQL file, function, CLI and JSON key, test), for a unit and the units
below it (unit_closure) and a period [start, end):

- registered: volunteers whose unit is under the unit and who registered before `end`
  (registered_on < end; a volunteer without a registration date counts as registered);
- new_registered: of them, those registered on or after `start`;
- active: registered volunteers with at least one service started in [start, end);
- services, hours, points: the services started in [start, end) by the registered volunteers.
  A service counts for the *volunteer's own unit* (where they are registered), not for the
  unit the service names (volunteer_services.unit_id), everywhere: summary, by unit, activity
  types, trend and leaderboard, so hours per active volunteer divides like by like;
- hours_per_active = hours / active; active_rate = active / registered;
- party_share = party members / registered (is_party_member NULL counts as not a member);
- households: the unit's own value, or the sum over the grids below it when NULL;
  per_100_households = registered / households × 100;
- star (volunteer star level): how many of the ascending thresholds `volunteer_star_hours`
  (default 100/300/600/1000/1500 h) the volunteer's cumulative hours reach, over all their
  services started before `end` (0 = no star yet);
- few volunteers but many cases: a unit whose per_100_households is below
  `few_volunteers_ratio` × the county's and whose cases per 1,000 households (cohort received,
  DESIGN.md) is above the county's. Micro-grids are never flagged: volunteers register with a
  grid, so nearly every micro-grid would count as having none.

A ratio whose denominator is 0 is None. Names are personal data: `mask_name` masks them (张*明)
for every role except leader and admin. No streamlit here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd

from gridboard.core import config, i18n
from gridboard.db import queries, store
from gridboard.metrics import engine

SUMMARY_KEYS: tuple[str, ...] = (
    "registered", "new_registered", "active", "active_rate", "services", "hours", "points", "hours_per_active",
    "party_members", "party_active", "party_share", "households", "per_100_households",
)
FULL_NAME_ROLES: tuple[str, ...] = ("leader", "admin")


def star_edges(cfg: config.Config | None = None) -> tuple[float, ...]:
    """The star thresholds in hours from the config, checked to be positive and ascending."""
    cfg = cfg or config.load()
    return _ascending("volunteer_star_hours", cfg["volunteer_star_hours"])


def _ascending(key: str, raw: object) -> tuple[float, ...]:
    try:
        values = tuple(float(x) for x in raw)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise ValueError(f"setting {key} must be a list of numbers, not {raw!r}") from None
    if not values or any(b <= a for a, b in zip(values, values[1:], strict=False)) or values[0] <= 0:
        raise ValueError(f"setting {key} must be positive and strictly ascending: {list(values)}")
    return values


def star_of(hours: float | None, edges: Sequence[float]) -> int:
    """Star level of cumulative `hours`: the number of thresholds reached (0..len(edges))."""
    return sum(1 for e in edges if (hours or 0.0) >= e)


def mask_name(name: Any) -> str:
    """A person's name masked for the wall screen: 张三明 → 张*明, 张三 → 张*, 欧阳小明 → 欧**明."""
    if name is None or (isinstance(name, float) and name != name) or not str(name).strip():
        return "—"
    text = str(name).strip()
    if len(text) == 1:
        return "*"
    if len(text) == 2:
        return text[0] + "*"
    return text[0] + "*" * (len(text) - 2) + text[-1]


def shown_name(name: Any, role: str | None) -> str:
    """The name as a role may see it: full for leader/admin, masked for everyone else."""
    if role in FULL_NAME_ROLES:
        return "—" if name is None else str(name)
    return mask_name(name)


def _ratio(num: float | None, den: float | None, scale: float = 1.0) -> float | None:
    if num is None or not den:
        return None
    return scale * float(num) / float(den)


def _params(unit: str, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    if end <= start:
        raise engine.MetricError(f"empty period: 'to' ({end:%Y-%m-%d %H:%M}) must be after 'from' ({start:%Y-%m-%d %H:%M})")
    return {"unit": unit, "start": start, "end": end}


def _sql(name: str) -> str:
    return queries.named(name, registered=queries.fragment("volunteers_registered"))


def households(con: duckdb.DuckDBPyConnection, unit: str) -> int | None:
    """Households of the unit: its own value, or the sum over the grids below it when NULL."""
    row = queries.rows(con, queries.named("volunteers_households"), {"unit": unit})
    return None if not row or row[0]["households"] is None else int(row[0]["households"])


def summary(
    con: duckdb.DuckDBPyConnection, *, start: dt.datetime, end: dt.datetime, unit: str | None = None,
    as_of: dt.datetime | None = None,
) -> dict[str, Any]:
    """The headline figures (SUMMARY_KEYS) of the unit (the county when None) for [start, end).

    `as_of` is accepted for symmetry with engine.kpis and not used: services are facts of the past.
    """
    unit = engine.check_unit(con, unit)
    row = queries.rows(con, _sql("volunteers_summary"), _params(unit, start, end))[0]
    hh = households(con, unit)
    out = {
        "registered": int(row["registered"]),
        "new_registered": int(row["new_registered"]),
        "active": int(row["active"]),
        "active_rate": _ratio(row["active"], row["registered"]),
        "services": int(row["services"]),
        "hours": float(row["hours"]),
        "points": int(row["points"]),
        "hours_per_active": _ratio(row["hours"], row["active"]),
        "party_members": int(row["party_members"]),
        "party_active": int(row["party_active"]),
        "party_share": _ratio(row["party_members"], row["registered"]),
        "households": hh,
        "per_100_households": _ratio(row["registered"], hh, 100.0),
    }
    return {k: out[k] for k in SUMMARY_KEYS}


def activity(
    con: duckdb.DuckDBPyConnection, *, start: dt.datetime, end: dt.datetime, unit: str | None = None,
) -> list[dict[str, Any]]:
    """Per activity type: services, distinct volunteers, hours and points (most hours first)."""
    unit = engine.check_unit(con, unit)
    rows = queries.rows(con, _sql("volunteers_activity"), _params(unit, start, end))
    return [{**r, "hours": float(r["hours"]), "points": int(r["points"])} for r in rows]


def stars(
    con: duckdb.DuckDBPyConnection, *, end: dt.datetime, unit: str | None = None, edges: Sequence[float] | None = None,
) -> list[dict[str, Any]]:
    """Registered volunteers per star level 0..len(edges) (cumulative hours before `end`), every level listed."""
    unit = engine.check_unit(con, unit)
    edges = tuple(edges) if edges is not None else star_edges()
    found = {r["star"]: r["volunteers"] for r in queries.rows(
        con, _sql("volunteers_stars"), {"unit": unit, "end": end, "edges": list(edges)})}
    return [
        {"star": s, "min_hours": 0.0 if s == 0 else edges[s - 1], "volunteers": int(found.get(s, 0))}
        for s in range(len(edges) + 1)
    ]


def leaderboard(
    con: duckdb.DuckDBPyConnection, *, start: dt.datetime, end: dt.datetime, unit: str | None = None,
    limit: int = 20, edges: Sequence[float] | None = None,
) -> list[dict[str, Any]]:
    """The `limit` volunteers with most points in [start, end), with full names (mask before showing)."""
    unit = engine.check_unit(con, unit)
    edges = tuple(edges) if edges is not None else star_edges()
    params = {**_params(unit, start, end), "limit": int(limit), "edges": list(edges)}
    rows = queries.rows(con, _sql("volunteers_leaderboard"), params)
    for rank, r in enumerate(rows, start=1):
        r["rank"] = rank
        r["hours"], r["total_hours"] = float(r["hours"]), float(r["total_hours"])
        r["points"], r["total_points"] = int(r["points"]), int(r["total_points"])
    return rows


def months_back(end: dt.datetime, n: int = 12) -> dt.datetime:
    """Start of the calendar month `n - 1` months before the month holding the last moment before `end`."""
    last = end - dt.timedelta(microseconds=1)
    month = last.year * 12 + last.month - 1 - (n - 1)
    return dt.datetime(month // 12, month % 12 + 1, 1)


def trend(
    con: duckdb.DuckDBPyConnection, *, end: dt.datetime, unit: str | None = None, months: int = 12,
) -> list[dict[str, Any]]:
    """The `months` calendar months up to `end` (the last one cut at `end`), every month listed:
    active volunteers, services, hours, points and new registrations."""
    unit = engine.check_unit(con, unit)
    first = months_back(end, months)
    found = {r["month"]: r for r in queries.rows(
        con, _sql("volunteers_trend"), {"unit": unit, "end": end, "trend_start": first})}
    out = []
    for i in range(months):
        m = first.year * 12 + first.month - 1 + i
        day = dt.date(m // 12, m % 12 + 1, 1)
        r = found.get(day, {})
        out.append({
            "month": day.isoformat()[:7], "active": int(r.get("active", 0)), "services": int(r.get("services", 0)),
            "hours": float(r.get("hours", 0.0)), "points": int(r.get("points", 0)),
            "new_registered": int(r.get("new_registered", 0)),
        })
    return out


def by_unit(
    con: duckdb.DuckDBPyConnection, by: str, *, start: dt.datetime, end: dt.datetime, as_of: dt.datetime,
    unit: str | None = None, few_ratio: float | None = None,
) -> list[dict[str, Any]]:
    """Per unit of a level (or the child units, by="child") under `unit`: the volunteer figures,
    cases received in the period (engine.breakdown), cases per 1,000 households and per volunteer,
    and `few_but_busy` (few volunteers but many cases, compared with the county)."""
    unit = engine.check_unit(con, unit)
    if by != "child" and by not in ("town", "community", "grid", "micro_grid"):
        raise engine.MetricError(f"unknown level {by!r}; choose child, town, community, grid or micro_grid")
    few_ratio = float(config.load()["few_volunteers_ratio"]) if few_ratio is None else float(few_ratio)
    scope, _, extra = engine.scope_and_group(by)
    rows = queries.rows(con, queries.named("volunteers_by_unit", scope=scope), {**_params(unit, start, end), **extra})
    cases = {r["group_id"]: r["received"] for r in engine.breakdown(con, by, start=start, end=end, as_of=as_of, unit=unit)}
    county = county_reference(con, start=start, end=end, as_of=as_of)
    out = []
    for r in rows:
        received = int(cases.get(r["unit_id"], 0))
        per_100 = _ratio(r["registered"], r["households"], 100.0)
        per_1000 = _ratio(received, r["households"], 1000.0)
        few = per_100 is not None and county["per_100_households"] is not None \
            and per_100 < few_ratio * county["per_100_households"]
        busy = per_1000 is not None and county["cases_per_1000_households"] is not None \
            and per_1000 > county["cases_per_1000_households"]
        out.append({
            "unit_id": r["unit_id"], "name": r["name"], "level": r["level"],
            "households": None if r["households"] is None else int(r["households"]),
            "registered": int(r["registered"]), "active": int(r["active"]),
            "services": int(r["services"]), "hours": float(r["hours"]), "points": int(r["points"]),
            "hours_per_active": _ratio(r["hours"], r["active"]),
            "party_members": int(r["party_members"]), "party_share": _ratio(r["party_members"], r["registered"]),
            "per_100_households": per_100, "received": received, "cases_per_1000_households": per_1000,
            "cases_per_volunteer": _ratio(received, r["registered"]),
            "few_but_busy": bool(few and busy) and r["level"] != "micro_grid",
        })
    return out


def county_reference(
    con: duckdb.DuckDBPyConnection, *, start: dt.datetime, end: dt.datetime, as_of: dt.datetime,
) -> dict[str, float | None]:
    """The county's volunteers per 100 households and cases per 1,000 households (flag references)."""
    root = store.root_unit(con)
    s = summary(con, start=start, end=end, unit=root)
    received = engine.kpis(con, start=start, end=end, as_of=as_of, unit=root)["received"]
    return {
        "per_100_households": s["per_100_households"],
        "cases_per_1000_households": _ratio(received, s["households"], 1000.0),
    }


def few_but_busy(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The flagged rows of by_unit, most cases per volunteer first (no volunteer at all first)."""
    flagged = [r for r in rows if r["few_but_busy"]]
    inf = float("inf")
    return sorted(flagged, key=lambda r: (-(inf if r["cases_per_volunteer"] is None else r["cases_per_volunteer"]), r["unit_id"]))


def by_unit_choices(level: str) -> list[str]:
    """The by_unit groupings that make sense below a unit of `level`: its children, and grids when
    grids are further down than its children."""
    if level in ("county", "town"):
        return ["child", "grid"]
    return ["child"]


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)


def leaderboard_frame(rows: Sequence[dict[str, Any]], *, role: str | None, lang: str = "zh") -> pd.DataFrame:
    """The points leaderboard as a table for `role` (names masked unless leader/admin)."""
    t = lambda key: i18n.text(key, lang)  # noqa: E731
    yes, no = t("vol_yes"), t("vol_no")
    return pd.DataFrame({
        t("vol_col_rank"): [r["rank"] for r in rows],
        t("vol_col_name"): [shown_name(r["name"], role) for r in rows],
        t("vol_col_unit"): [r["unit_name"] for r in rows],
        t("vol_col_party"): [yes if r["is_party_member"] else no for r in rows],
        t("vol_col_points"): [r["points"] for r in rows],
        t("vol_col_hours"): [_round(r["hours"]) for r in rows],
        t("vol_col_total_hours"): [_round(r["total_hours"]) for r in rows],
        t("vol_col_star"): ["★" * r["star"] if r["star"] else "—" for r in rows],
        t("vol_col_services"): [r["services"] for r in rows],
        t("vol_col_team"): [r["team"] or "—" for r in rows],
    })


def units_frame(rows: Sequence[dict[str, Any]], *, lang: str = "zh") -> pd.DataFrame:
    """by_unit rows as a table: numbers stay numbers (rates in percent, one decimal)."""
    t = lambda key: i18n.text(key, lang)  # noqa: E731
    frame = pd.DataFrame({
        t("vol_col_unit_name"): [r["name"] for r in rows],
        t("vol_col_households"): pd.array([r["households"] for r in rows], dtype="Int64"),
        t("vol_registered"): [r["registered"] for r in rows],
        t("vol_per_100_households"): [_round(r["per_100_households"]) for r in rows],
        t("vol_active"): [r["active"] for r in rows],
        t("vol_col_hours_total"): [_round(r["hours"]) for r in rows],
        t("vol_hours_per_active"): [_round(r["hours_per_active"]) for r in rows],
        t("vol_col_party_share"): [_round(None if r["party_share"] is None else r["party_share"] * 100)
                                   for r in rows],
        t("vol_col_received"): [r["received"] for r in rows],
        t("vol_col_cases_per_1000"): [_round(r["cases_per_1000_households"]) for r in rows],
        t("vol_col_cases_per_volunteer"): [_round(r["cases_per_volunteer"], 2) for r in rows],
        t("vol_col_flag"): [t("vol_flag_mark") if r["few_but_busy"] else "" for r in rows],
    })
    return frame
