"""The demo county: tree, boundaries, case contract, backlog, determinism, volunteers, economy, CLI.

Small builds (3,000 cases): the run's shared demo county (agg_support.demo_county, also read by
test_aggregates, test_drill_sums and test_aggregates_bench; this module reads its own copy) and one
more build of the same seed for determinism; one 400,000-case build through the CLI, in-process
(several row groups: that size is what the time-order test is about).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
from pathlib import Path

import duckdb
import numpy as np
import pytest
import shapely
from agg_support import AS_OF, CASES, OUTLINE, SEED, demo_county, module_copy
from conftest import REAL_DATA

from gridboard import cli
from gridboard.db import store
from gridboard.demo import county, geo
from gridboard.metrics import engine

TOWNS_CSV = REAL_DATA / "china_admin_codes" / "sishui_zhucheng_towns_subset.csv"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, county.DemoSummary]:
    template, summary = demo_county(tmp_path_factory, cases=CASES, seed=SEED, as_of=AS_OF, outline=OUTLINE)
    return module_copy(template, tmp_path_factory.mktemp("demo")), summary


@pytest.fixture(scope="module")
def con(built: tuple[Path, county.DemoSummary]) -> duckdb.DuckDBPyConnection:
    c = store.connect(built[0], read_only=True)
    yield c
    c.close()


BIG_CASES = 400_000  # several row groups: the insert runs on two threads


@pytest.fixture(scope="module")
def other_seed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str]:
    """The county with seed 8 and more cases, built through the CLI (exit code and printed summary)."""
    path = tmp_path_factory.mktemp("cli") / "seed8.duckdb"
    out = io.StringIO()
    # DuckDB's own thread count (two here), not the suite's one (tests/conftest.py): the insert's
    # order must survive the threads a real build runs on
    with contextlib.redirect_stdout(out), pytest.MonkeyPatch.context() as m:
        m.delenv(store.THREADS_ENV, raising=False)
        code = cli.main(["demo", "--db", str(path), "--cases", str(BIG_CASES), "--seed", "8",
                         "--as-of", AS_OF.strftime("%Y-%m-%dT%H:%M")])
    return path, code, out.getvalue()


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> list[tuple]:
    return con.execute(sql, params or {}).fetchall()


def one(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None):
    return rows(con, sql, params)[0][0]


def fingerprint(con: duckdb.DuckDBPyConnection, cases: bool = True) -> dict[str, str]:
    """md5 of every data table's full contents in key order."""
    keys = {"units": "unit_id", "cases": "case_id", "volunteers": "volunteer_id",
            "volunteer_services": "service_id", "collective_economy": "unit_id, year"}
    if not cases:
        del keys["cases"]
    return {t: one(con, f"SELECT md5(string_agg(CAST(t AS TEXT), '|' ORDER BY {k})) FROM {t} AS t")
            for t, k in keys.items()}


# --- the tree ------------------------------------------------------------------------------------


def test_towns_are_the_13_real_towns_of_sishui(con):
    towns = rows(con, "SELECT unit_id, name, parent_id FROM units WHERE level = 'town' ORDER BY unit_id")
    assert [(u, n) for u, n, _ in towns] == list(county.TOWNS)
    assert {p for _, _, p in towns} == {"370831"}
    assert rows(con, "SELECT unit_id, name FROM units WHERE parent_id IS NULL") == [("370831", "泗水县")]
    if TOWNS_CSV.is_file():  # the names and codes agree with the public division list
        with TOWNS_CSV.open(encoding="utf-8") as fh:
            real = {r["id"]: r["ext_name"] for r in csv.DictReader(fh) if r["pid"] == "370831"}
        assert real == dict(county.TOWNS)


