"""Collective economy (gridboard.economy) against pandas on the shared fixture's villages: bands
and thresholds from the config, weak villages against last year, growth over matched villages,
the map without any network source, and the `economy` CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from cli_support import run_main, run_process
from test_volunteers import AS_OF, EXTRA_UNITS, below, economy_rows, people_database

from gridboard.core import config
from gridboard.db import store
from gridboard.people import economy
from gridboard.render import charts_people

YEAR = AS_OF.year
DEFAULT = economy.EconomySettings()


@pytest.fixture(scope="module")
def eco_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return people_database(tmp_path_factory.mktemp("economy") / "economy.duckdb", AS_OF)


@pytest.fixture(scope="module")
def con(eco_db: Path):
    c = store.connect(eco_db, read_only=True)
    yield c
    c.close()


def eco_frame() -> pd.DataFrame:
    return pd.DataFrame(economy_rows(YEAR), columns=["unit_id", "year", "operating_income", "total_income", "dividends",
                                                     "cooperatives", "party_led_cooperatives"])


def villages_under(unit: str) -> list[str]:
    levels = {"T2V1": "village", **{u[0]: u[2] for u in EXTRA_UNITS}}
    return sorted(u for u in below(unit) if levels.get(u) == "village")


def expected(unit: str, year: int, edges: tuple[float, ...], floor: float, goal: float) -> dict:
    e = eco_frame()
    vil = villages_under(unit)
    cur = e[(e["year"] == year) & e["unit_id"].isin(vil)].set_index("unit_id")
    prev = e[(e["year"] == year - 1) & e["unit_id"].isin(vil)].set_index("unit_id")
    inc, inc_prev = cur["operating_income"].dropna(), prev["operating_income"].dropna()
    matched = inc.index.intersection(inc_prev.index)

    def band(x: float) -> int:
        return int(sum(x >= b for b in edges))

    return {
        "year": year, "villages": len(vil), "reporting": len(inc), "no_data": len(vil) - len(inc),
        "weak": int((inc.map(band) == 0).sum()), "weak_prev": int((inc_prev.map(band) == 0).sum()),
        "weak_change": int((inc.map(band) == 0).sum() - (inc_prev.map(band) == 0).sum()),
        "below_floor": int((inc < floor).sum()), "below_floor_prev": int((inc_prev < floor).sum()),
        "at_goal": int((inc >= goal).sum()), "at_goal_prev": int((inc_prev >= goal).sum()),
        "total_operating_income": float(inc.sum()), "median_operating_income": float(inc.median()),
        "matched": len(matched), "yoy_growth": inc[matched].sum() / inc_prev[matched].sum() - 1,
        "total_income": float(cur["total_income"].sum()), "dividends": float(cur["dividends"].sum()),
        "cooperatives": int(cur["cooperatives"].sum()), "party_led_cooperatives": int(cur["party_led_cooperatives"].sum()),
        "party_led_share": cur["party_led_cooperatives"].sum() / cur["cooperatives"].sum(),
    }


def assert_close(got: dict, want: dict) -> None:
    assert list(got) == list(economy.SUMMARY_KEYS)
    for key, value in want.items():
        assert got[key] == pytest.approx(value), key


@pytest.mark.parametrize("unit", ["C", "T2", "T2V1", "T2V3"])
@pytest.mark.parametrize("year", [YEAR, YEAR - 1])
def test_summary_equals_pandas(con, unit, year):
    assert_close(economy.summary(con, year=year, unit=unit, settings=DEFAULT),
                 expected(unit, year, DEFAULT.edges, DEFAULT.floor, DEFAULT.goal))


def test_communities_are_not_villages_and_missing_income_is_not_weak(con):
    got = economy.summary(con, year=YEAR, settings=DEFAULT)
    assert got["villages"] == 5 and got["reporting"] == 3 and got["no_data"] == 2  # 孙家村 none, 周家村 NULL
    assert got["weak"] == 1 and got["weak_prev"] == 4 and got["below_floor_prev"] == 1  # 30,000 is not below 3万
    assert got["matched"] == 3  # 周家村 reports last year but not this year's income
    t1 = economy.summary(con, year=YEAR, unit="T1", settings=DEFAULT)  # only communities: no villages
    assert (t1["villages"], t1["total_operating_income"], t1["yoy_growth"]) == (0, None, None)


def test_bands_come_from_the_config(con, tmp_path, monkeypatch):
    cfg = tmp_path / "gridboard.toml"
    cfg.write_text("economy_band_edges_yuan = [40000, 1000000]\neconomy_floor_yuan = 46000\n"
                   "economy_goal_yuan = 1200000\n", encoding="utf-8")
    monkeypatch.setenv("GRIDBOARD_CONFIG", str(cfg))
    s = economy.settings_from(config.load())
    assert s == economy.EconomySettings((40_000.0, 1_000_000.0), 46_000.0, 1_200_000.0)
    got = economy.summary(con, year=YEAR)  # settings from the config
    assert_close(got, expected("C", YEAR, s.edges, s.floor, s.goal))
    assert got["weak"] == 0 and got["below_floor"] == 1 and got["at_goal"] == 1  # 45,000 is not weak under 4万
    assert economy.summary(con, year=YEAR, settings=DEFAULT)["weak"] == 1  # but is under the default 5万
    bands = economy.bands(con, year=YEAR)
    assert [b["label"] for b in bands] == ["< 4万", "4–100万", "≥ 100万"]
    assert [b["villages"] for b in bands] == [0, 2, 1] and [b["villages_prev"] for b in bands] == [3, 1, 1]
    cfg.write_text("economy_band_edges_yuan = [100000, 50000]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="ascending"):
        economy.settings_from(config.load())


def test_default_bands_and_labels(con):
    bands = economy.bands(con, year=YEAR, settings=DEFAULT)
    assert [b["label"] for b in bands] == ["< 5万", "5–10万", "10–50万", "50–100万", "≥ 100万"]
    assert [b["villages"] for b in bands] == [1, 0, 1, 0, 1]
    assert [b["villages_prev"] for b in bands] == [4, 0, 0, 0, 1]
    assert bands[0]["weak"] and bands[2]["income"] == 120_000.0
    assert economy.band_labels(DEFAULT.edges, "en") == ["< 50k", "50k–100k", "100k–500k", "500k–1M", "≥ 1M"]
    assert [economy.band_of(x, DEFAULT.edges) for x in (None, 0, 49_999, 50_000, 2e6)] == [None, 0, 0, 1, 4]


def test_villages_rows_and_trend(con):
    rows = {r["unit_id"]: r for r in economy.villages(con, year=YEAR, settings=DEFAULT)}
    assert sorted(rows) == villages_under("C")
    v1 = rows["T2V1"]
    assert (v1["operating_income"], v1["income_prev"], v1["income_prev2"]) == (45_000.0, 35_000.0, 20_000.0)
    assert v1["history"] == [20_000.0, 35_000.0, 45_000.0] and v1["history_years"] == [YEAR - 2, YEAR - 1, YEAR]
    assert v1["band"] == 0 and v1["weak"] and v1["growth"] == pytest.approx(45 / 35 - 1)
    assert rows["T2V4"]["band"] is None and not rows["T2V4"]["weak"] and rows["T2V4"]["band_prev"] == 0
    assert rows["T2V5"]["history"] == [25_000.0, None]
    assert [r["weak"] for r in economy.villages(con, year=YEAR - 1, settings=DEFAULT)].count(True) == 4
    history = economy.history(con, year=YEAR, settings=DEFAULT)
    assert [(h["year"], h["weak"], h["reporting"]) for h in history] == [(YEAR - 2, 1, 3), (YEAR - 1, 4, 5),
                                                                         (YEAR, 1, 3)]
    frame = economy.villages_frame(list(rows.values()), year=YEAR, labels=economy.band_labels(DEFAULT.edges))
    assert frame[f"{YEAR}年收入(万元)"].tolist()[:3] == [4.5, 12.0, 130.0]


def test_years_and_default_year(con):
    assert economy.years(con) == [YEAR - 2, YEAR - 1, YEAR]
    assert economy.default_year(con, upto=YEAR + 3) == YEAR
    assert economy.default_year(con, upto=YEAR - 1) == YEAR - 1
    assert economy.default_year(con, upto=1990) == YEAR  # nothing that early: the latest


def test_map_has_no_basemap_and_colours_by_band(con):
    rows = economy.villages(con, year=YEAR, settings=DEFAULT)
    deck = charts_people.economy_map(rows, economy.shapes(con), labels=economy.band_labels(DEFAULT.edges), year=YEAR)
    spec = json.loads(deck.to_json())
    assert spec["mapStyle"] == "__MAP_STYLE__"  # Streamlit's "no base map"; None would mean a carto basemap
    assert "mapProvider" not in spec and "cartocdn" not in deck.to_json() and "mapbox" not in deck.to_json()
    layers = {layer["id"]: layer for layer in spec["layers"]}
    shapes = {f["properties"]["unit_id"]: f["properties"] for f in layers["villages"]["data"]["features"]}
    assert set(shapes) == {"T2V1", "T2V2", "T2V3"}
    assert shapes["T2V1"]["fill"][:3] == list(charts_people.band_color(0))
    assert shapes["T2V3"]["fill"][:3] == list(charts_people.band_color(4))
    assert [d["unit_id"] for d in layers["village_dots"]["data"]] == ["T2V4"]  # no boundary, has lon/lat
    assert len(layers["towns"]["data"]["features"]) == 2  # the county and 东湖镇 have boundaries
    assert 35.5 < spec["initialViewState"]["latitude"] < 35.7 and spec["initialViewState"]["zoom"] > 8


def test_cli_json_equals_the_library(eco_db, con):
    """The command's output in this process (its own main); the refusal through a real process."""
    def run(*args: str):
        return run_main("economy", "--db", str(eco_db), *args)

    out = run("--as-of", f"{YEAR}-06-01T00:00", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == economy.summary(con, year=YEAR, settings=DEFAULT)
    out = run("--year", str(YEAR - 1), "--unit", "T2", "--json")
    assert json.loads(out.stdout) == economy.summary(con, year=YEAR - 1, unit="T2", settings=DEFAULT)
    out = run("--year", str(YEAR), "--villages", "--json")
    assert [r["unit_id"] for r in json.loads(out.stdout)] == villages_under("C")
    bad = run_process("economy", "--db", str(eco_db), "--unit", "nowhere", timeout=120)
    assert bad.returncode == 2 and bad.stderr.strip() == "error: unknown unit 'nowhere'"
