"""Volunteer figures (gridboard.volunteers) against independent pandas computations on a small
hand-made county, star thresholds from the config, name masking, and the `volunteers` CLI.

The fixture (`people_database`) is shared by the economy, profile, page and browser tests: the
page tests' small county (tests/browser_support.py) plus four more villages with boundaries, 40
volunteers, 300 services and three years of collective economy, all kept as Python rows so the
expected values are computed here from the same rows with pandas, never through the SQL.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pandas as pd
import pytest
from browser_support import UNITS, small_database
from cli_support import run_main, run_process

from gridboard.core import config
from gridboard.db import store
from gridboard.people import volunteers

AS_OF = dt.datetime(2026, 3, 10, 12, 0)
START, END = dt.datetime(2026, 2, 8), dt.datetime(2026, 3, 11)
EDGES = (5.0, 10.0, 20.0, 40.0, 80.0)

EXTRA_UNITS = [  # unit_id, parent_id, level, name, households, population, lon, lat
    ("T2V2", "T2", "village", "王家村", 280, 800, 117.34, 35.60),
    ("T2V3", "T2", "village", "赵家村", 500, 1500, 117.36, 35.60),
    ("T2V4", "T2", "village", "孙家村", None, None, 117.38, 35.60),  # no boundary: a dot on the map
    ("T2V5", "T2", "village", "周家村", 150, 400, None, None),  # neither: left off the map
]
GRIDS = ["T1C1G1", "T1C1G2", "T1C2G1", "T1C2G2", "T2V1G1", "T2V1G2", "T1C1G1M1"]
ACTIVITIES = ["环境整治", "关爱帮扶", "治安巡逻", None]


def square(lon: float, lat: float, half: float) -> str:
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half], [lon - half, lat + half],
            [lon - half, lat - half]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def economy_rows(year: int) -> list[tuple]:
    """(unit_id, year, operating_income, total_income, dividends, cooperatives, party_led_cooperatives)."""
    return [
        ("T2V1", year - 2, 20_000.0, 90_000.0, 0.0, 1, 0), ("T2V1", year - 1, 35_000.0, 110_000.0, 0.0, 1, 1),
        ("T2V1", year, 45_000.0, 130_000.0, 0.0, 2, 1),
        ("T2V2", year - 2, 60_000.0, 150_000.0, 0.0, 2, 1), ("T2V2", year - 1, 48_000.0, 140_000.0, 0.0, 2, 1),
        ("T2V2", year, 120_000.0, 260_000.0, 12_000.0, 3, 2),
        ("T2V3", year - 2, 900_000.0, 1_200_000.0, 90_000.0, 4, 2),
        ("T2V3", year - 1, 1_100_000.0, 1_500_000.0, 150_000.0, 5, 3),
        ("T2V3", year, 1_300_000.0, 1_800_000.0, 200_000.0, 5, 4),
        ("T2V4", year - 1, 30_000.0, 80_000.0, 0.0, 1, 0),
        ("T2V5", year - 1, 25_000.0, 70_000.0, 0.0, 1, 1), ("T2V5", year, None, 75_000.0, None, 2, 1),
        ("T1C1", year, 500_000.0, 600_000.0, 0.0, 1, 1),  # a community: never counted as a village
    ]


def people_rows(as_of: dt.datetime, seed: int = 5) -> tuple[list[tuple], list[tuple]]:
    """(volunteers, services) rows relative to as_of: unknown and future registration dates, NULL party
    flags, hours and points, services in another grid than the volunteer's, and in 李家村 (T2V1) one
    volunteer only (in T2V1G2)."""
    rng = random.Random(seed)
    vols = []
    for i in range(40):
        unit = "T2V1G2" if i == 0 else rng.choice([g for g in GRIDS if not g.startswith("T2V1")])
        if i in (1, 2, 3):
            registered = None
        elif i in (4, 5):
            registered = as_of.date() + dt.timedelta(days=5)
        else:
            registered = as_of.date() - dt.timedelta(days=rng.randint(0, 900))
        party = None if i == 6 else rng.random() < 0.35
        vols.append((f"V{i:03d}", unit, ["张三明", "李四", "欧阳小明", "王五"][i % 4] + str(i), party,
                     rng.choice(["红色志愿队", "青年服务队", None]), registered))
    services = []
    for k in range(300):
        vid, unit = vols[rng.randrange(len(vols))][:2]
        started = as_of - dt.timedelta(days=rng.randint(0, 500), minutes=rng.randint(1, 600))
        hours = rng.choice([0.5, 1.0, 2.0, 3.0, 4.0, None])
        points = None if rng.random() < 0.05 else int(round((hours or 0) * 10))
        served = unit if rng.random() < 0.8 else rng.choice(GRIDS)
        services.append((f"S{k:04d}", vid, served, rng.choice(ACTIVITIES), started, hours, points))
    return vols, services


def add_people(con, as_of: dt.datetime) -> None:
    """Add the extra villages, boundaries, volunteers, services and economy rows to a small county."""
    con.executemany("INSERT INTO units (unit_id, parent_id, level, name, households, population, lon, lat) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", EXTRA_UNITS)
    con.execute("UPDATE units SET boundary = ? WHERE unit_id = 'C'", [square(117.33, 35.62, 0.12)])
    con.execute("UPDATE units SET boundary = ? WHERE unit_id = 'T2'", [square(117.35, 35.60, 0.06)])
    con.execute("UPDATE units SET boundary = ?, lon = 117.32, lat = 35.60 WHERE unit_id = 'T2V1'",
                [square(117.32, 35.60, 0.009)])
    for uid, lon in (("T2V2", 117.34), ("T2V3", 117.36)):
        con.execute("UPDATE units SET boundary = ? WHERE unit_id = ?", [square(lon, 35.60, 0.009), uid])
    vols, services = people_rows(as_of)
    con.executemany("INSERT INTO volunteers VALUES (?, ?, ?, ?, ?, ?)", vols)
    con.executemany("INSERT INTO volunteer_services VALUES (?, ?, ?, ?, ?, ?, ?)", services)
    con.executemany("INSERT INTO collective_economy VALUES (?, ?, ?, ?, ?, ?, ?)", economy_rows(as_of.year))
    # 60 more cases in 李家村第二网格 over the last 25 days: a weak village whose cases rise, few volunteers
    con.executemany(
        "INSERT INTO cases (case_id, unit_id, category, reported_at, due_at, status) VALUES (?, ?, ?, ?, ?, ?)",
        [(f"P{i:03d}", "T2V1G2", "矛盾纠纷", as_of - dt.timedelta(hours=10 * i + 1),
          as_of - dt.timedelta(hours=10 * i + 1) + dt.timedelta(hours=72), "open") for i in range(60)],
    )
    store.rebuild_unit_closure(con)
    store.bump_data_version(con)


def people_database(path: Path, as_of: dt.datetime) -> Path:
    small_database(path, as_of)
    con = store.connect(path)
    try:
        add_people(con, as_of)
    finally:
        con.close()
    return path


# --- independent pandas model ---------------------------------------------------------------------


def units_frame() -> pd.DataFrame:
    rows = [(u[0], u[1], u[2], u[5]) for u in UNITS] + [(u[0], u[1], u[2], u[4]) for u in EXTRA_UNITS]
    return pd.DataFrame(rows, columns=["unit_id", "parent_id", "level", "households"])


def below(unit: str) -> set[str]:
    """The unit and every unit under it, by walking parent links in pandas."""
    units = units_frame()
    found, frontier = {unit}, {unit}
    while frontier:
        frontier = set(units.loc[units["parent_id"].isin(frontier), "unit_id"]) - found
        found |= frontier
    return found


def households_of(unit: str) -> float | None:
    units = units_frame().set_index("unit_id")
    own = units.loc[unit, "households"]
    if pd.notna(own):
        return float(own)
    grids = units.loc[list(below(unit))]
    total = grids.loc[grids["level"] == "grid", "households"].sum(min_count=1)
    return None if pd.isna(total) else float(total)


def frames(as_of: dt.datetime = AS_OF) -> tuple[pd.DataFrame, pd.DataFrame]:
    vols, services = people_rows(as_of)
    v = pd.DataFrame(vols, columns=["volunteer_id", "unit_id", "name", "is_party_member", "team", "registered_on"])
    v["registered_on"] = pd.to_datetime(v["registered_on"])
    s = pd.DataFrame(services, columns=["service_id", "volunteer_id", "unit_id", "activity_type", "started_at", "hours",
                                        "points"])
    return v, s


def registered(unit: str, end: dt.datetime, as_of: dt.datetime = AS_OF) -> pd.DataFrame:
    v, _ = frames(as_of)
    return v[v["unit_id"].isin(below(unit)) & (v["registered_on"].isna() | (v["registered_on"] < end))]


def period_services(unit: str, start: dt.datetime, end: dt.datetime, as_of: dt.datetime = AS_OF) -> pd.DataFrame:
    _, s = frames(as_of)
    reg = registered(unit, end, as_of)
    return s[s["volunteer_id"].isin(reg["volunteer_id"]) & (s["started_at"] >= start) & (s["started_at"] < end)]


def expected_summary(unit: str, start: dt.datetime = START, end: dt.datetime = END) -> dict:
    reg = registered(unit, end)
    svc = period_services(unit, start, end)
    active = set(svc["volunteer_id"])
    party = reg["is_party_member"].fillna(False).astype(bool)
    hh = households_of(unit)
    hours = float(svc["hours"].sum())
    return {
        "registered": len(reg), "new_registered": int((reg["registered_on"] >= start).sum()), "active": len(active),
        "active_rate": len(active) / len(reg) if len(reg) else None, "services": len(svc), "hours": hours,
        "points": int(svc["points"].sum()), "hours_per_active": hours / len(active) if active else None,
        "party_members": int(party.sum()), "party_active": int(reg.loc[party, "volunteer_id"].isin(active).sum()),
        "party_share": party.sum() / len(reg) if len(reg) else None, "households": hh,
        "per_100_households": 100 * len(reg) / hh if hh else None,
    }


def assert_close(got: dict, want: dict) -> None:
    assert set(got) == set(want)
    for key, value in want.items():
        if value is None or got[key] is None:
            assert got[key] == value, key
        else:
            assert got[key] == pytest.approx(value), key


@pytest.fixture(scope="module")
def people_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return people_database(tmp_path_factory.mktemp("people") / "people.duckdb", AS_OF)


@pytest.fixture(scope="module")
def people_con(people_path: Path):
    con = store.connect(people_path, read_only=True)
    yield con
    con.close()


# --- tests ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("unit", ["C", "T1", "T1C1", "T1C1G1", "T2V1", "T2V1G2", "T1C1G1M1"])
def test_summary_equals_pandas(people_con, unit):
    got = volunteers.summary(people_con, start=START, end=END, unit=unit)
    assert list(got) == list(volunteers.SUMMARY_KEYS)
    assert_close(got, expected_summary(unit))


def test_services_count_for_the_volunteers_own_unit(people_con):
    """A service in another grid counts for the volunteer's own unit, not the grid it names."""
    v, s = frames()
    period = s[(s["started_at"] >= START) & (s["started_at"] < END)]
    home = period.merge(v[["volunteer_id", "unit_id"]], on="volunteer_id", suffixes=("", "_home"))
    assert (home["unit_id"] != home["unit_id_home"]).any(), "the fixture must hold services away from home"
    differs = 0
    for grid in ("T1C1G2", "T1C2G1", "T1C2G2"):
        got = volunteers.summary(people_con, start=START, end=END, unit=grid)["hours"]
        assert got == pytest.approx(expected_summary(grid)["hours"])
        where_served = float(period.loc[period["unit_id"] == grid, "hours"].sum())
        differs += abs(where_served - got) > 1e-9
    assert differs, "the two attributions must differ somewhere, or this test proves nothing"


