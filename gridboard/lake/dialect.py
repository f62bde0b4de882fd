"""DuckDB-dialect named queries as Spark SQL: sqlglot transpiling plus a small, named set of fragments.

The metric SQL is written once, for DuckDB (gridboard/db/sql/*.sql with the catalogue's columns).
sqlglot (read="duckdb", write="spark") translates most of it as it stands: CTEs, `count(*) FILTER`,
NULLIF, CAST, date_trunc, `ORDER BY … NULLS LAST` (DuckDB's default), `$name` → `:name`.
Where a plain translation would change a number, one of FRAGMENTS below is applied to the syntax
tree first; `problems()` lists every construct that is neither translated faithfully nor covered
by a fragment, and `to_spark()` refuses such a query (tests/test_lake_dialect.py runs it over every
named query the KPI engine and the grid index use).

What each engine gives for the percentiles (DESIGN.md: median = mean of the two middle values,
P90 by linear interpolation, like DuckDB's quantile_cont): Spark's `percentile(x, q)` is exact and
interpolates linearly between the two closest ranks, as DuckDB does; Spark's `percentile_approx` and
Trino's `approx_percentile` are approximate (a sketch with an error bound), so on Trino an exact
quantile needs a different fragment (row_number() over the sorted values) — not done here.
Medians come out equal to the last bit (mean of two middle values: one rounding on both engines).
Other quantiles may differ in the last bit of the double: DuckDB's x86-64 build interpolates
as fma(lo, 1 - d, hi * d) (one rounding), the JVM as (1 - d) * lo + d * hi (two roundings);
measured here on the demo county: P90s equal to within 2e-16 relative.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, SqlglotError

from gridboard.lake.errors import DialectError

# The named fragments: DuckDB construct → Spark SQL, and why sqlglot's own translation is not used.
FRAGMENTS: dict[str, str] = {
    "epoch": (
        "epoch(t) → CAST(unix_micros(CAST(t AS TIMESTAMP)) AS DOUBLE) / 1e6 with the session time zone "
        "UTC: exact microseconds as a double, the same arithmetic as DuckDB (sqlglot's UNIX_TIMESTAMP "
        "keeps whole seconds, and DuckDB's date_diff counts boundaries)"
    ),
    "quantile_cont": (
        "quantile_cont(x, q) → percentile(x, q): exact, linear interpolation between ranks floor(RN) "
        "and ceil(RN), RN = (n - 1) * q, like DuckDB (sqlglot's PERCENTILE_CONT(x, q) is not Spark syntax; "
        "percentile_approx and Trino's approx_percentile are approximate)"
    ),
    "timestamp parameter": (
        "$t bound with a datetime → CAST(:t AS TIMESTAMP_NTZ) bound with its ISO text: naive local "
        "time compared with naive columns (a Python datetime would become a TIMESTAMP in the driver's zone)"
    ),
    "date parameter": "$d bound with a date → CAST(:d AS DATE) bound with its ISO text",
    "list parameter": (
        "list_contains($xs, v) → array_contains(:xs, v), :xs bound as an array literal (named "
        "parameter markers, Spark ≥ 3.4); an empty list binds as a typed empty array"
    ),
}

# Functions the fragments produce, and functions sqlglot leaves as they are that mean the same on Spark.
_SPARK_FUNCTIONS = frozenset({"unix_micros", "percentile"})
# Constructs sqlglot would translate but whose meaning differs between the engines.
_NOT_PORTABLE: dict[type[exp.Expression], str] = {
    exp.DateDiff: "date_diff/datediff counts boundaries differently per engine: use epoch differences",
    exp.ApproxQuantile: "approximate quantiles differ per engine: use quantile_cont",
    exp.PercentileDisc: "quantile_disc has no fragment yet",
    exp.Quantile: "quantile() has no fragment: use quantile_cont",
}


def _placeholders(tree: exp.Expression) -> list[exp.Placeholder]:
    return list(tree.find_all(exp.Placeholder))


@functools.lru_cache(maxsize=256)
def problems(sql: str) -> tuple[str, ...]:
    """What in this DuckDB-dialect query has no faithful Spark translation (empty: it runs as is)."""
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except SqlglotError as exc:
        return (f"does not parse as DuckDB SQL: {str(exc).splitlines()[0]}",)
    found: list[str] = []
    for node in tree.walk():
        if isinstance(node, exp.Anonymous) and node.name.lower() not in _SPARK_FUNCTIONS:
            found.append(f"{node.name}(): a function sqlglot does not know (DuckDB-only?)")
        elif isinstance(node, exp.ArrayContains) and not isinstance(node.this, exp.Placeholder):
            found.append(f"{node.sql('duckdb')}: list_contains over a column, not a list parameter")
        elif type(node) in _NOT_PORTABLE:
            found.append(f"{node.sql('duckdb')}: {_NOT_PORTABLE[type(node)]}")
        elif isinstance(node, exp.Parameter) or (
            isinstance(node, exp.Placeholder) and (not node.name or node.name[0].isdigit() or node.name == "?")
        ):
            found.append(f"{node.sql('duckdb')}: positional parameter (use $name)")
    if not found:
        try:
            _transpile(sql, ())
        except (SqlglotError, DialectError) as exc:
            found.append(f"no Spark translation: {str(exc).splitlines()[0]}")
    return tuple(found)


def _epoch(node: exp.TimeToUnix) -> exp.Expression:
    micros = exp.Anonymous(this="unix_micros", expressions=[exp.cast(node.this.copy(), "TIMESTAMP")])
    return exp.Div(this=exp.cast(micros, "DOUBLE"), expression=exp.Literal.number("1e6"))


def _percentile(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.PercentileCont) and node.expression is not None:
        return exp.Anonymous(this="percentile", expressions=[node.this.copy(), node.expression.copy()])
    return node


def _epochs(node: exp.Expression) -> exp.Expression:
    return _epoch(node) if isinstance(node, exp.TimeToUnix) else node


def _parameters(typed: dict[str, str]) -> Any:
    def apply(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder) and node.name in typed:
            return exp.cast(exp.Placeholder(this=node.name), typed[node.name])
        return node

    return apply


@functools.lru_cache(maxsize=256)
def _transpile(sql: str, typed: tuple[tuple[str, str], ...]) -> str:
    tree = sqlglot.parse_one(sql, read="duckdb")
    for node in tree.walk():
        if type(node) in _NOT_PORTABLE:
            raise DialectError(f"{node.sql('duckdb')}: {_NOT_PORTABLE[type(node)]}")
    # One pass per fragment: a replaced node's children are not visited again within a pass.
    tree = tree.transform(_epochs).transform(_percentile).transform(_parameters(dict(typed)))
    return tree.sql(dialect="spark", unsupported_level=ErrorLevel.RAISE, comments=False)


def _typed(value: Any) -> str | None:
    if isinstance(value, dt.datetime):
        return "TIMESTAMP_NTZ"
    if isinstance(value, dt.date):
        return "DATE"
    return None


def _bound(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def to_spark(sql: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(Spark SQL text, named arguments for `spark.sql(text, args=…)`) of a DuckDB-dialect query.

    Raises DialectError when the query uses a construct listed by `problems()`.
    """
    found = problems(sql)
    if found:
        raise DialectError("; ".join(found))
    typed = tuple(sorted((k, t) for k, v in params.items() if (t := _typed(v)) is not None))
    return _transpile(sql, typed), {k: _bound(v) for k, v in params.items()}