def test_level_counts_and_dedicated_grids(con, built):
    levels = dict(rows(con, "SELECT level, count(*) FROM units GROUP BY level"))
    assert levels["county"] == 1 and levels["town"] == 13
    assert levels["community"] == 11
    assert 100 <= levels["community"] + levels["village"] <= 140
    assert 1200 <= levels["grid"] <= 1700
    dedicated = one(con, "SELECT count(*) FROM units WHERE level = 'grid' AND grid_type = 'dedicated'")
    assert 0 < dedicated < 0.15 * levels["grid"]
    assert one(con, "SELECT count(*) FROM units WHERE level = 'grid' AND grid_type IS NULL") == 0
    per_grid = rows(con, "SELECT min(n), max(n) FROM (SELECT parent_id, count(*) AS n FROM units "
                         "WHERE level = 'micro_grid' GROUP BY parent_id)")[0]
    assert per_grid[0] >= 3 and per_grid[1] <= 8
    assert one(con, "SELECT count(*) FROM units g WHERE level = 'grid' AND NOT EXISTS "
                    "(SELECT 1 FROM units m WHERE m.parent_id = g.unit_id)") == 0
    summary = built[1]
    assert (summary.towns, summary.grids, summary.micro_grids) == (13, levels["grid"], levels["micro_grid"])
    assert summary.communities_and_villages == levels["community"] + levels["village"]


def test_every_unit_hangs_under_the_right_parent(con):
    expected = {"town": "county", "community": "town", "village": "town", "grid": ("community", "village"),
                "micro_grid": "grid"}
    found = rows(con, "SELECT u.unit_id, u.level, p.level, p.unit_id FROM units u "
                      "LEFT JOIN units p ON p.unit_id = u.parent_id WHERE u.parent_id IS NOT NULL")
    for uid, level, parent_level, parent_id in found:
        assert parent_level is not None, f"{uid} has no parent"
        want = expected[level]
        assert parent_level in (want if isinstance(want, tuple) else (want,)), uid
        assert uid.startswith(parent_id) and len(uid) > len(parent_id), uid  # codes extend the parent's
    assert one(con, "SELECT count(DISTINCT name) = count(*) FROM units WHERE level = 'grid'")
    # communities only in the two streets, villages only in towns
    assert one(con, "SELECT count(*) FROM units WHERE level = 'community' "
                    "AND parent_id NOT IN ('370831001', '370831002')") == 0
    assert one(con, "SELECT count(*) FROM units WHERE level = 'village' "
                    "AND parent_id IN ('370831001', '370831002')") == 0


def test_households_and_population_add_up(con):
    assert one(con, "SELECT count(*) FROM units WHERE level = 'micro_grid' "
                    "AND households NOT BETWEEN 30 AND 100") == 0
    assert one(con, "SELECT count(*) FROM units WHERE level = 'grid' AND grid_type = 'general' "
                    "AND households NOT BETWEEN 300 AND 500") == 0
    mismatched = one(con, """
        SELECT count(*) FROM units p
        JOIN (SELECT parent_id, sum(households) AS hh, sum(population) AS pop FROM units GROUP BY parent_id) c
          ON c.parent_id = p.unit_id
        WHERE p.households <> c.hh OR p.population <> c.pop""")
    assert mismatched == 0
    per_household = one(con, "SELECT population / households FROM units WHERE level = 'county'")
    assert 2.5 <= per_household <= 2.9


def test_boundaries_are_geojson_and_towns_lie_inside_the_outline(con):
    found = rows(con, "SELECT level, boundary, lon, lat FROM units WHERE level <> 'micro_grid'")
    assert all(b is not None for _, b, _, _ in found)
    geoms = {}
    for level, text, lon, lat in found:
        geom = shapely.from_geojson(text)
        assert geom.geom_type in ("Polygon", "MultiPolygon") and geom.area > 0
        assert json.loads(text)["type"] == geom.geom_type
        geoms.setdefault(level, []).append((geom, lon, lat))
    assert one(con, "SELECT count(*) FROM units WHERE lon IS NULL OR lat IS NULL") == 0
    county = geoms["county"][0][0]
    lon0, lat0, lon1, lat1 = county.bounds
    assert 117.0 < lon0 < lon1 < 117.7 and 35.4 < lat0 < lat1 < 35.9
    for geom, lon, lat in geoms["town"]:
        assert geom.buffer(1e-4).contains(shapely.Point(lon, lat))
    if OUTLINE.is_file():  # the real outline: every town centre lies inside it
        outline = shapely.from_geojson(json.dumps(json.loads(OUTLINE.read_text(encoding="utf-8"))["features"][0]["geometry"]))
        for _, lon, lat in geoms["town"]:
            assert outline.contains(shapely.Point(lon, lat))
        streets = one(con, "SELECT max(abs(lon - 117.273) + abs(lat - 35.652)) FROM units "
                           "WHERE unit_id IN ('370831001', '370831002')")
        assert streets < 0.08  # the two 街道 sit around the county seat