def test_unknown_and_future_registrations(people_con):
    everyone = volunteers.summary(people_con, start=START, end=END + dt.timedelta(days=30))
    now = volunteers.summary(people_con, start=START, end=END)
    assert everyone["registered"] == 40 and now["registered"] == 38  # two register five days after as_of
    assert now["households"] == households_of("C") and households_of("C") == sum(u[5] or 0 for u in UNITS if u[2] == "grid")


def test_empty_period_is_an_error(people_con):
    with pytest.raises(ValueError):
        volunteers.summary(people_con, start=END, end=START)


def test_activity_equals_pandas(people_con):
    svc = period_services("T1", START, END)
    want = svc.groupby(svc["activity_type"].fillna("∅")).agg(
        services=("service_id", "size"), volunteers=("volunteer_id", "nunique"), hours=("hours", "sum"),
        points=("points", "sum"))
    got = {(r["activity_type"] or "∅"): r for r in volunteers.activity(people_con, start=START, end=END, unit="T1")}
    assert set(got) == set(want.index)
    for act, row in want.iterrows():
        assert (got[act]["services"], got[act]["volunteers"], got[act]["points"]) == \
            (row["services"], row["volunteers"], row["points"])
        assert got[act]["hours"] == pytest.approx(row["hours"])
    hours = [r["hours"] for r in volunteers.activity(people_con, start=START, end=END, unit="T1")]
    assert hours == sorted(hours, reverse=True)


