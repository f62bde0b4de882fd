"""Undoing one import batch (issue #15): its inserted rows removed, its updated rows restored.

Owns `undo(con, log_id)` and `undoable(con)`. An import records, in the same transaction as its
load (gridboard.ingest.staging), the keys of the rows it inserted and the stored rows as they
were before it updated them, in the per-table undo copies of gridboard.core.schema
(ingest_undo_<table>), the units it created and the cases it flagged as history. Undo applies
that record in one transaction: the batch's new rows deleted, its updated rows written back, its
new units deleted (after its cases), its history flags dropped, the unit closure and the case
aggregates (gridboard.db.aggregates, the same calls a load makes) brought up to date, the data
version bumped and the log row marked "undone"; the undo copy of the batch is then dropped.

A batch can be undone only while nothing later depends on it: a later batch still in effect that
changed the same table must be undone first, and a unit the batch created must not be used by
rows of another batch. Then the database equals the state before the load (the import log keeps
the batch, marked undone). Messages are Chinese (the page shows them; the CLI prints them).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import duckdb

from gridboard.core import schema
from gridboard.db import aggregates, store
from gridboard.ingest.report import OUTCOME_ZH, IngestError

IN_EFFECT = ("loaded", "partial")
# Tables whose unit_id names a unit (checked before a batch's new units are deleted).
UNIT_USERS = ("cases", "volunteers", "volunteer_services", "collective_economy")


@dataclass
class Undone:
    """What an undo did."""

    log_id: int
    table: str
    deleted: int
    restored: int
    units_deleted: int
    history_cleared: int
    data_version: int

    def describe(self, lang: str = "zh") -> str:
        if lang == "en":
            return (f"undid import #{self.log_id} ({self.table}): {self.deleted} inserted rows deleted, "
                    f"{self.restored} updated rows restored, {self.units_deleted} new units deleted, "
                    f"{self.history_cleared} history flags cleared; data version {self.data_version}")
        t = schema.DATA_TABLES[self.table].zh if self.table in schema.DATA_TABLES else self.table
        return (f"已撤销导入 #{self.log_id}（{t}）：删除新增 {self.deleted} 行，恢复更新前的 {self.restored} 行"
                + (f"，删除新建单位 {self.units_deleted} 个" if self.units_deleted else "")
                + f"；数据版本 {self.data_version}")


def undoable(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Ids of the batches that can be undone now (in effect, nothing later on the same tables)."""
    rows = con.execute(f"SELECT id FROM ingest_log WHERE outcome IN {IN_EFFECT} ORDER BY id DESC").fetchall()
    return [int(r[0]) for r in rows if _blocker(con, int(r[0])) is None]


def _touched(con: duckdb.DuckDBPyConnection, log_id: int, table: str) -> set[str]:
    tables = {table}
    if con.execute(f"SELECT 1 FROM {schema.UNDO_TABLES['units']} WHERE _log_id = $id LIMIT 1",
                   {"id": log_id}).fetchone():
        tables.add("units")
    return tables


def _blocker(con: duckdb.DuckDBPyConnection, log_id: int) -> tuple[str, str] | None:
    """Why batch `log_id` cannot be undone now (Chinese, English), or None."""
    row = con.execute("SELECT table_name, outcome FROM ingest_log WHERE id = $id", {"id": log_id}).fetchone()
    if row is None:
        return f"导入记录 #{log_id} 不存在", f"there is no import #{log_id}"
    table, outcome = row
    if outcome == "undone":
        return f"导入记录 #{log_id} 已经撤销过了", f"import #{log_id} was undone already"
    if outcome not in IN_EFFECT:
        return (f"导入记录 #{log_id} 没有写入任何数据（结果：{OUTCOME_ZH.get(outcome, outcome)}），无需撤销",
                f"import #{log_id} wrote nothing (outcome: {outcome}): nothing to undo")
    mine = _touched(con, log_id, table)
    later = con.execute(f"SELECT id, table_name FROM ingest_log WHERE id > $id AND outcome IN {IN_EFFECT} "
                        "ORDER BY id", {"id": log_id}).fetchall()
    for other, other_table in later:
        if mine & _touched(con, int(other), other_table):
            return (f"之后的导入 #{other} 改动了同一张表，请先撤销 #{other}",
                    f"the later import #{other} changed the same table: undo #{other} first")
    return None