def test_fallback_outline_is_a_county_sized_shape():
    shape = geo.load_outline(None)
    assert not shape.real and shape.geom.is_valid
    assert 800 < shape.geom.area < 1600  # km²; 泗水 is about 1,100 km²
    assert geo.load_outline(Path("/no/such/outline.geojson")).source == "built-in shape"


def test_partition_tiles_the_parent():
    parent = geo.fallback_outline()
    cells = geo.partition(parent, 12, np.random.default_rng(1))
    assert len(cells) == 12
    assert abs(sum(c.area for c in cells) - parent.area) < 1e-6 * parent.area
    assert shapely.union_all(cells).symmetric_difference(parent).area < 1e-6 * parent.area


# --- cases ---------------------------------------------------------------------------------------


def test_cases_obey_the_contract(con):
    assert one(con, "SELECT count(*) FROM cases") == CASES
    bad = {
        "after as_of": "greatest(reported_at, dispatched_at, responded_at, closed_at, callback_at) > $as_of",
        "closed iff closed_at": "(status = 'closed') <> (closed_at IS NOT NULL)",
        "in_progress": "status = 'in_progress' AND (responded_at IS NULL OR closed_at IS NOT NULL)",
        "open": "status = 'open' AND responded_at IS NOT NULL",
        "dispatched before reported": "dispatched_at < reported_at",
        "responded before dispatched": "responded_at < dispatched_at OR (responded_at IS NOT NULL AND dispatched_at IS NULL)",
        "closed before responded": "closed_at < responded_at OR (closed_at IS NOT NULL AND responded_at IS NULL)",
        "callback before closed": "callback_at < closed_at",
        "closed before reported": "closed_at < reported_at",
        "due": "due_at IS NULL OR due_at <= reported_at",
        "satisfaction without callback": "(satisfaction IS NULL) <> (callback_at IS NULL)",
        "callback before close": "callback_at IS NOT NULL AND closed_at IS NULL",
        "handled level": "(handled_level IS NOT NULL) <> (closed_at IS NOT NULL)",
        "department": "(department IS NOT NULL) <> (dispatched_at IS NOT NULL)",
        "phone": "(reporter_phone IS NOT NULL) <> (source IN ('hotline', 'app')) "
                 "OR NOT coalesce(regexp_full_match(reporter_phone, '1[35789][0-9]{9}'), TRUE)",
        "location": "lon NOT BETWEEN 117.0 AND 117.7 OR lat NOT BETWEEN 35.4 AND 35.9",
        "title": "title NOT LIKE '【' || category || '】%'",
    }
    for what, cond in bad.items():
        sql = f"SELECT count(*) FROM cases WHERE {cond}"
        assert one(con, sql, {"as_of": AS_OF} if "$as_of" in cond else None) == 0, what
    assert one(con, "SELECT count(*) FROM cases c JOIN units u USING (unit_id) "
                    "WHERE u.level NOT IN ('grid', 'micro_grid')") == 0
    assert one(con, "SELECT count(*) FROM cases WHERE unit_id NOT IN (SELECT unit_id FROM units)") == 0
    assert one(con, "SELECT min(reported_at) FROM cases") >= AS_OF - dt.timedelta(days=731)


