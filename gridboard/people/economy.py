"""Village collective economy (村集体经济): bands, weak villages, income, growth, cooperatives.

Definitions (one name each: SQL file, function, CLI and JSON key, test), for a year Y and a unit:

- villages: units of level 'village' under the unit (unit_closure; a village itself counts);
  reporting: those with an operating income for Y (the others show as "no data", never as weak);
- band: how many of the ascending lower edges `economy_band_edges_yuan` the operating income
  reaches (default 5万/10万/50万/100万 → bands < 5万, 5–10万, 10–50万, 50–100万, ≥ 100万);
  band 0 is weak (薄弱村). weak / weak_prev: villages in band 0 in Y / in Y−1 (same edges);
- below_floor: operating income < `economy_floor_yuan` (3万元以下, to be eliminated);
  at_goal: operating income ≥ `economy_goal_yuan` (集体经济达到10万元以上);
- total_operating_income, median_operating_income: sum and median (mean of the two middle
  values) over the reporting villages;
- yoy_growth: Σ income in Y / Σ income in Y−1 − 1 over the villages that report both years
  (matched), so a village joining the data does not count as growth;
- total_income, dividends (分红 to villagers), cooperatives, party_led_cooperatives: sums over
  Y's rows; party_led_share = party_led_cooperatives / cooperatives.

Money is yuan here and 万元 on screen. A ratio whose denominator is 0 is None. No streamlit here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from gridboard.core import config, i18n
from gridboard.db import queries
from gridboard.metrics import engine

SUMMARY_KEYS: tuple[str, ...] = (
    "year", "villages", "reporting", "no_data", "weak", "weak_prev", "weak_change", "below_floor", "below_floor_prev",
    "at_goal", "at_goal_prev", "total_operating_income", "median_operating_income", "matched", "yoy_growth",
    "total_income", "dividends", "cooperatives", "party_led_cooperatives", "party_led_share",
)


@dataclass(frozen=True)
class EconomySettings:
    """Band edges (yuan, ascending lower edges of bands 1..n), the floor and the goal (yuan)."""

    edges: tuple[float, ...] = (50_000.0, 100_000.0, 500_000.0, 1_000_000.0)
    floor: float = 30_000.0
    goal: float = 100_000.0

    def params(self) -> dict[str, Any]:
        return {"edges": list(self.edges), "floor": self.floor, "goal": self.goal}


def settings_from(cfg: config.Config | None = None) -> EconomySettings:
    """The economy settings of the county's config, checked (positive, strictly ascending edges)."""
    cfg = cfg or config.load()
    raw = cfg["economy_band_edges_yuan"]
    try:
        edges = tuple(float(x) for x in raw)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise ValueError(f"setting economy_band_edges_yuan must be a list of numbers, not {raw!r}") from None
    if not edges or edges[0] <= 0 or any(b <= a for a, b in zip(edges, edges[1:], strict=False)):
        raise ValueError(f"setting economy_band_edges_yuan must be positive and strictly ascending: {list(edges)}")
    return EconomySettings(edges, float(cfg["economy_floor_yuan"]), float(cfg["economy_goal_yuan"]))


def band_of(income: float | None, edges: Sequence[float]) -> int | None:
    """Band of an operating income: the number of lower edges it reaches (None without income)."""
    if income is None:
        return None
    return sum(1 for e in edges if income >= e)


def _wan(yuan: float) -> str:
    value = yuan / 10_000
    return f"{value:,.1f}".rstrip("0").rstrip(".")


def _en(yuan: float) -> str:
    return f"{yuan / 1_000_000:g}M" if yuan >= 1_000_000 else f"{yuan / 1000:g}k"


def band_labels(edges: Sequence[float], lang: str = "zh") -> list[str]:
    """Labels of the bands 0..len(edges): < 5万, 5–10万, …, ≥ 100万 (< 50k … ≥ 1M in English)."""
    fmt = _en if lang == "en" else (lambda y: _wan(y) + "万")
    labels = [f"< {fmt(edges[0])}"]
    if lang == "en":
        labels += [f"{fmt(a)}–{fmt(b)}" for a, b in zip(edges, edges[1:], strict=False)]
    else:  # 5–10万
        labels += [f"{_wan(a)}–{fmt(b)}" for a, b in zip(edges, edges[1:], strict=False)]
    labels.append(f"≥ {fmt(edges[-1])}")
    return labels


