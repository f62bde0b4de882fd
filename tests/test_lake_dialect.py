"""The portability guard: every named query the KPI engine and the grid index run translates to
Spark SQL with no DuckDB-only construct outside gridboard.lake.dialect's named fragments.

No Spark here (sqlglot only): a new scope, dimension or catalogue column that Spark would read
differently fails this test before it reaches the lake.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlglot
from sqlglot import exp

from gridboard.core import schema
from gridboard.db import queries
from gridboard.lake import dialect
from gridboard.lake.errors import DialectError
from gridboard.metrics import engine
from gridboard.ranking import gridindex

WINDOW = {"start": dt.datetime(2026, 1, 1), "end": dt.datetime(2026, 2, 1), "as_of": dt.datetime(2026, 2, 3, 8, 30)}
PARAMS = {**WINDOW, "unit": "C", "parent": "P", "levels": ["grid"], "ids": ["G1", "G2"]}
SCOPES = sorted(p.stem for p in queries.SQL_DIR.glob("scope_*.sql"))


def _lake_queries() -> dict[str, str]:
    """Every named query the lake runs: kpis per dimension, kpis and grid_index over every scope
    file (monthly or not), and the unit look-ups."""
    out: dict[str, str] = {}
    for by in (None, *schema.DIMENSIONS):
        scope, group, _ = engine.scope_and_group(by)
        out[f"kpis by {by}"] = engine.kpi_sql(scope, group)
    for name in SCOPES:
        out[f"kpis over {name}"] = engine.kpi_sql(queries.body(name), "s.grp_unit")
        for monthly in (False, True):
            out[f"grid_index over {name} monthly={monthly}"] = gridindex.index_sql(queries.body(name), monthly)
    for name in ("unit_exists", "root_unit", "units_meta", "unit_names"):
        out[name] = queries.text(name)
    return out


LAKE_QUERIES = _lake_queries()


@pytest.mark.parametrize("name", sorted(LAKE_QUERIES))
def test_every_lake_query_is_portable(name: str) -> None:
    sql = LAKE_QUERIES[name]
    assert dialect.problems(sql) == ()
    text, args = dialect.to_spark(sql, queries.bind(sql, PARAMS))
    tree = sqlglot.parse_one(text, read="spark")  # what Spark receives parses as Spark SQL
    assert "$" not in text
    names = {f.name.lower() for f in tree.find_all(exp.Anonymous)} | {type(f).__name__ for f in tree.find_all(exp.Func)}
    # No DuckDB-only spelling and none of the lossy translations survive.
    for banned in ("epoch", "quantile_cont", "list_contains", "PercentileCont", "TimeToUnix", "UnixToTime"):
        assert banned not in names, f"{name}: {banned} reached Spark"
    assert "UNIX_TIMESTAMP" not in text.upper()
    for key, value in args.items():
        assert not isinstance(value, dt.datetime), f"{key} must be bound as text"


def test_the_fragments_in_the_kpi_query() -> None:
    scope, group, extra = engine.scope_and_group("town")
    sql = engine.kpi_sql(scope, group)
    text, args = dialect.to_spark(sql, queries.bind(sql, {**PARAMS, **extra}))
    # epoch: exact microseconds as a double
    assert "CAST(UNIX_MICROS(CAST(k.responded_at AS TIMESTAMP)) AS DOUBLE) / 1e6" in text
    # quantile_cont: the sorted values and DuckDB's interpolation, one per duration metric, with its FILTER
    assert text.count("ARRAY_SORT(COLLECT_LIST(") == 3 and "PERCENTILE" not in text.upper()
    assert "COLLECT_LIST((CAST(UNIX_MICROS(CAST(k.responded_at AS TIMESTAMP)) AS DOUBLE) / 1e6" in text
    assert "(CAST(1 AS DOUBLE) - (((SIZE(a) - 1) * CAST(0.5 AS DOUBLE)) - FLOOR(" in text
    # timestamps: ISO text cast to TIMESTAMP_NTZ; lists: an array parameter
    assert "CAST(:as_of AS TIMESTAMP_NTZ)" in text and "ARRAY_CONTAINS(:levels, a.level)" in text
    assert args["as_of"] == "2026-02-03 08:30:00" and args["levels"] == ["town"]
    assert args["unit"] == "C"


@pytest.mark.parametrize("sql, why", [
    ("SELECT date_diff('minute', reported_at, closed_at) FROM cases", "counts boundaries"),
    ("SELECT list_cosine_similarity(a, b) FROM t", "does not know"),
    ("SELECT my_udf(case_id) FROM cases", "does not know"),
    ("SELECT approx_quantile(x, 0.5) FROM t", "approximate"),
    ("SELECT quantile(x, 0.5) FROM t", "quantile"),
    ("SELECT list_contains(tags, 'a') FROM t", "over a column"),
    ("SELECT * FROM cases WHERE case_id = ?", "positional"),
    ("SELECT * FROM cases WHERE case_id = $1", "positional"),
    ("SELECT FROM WHERE", "parse"),
])
def test_duckdb_only_constructs_are_refused(sql: str, why: str) -> None:
    found = dialect.problems(sql)
    assert found and why in " ".join(found)
    with pytest.raises(DialectError, match=why):
        dialect.to_spark(sql, {})


def test_every_fragment_is_named_and_explained() -> None:
    assert set(dialect.FRAGMENTS) == {"epoch", "quantile_cont", "timestamp parameter", "date parameter",
                                      "list parameter"}
    assert all(len(text) > 40 for text in dialect.FRAGMENTS.values())