def test_case_mix_is_realistic(con):
    sources = dict(rows(con, "SELECT source, count(*) FROM cases GROUP BY ALL"))
    assert set(sources) == {"grid_patrol", "hotline", "app", "sensor", "other"}
    assert one(con, "SELECT count(DISTINCT category) FROM cases") >= 8
    assert one(con, "SELECT count(DISTINCT department) FROM cases") >= 10
    rates = rows(con, """
        SELECT avg(CAST(status = 'cancelled' AS INTEGER)), avg(CAST(reopened AS INTEGER)),
               avg(CAST(supervised AS INTEGER)),
               count(*) FILTER (WHERE satisfaction IN ('satisfied', 'basic')) / count(satisfaction)
        FROM cases""")[0]
    cancelled, reopened, supervised, satisfied = rates
    assert 0.005 < cancelled < 0.03 and 0.01 < reopened < 0.05 and 0.005 < supervised < 0.05
    assert 0.90 < satisfied < 0.99
    daytime = one(con, "SELECT avg(CAST(hour(reported_at) BETWEEN 8 AND 17 AS INTEGER)) FROM cases")
    weekend = one(con, "SELECT avg(CAST(isodow(reported_at) >= 6 AS INTEGER)) FROM cases")
    assert daytime > 0.6 and weekend < 2 / 7


def test_today_has_cases_up_to_as_of_and_a_backlog(con):
    params = {"as_of": AS_OF}
    assert one(con, "SELECT count(*) FROM cases WHERE reported_at > $as_of - INTERVAL 1 HOUR", params) >= 3
    assert one(con, "SELECT count(*) FROM cases WHERE reported_at >= CAST($as_of AS DATE)", params) >= 3
    open_recent = one(con, "SELECT count(*) FROM cases WHERE reported_at > $as_of - INTERVAL 2 HOUR "
                           "AND status IN ('open', 'in_progress')", params)
    assert open_recent >= 1
    overdue = one(con, "SELECT count(*) FROM cases WHERE status IN ('open', 'in_progress') AND due_at < $as_of", params)
    assert overdue >= 3
    assert one(con, "SELECT count(*) FROM cases WHERE status IN ('open', 'in_progress') AND supervised") >= 1


def test_cases_are_stored_in_time_order(con, other_seed):
    back = "SELECT count(*) FROM (SELECT reported_at < lag(reported_at) OVER (ORDER BY rowid) AS back FROM cases) WHERE back"
    assert one(con, back) == 0
    # with several row groups the insert runs on two threads, and the order must survive that
    # too (a hash join in the generator put the second half first from about 400,000 rows on)
    c = store.connect(other_seed[0], read_only=True)
    try:
        assert one(c, "SELECT count(*) FROM cases") == BIG_CASES
        assert one(c, back) == 0
    finally:
        c.close()


def test_metric_engine_reads_sensible_numbers(con):
    end = AS_OF.replace(hour=0, minute=0) + dt.timedelta(days=1)
    k = engine.kpis(con, start=end - dt.timedelta(days=365), end=end, as_of=AS_OF)
    assert 0.9 < k["closure_rate"] <= 1 and 0.85 < k["on_time_rate"] < 1
    assert 0.9 < k["satisfaction_rate"] < 1 and 5 < k["median_response_min"] < 120
    towns = engine.breakdown(con, "town", start=end - dt.timedelta(days=365), end=end, as_of=AS_OF)
    assert len(towns) == 13


# --- determinism and the file ----------------------------------------------------------------------


def test_same_seed_gives_identical_data(con, tmp_path):
    again = tmp_path / "again.duckdb"
    county.build_file(again, cases=CASES, seed=SEED, as_of=AS_OF, outline=OUTLINE)
    c2 = store.connect(again, read_only=True)
    try:
        assert fingerprint(c2) == fingerprint(con)
    finally:
        c2.close()


def test_different_seed_gives_different_data_through_the_cli(con, other_seed):
    path, code, printed = other_seed
    assert code == 0 and "400,000 cases" in printed and "13 towns" in printed
    c2 = store.connect(path, read_only=True)
    try:
        # units, volunteers and economy do not depend on the case count: only the seed moves them
        a, b = fingerprint(con, cases=False), fingerprint(c2, cases=False)
        assert all(a[t] != b[t] for t in a)
        first = "SELECT category, unit_id FROM cases ORDER BY reported_at LIMIT 20"
        assert rows(con, first) != rows(c2, first)
        assert one(c2, "SELECT count(*) FROM units WHERE level = 'town'") == 13
    finally:
        c2.close()
    assert not path.with_name(path.name + ".tmp").exists()
    # an existing file needs --force
    assert cli.main(["demo", "--db", str(path), "--cases", "10"]) == 2


