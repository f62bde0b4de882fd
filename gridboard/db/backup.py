"""Backups of the database and restoring them, for the command line (`python -m gridboard
backup --db PATH --to DIR`, `python -m gridboard restore --db NEW --from DIR`).

A backup is DuckDB's EXPORT DATABASE (schema.sql, load.sql, one Parquet file per table) of a
file no other process holds, opened read-only so it is one consistent snapshot, plus
`gridboard-backup.json` with the row count of every table and the schema and data versions. A
restore refuses an existing target, imports into `NEW.partial`, checks every table's row count
against the manifest and only then renames the file to NEW: a restore that fails or is killed
leaves no half-filled database under the name the dashboard would open. The command definitions
(COMMANDS) are registered by gridboard.cli.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from gridboard.db import store

MANIFEST = "gridboard-backup.json"
_SCHEMA_VERSION = "SELECT value FROM meta WHERE key = 'schema_version'"
_TABLES = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_type = 'BASE TABLE'"


class BackupError(store.StoreError):
    """A backup or restore that cannot be done, in one line (English, for the CLI)."""


def _quote_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    tables = sorted(r[0] for r in con.execute(_TABLES).fetchall())
    return {t: int(_one(con, f'SELECT count(*) FROM "{t}"')) for t in tables}  # names from the catalog


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    row = con.execute(sql).fetchone()
    return None if row is None else row[0]


def backup(db: str | Path, to: str | Path) -> dict[str, Any]:
    """Write a consistent backup of `db` into the new or empty directory `to`; returns the manifest."""
    db, to = Path(db), Path(to)
    if to.exists() and (not to.is_dir() or any(to.iterdir())):
        raise BackupError(f"backup folder {to} exists and is not empty: choose a new folder")
    con = store.connect(db, read_only=True)
    try:
        counts = _counts(con)
        manifest = {
            "database": str(db.resolve()), "made_at": dt.datetime.now().isoformat(timespec="seconds"),
            "duckdb": duckdb.__version__, "schema_version": _one(con, _SCHEMA_VERSION),
            "data_version": store.data_version(con), "rows": counts,
        }
        to.mkdir(parents=True, exist_ok=True)
        con.execute(f"EXPORT DATABASE {_quote_path(to)} (FORMAT parquet)")  # path quoted: not a value slot
    except duckdb.Error as exc:
        raise BackupError(f"backup of {db} failed: {str(exc).splitlines()[0]}") from None
    finally:
        con.close()
    (to / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest


def restore(db: str | Path, source: str | Path) -> dict[str, Any]:
    """Restore the backup in `source` into the new database file `db`; returns the manifest."""
    db, source = Path(db), Path(source)
    manifest_path = source / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"{source} is not a gridboard backup (no {MANIFEST})")
    if db.exists() or db.with_name(db.name + ".wal").exists():
        raise BackupError(f"{db} exists: restore into a new file (the dashboard then opens that one)")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        expected = {str(k): int(v) for k, v in manifest["rows"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BackupError(f"{manifest_path} cannot be read: {exc}") from None
    partial = db.with_name(db.name + ".partial")
    for stale in (partial, partial.with_name(partial.name + ".wal")):
        stale.unlink(missing_ok=True)
    db.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(partial))
        try:
            con.execute(f"IMPORT DATABASE {_quote_path(source)}")
            got = _counts(con)
            con.execute("CHECKPOINT")
        finally:
            con.close()
    except duckdb.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"restore from {source} failed: {str(exc).splitlines()[0]}") from None
    if got != expected:
        partial.unlink(missing_ok=True)
        diff = {t: (expected.get(t), got.get(t)) for t in set(expected) | set(got) if expected.get(t) != got.get(t)}
        raise BackupError(f"restore from {source} does not match its manifest (expected, got): {diff}")
    os.replace(partial, db)
    store.connect(db).close()  # a gridboard database of a known schema version, or StoreError
    return manifest


# --- command line (registered in gridboard.cli) ----------------------------------------------------


def _backup_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", type=Path, required=True, help="database file to back up (not held by a running server)")
    p.add_argument("--to", type=Path, required=True, help="new or empty folder for the backup")


def _restore_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", type=Path, required=True, help="new database file to create")
    p.add_argument("--from", dest="source", type=Path, required=True, help="backup folder (made by `backup`)")


def cmd_backup(args: argparse.Namespace) -> int:
    m = backup(args.db, args.to)
    total = sum(m["rows"].values())
    print(f"backed up {args.db} to {args.to}: {len(m['rows'])} tables, {total:,} rows, data version {m['data_version']}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    m = restore(args.db, args.source)
    total = sum(m["rows"].values())
    print(f"restored {args.source} into {args.db}: {len(m['rows'])} tables, {total:,} rows (checked)")
    return 0


COMMANDS: list[tuple[str, str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]] = [
    ("backup", "write a consistent backup of a database file to a folder (EXPORT DATABASE)", _backup_parser, cmd_backup),
    ("restore", "restore a backup folder into a new database file, checking every table's rows", _restore_parser,
     cmd_restore),
]