def cumulative_hours(unit: str, end: dt.datetime) -> pd.Series:
    _, s = frames()
    reg = registered(unit, end)
    done = s[s["volunteer_id"].isin(reg["volunteer_id"]) & (s["started_at"] < end)]
    return done.groupby("volunteer_id")["hours"].sum().reindex(reg["volunteer_id"], fill_value=0.0)


def test_stars_equal_pandas(people_con):
    cum = cumulative_hours("C", END)
    want = cum.map(lambda h: sum(h >= e for e in EDGES)).value_counts()
    got = volunteers.stars(people_con, end=END, edges=EDGES)
    assert [r["star"] for r in got] == list(range(6))
    assert [r["min_hours"] for r in got] == [0.0, *EDGES]
    assert {r["star"]: r["volunteers"] for r in got} == {s: int(want.get(s, 0)) for s in range(6)}
    assert sum(r["volunteers"] for r in got) == 38
    assert len({r["star"] for r in got if r["volunteers"]}) >= 3, "the fixture spreads over several levels"


def test_star_thresholds_come_from_the_config(people_con, tmp_path, monkeypatch):
    cfg = tmp_path / "gridboard.toml"
    cfg.write_text("volunteer_star_hours = [1, 1000]\n", encoding="utf-8")
    monkeypatch.setenv("GRIDBOARD_CONFIG", str(cfg))
    assert volunteers.star_edges(config.load()) == (1.0, 1000.0)
    got = volunteers.stars(people_con, end=END)  # edges from the config
    cum = cumulative_hours("C", END)
    assert [r["volunteers"] for r in got] == [int((cum < 1).sum()), int((cum >= 1).sum()), 0]
    cfg.write_text("volunteer_star_hours = [300, 100]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="ascending"):
        volunteers.star_edges(config.load())
    monkeypatch.delenv("GRIDBOARD_CONFIG")
    assert volunteers.star_edges(config.load()) == (100.0, 300.0, 600.0, 1000.0, 1500.0)  # the defaults


def test_leaderboard_equals_pandas(people_con):
    svc = period_services("C", START, END)
    per = svc.groupby("volunteer_id").agg(points=("points", "sum"), hours=("hours", "sum"), services=("service_id", "size"))
    cum = cumulative_hours("C", END)
    _, s = frames()
    total_points = s[s["started_at"] < END].groupby("volunteer_id")["points"].sum()
    per["total_points"] = total_points.reindex(per.index)
    per = per.reset_index().sort_values(["points", "total_points", "volunteer_id"], ascending=[False, False, True])
    got = volunteers.leaderboard(people_con, start=START, end=END, limit=10, edges=EDGES)
    assert [r["volunteer_id"] for r in got] == per["volunteer_id"].head(10).tolist()
    assert [r["rank"] for r in got] == list(range(1, 11))
    for r in got:
        assert r["points"] == per.set_index("volunteer_id").loc[r["volunteer_id"], "points"]
        assert r["total_hours"] == pytest.approx(cum[r["volunteer_id"]])
        assert r["star"] == volunteers.star_of(cum[r["volunteer_id"]], EDGES)


@pytest.mark.parametrize(("name", "masked"), [("张三明", "张*明"), ("李四", "李*"), ("欧阳小明", "欧**明"), ("王", "*"),
                                              (None, "—"), ("  ", "—")])
def test_mask_name(name, masked):
    assert volunteers.mask_name(name) == masked


@pytest.mark.parametrize(("role", "shown"), [("leader", "张三明"), ("admin", "张三明"), ("staff", "张*明"),
                                             ("wall", "张*明"), ("analyst", "张*明"), (None, "张*明")])
def test_names_are_full_only_for_leaders(role, shown):
    assert volunteers.shown_name("张三明", role) == shown
    frame = volunteers.leaderboard_frame([{"rank": 1, "name": "张三明", "unit_name": "网格", "team": None,
                                           "is_party_member": True, "points": 5, "hours": 0.5, "services": 1,
                                           "total_hours": 0.5, "star": 0}], role=role)
    assert frame["姓名"].tolist() == [shown]


def test_trend_equals_pandas(people_con):
    rows = volunteers.trend(people_con, end=END, unit="T1")
    assert len(rows) == 12 and rows[-1]["month"] == "2026-03" and rows[0]["month"] == "2025-04"
    reg = registered("T1", END)
    _, s = frames()
    svc = s[s["volunteer_id"].isin(reg["volunteer_id"]) & (s["started_at"] >= dt.datetime(2025, 4, 1))
            & (s["started_at"] < END)]
    month = svc["started_at"].dt.strftime("%Y-%m")
    hours = svc.groupby(month)["hours"].sum()
    active = svc.groupby(month)["volunteer_id"].nunique()
    new = reg[reg["registered_on"] >= dt.datetime(2025, 4, 1)].groupby(reg["registered_on"].dt.strftime("%Y-%m")).size()
    for r in rows:
        assert r["hours"] == pytest.approx(float(hours.get(r["month"], 0.0)))
        assert r["active"] == int(active.get(r["month"], 0))
        assert r["new_registered"] == int(new.get(r["month"], 0))


def test_by_unit_equals_pandas_and_flags_few_but_busy(people_con):
    from gridboard.metrics import engine

    rows = volunteers.by_unit(people_con, "grid", start=START, end=END, as_of=AS_OF, few_ratio=0.5)
    county = expected_summary("C")
    county_cases = engine.kpis(people_con, start=START, end=END, as_of=AS_OF)["received"]
    cases = {r["group_id"]: r["received"] for r in
             engine.breakdown(people_con, "grid", start=START, end=END, as_of=AS_OF)}
    assert {r["unit_id"] for r in rows} == {u[0] for u in UNITS if u[2] == "grid"}
    for r in rows:
        want = expected_summary(r["unit_id"])
        assert (r["registered"], r["active"], r["party_members"]) == \
            (want["registered"], want["active"], want["party_members"])
        assert r["hours"] == pytest.approx(want["hours"])
        assert r["households"] == want["households"]
        per_100 = want["per_100_households"]
        per_1000 = 1000 * cases.get(r["unit_id"], 0) / want["households"] if want["households"] else None
        few = per_100 is not None and per_100 < 0.5 * county["per_100_households"]
        busy = per_1000 is not None and per_1000 > 1000 * county_cases / county["households"]
        assert r["few_but_busy"] == (few and busy), r["unit_id"]
    micro = volunteers.by_unit(people_con, "micro_grid", start=START, end=END, as_of=AS_OF, few_ratio=0.5)
    assert micro and not any(r["few_but_busy"] for r in micro)  # volunteers register with grids
    flagged = volunteers.few_but_busy(rows)
    assert [r["unit_id"] for r in flagged] == ["T2V1G2"]  # one volunteer for 310 households and many cases


def test_cli_json_equals_the_library(people_con, people_path):
    """The command's output in this process (its own main); the refusal through a real process."""
    path = people_path  # the module's county: the commands only read it
    args = ["--db", str(path), "--from", "2026-02-08", "--to", "2026-03-11", "--as-of", "2026-03-10T12:00", "--json"]
    out = run_main("volunteers", "--unit", "T1", *args)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == volunteers.summary(people_con, start=START, end=END, unit="T1")
    out = run_main("volunteers", "--by", "child", *args)
    assert out.returncode == 0, out.stderr
    rows = volunteers.by_unit(people_con, "child", start=START, end=END, as_of=AS_OF)
    assert json.loads(out.stdout) == rows
    bad = run_process("volunteers", "--db", str(path), "--unit", "X9", timeout=120)
    assert bad.returncode == 2 and bad.stderr.strip() == "error: unknown unit 'X9'"