def money(yuan: float, lang: str = "zh") -> str:
    """A threshold in words: 30000 → 3万元 (30k CNY in English)."""
    return _en(yuan) + " CNY" if lang == "en" else _wan(yuan) + "万元"


def label_values(settings: EconomySettings, lang: str = "zh") -> dict[str, str]:
    """Values the interface texts fill in: floor (3万元), goal (10万元) and the weak band (< 5万)."""
    return {"floor": money(settings.floor, lang), "goal": money(settings.goal, lang),
            "edge": band_labels(settings.edges, lang)[0]}


def _sql_villages() -> str:
    return queries.fragment("economy_villages")


def years(con: duckdb.DuckDBPyConnection, unit: str | None = None) -> list[int]:
    """The years with collective-economy rows under the unit, oldest first."""
    unit = engine.check_unit(con, unit)
    return [int(r["year"]) for r in queries.rows(con, queries.named("economy_years"), {"unit": unit})]


def period_year(end: dt.datetime) -> int:
    """The year of a period's last moment (a period ending 1 January belongs to the year before)."""
    return (end - dt.timedelta(microseconds=1)).year


def default_year(con: duckdb.DuckDBPyConnection, unit: str | None = None, upto: int | None = None) -> int | None:
    """The latest year with data not after `upto` (the latest at all when none is that early)."""
    found = years(con, unit)
    if not found:
        return None
    early = [y for y in found if upto is None or y <= upto]
    return early[-1] if early else found[-1]


def villages(
    con: duckdb.DuckDBPyConnection, *, year: int, unit: str | None = None, settings: EconomySettings | None = None,
) -> list[dict[str, Any]]:
    """Every village under the unit with its economy in `year`, the two years before, history and bands.

    Each row adds `growth` (income Y / income Y−1 − 1, None without both) and `weak` (band 0).
    """
    unit = engine.check_unit(con, unit)
    s = settings or settings_from()
    rows = queries.rows(con, queries.named("economy_villages"), {"unit": unit, "year": int(year), **s.params()})
    for r in rows:
        cur, prev = r["operating_income"], r["income_prev"]
        r["growth"] = None if cur is None or not prev else cur / prev - 1.0
        r["weak"] = r["band"] == 0
        r["history"] = [None if v is None else float(v) for v in (r["history"] or [])]
        r["history_years"] = list(r["history_years"] or [])
    return rows


def summary(
    con: duckdb.DuckDBPyConnection, *, year: int, unit: str | None = None, settings: EconomySettings | None = None,
) -> dict[str, Any]:
    """The headline figures (SUMMARY_KEYS) of the villages under the unit for `year`."""
    unit = engine.check_unit(con, unit)
    s = settings or settings_from()
    sql = queries.named("economy_summary", villages=_sql_villages())
    r = queries.rows(con, sql, {"unit": unit, "year": int(year), **s.params()})[0]
    growth = None
    if r["matched_income_prev"]:
        growth = float(r["matched_income"]) / float(r["matched_income_prev"]) - 1.0

    def num(key: str) -> float | None:
        return None if r[key] is None else float(r[key])

    def cnt(key: str) -> int:
        return int(r[key] or 0)

    out = {
        "year": int(year), "villages": cnt("villages"), "reporting": cnt("reporting"),
        "no_data": cnt("villages") - cnt("reporting"),
        "weak": cnt("weak"), "weak_prev": cnt("weak_prev") if r["reporting_prev"] else None,
        "weak_change": cnt("weak") - cnt("weak_prev") if r["reporting_prev"] else None,
        "below_floor": cnt("below_floor"), "below_floor_prev": cnt("below_floor_prev") if r["reporting_prev"] else None,
        "at_goal": cnt("at_goal"), "at_goal_prev": cnt("at_goal_prev") if r["reporting_prev"] else None,
        "total_operating_income": num("total_operating_income"),
        "median_operating_income": num("median_operating_income"),
        "matched": cnt("matched"), "yoy_growth": growth,
        "total_income": num("total_income"), "dividends": num("dividends"),
        "cooperatives": None if r["cooperatives"] is None else int(r["cooperatives"]),
        "party_led_cooperatives": None if r["party_led_cooperatives"] is None else int(r["party_led_cooperatives"]),
        "party_led_share": (int(r["party_led_cooperatives"] or 0) / int(r["cooperatives"]))
        if r["cooperatives"] else None,
    }
    return {k: out[k] for k in SUMMARY_KEYS}


