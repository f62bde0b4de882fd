"""The unit profile (网格/村画像): everything gridboard knows about one unit, and plain-language flags.

For any unit (county, town, community/village, grid, micro-grid) and a period [start, end) at
`as_of`, `build()` gathers from the other modules — never recomputing their numbers:

- the unit: level, path from the county, households and population (own values, else the sums
  over the grids below), the towns, communities, villages, grids and micro-grids below it;
- kpis and kpis_prev: engine.kpis for the period and for the previous period (periods.previous,
  cut at the same elapsed point), so "cases rose" compares like with like;
- index: the grid index and stars (gridindex.scores) of the unit among the units of its level
  within its parent (towns within the county); None for the county;
- categories: engine.breakdown("category") without durations (the profile charts counts and the
  closure rate per category; an exact median per category of a year would be a scan of its cases);
- volunteers: volunteers.summary, and the county's volunteers per 100 households for reference;
- economy: economy.summary over the villages under the unit (or the village itself) for the
  latest year with data not after the period's year, and for a village its own row and history;
- flags: what deserves attention, each with a code, a severity (high, medium) and its numbers:
  weak_village / weak_villages_below (band 0), below_floor, rising_cases (received up by at
  least `rising_cases_ratio` on the previous period with at least `min_cases_for_rank` cases),
  few_volunteers (per 100 households below `few_volunteers_ratio` × the county's; not for
  micro-grids, whose volunteers register with the grid), low_index
  (two stars or fewer), overdue_open, low_satisfaction (below the satisfaction target), and
  watch_village when a weak village also has rising cases and few volunteers.

`flag_text(flag, lang)` says a flag in Chinese or English. No streamlit here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import duckdb

from gridboard.core import config, fmt, i18n, periods
from gridboard.db import queries, store
from gridboard.metrics import engine
from gridboard.people import economy, volunteers
from gridboard.ranking import gridindex

INDEX_LEVEL = {"town": "town", "community": "community", "village": "community", "grid": "grid",
               "micro_grid": "micro_grid"}


@dataclass(frozen=True)
class ProfileSettings:
    index: gridindex.IndexSettings
    star_edges: tuple[float, ...]
    economy: economy.EconomySettings
    few_ratio: float = 0.5
    rising_ratio: float = 0.2
    targets: dict[str, float] = field(default_factory=dict)


def settings_from(cfg: config.Config | None = None) -> ProfileSettings:
    cfg = cfg or config.load()
    return ProfileSettings(
        index=gridindex.settings_from(cfg), star_edges=volunteers.star_edges(cfg),
        economy=economy.settings_from(cfg), few_ratio=float(cfg["few_volunteers_ratio"]),
        rising_ratio=float(cfg["rising_cases_ratio"]), targets=dict(cfg.targets),
    )


def unit_info(con: duckdb.DuckDBPyConnection, unit: str | None = None) -> dict[str, Any]:
    """The unit's row with parent name, path, households, population and the units below it."""
    unit = engine.check_unit(con, unit)
    return queries.rows(con, queries.named("profile_unit"), {"unit": unit})[0]


def search(con: duckdb.DuckDBPyConnection, text: str, limit: int = 50) -> list[dict[str, Any]]:
    """Units whose name contains `text` or whose id starts with it (higher levels first)."""
    text = (text or "").strip()
    if not text:
        return []
    return queries.rows(con, queries.named("profile_search"), {"text": text, "limit": int(limit)})


def index_of(
    con: duckdb.DuckDBPyConnection, info: dict[str, Any], settings: gridindex.IndexSettings, *,
    start: dt.datetime, end: dt.datetime, as_of: dt.datetime,
) -> dict[str, Any] | None:
    """The unit's grid index among its level within its parent; None for the county."""
    level = INDEX_LEVEL.get(info["level"])
    if level is None or info["parent_id"] is None:
        return None
    peers = gridindex.scores(con, level, settings, start=start, end=end, as_of=as_of, unit=info["parent_id"])
    me = next((u for u in peers if u.unit_id == info["unit_id"]), None)
    ranked = sum(1 for u in peers if u.rank_in_parent is not None)
    if me is None:  # no cases in the period
        return {"level": level, "score": None, "stars": None, "rank_in_parent": None, "ranked_in_parent": ranked,
                "peers": len(peers), "enough_data": False, "cases": 0, "components": {}}
    return {"level": level, "score": me.score, "stars": me.stars, "rank_in_parent": me.rank_in_parent,
            "ranked_in_parent": ranked, "peers": len(peers), "enough_data": me.enough_data, "cases": me.cases,
            "components": dict(me.components)}