def undo(con: duckdb.DuckDBPyConnection, log_id: int) -> Undone:
    """Undo batch `log_id` in one transaction; IngestError (Chinese) when it cannot be undone."""
    cur = con.cursor()
    try:
        cur.begin()
        try:
            done = _undo(cur, int(log_id))
            cur.commit()
        except IngestError:
            cur.rollback()
            raise
        except duckdb.Error as exc:
            cur.rollback()
            first = str(exc).splitlines()[0]
            raise IngestError(f"撤销失败，数据库未作任何改变：{first}", f"undo failed, nothing changed: {first}") from None
        done.data_version = store.data_version(cur)
        return done
    finally:
        cur.close()


def _undo(cur: duckdb.DuckDBPyConnection, log_id: int) -> Undone:
    reason = _blocker(cur, log_id)
    if reason is not None:
        raise IngestError(*reason)
    table_name = cur.execute("SELECT table_name FROM ingest_log WHERE id = $id", {"id": log_id}).fetchone()[0]
    table = schema.DATA_TABLES[table_name]
    undo_t, p = schema.UNDO_TABLES[table_name], {"id": log_id}
    new_units = [r[0] for r in cur.execute(
        f"SELECT unit_id FROM {schema.UNDO_TABLES['units']} WHERE _log_id = $id AND _kind = 'inserted'", p).fetchall()]
    if table_name == "cases":
        keys = f"_undo_days_{uuid.uuid4().hex[:12]}"
        cur.execute(f"CREATE TEMP TABLE {keys} AS SELECT case_id, reported_at, unit_id FROM {undo_t} WHERE _log_id = $id", p)
        token = aggregates.before_write(cur, "cases", keys)
        cur.execute(f"DROP TABLE {keys}")
    else:
        token = aggregates.before_write(cur, table_name)
    pk = table.primary_key
    match = " AND ".join(f"{table_name}.{k} = u.{k}" for k in pk)
    deleted = cur.execute(f"DELETE FROM {table_name} USING (SELECT * FROM {undo_t} WHERE _log_id = $id "
                          f"AND _kind = 'inserted') AS u WHERE {match}", p).fetchone()[0]
    nonpk = [c for c in table.column_names if c not in pk]
    restored = 0
    if nonpk:
        sets = ", ".join(f"{c} = u.{c}" for c in nonpk)
        restored = cur.execute(f"UPDATE {table_name} SET {sets} FROM (SELECT * FROM {undo_t} WHERE _log_id = $id "
                               f"AND _kind = 'updated') AS u WHERE {match}", p).fetchone()[0]
    cleared = cur.execute(f"DELETE FROM {schema.HISTORY_CASES} WHERE log_id = $id", p).fetchone()[0]
    units_deleted = 0
    if new_units:
        for user_table in (*UNIT_USERS, "units"):
            col = "parent_id" if user_table == "units" else "unit_id"
            used = cur.execute(f"SELECT count(*) FROM {user_table} WHERE list_contains($u, {col})"
                               + (" AND NOT list_contains($u, unit_id)" if user_table == "units" else ""),
                               {"u": new_units}).fetchone()[0]
            if used:
                raise IngestError(f"这批导入新建的单位已被其他数据使用（{schema.DATA_TABLES[user_table].zh} {used} 行），"
                                  "不能撤销", f"units this import created are used by {used} rows of {user_table}: "
                                  "it cannot be undone")
        if table_name != "units":
            units_deleted = cur.execute("DELETE FROM units WHERE list_contains($u, unit_id)",
                                        {"u": new_units}).fetchone()[0]
    units_changed = table_name == "units" or units_deleted > 0
    if units_changed:
        store.rebuild_unit_closure(cur)
    store.bump_data_version(cur)
    aggregates.after_write(cur, token, units_changed=units_changed)
    cur.execute("UPDATE ingest_log SET outcome = 'undone' WHERE id = $id", p)
    for t in schema.UNDO_TABLES.values():
        cur.execute(f"DELETE FROM {t} WHERE _log_id = $id", p)
    return Undone(log_id, table_name, int(deleted), int(restored), int(units_deleted), int(cleared), 0)