def bands(
    con: duckdb.DuckDBPyConnection, *, year: int, unit: str | None = None, settings: EconomySettings | None = None,
    lang: str = "zh",
) -> list[dict[str, Any]]:
    """Villages per band 0..n in `year` and in `year` − 1, with the band's label and income (every band listed)."""
    unit = engine.check_unit(con, unit)
    s = settings or settings_from()
    sql = queries.named("economy_bands", villages=_sql_villages())
    found = {(r["band"], r["which"]): r for r in queries.rows(con, sql, {"unit": unit, "year": int(year), **s.params()})}
    labels = band_labels(s.edges, lang)
    out = []
    for b, label in enumerate(labels):
        cur, prev = found.get((b, "current"), {}), found.get((b, "previous"), {})
        out.append({
            "band": b, "label": label, "weak": b == 0,
            "min_yuan": 0.0 if b == 0 else s.edges[b - 1], "max_yuan": s.edges[b] if b < len(s.edges) else None,
            "villages": int(cur.get("villages", 0)), "villages_prev": int(prev.get("villages", 0)),
            "income": float(cur["income"]) if cur.get("income") is not None else 0.0,
        })
    return out


def history(
    con: duckdb.DuckDBPyConnection, *, year: int, unit: str | None = None, settings: EconomySettings | None = None,
) -> list[dict[str, Any]]:
    """Per year up to `year`: reporting, weak, below floor, at goal, total and median income, dividends."""
    unit = engine.check_unit(con, unit)
    s = settings or settings_from()
    rows = queries.rows(con, queries.named("economy_history"), {"unit": unit, "year": int(year), **s.params()})
    for r in rows:
        for k in ("total_operating_income", "median_operating_income", "dividends"):
            r[k] = None if r[k] is None else float(r[k])
    return rows


def shapes(con: duckdb.DuckDBPyConnection, unit: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Boundary geometries (parsed GeoJSON) under the unit by level: county, town, village.

    A boundary that is not valid JSON is left out (the map then shows that village as a point).
    """
    unit = engine.check_unit(con, unit)
    out: dict[str, list[dict[str, Any]]] = {"county": [], "town": [], "village": []}
    for r in queries.rows(con, queries.named("economy_boundaries"), {"unit": unit}):
        try:
            geometry = json.loads(r["boundary"])
        except (TypeError, ValueError):
            continue
        if isinstance(geometry, dict) and geometry.get("type") == "Feature":
            geometry = geometry.get("geometry")
        if isinstance(geometry, dict) and "coordinates" in geometry:
            out[r["level"]].append({"unit_id": r["unit_id"], "name": r["name"], "geometry": geometry})
    return out


def _wan_value(yuan: float | None) -> float | None:
    return None if yuan is None else round(float(yuan) / 10_000, 2)


def villages_frame(rows: Sequence[dict[str, Any]], *, year: int, labels: Sequence[str], lang: str = "zh") -> pd.DataFrame:
    """Village rows as a table: incomes in 万元 for Y−2, Y−1 and Y, growth in percent, band, history (万元)."""
    t = lambda key, **kw: i18n.text(key, lang, **kw)  # noqa: E731
    return pd.DataFrame({
        t("eco_col_village"): [r["name"] for r in rows],
        t("eco_col_town"): [r["parent_name"] or "—" for r in rows],
        t("eco_col_income", year=year - 2): [_wan_value(r["income_prev2"]) for r in rows],
        t("eco_col_income", year=year - 1): [_wan_value(r["income_prev"]) for r in rows],
        t("eco_col_income", year=year): [_wan_value(r["operating_income"]) for r in rows],
        t("eco_col_growth"): [None if r["growth"] is None else round(r["growth"] * 100, 1) for r in rows],
        t("eco_col_band"): [labels[r["band"]] if r["band"] is not None else t("eco_no_data_label") for r in rows],
        t("eco_col_trend"): [[_wan_value(v) for v in r["history"]] for r in rows],
        t("eco_col_cooperatives"): pd.array([r["cooperatives"] for r in rows], dtype="Int64"),
        t("eco_col_party_led"): pd.array([r["party_led_cooperatives"] for r in rows], dtype="Int64"),
        t("eco_col_dividends"): [_wan_value(r["dividends"]) for r in rows],
        t("eco_col_households"): pd.array([r["households"] for r in rows], dtype="Int64"),
    })