def build(
    con: duckdb.DuckDBPyConnection, unit: str | None = None, *, start: dt.datetime, end: dt.datetime,
    as_of: dt.datetime, preset: str = "custom", settings: ProfileSettings | None = None,
) -> dict[str, Any]:
    """The whole profile of one unit (see the module docstring for what each key holds)."""
    s = settings or settings_from()
    info = unit_info(con, unit)
    uid = info["unit_id"]
    window = {"start": start, "end": end, "as_of": as_of, "unit": uid}
    prev = periods.previous(periods.Period(start, end, as_of, preset))
    kpis = engine.kpis(con, **window)
    kpis_prev = engine.kpis(con, start=prev.start, end=prev.end, as_of=prev.as_of, unit=uid)
    vol = volunteers.summary(con, start=start, end=end, unit=uid)
    county_vol = volunteers.summary(con, start=start, end=end, unit=store.root_unit(con))
    year = economy.default_year(con, uid, upto=(end - dt.timedelta(microseconds=1)).year)
    eco, village = None, None
    if year is not None and (info["villages"] or info["level"] == "village"):
        eco = economy.summary(con, year=year, unit=uid, settings=s.economy)
        if info["level"] == "village":
            rows = economy.villages(con, year=year, unit=uid, settings=s.economy)
            village = rows[0] if rows else None
    out = {
        "unit": info, "year": year,
        "period": {"start": start, "end": end, "as_of": as_of, "prev_start": prev.start, "prev_end": prev.end},
        "kpis": kpis, "kpis_prev": kpis_prev,
        "index": index_of(con, info, s.index, start=start, end=end, as_of=as_of),
        "categories": engine.breakdown(con, "category", durations=False, **window),
        "volunteers": vol, "county_per_100_households": county_vol["per_100_households"],
        "economy": eco, "village": village,
    }
    out["flags"] = flags(out, s)
    return out


def flags(p: dict[str, Any], s: ProfileSettings) -> list[dict[str, Any]]:
    """The flags of a built profile, most serious first (see the module docstring)."""
    found: list[dict[str, Any]] = []
    k, kp, vol, eco, v, idx = p["kpis"], p["kpis_prev"], p["volunteers"], p["economy"], p["village"], p["index"]
    edges = s.economy.edges
    weak = v is not None and v["band"] == 0
    if weak:
        found.append({"code": "weak_village", "severity": "high",
                      "values": {"year": p["year"], "income": v["operating_income"], "edge": edges[0]}})
    elif eco and eco["weak"] and p["unit"]["level"] != "village":
        found.append({"code": "weak_villages_below", "severity": "medium",
                      "values": {"year": p["year"], "n": eco["weak"], "edge": edges[0], "prev": eco["weak_prev"]}})
    if eco and eco["below_floor"]:
        found.append({"code": "below_floor", "severity": "high",
                      "values": {"year": p["year"], "n": eco["below_floor"], "floor": s.economy.floor}})
    rising = (k["received"] >= max(1, s.index.min_cases)
              and k["received"] >= (1.0 + s.rising_ratio) * kp["received"] and k["received"] > kp["received"])
    if rising:
        found.append({"code": "rising_cases", "severity": "medium",
                      "values": {"now": k["received"], "before": kp["received"],
                                 "change": None if not kp["received"] else k["received"] / kp["received"] - 1.0}})
    county = p["county_per_100_households"]
    few = (vol["per_100_households"] is not None and county is not None and p["unit"]["level"] != "micro_grid"
           and vol["per_100_households"] < s.few_ratio * county)
    if few:
        found.append({"code": "few_volunteers", "severity": "medium",
                      "values": {"per_100": vol["per_100_households"], "county": county, "ratio": s.few_ratio}})
    if idx and idx["stars"] is not None and idx["stars"] <= 2:
        found.append({"code": "low_index", "severity": "medium",
                      "values": {"score": idx["score"], "stars": idx["stars"], "rank": idx["rank_in_parent"],
                                 "of": idx["ranked_in_parent"]}})
    if k["overdue_open"]:
        found.append({"code": "overdue_open", "severity": "medium", "values": {"n": k["overdue_open"]}})
    target = s.targets.get("satisfaction_rate")
    if target is not None and k["satisfaction_rate"] is not None and k["satisfaction_rate"] < target:
        found.append({"code": "low_satisfaction", "severity": "medium",
                      "values": {"rate": k["satisfaction_rate"], "target": target}})
    if weak and rising and few:
        found.insert(0, {"code": "watch_village", "severity": "high", "values": {}})
    found.sort(key=lambda f: 0 if f["severity"] == "high" else 1)
    return found


def flag_text(flag: dict[str, Any], lang: str = "zh") -> str:
    """A flag in plain language (gridboard/strings/people.py holds the texts)."""
    v = dict(flag["values"])
    if "income" in v:
        v["income"] = fmt.wan_yuan(v["income"], lang=lang)
    for key in ("edge", "floor"):
        if key in v:
            v[key] = economy.money(v[key], lang)
    for key in ("rate", "target", "change"):
        if key in v:
            v[key] = fmt.rate(v[key])
    for key in ("per_100", "county", "score"):
        if key in v:
            v[key] = fmt.number(v[key])
    if "ratio" in v:
        v["ratio"] = f"{v['ratio'] * 100:.0f} %"
    if "stars" in v:
        v["stars"] = gridindex.star_text(v["stars"])
    if v.get("prev") is None and "prev" in v:
        v["prev"] = fmt.DASH
    return i18n.text(f"flag_{flag['code']}", lang, **v)
