"""The named-query registry: loads gridboard/sql/*.sql by name and binds parameters.

A query's name is its file name; the first comment line says what it returns. Some queries
take identifier fragments ({scope}, {group}); those are picked here from fixed texts (other
named files or schema identifiers), never from user input. Values are always bound.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import duckdb
import pandas as pd

SQL_DIR = Path(__file__).resolve().parent / "sql"
_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


@functools.cache
def text(name: str) -> str:
    """The SQL of a named query (the file gridboard/sql/NAME.sql)."""
    path = SQL_DIR / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"no named query {name!r}")
    return path.read_text(encoding="utf-8")


def names() -> list[str]:
    return sorted(p.stem for p in SQL_DIR.glob("*.sql"))


def body(name: str) -> str:
    """The query without its leading comment lines (for use as a fragment)."""
    lines = [ln for ln in text(name).splitlines() if not ln.lstrip().startswith("--")]
    return "\n".join(lines).strip().rstrip(";")


def _strip_comments(sql: str) -> str:
    return "\n".join(ln.split("--", 1)[0] for ln in sql.splitlines())


def fragment(name: str, **fragments: str) -> str:
    """A named query's body (comments dropped) with its fragments filled, for use inside another."""
    sql = body(name)
    for key, value in fragments.items():
        token = "{" + key + "}"
        if token not in sql:
            raise KeyError(f"query {name!r} has no fragment {token}")
        sql = sql.replace(token, value)
    return sql


def bind(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """Only the parameters the SQL mentions: DuckDB rejects unused named parameters."""
    wanted = set(_PARAM.findall(_strip_comments(sql)))
    missing = wanted - params.keys()
    if missing:
        raise KeyError(f"missing query parameters: {sorted(missing)}")
    return {k: params[k] for k in wanted}


@runtime_checkable
class Runner(Protocol):
    """Another engine running the same named queries (DuckDB-dialect text, `$name` values), e.g.
    gridboard.lake's Spark runner over a Parquet export: `rows` returns one dict per result row."""

    def rows(self, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]: ...


def run(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> duckdb.DuckDBPyConnection:
    return con.execute(sql, bind(sql, params))


def rows(con: duckdb.DuckDBPyConnection | Runner, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Result rows as dicts, on DuckDB or on a Runner (the one function both engines go through)."""
    if not isinstance(con, duckdb.DuckDBPyConnection):
        return con.rows(sql, bind(sql, params))
    cur = run(con, sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    return run(con, sql, params).df()


def named(name: str, **fragments: str) -> str:
    """Named query text with its identifier fragments filled in."""
    sql = _strip_comments(text(name))
    for key, fragment in fragments.items():
        token = "{" + key + "}"
        if token not in sql:
            raise KeyError(f"query {name!r} has no fragment {token}")
        sql = sql.replace(token, fragment)
    return sql
