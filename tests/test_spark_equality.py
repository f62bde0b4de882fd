"""Proof that the metric engine on Spark (over the Parquet export) gives DuckDB's numbers.

One SparkSession (local[1], UI off, no network, nothing downloaded) for the whole module; the demo
county (20 000 cases) and the hand-made small county (fractional-second times) are exported and
every figure compared: kpis and the breakdowns by town, grid and category for two periods (a year
that ends after as_of and a closed week; a month ending after as_of repeated the year's shape), a
unit's kpis, the grid index inputs and scores, and the CLI's JSON (same keys, same values). Counts and medians must be equal
to the last bit (the epoch and quantile fragments compute what DuckDB computes), rates to 1e-9,
P90 to 1e-15 relative (the last bit of the interpolation, see gridboard/lake/dialect.py).
Skip locally with `-m "not spark"`; .ci/run runs it (Java 17 from Debian).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
from pathlib import Path
from typing import Any

import pytest
from browser_support import small_database

from gridboard import cli
from gridboard.core import catalog
from gridboard.db import store
from gridboard.lake import export
from gridboard.metrics import engine
from gridboard.ranking import gridindex

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java 17 (openjdk-17-jre-headless)"),
]

AS_OF = dt.datetime(2026, 6, 30, 18, 0)
PERIODS = {
    "year": (dt.datetime(2025, 7, 1), dt.datetime(2026, 7, 1)),
    "week": (dt.datetime(2026, 6, 22), dt.datetime(2026, 6, 29)),
}
BREAKDOWNS = (None, "town", "grid", "category")


# The JVM's CPU is mostly its own start-up and class loading, not the queries (20,000 cases): the
# client compiler only (no C2 recompiles of code that runs a few times) and the serial collector
# (no parallel GC threads) take a large share of it; the numbers do not depend on either.
JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:CICompilerCount=1"


@pytest.fixture(scope="module")
def spark() -> Any:
    from gridboard.lake import spark as lake_spark

    with pytest.MonkeyPatch.context() as m:  # only the JVM started here sees it
        m.setenv("JAVA_TOOL_OPTIONS", JVM_OPTIONS)
        session = lake_spark.session("local[1]", shuffle_partitions=1, small=True)
    yield session
    session.stop()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, spark: Any) -> Any:
    """(DuckDB connection, SparkLake, export directory) of the demo county."""
    from gridboard.demo import county
    from gridboard.lake.spark import SparkLake

    base = tmp_path_factory.mktemp("lake")
    county.build_file(base / "demo.duckdb", cases=20_000, seed=7, as_of=AS_OF, outline=None)
    con = store.connect(base / "demo.duckdb", read_only=True)
    export.export_parquet(con, base / "parquet")
    yield con, SparkLake(spark, base / "parquet", cache=True), base
    con.close()


# Interpolated quantiles other than the median: DuckDB's x86-64 build rounds once (a fused
# multiply-add), the JVM twice, so the last bit may differ (gridboard/lake/dialect.py).
_LAST_BIT = {"p90_response_min"}


def assert_same(duck: dict[str, Any], lake: dict[str, Any], where: str) -> None:
    assert duck.keys() == lake.keys(), where
    for key, expected in duck.items():
        got = lake[key]
        if key in catalog.RATE_KEYS and expected is not None and got is not None:
            assert math.isclose(got, expected, rel_tol=0, abs_tol=1e-9), f"{where} {key}: {got} != {expected}"
        elif key in _LAST_BIT and expected is not None and got is not None:
            assert math.isclose(got, expected, rel_tol=1e-15, abs_tol=0), f"{where} {key}: {got} != {expected}"
        else:  # counts, names, medians: equal to the last bit
            assert got == expected, f"{where} {key}: {got!r} != {expected!r}"
            assert type(got) is type(expected), f"{where} {key}: {type(got)} != {type(expected)}"


@pytest.mark.parametrize("by", BREAKDOWNS, ids=lambda b: b or "kpis")
@pytest.mark.parametrize("period", PERIODS)
def test_kpis_and_breakdowns_equal(demo: Any, period: str, by: str | None) -> None:
    con, lake, _ = demo
    start, end = PERIODS[period]
    if by is None:
        duck = engine.kpis(con, start=start, end=end, as_of=AS_OF, detail=True)
        assert duck["received"] > 0 and duck["median_response_min"] is not None
        assert_same(duck, engine.kpis(lake, start=start, end=end, as_of=AS_OF, detail=True), period)
        return
    duck_rows = engine.breakdown(con, by, start=start, end=end, as_of=AS_OF, detail=True)
    lake_rows = engine.breakdown(lake, by, start=start, end=end, as_of=AS_OF, detail=True)
    assert len(duck_rows) > 1
    assert [r["group_id"] for r in lake_rows] == [r["group_id"] for r in duck_rows]
    for d, s in zip(duck_rows, lake_rows, strict=True):
        assert_same(d, s, f"{period} {by} {d['group_id']}")


def test_unit_kpis_equal_and_unknown_unit(demo: Any) -> None:
    con, lake, _ = demo
    start, end = PERIODS["year"]
    town = engine.breakdown(con, "town", start=start, end=end, as_of=AS_OF)[0]["group_id"]
    for by in (None, "child"):
        if by is None:
            assert_same(engine.kpis(con, start=start, end=end, as_of=AS_OF, unit=town),
                        engine.kpis(lake, start=start, end=end, as_of=AS_OF, unit=town), town)
        else:
            duck_rows = engine.breakdown(con, by, start=start, end=end, as_of=AS_OF, unit=town)
            lake_rows = engine.breakdown(lake, by, start=start, end=end, as_of=AS_OF, unit=town)
            assert len(lake_rows) == len(duck_rows) > 1
            for d, s in zip(duck_rows, lake_rows, strict=True):
                assert_same(d, s, f"child {d['group_id']}")
    with pytest.raises(engine.MetricError, match="unknown unit"):
        engine.kpis(lake, start=start, end=end, as_of=AS_OF, unit="NO-SUCH-UNIT")


def test_grid_index_equal(demo: Any) -> None:
    con, lake, _ = demo
    start, end = PERIODS["year"]
    duck = gridindex.inputs(con, "grid", start=start, end=end, as_of=AS_OF)
    spark_inputs = gridindex.inputs(lake, "grid", start=start, end=end, as_of=AS_OF)
    assert duck.rows == spark_inputs.rows and len(duck.rows) > 100
    assert duck.parents == spark_inputs.parents
    assert duck.meta == spark_inputs.meta
    settings = gridindex.IndexSettings(weights=dict.fromkeys(gridindex.COMPONENTS, 1.0))
    ranked = [u.as_dict() for u in gridindex.from_inputs(duck, settings)]
    assert ranked == [u.as_dict() for u in gridindex.from_inputs(spark_inputs, settings)]


def test_small_county_fractional_seconds_equal(tmp_path: Path, spark: Any) -> None:
    """Times with microseconds (the hand-made county): the epoch fragment keeps them, like DuckDB."""
    from gridboard.lake.spark import SparkLake

    db = small_database(tmp_path / "small.duckdb", AS_OF, cases=600, seed=3)
    con = store.connect(db, read_only=True)
    try:
        export.export_parquet(con, tmp_path / "parquet")
        lake = SparkLake(spark, tmp_path / "parquet")
        start, end = AS_OF - dt.timedelta(days=60), AS_OF
        micros = con.execute("SELECT count(*) FROM cases WHERE microsecond(responded_at) % 1000000 <> 0").fetchone()[0]
        assert micros > 100  # the durations really are fractional
        assert_same(engine.kpis(con, start=start, end=end, as_of=AS_OF),
                    engine.kpis(lake, start=start, end=end, as_of=AS_OF), "small")
        for d, s in zip(engine.breakdown(con, "grid", start=start, end=end, as_of=AS_OF),
                        engine.breakdown(lake, "grid", start=start, end=end, as_of=AS_OF), strict=True):
            assert_same(d, s, f"small grid {d['group_id']}")
    finally:
        con.close()


def test_cli_prints_the_same_json(demo: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """`kpis --engine spark --parquet DIR` prints what `kpis --db FILE` prints (same session reused):
    the same keys in the same order and the same values (a P90 up to its last bit)."""
    _, _, base = demo
    window = ["--from", "2026-06-01", "--to", "2026-07-01", "--as-of", "2026-06-30T18:00", "--json"]
    for extra in ([], ["--by", "town"]):
        assert cli.main(["kpis", "--db", str(base / "demo.duckdb"), *window, *extra]) == 0
        duck_out = capsys.readouterr().out
        assert cli.main(["kpis", "--engine", "spark", "--parquet", str(base / "parquet"), *window, *extra]) == 0
        spark_out = capsys.readouterr().out
        duck, spark = json.loads(duck_out), json.loads(spark_out)
        duck_rows, spark_rows = (duck, spark) if extra else ([duck], [spark])
        assert len(spark_rows) == len(duck_rows) >= 1
        for d, s in zip(duck_rows, spark_rows, strict=True):
            assert list(s) == list(d)
            assert_same(d, s, f"cli {extra}")
        without_p90 = [{k: v for k, v in r.items() if k != "p90_response_min"} for r in duck_rows]
        assert without_p90 == [{k: v for k, v in r.items() if k != "p90_response_min"} for r in spark_rows]