def test_schema_is_the_contract_schema(con, tmp_path):
    fresh = store.connect(tmp_path / "fresh.duckdb", create=True)
    try:
        def ddl(c):
            return (rows(c, "SELECT table_name, sql FROM duckdb_tables() ORDER BY table_name"),
                    rows(c, "SELECT table_name, constraint_type, constraint_text FROM duckdb_constraints() "
                            "ORDER BY ALL"),
                    rows(c, "SELECT table_name, index_name, sql FROM duckdb_indexes() ORDER BY ALL"))
        assert ddl(con) == ddl(fresh)
    finally:
        fresh.close()


def test_meta_and_closure(con):
    assert store.data_version(con) >= 1
    n_units = one(con, "SELECT count(*) FROM units")
    assert one(con, "SELECT count(*) FROM unit_closure WHERE ancestor_id = '370831'") == n_units


def test_build_refuses_a_database_with_data(built):
    c = store.connect(built[0], read_only=True)  # the check comes before any write
    try:
        with pytest.raises(ValueError, match="not empty"):
            county.build(c, cases=10, seed=1, as_of=AS_OF, outline=None)
    finally:
        c.close()


# --- volunteers and collective economy -------------------------------------------------------------


def test_volunteers_and_services(con):
    n, party, population = rows(con, "SELECT count(*), avg(CAST(is_party_member AS INTEGER)), "
                                     "(SELECT population FROM units WHERE level = 'county') FROM volunteers")[0]
    assert 0.03 <= n / population <= 0.05
    assert 0.25 <= party <= 0.35
    assert one(con, "SELECT count(*) FROM volunteers v JOIN units u USING (unit_id) WHERE u.level <> 'grid'") == 0
    assert one(con, "SELECT count(*) FROM volunteers WHERE registered_on > CAST($as_of AS DATE)", {"as_of": AS_OF}) == 0
    few = one(con, """SELECT count(*) FROM units u LEFT JOIN (SELECT unit_id, count(*) AS n FROM volunteers GROUP BY 1) v
                      USING (unit_id) WHERE u.level = 'grid' AND coalesce(v.n, 0) < 0.01 * u.population""")
    assert few > 0  # some grids have hardly any volunteers
    bad = one(con, """
        SELECT count(*) FROM volunteer_services s JOIN volunteers v USING (volunteer_id)
        WHERE s.hours NOT BETWEEN 0.5 AND 8 OR s.points <> round(s.hours * 10)
           OR s.started_at + to_microseconds(CAST(s.hours * 3600e6 AS BIGINT)) > $as_of
           OR CAST(s.started_at AS DATE) < v.registered_on
           OR s.unit_id NOT IN (SELECT unit_id FROM units WHERE level = 'grid')""", {"as_of": AS_OF})
    assert bad == 0
    assert one(con, "SELECT count(DISTINCT activity_type) FROM volunteer_services") == 6


def test_collective_economy_lifts_weak_villages(con):
    years = [AS_OF.year - 2, AS_OF.year - 1, AS_OF.year]
    assert one(con, "SELECT count(*) FROM collective_economy e JOIN units u USING (unit_id) "
                    "WHERE u.level <> 'village'") == 0
    per_village = rows(con, "SELECT u.unit_id, count(e.year), list(e.year ORDER BY e.year) FROM units u "
                            "LEFT JOIN collective_economy e USING (unit_id) WHERE u.level = 'village' GROUP BY 1")
    assert all(n == 3 and ys == years for _, n, ys in per_village)
    weak = [r[1] for r in rows(con, "SELECT year, count(*) FILTER (WHERE operating_income < 50000) "
                                    "FROM collective_economy GROUP BY year ORDER BY year")]
    assert weak[0] > weak[1] > weak[2] > 0 or weak[0] > weak[1] > weak[2] == 0
    assert 0.1 < weak[0] / len(per_village) < 0.3
    assert one(con, "SELECT count(*) FROM collective_economy WHERE total_income < operating_income "
                    "OR party_led_cooperatives > cooperatives OR dividends < 0 OR cooperatives < 1") == 0
