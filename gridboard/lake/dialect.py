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
interpolates linearly between the two closest ranks, but as lo + (hi - lo) * d, so a median can
differ from DuckDB's in the last bit (11.85 against 11.850000000000001 on the demo county);
Spark's `percentile_approx` and Trino's `approx_percentile` are approximate (a sketch with an
error bound), so on Trino an exact quantile needs yet another fragment — not done here. The
fragment below sorts the values (collect_list, so a group's values must fit one executor, as for
`percentile`) and interpolates with DuckDB's own formula lo * (1 - d) + hi * d: medians (d = 0 or
1/2, exact products) come out equal to the last bit. Other quantiles may still differ in the last
bit: DuckDB's x86-64 build contracts that formula into a fused multiply-add (one rounding), the
JVM rounds twice.
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
        "quantile_cont(x, q) [FILTER (WHERE p)] → the sorted collect_list(x) [FILTER (WHERE p)] and "
        "DuckDB's interpolation lo * (1 - d) + hi * d, RN = (n - 1) * q, d = RN - floor(RN): medians equal "
        "to the last bit (Spark's exact `percentile` computes lo + (hi - lo) * d, which differs in the "
        "last bit; percentile_approx and Trino's approx_percentile are approximate)"
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
_SPARK_FUNCTIONS = frozenset({"unix_micros"})
# Constructs sqlglot would translate but whose meaning differs between the engines.
_NOT_PORTABLE: dict[type[exp.Expr], str] = {
    exp.DateDiff: "date_diff/datediff counts boundaries differently per engine: use epoch differences",
    exp.ApproxQuantile: "approximate quantiles differ per engine: use quantile_cont",
    exp.PercentileDisc: "quantile_disc has no fragment yet",
    exp.Quantile: "quantile() has no fragment: use quantile_cont",
}


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


def _epoch(node: exp.TimeToUnix) -> exp.Expr:
    micros = exp.Anonymous(this="unix_micros", expressions=[exp.cast(node.this.copy(), "TIMESTAMP")])
    return exp.Div(this=exp.cast(micros, "DOUBLE"), expression=exp.Literal.number("1e6"))


# DuckDB's quantile_cont on doubles, as its source writes it: RN = (n - 1) * q, d = RN - floor(RN),
# lo * (1 - d) + hi * d between the values at ranks floor(RN) and ceil(RN) of the sorted values.
_RN = "((size(a) - 1) * {q})"
_QUANTILE = (
    "element_at(transform(array(array_sort({values})), a -> CASE WHEN size(a) = 0 THEN NULL ELSE "
    "a[CAST(floor(RN) AS INT)] * (CAST(1 AS DOUBLE) - (RN - floor(RN))) + a[CAST(ceil(RN) AS INT)] * (RN - floor(RN)) "
    "END), 1)"
)


def _quantile(value: exp.Expr, q: exp.Expr, where: exp.Expr | None) -> exp.Expr:
    values: exp.Expr = exp.Anonymous(this="collect_list", expressions=[value.copy()])
    if where is not None:
        values = exp.Filter(this=values, expression=where.copy())
    rn = _RN.format(q=exp.cast(q.copy(), "DOUBLE").sql("spark"))
    return sqlglot.parse_one(_QUANTILE.replace("RN", rn).format(values=values.sql("spark")), read="spark")


def _percentile(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.Filter) and isinstance(node.this, exp.PercentileCont):
        return _quantile(node.this.this, node.this.expression, node.expression)
    if isinstance(node, exp.PercentileCont) and node.expression is not None:
        return _quantile(node.this, node.expression, None)
    return node


def _epochs(node: exp.Expr) -> exp.Expr:
    return _epoch(node) if isinstance(node, exp.TimeToUnix) else node


def _parameters(typed: dict[str, str]) -> Any:
    def apply(node: exp.Expr) -> exp.Expr:
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
