"""The unit profile (gridboard.profile): every part equals the module it comes from, the grid index
is the unit's own among its parent's units, flags fire on their definitions and read in plain
language, and the search finds units by name or code."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from test_volunteers import AS_OF, END, START, people_database

from gridboard.core import catalog, config, i18n, periods
from gridboard.db import store
from gridboard.metrics import engine
from gridboard.people import economy, profile, volunteers
from gridboard.ranking import gridindex

SETTINGS = profile.settings_from(config.load(config.PROJECT_ROOT / "no-such-config.toml"))


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory):
    c = store.connect(people_database(tmp_path_factory.mktemp("profile") / "profile.duckdb", AS_OF), read_only=True)
    yield c
    c.close()


def build(con, unit: str) -> dict:
    return profile.build(con, unit, start=START, end=END, as_of=AS_OF, settings=SETTINGS)


def test_unit_info(con):
    info = profile.unit_info(con, "T2V1")
    assert (info["name"], info["level"], info["parent_name"], info["path"]) == ("李家村", "village", "东湖镇",
                                                                                "测试县 / 东湖镇 / 李家村")
    assert (info["households"], info["grids"], info["micro_grids"]) == (350 + 310, 2, 0)
    county = profile.unit_info(con, None)
    assert county["unit_id"] == "C" and county["towns"] == 2 and county["villages"] == 5 and county["micro_grids"] == 2
    with pytest.raises(engine.MetricError):
        profile.unit_info(con, "nowhere")


def test_village_profile_parts_equal_their_modules(con):
    p = build(con, "T2V1")
    window = {"start": START, "end": END, "as_of": AS_OF, "unit": "T2V1"}
    assert p["kpis"] == engine.kpis(con, **window)
    prev = periods.previous(periods.Period(START, END, AS_OF))
    assert p["kpis_prev"] == engine.kpis(con, start=prev.start, end=prev.end, as_of=prev.as_of, unit="T2V1")
    assert p["categories"] == engine.breakdown(con, "category", durations=False, **window)
    assert p["categories"] and "median_response_min" not in p["categories"][0]
    assert p["volunteers"] == volunteers.summary(con, start=START, end=END, unit="T2V1")
    assert p["year"] == AS_OF.year
    assert p["economy"] == economy.summary(con, year=AS_OF.year, unit="T2V1", settings=SETTINGS.economy)
    assert p["village"]["unit_id"] == "T2V1" and p["village"]["band"] == 0
    peers = gridindex.scores(con, "community", SETTINGS.index, start=START, end=END, as_of=AS_OF, unit="T2")
    me = next(u for u in peers if u.unit_id == "T2V1")
    assert (p["index"]["score"], p["index"]["stars"], p["index"]["rank_in_parent"]) == (me.score, me.stars,
                                                                                      me.rank_in_parent)
    assert p["index"]["level"] == "community"


def test_weak_village_with_rising_cases_and_few_volunteers_is_flagged(con):
    p = build(con, "T2V1")
    codes = [f["code"] for f in p["flags"]]
    assert codes[0] == "watch_village"
    assert {"weak_village", "rising_cases", "few_volunteers"} <= set(codes)
    assert p["kpis"]["received"] >= 1.2 * p["kpis_prev"]["received"]
    assert p["volunteers"]["per_100_households"] < 0.5 * p["county_per_100_households"]
    severities = [f["severity"] for f in p["flags"]]
    assert severities == sorted(severities, key=lambda s: s != "high")
    texts = [profile.flag_text(f) for f in p["flags"]]
    assert "薄弱村：2026 年经营性收入 4.5 万元，低于 5万元。" in texts
    assert any(t.startswith("事件上升：本期受理") for t in texts)


def test_county_and_town_profiles(con):
    county = build(con, "C")
    assert county["index"] is None and county["village"] is None
    assert county["economy"]["weak"] == 1
    assert [f["code"] for f in county["flags"] if f["code"].startswith("weak")] == ["weak_villages_below"]
    town = build(con, "T1")  # communities only: no collective economy
    assert town["economy"] is None and town["index"]["level"] == "town"
    micro = build(con, "T1C1G1M1")
    assert micro["index"]["level"] == "micro_grid" and micro["unit"]["households"] == 60


def fake(**over) -> dict:
    """A built profile with nothing to flag, to switch single conditions on."""
    k = dict.fromkeys(catalog.METRIC_KEYS)
    k.update(received=100, overdue_open=0, satisfaction_rate=0.99)
    p = {"kpis": k, "kpis_prev": {**k, "received": 100}, "volunteers": {"per_100_households": 5.0},
         "county_per_100_households": 5.0, "economy": None, "village": None, "index": None, "year": 2026,
         "unit": {"level": "grid"}}
    p.update(over)
    return p


def test_flags_follow_their_definitions():
    assert profile.flags(fake(), SETTINGS) == []
    rising = fake(kpis={**fake()["kpis"], "received": 120})
    assert [f["code"] for f in profile.flags(rising, SETTINGS)] == ["rising_cases"]
    assert profile.flags(fake(kpis={**fake()["kpis"], "received": 119}), SETTINGS) == []
    few_cases = fake(kpis={**fake()["kpis"], "received": 19}, kpis_prev={**fake()["kpis"], "received": 1})
    assert profile.flags(few_cases, SETTINGS) == []  # fewer than min_cases_for_rank (20)
    assert [f["code"] for f in profile.flags(fake(volunteers={"per_100_households": 2.4}), SETTINGS)] == ["few_volunteers"]
    assert profile.flags(fake(volunteers={"per_100_households": 2.5}), SETTINGS) == []
    micro = fake(volunteers={"per_100_households": 0.0}, unit={"level": "micro_grid"})
    assert profile.flags(micro, SETTINGS) == []  # micro-grids: volunteers register with the grid
    low = fake(kpis={**fake()["kpis"], "satisfaction_rate": 0.9, "overdue_open": 3})
    assert [f["code"] for f in profile.flags(low, SETTINGS)] == ["overdue_open", "low_satisfaction"]
    stars = fake(index={"stars": 2, "score": 65.0, "rank_in_parent": 9, "ranked_in_parent": 9})
    assert [f["code"] for f in profile.flags(stars, SETTINGS)] == ["low_index"]


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_every_flag_reads_in_both_languages(con, lang):
    flags = [
        {"code": "watch_village", "severity": "high", "values": {}},
        {"code": "weak_village", "severity": "high", "values": {"year": 2026, "income": 45_000.0, "edge": 50_000.0}},
        {"code": "weak_villages_below", "severity": "medium", "values": {"year": 2026, "n": 3, "edge": 50_000.0,
                                                                         "prev": None}},
        {"code": "below_floor", "severity": "high", "values": {"year": 2026, "n": 1, "floor": 30_000.0}},
        {"code": "rising_cases", "severity": "medium", "values": {"now": 30, "before": 0, "change": None}},
        {"code": "few_volunteers", "severity": "medium", "values": {"per_100": 0.2, "county": 2.0, "ratio": 0.5}},
        {"code": "low_index", "severity": "medium", "values": {"score": 55.2, "stars": 1, "rank": 5, "of": 5}},
        {"code": "overdue_open", "severity": "medium", "values": {"n": 4}},
        {"code": "low_satisfaction", "severity": "medium", "values": {"rate": 0.9, "target": 0.95}},
    ]
    for flag in flags:
        text = profile.flag_text(flag, lang)
        assert text and not re.search(r"[{}]", text), (flag["code"], text)
    assert profile.flag_text(flags[3], "zh") == "1 个村 2026 年经营性收入低于 3万元，应全面消除。"


def test_search(con):
    found = profile.search(con, "李家")
    assert [r["unit_id"] for r in found] == ["T2V1", "T2V1G1", "T2V1G2"]  # village first, then its grids
    assert found[0]["parent_name"] == "东湖镇"
    assert {r["unit_id"] for r in profile.search(con, "T2V")[:5]} == {"T2V1", "T2V2", "T2V3", "T2V4", "T2V5"}
    assert profile.search(con, "  ") == [] and profile.search(con, "%") == []
    assert len(profile.search(con, "社区", limit=3)) == 3


def test_default_year_follows_the_period(con):
    p = profile.build(con, "T2V1", start=dt.datetime(AS_OF.year - 1, 3, 1), end=dt.datetime(AS_OF.year, 1, 1),
                      as_of=AS_OF, settings=SETTINGS)
    assert p["year"] == AS_OF.year - 1 and p["village"]["operating_income"] == 35_000.0
