"""Opening and creating the DuckDB database: schema, schema version, data version, unit closure.

One process holds the file read-write (the Streamlit server); threads take `cursor()`s of that
one connection. The CLI opens files the server does not hold and says clearly when it does.
`GRIDBOARD_DB_THREADS` (a whole number ≥ 1, optional) caps DuckDB's threads for every database the
process opens, e.g. on a machine shared with other services (DuckDB's default is one per core).
The derived table `unit_closure` (ancestor, descendant, depth) makes "a unit and everything
below it" a plain equi-join, so metric SQL stays standard and fast on 10 M cases.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from gridboard.core import schema
from gridboard.db import queries


class StoreError(Exception):
    """A database problem worth a one-line message (missing file, locked by another process)."""


META_DDL = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
CLOSURE_DDL = (
    "CREATE TABLE IF NOT EXISTS unit_closure ("
    "ancestor_id TEXT NOT NULL, descendant_id TEXT NOT NULL, depth INTEGER NOT NULL, "
    "PRIMARY KEY (ancestor_id, descendant_id))"
)
INGEST_SEQ_DDL = "CREATE SEQUENCE IF NOT EXISTS ingest_log_id START 1"
THREADS_ENV = "GRIDBOARD_DB_THREADS"


def threads_cap() -> int | None:
    """The thread cap GRIDBOARD_DB_THREADS asks for (None: unset or empty, DuckDB's default)."""
    raw = os.environ.get(THREADS_ENV, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise StoreError(f"{THREADS_ENV} must be a whole number of at least 1, not {raw!r}")
    return int(raw)


def connect(path: str | Path, *, create: bool = False, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database file; create the schema when `create` (and the file may be new).

    Raises StoreError with a one-line reason when the file is missing or held by another process.
    """
    path = Path(path)
    threads = threads_cap()  # a bad value stops before the file is touched
    if not create and not path.exists():
        raise StoreError(f"database not found: {path}")
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        msg = str(exc)
        if "lock" in msg.lower():
            raise StoreError(
                f"database {path} is held by another process (is the dashboard running on it?); "
                "stop it or work on a copy"
            ) from None
        raise StoreError(f"cannot open database {path}: {msg.splitlines()[0]}") from None
    except duckdb.Error as exc:
        raise StoreError(f"cannot open database {path}: {str(exc).splitlines()[0]}") from None
    try:  # a truncated or damaged file often opens and fails at its first read
        if threads:  # the instance's setting (one per file and process): every cursor and connection
            queries.run(con, queries.text("set_threads"), {"threads": threads})
        if create:
            ensure_schema(con)
        else:
            check_schema(con)
        if not read_only:
            migrate(con)
    except duckdb.Error as exc:
        con.close()
        raise StoreError(f"cannot read database {path}: {str(exc).strip().splitlines()[0]}") from None
    return con


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every contract table (idempotent) and record the schema version."""
    con.execute(META_DDL)
    for table in schema.ALL_TABLES.values():
        con.execute(schema.create_table_sql(table))
    con.execute(CLOSURE_DDL)
    con.execute(INGEST_SEQ_DDL)
    for ddl in schema.import_tables_sql():
        con.execute(ddl)
    from gridboard.db import aggregates  # aggregates builds on this module's meta helpers

    aggregates.create_tables(con)
    con.execute(
        "INSERT INTO meta VALUES ('schema_version', $v) ON CONFLICT (key) DO NOTHING",
        {"v": str(schema.SCHEMA_VERSION)},
    )
    con.execute("INSERT INTO meta VALUES ('data_version', '0') ON CONFLICT (key) DO NOTHING")


def check_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Fail with StoreError when the file is not a gridboard database of a known version."""
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except duckdb.CatalogException:
        raise StoreError("not a gridboard database (no meta table)") from None
    if row is None:
        raise StoreError("not a gridboard database (no schema version)")
    version = int(row[0])
    if version > schema.SCHEMA_VERSION:
        raise StoreError(f"database schema version {version} is newer than this gridboard ({schema.SCHEMA_VERSION})")


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Bring an older database up to SCHEMA_VERSION in one transaction (version 2: the case
    aggregates of gridboard/db/aggregates.py, built from the cases already there; version 3: the
    import's history flags and undo copies, created empty by ensure_schema)."""
    version = int(get_meta(con, "schema_version", "0") or 0)
    if version >= schema.SCHEMA_VERSION:
        return
    from gridboard.db import aggregates

    con.begin()
    try:
        ensure_schema(con)
        if version < 2:
            aggregates.build_and_mark(con)
        set_meta(con, "schema_version", str(schema.SCHEMA_VERSION))
        con.commit()
    except Exception:
        con.rollback()
        raise


def get_meta(con: duckdb.DuckDBPyConnection, key: str, default: str | None = None) -> str | None:
    row = con.execute("SELECT value FROM meta WHERE key = $k", {"k": key}).fetchone()
    return row[0] if row else default


def set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute(
        "INSERT INTO meta VALUES ($k, $v) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        {"k": key, "v": value},
    )


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    """Counter bumped by every change of data: page caches key on it."""
    return int(get_meta(con, "data_version", "0") or 0)


def bump_data_version(con: duckdb.DuckDBPyConnection) -> int:
    """Increment the data version (call inside the transaction that changed the data)."""
    con.execute(
        "UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'data_version'"
    )
    return data_version(con)


def rebuild_unit_closure(con: duckdb.DuckDBPyConnection) -> int:
    """Recompute unit_closure from units (call after any change to units). Returns its row count."""
    con.execute("DELETE FROM unit_closure")
    con.execute(
        """
        INSERT INTO unit_closure
        WITH RECURSIVE walk(ancestor_id, descendant_id, depth) AS (
            SELECT unit_id, unit_id, 0 FROM units
            UNION ALL
            SELECT w.ancestor_id, u.unit_id, w.depth + 1
            FROM walk w JOIN units u ON u.parent_id = w.descendant_id
            WHERE w.depth < 12
        )
        SELECT ancestor_id, descendant_id, min(depth) FROM walk GROUP BY ALL
        """
    )
    return con.execute("SELECT count(*) FROM unit_closure").fetchone()[0]


def database_file(con: duckdb.DuckDBPyConnection) -> str:
    """The file of the connection's database (what the process's kept answers are keyed on)."""
    return str(con.execute("SELECT file FROM pragma_database_list WHERE name = current_database()").fetchall()[0][0])


def root_unit(con: duckdb.DuckDBPyConnection | queries.Runner) -> str:
    """The county root (the one unit without a parent), on DuckDB or a queries.Runner."""
    found = queries.rows(con, queries.text("root_unit"), {})
    if not found:
        raise StoreError("the database has no units (no county root)")
    return str(found[0]["unit_id"])
