"""The staging area of one upload, in DuckDB temp tables, and the SQL that needs the whole file.

Owns: the staging table (typed rows of the file with their row numbers), the problems table,
the checks across rows and against the database (unit references resolved by id or name,
unknown units rejected or planned as new grids, rows without a location sent to 未划分,
unknown parents and volunteers, duplicate keys), the comparison with the stored rows
(new / updated / unchanged) and the upsert. Temp tables live in the connection that made
them, never in the database file, so preparing an upload changes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from gridboard.core import schema
from gridboard.ingest import checks, messages, newunits
from gridboard.ingest.checks import ERROR, WARNING, Plan

UNASSIGNED_NAME = "未划分"


@dataclass(frozen=True)
class NewUnit:
    unit_id: str
    parent_id: str | None
    level: str
    name: str
    lon: float | None = None
    lat: float | None = None


def new_grid_id(parent_id: str, name: str) -> str:
    """Stable id of a grid created from a location name (the same name gives the same id)."""
    import hashlib

    return f"{parent_id}-{hashlib.md5(name.strip().lower().encode('utf-8')).hexdigest()[:8]}"


def unassigned_id(parent_id: str) -> str:
    return f"{parent_id}-UNASSIGNED"


class Stage:
    """Temp tables of one upload on one cursor (create → append chunks → finish → diff → upsert)."""

    def __init__(self, cur: duckdb.DuckDBPyConnection, plan: Plan) -> None:
        self.cur = cur
        self.plan = plan
        self.table = plan.table
        tag = uuid.uuid4().hex[:12]
        self.stage, self.probs, self.meta = f"_stage_{tag}", f"_problems_{tag}", f"_codes_{tag}"
        self.present = plan.present()
        self.new_units: list[NewUnit] = []
        cols = ", ".join(f"{c.name} {c.sql_type}" for c in self.table.columns)
        cur.execute(f"CREATE TEMP TABLE {self.stage} ({cols}, _row BIGINT, _unit_ref TEXT, "
                    "_reject BOOLEAN, _drop BOOLEAN DEFAULT false)")
        cur.execute(f"CREATE TEMP TABLE {self.probs} (row BIGINT, col TEXT, value TEXT, code TEXT, detail TEXT, "
                    "detail_en TEXT)")
        codes = pd.DataFrame([(k, sev, text) for k, (sev, text) in checks.PROBLEMS.items()],
                             columns=["code", "severity", "text"])
        cols_zh = pd.DataFrame([(c.name, c.zh) for c in self.table.columns], columns=["col", "zh"])
        cur.register("_codes_df", codes)
        cur.register("_cols_df", cols_zh)
        cur.execute(f"CREATE TEMP TABLE {self.meta} AS SELECT * FROM _codes_df")
        cur.execute(f"CREATE TEMP TABLE {self.meta}_cols AS SELECT * FROM _cols_df")
        cur.unregister("_codes_df")
        cur.unregister("_cols_df")

    def drop(self) -> None:
        for name in (self.stage, self.probs, self.meta, f"{self.meta}_cols"):
            self.cur.execute(f"DROP TABLE IF EXISTS {name}")

    # --- loading chunks ----------------------------------------------------------------------

    def append(self, typed: pd.DataFrame, problems: pd.DataFrame) -> None:
        casts = ", ".join(f"CAST({c.name} AS {c.sql_type})" for c in self.table.columns)
        self.cur.register("_chunk_df", typed)
        self.cur.execute(f"INSERT INTO {self.stage} SELECT {casts}, _row, "
                         f"{'_unit_ref' if '_unit_ref' in typed else 'NULL'}, _reject, false FROM _chunk_df")
        self.cur.unregister("_chunk_df")
        if len(problems):
            self.cur.register("_probs_df", problems)
            self.cur.execute(f"INSERT INTO {self.probs} SELECT row, col, value, code, detail, detail_en FROM _probs_df")
            self.cur.unregister("_probs_df")

    # --- whole-file checks -------------------------------------------------------------------

    def _flag(self, code: str, where: str, col: str, value_sql: str, detail_sql: str = "NULL",
              params: dict[str, Any] | None = None, detail_en_sql: str | None = None) -> None:
        """Record a problem for the staged rows matching `where`; reject them if it is an error.
        `detail_sql` words the detail in Chinese, `detail_en_sql` in English (default: the same)."""
        severity = checks.PROBLEMS[code][0]
        self.cur.execute(
            f"INSERT INTO {self.probs} SELECT _row, '{col}', {value_sql}, '{code}', {detail_sql}, "
            f"{detail_en_sql or detail_sql} "
            f"FROM {self.stage} s WHERE {where}", params or {})
        flag = "_reject" if severity == ERROR else None
        if flag:
            self.cur.execute(f"UPDATE {self.stage} AS s SET _reject = true WHERE {where}", params or {})

    def finish(self, parent: str | None, add_unknown: bool, parent_unit: NewUnit | None = None) -> None:
        """Cross-row and database checks; plans new units. `parent`: where new grids and 未划分 go."""
        if parent_unit is not None:
            self.new_units.append(parent_unit)
        if self.plan.unit_ref:
            self._resolve_units(parent, add_unknown)
        if self.table.name == "units":
            self._flag("unknown_parent",
                       f"NOT s._reject AND s.parent_id IS NOT NULL AND s.parent_id NOT IN (SELECT unit_id FROM units) "
                       f"AND s.parent_id NOT IN (SELECT unit_id FROM {self.stage} WHERE NOT _reject)",
                       "parent_id", "s.parent_id")
        if self.table.name == "volunteer_services":
            self._flag("unknown_volunteer",
                       "NOT s._reject AND s.volunteer_id NOT IN (SELECT volunteer_id FROM volunteers)",
                       "volunteer_id", "s.volunteer_id")
        self._duplicates()

    def _resolve_units(self, parent: str | None, add_unknown: bool) -> None:
        cur, st = self.cur, self.stage
        scope = ""
        params: dict[str, Any] = {}
        if parent is not None and cur.execute("SELECT 1 FROM units WHERE unit_id = $p", {"p": parent}).fetchone():
            scope = "AND u.unit_id IN (SELECT descendant_id FROM unit_closure WHERE ancestor_id = $p)"
            params["p"] = parent
        umap = f"{st}_umap"
        cur.execute(f"""
            CREATE OR REPLACE TEMP TABLE {umap} AS
            WITH refs AS (SELECT _unit_ref AS ref, bool_or(NOT _reject) AS used FROM {st}
                          WHERE _unit_ref IS NOT NULL GROUP BY _unit_ref),
            by_id AS (SELECT r.ref, u.unit_id FROM refs r JOIN units u ON u.unit_id = r.ref),
            by_name AS (
                SELECT r.ref, min(u.unit_id) AS unit_id, count(*) AS n
                FROM refs r JOIN units u ON lower(trim(u.name)) = lower(r.ref) {scope}
                GROUP BY r.ref
            )
            SELECT r.ref, r.used,
                   coalesce(i.unit_id, CASE WHEN n.n = 1 THEN n.unit_id END) AS unit_id,
                   CASE WHEN i.unit_id IS NOT NULL THEN 'id' WHEN n.n = 1 THEN 'name'
                        WHEN n.n > 1 THEN 'ambiguous' ELSE 'unknown' END AS how
            FROM refs r LEFT JOIN by_id i USING (ref) LEFT JOIN by_name n USING (ref)
        """, params)
        self._flag("ambiguous_unit", f"s._unit_ref IN (SELECT ref FROM {umap} WHERE how = 'ambiguous')",
                   "unit_id", "s._unit_ref")
        # Unknown names become grids only when some otherwise good row uses them.
        unknown = cur.execute(f"SELECT ref FROM {umap} WHERE how = 'unknown' AND used ORDER BY ref").fetchall()
        if unknown and add_unknown and parent is not None:
            self._plan_new_units(umap, parent, [ref for (ref,) in unknown])
        self._flag("unknown_unit", f"s._unit_ref IN (SELECT ref FROM {umap} WHERE how = 'unknown')",
                   "unit_id", "s._unit_ref")
        cur.execute(f"UPDATE {st} AS s SET unit_id = m.unit_id FROM {umap} m "
                    "WHERE s._unit_ref = m.ref AND m.unit_id IS NOT NULL")
        cur.execute(f"DROP TABLE {umap}")
        if self.table.name == "cases":
            self._unassigned(parent)

    def _plan_new_units(self, umap: str, parent: str, unknown: list[str]) -> None:
        """One grid per distinct name (case-insensitively: the id comes from the lower-case name)
        when its name and place fit the county (gridboard.ingest.newunits); rows of the others
        are rejected with the reason."""
        cur, st = self.cur, self.stage
        fit = newunits.Fit.of(cur)
        where = {}
        if "lon" in self.present and "lat" in self.present:
            where = {r[0]: (r[1], r[2]) for r in cur.execute(
                f"SELECT _unit_ref, median(lon), median(lat) FROM {st} WHERE NOT _reject AND _unit_ref IS NOT NULL "
                "AND lon IS NOT NULL AND lat IS NOT NULL GROUP BY _unit_ref").fetchall()}
        seen: dict[str, NewUnit] = {}
        rows, bad = [], []
        for ref in unknown:
            lon, lat = where.get(ref, (None, None))
            name_problem = fit.name_problem(ref)
            place_problem = None if name_problem else fit.place_problem(lon, lat)
            if name_problem or place_problem:
                problem = name_problem or place_problem
                bad.append((ref, "new_unit_name" if name_problem else "new_unit_outside", str(problem),
                            messages.en_text(problem)))
                continue
            unit = NewUnit(new_grid_id(parent, ref), parent, "grid", ref, lon, lat)
            seen.setdefault(unit.unit_id, unit)
            rows.append((ref, unit.unit_id))
        self.new_units.extend(seen.values())
        if rows:
            cur.register("_newref_df", pd.DataFrame(rows, columns=["ref", "unit_id"]))
            cur.execute(f"UPDATE {umap} AS m SET unit_id = n.unit_id, how = 'new' FROM _newref_df n WHERE m.ref = n.ref")
            cur.unregister("_newref_df")
        if bad:
            cur.register("_badref_df", pd.DataFrame(bad, columns=["ref", "code", "detail", "detail_en"]))
            cur.execute(f"CREATE OR REPLACE TEMP TABLE {umap}_bad AS SELECT * FROM _badref_df")
            cur.unregister("_badref_df")
            for code in ("new_unit_name", "new_unit_outside"):
                self._flag(code, f"s._unit_ref IN (SELECT ref FROM {umap}_bad WHERE code = '{code}')", "unit_id",
                           "s._unit_ref", f"(SELECT b.detail FROM {umap}_bad b WHERE b.ref = s._unit_ref)",
                           detail_en_sql=f"(SELECT b.detail_en FROM {umap}_bad b WHERE b.ref = s._unit_ref)")
            cur.execute(f"UPDATE {umap} SET how = 'refused' WHERE ref IN (SELECT ref FROM {umap}_bad)")
            cur.execute(f"DROP TABLE {umap}_bad")

    def history_where(self) -> str:
        """Staged rows that are history: still open and reported before $cutoff."""
        return ("NOT s._reject AND NOT s._drop AND s.closed_at IS NULL AND s.status IN ('open', 'in_progress') "
                "AND s.reported_at < $cutoff")

    def flag_history(self, cutoff: object, days: int) -> None:
        """Warn about the rows that would be imported as history (open for more than `days` days)."""
        self._flag("history_case", self.history_where(), "reported_at", "CAST(s.reported_at AS TEXT)",
                   f"'超过 {int(days)} 天仍未办结'", {"cutoff": cutoff},
                   f"'open for more than {int(days)} days'")

    def count_history(self, cutoff: object) -> int:
        return self.cur.execute(f"SELECT count(*) FROM {self.stage} s WHERE {self.history_where()}",
                                {"cutoff": cutoff}).fetchone()[0]

    def insert_history(self, cutoff: object, log_id: int) -> int:
        """Flag the history rows of this batch (cases flagged before keep their first batch)."""
        return self.cur.execute(
            f"INSERT INTO {schema.HISTORY_CASES} (case_id, log_id) SELECT DISTINCT s.case_id, $id FROM {self.stage} s "
            f"WHERE {self.history_where()} ON CONFLICT (case_id) DO NOTHING", {"cutoff": cutoff, "id": log_id}
        ).fetchone()[0]

    def _unassigned(self, parent: str | None) -> None:
        cur, st = self.cur, self.stage
        n = cur.execute(f"SELECT count(*) FROM {st} WHERE _unit_ref IS NULL AND NOT _reject").fetchone()[0]
        if n == 0:
            return
        if parent is None:
            self._flag("no_parent_for_unassigned", "s._unit_ref IS NULL AND NOT s._reject", "unit_id", "NULL")
            return
        row = cur.execute("SELECT unit_id FROM units WHERE parent_id = $p AND name = $n ORDER BY unit_id LIMIT 1",
                          {"p": parent, "n": UNASSIGNED_NAME}).fetchone()
        uid = row[0] if row else unassigned_id(parent)
        if row is None and not cur.execute("SELECT 1 FROM units WHERE unit_id = $u", {"u": uid}).fetchone():
            self.new_units.append(NewUnit(uid, parent, "grid", UNASSIGNED_NAME))
        self._flag("unassigned", "s._unit_ref IS NULL AND NOT s._reject", "unit_id", "NULL")
        cur.execute(f"UPDATE {st} SET unit_id = $u WHERE _unit_ref IS NULL AND NOT _reject", {"u": uid})

    def _duplicates(self) -> None:
        cur, st = self.cur, self.stage
        pk = ", ".join(self.table.primary_key)
        not_null = " AND ".join(f"{k} IS NOT NULL" for k in self.table.primary_key)
        g = f"{st}_dups"
        cur.execute(f"CREATE OR REPLACE TEMP TABLE {g} AS SELECT {pk} FROM {st} "
                    f"WHERE NOT _reject AND {not_null} GROUP BY {pk} HAVING count(*) > 1")
        if cur.execute(f"SELECT count(*) FROM {g}").fetchone()[0] == 0:
            cur.execute(f"DROP TABLE {g}")
            return
        content = ", ".join(self.present)
        cur.execute(f"""
            CREATE OR REPLACE TEMP TABLE {g} AS
            SELECT {pk}, count(DISTINCT hash({content})) AS variants, max(_row) AS keep,
                   string_agg(CAST(_row AS TEXT), '、' ORDER BY _row) AS rows
            FROM {st} SEMI JOIN {g} USING ({pk}) WHERE NOT _reject
            GROUP BY {pk}
        """)
        on = " AND ".join(f"g.{k} = s.{k}" for k in self.table.primary_key)
        key_text = " || '/' || ".join(f"CAST(s.{k} AS TEXT)" for k in self.table.primary_key)
        self._flag("dup_conflict", f"NOT s._reject AND EXISTS (SELECT 1 FROM {g} g WHERE {on} AND g.variants > 1)",
                   self.table.primary_key[0], key_text,
                   f"(SELECT '第 ' || g.rows || ' 行' FROM {g} g WHERE {on})",
                   detail_en_sql=f"(SELECT 'rows ' || replace(g.rows, '、', ', ') FROM {g} g WHERE {on})")
        where = f"NOT s._reject AND EXISTS (SELECT 1 FROM {g} g WHERE {on} AND g.variants = 1 AND g.keep <> s._row)"
        cur.execute(f"INSERT INTO {self.probs} SELECT _row, '{self.table.primary_key[0]}', {key_text}, 'dup_merged', "
                    f"(SELECT '保留第 ' || g.keep || ' 行' FROM {g} g WHERE {on}), "
                    f"(SELECT 'row ' || g.keep || ' kept' FROM {g} g WHERE {on}) FROM {st} s WHERE {where}")
        cur.execute(f"UPDATE {st} AS s SET _drop = true WHERE {where}")
        cur.execute(f"DROP TABLE {g}")

    # --- counts and views ----------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        row = self.cur.execute(f"""
            SELECT count(*), count(*) FILTER (WHERE _reject), count(*) FILTER (WHERE _drop AND NOT _reject)
            FROM {self.stage}""").fetchone()
        warned = self.cur.execute(f"""
            SELECT count(DISTINCT p.row) FROM {self.probs} p JOIN {self.meta} c USING (code)
            JOIN {self.stage} s ON s._row = p.row
            WHERE c.severity = '{WARNING}' AND NOT s._reject AND NOT s._drop""").fetchone()[0]
        unassigned = self.cur.execute(f"""
            SELECT count(*) FROM {self.probs} p JOIN {self.stage} s ON s._row = p.row
            WHERE p.code = 'unassigned' AND NOT s._reject AND NOT s._drop""").fetchone()[0]
        return {"rows_read": row[0], "rows_rejected": row[1], "rows_merged": row[2],
                "rows_warned": warned, "rows_unassigned": unassigned}

    def diff_sql(self, with_changes: bool = False) -> str:
        t, pk = self.table.name, self.table.primary_key
        nonpk = [c for c in self.present if c not in pk]
        changed = " OR ".join(f"s.{c} IS DISTINCT FROM t.{c}" for c in nonpk) or "false"
        on = " AND ".join(f"t.{k} = s.{k}" for k in pk)
        extra = ""
        if with_changes:
            parts = ", ".join(f"CASE WHEN t.{pk[0]} IS NOT NULL AND s.{c} IS DISTINCT FROM t.{c} "
                              f"THEN '{self.table.column(c).zh}' END" for c in nonpk)
            extra = f", concat_ws('、', {parts}) AS changed" if parts else ", '' AS changed"
        return (f"SELECT s._row, CASE WHEN t.{pk[0]} IS NULL THEN 'new' WHEN {changed} THEN 'updated' "
                f"ELSE 'unchanged' END AS kind{extra} "
                f"FROM {self.stage} s LEFT JOIN {t} t ON {on} WHERE NOT s._reject AND NOT s._drop")

    def diff_counts(self) -> dict[str, int]:
        found = dict(self.cur.execute(f"SELECT kind, count(*) FROM ({self.diff_sql()}) GROUP BY kind").fetchall())
        return {k: int(found.get(k, 0)) for k in ("new", "updated", "unchanged")}

    def preview(self, kind: str, limit: int) -> pd.DataFrame:
        cols = ", ".join(f"s.{c}" for c in self.present)
        return self.cur.execute(
            f"SELECT s._row, {cols}, d.changed FROM {self.stage} s JOIN ({self.diff_sql(True)}) d USING (_row) "
            f"WHERE d.kind = $k ORDER BY s._row LIMIT $n", {"k": kind, "n": limit}).df()

    def problems(self, limit: int | None, severity: str | None = None) -> pd.DataFrame:
        where = "WHERE c.severity = $sev" if severity else ""
        params: dict[str, Any] = {"sev": severity} if severity else {}
        lim = f"LIMIT {int(limit)}" if limit is not None else ""
        return self.cur.execute(f"""
            SELECT p.row, p.col, z.zh, p.value, c.text, p.detail, p.detail_en, c.severity, p.code
            FROM {self.probs} p JOIN {self.meta} c USING (code) LEFT JOIN {self.meta}_cols z USING (col)
            {where} ORDER BY p.row, p.col {lim}""", params).df()

    def problem_summary(self) -> pd.DataFrame:
        return self.cur.execute(f"""
            SELECT p.col, z.zh, p.code, c.text, c.severity, count(DISTINCT p.row) AS rows, min(p.row) AS first_row
            FROM {self.probs} p JOIN {self.meta} c USING (code) LEFT JOIN {self.meta}_cols z USING (col)
            GROUP BY ALL ORDER BY c.severity, rows DESC, p.col""").df()

    def reasons(self, first: int, last: int) -> pd.DataFrame:
        """Row → reason text ("字段：问题；…") for the rejected rows in [first, last]."""
        return self.cur.execute(f"""
            SELECT p.row, string_agg(coalesce(z.zh, p.col) || '：' || c.text ||
                   coalesce('（' || p.detail || '）', ''), '；' ORDER BY p.col) AS reason
            FROM {self.probs} p JOIN {self.meta} c USING (code) LEFT JOIN {self.meta}_cols z USING (col)
            JOIN {self.stage} s ON s._row = p.row
            WHERE c.severity = '{ERROR}' AND s._reject AND p.row BETWEEN $a AND $b
            GROUP BY p.row ORDER BY p.row""", {"a": first, "b": last}).df()

    def rejected_range(self) -> tuple[int, int] | None:
        row = self.cur.execute(f"SELECT min(_row), max(_row) FROM {self.stage} WHERE _reject").fetchone()
        return None if row[0] is None else (int(row[0]), int(row[1]))

    # --- writing (the caller holds the transaction) --------------------------------------------

    def insert_new_units(self, log_id: int | None = None) -> int:
        """Insert the planned units not yet there in one statement of parallel lists unnested (one per
        unit took ~0.7 s for an export naming a few hundred neighbourhoods; a registered frame needs a
        cursor without pending results); their ids go into the undo copy of batch `log_id`."""
        first: dict[str, NewUnit] = {}  # a unit planned twice: its first plan, as ON CONFLICT kept it
        units = [first.setdefault(u.unit_id, u) for u in self.new_units if u.unit_id not in first]
        if not units:
            return 0
        added = [r[0] for r in self.cur.execute(
            "INSERT INTO units (unit_id, parent_id, level, name, grid_type, lon, lat) "
            "SELECT * FROM (SELECT unnest($i)::VARCHAR AS unit_id, unnest($p)::VARCHAR, unnest($l)::VARCHAR, "
            "unnest($n)::VARCHAR, unnest($g)::VARCHAR, unnest($x)::DOUBLE, unnest($y)::DOUBLE) "
            "WHERE unit_id NOT IN (SELECT unit_id FROM units) RETURNING unit_id",
            {"i": [u.unit_id for u in units], "p": [u.parent_id for u in units], "l": [u.level for u in units],
             "n": [u.name for u in units], "g": ["general" if u.level == "grid" else None for u in units],
             "x": [u.lon for u in units], "y": [u.lat for u in units]}).fetchall()]
        if added and log_id is not None:
            self.cur.execute(f"INSERT INTO {schema.UNDO_TABLES['units']} (_log_id, _kind, unit_id) "
                             "SELECT $id, 'inserted', unnest($u)", {"id": log_id, "u": added})
        return len(added)

    def upsert(self, log_id: int | None = None) -> dict[str, int]:
        """Insert new rows, update changed ones (plain INSERT for new keys is much faster than
        ON CONFLICT on a million rows); returns the counts it applied. With `log_id`, the keys of
        the new rows and the stored rows before their update go into the table's undo copy."""
        cur, t, pk = self.cur, self.table.name, self.table.primary_key
        d = f"{self.stage}_diff"
        cur.execute(f"CREATE OR REPLACE TEMP TABLE {d} AS {self.diff_sql()}")
        found = dict(cur.execute(f"SELECT kind, count(*) FROM {d} GROUP BY kind").fetchall())
        counts = {k: int(found.get(k, 0)) for k in ("new", "updated", "unchanged")}
        if log_id is not None:
            undo, keys = schema.UNDO_TABLES[t], ", ".join(pk)
            if counts["new"]:
                cur.execute(f"INSERT INTO {undo} (_log_id, _kind, {keys}) SELECT $id, 'inserted', "
                            f"{', '.join('s.' + k for k in pk)} FROM {self.stage} s JOIN {d} USING (_row) "
                            f"WHERE {d}.kind = 'new'", {"id": log_id})
            if counts["updated"]:
                cols = ", ".join(self.table.column_names)
                on = " AND ".join(f"t.{k} = s.{k}" for k in pk)
                cur.execute(f"INSERT INTO {undo} (_log_id, _kind, {cols}) SELECT $id, 'updated', "
                            f"{', '.join('t.' + c for c in self.table.column_names)} FROM {t} t "
                            f"JOIN (SELECT st.* FROM {self.stage} st JOIN {d} USING (_row) WHERE {d}.kind = 'updated') s "
                            f"ON {on}", {"id": log_id})
        cols = ", ".join(self.present)
        select = ", ".join("s." + c for c in self.present)
        if counts["new"]:
            cur.execute(f"INSERT INTO {t} ({cols}) SELECT {select} FROM {self.stage} s "
                        f"JOIN {d} USING (_row) WHERE {d}.kind = 'new' ORDER BY s._row")
        nonpk = [c for c in self.present if c not in pk]
        if counts["updated"] and nonpk:
            sets = ", ".join(f"{c} = s.{c}" for c in nonpk)
            on = " AND ".join(f"{t}.{k} = s.{k}" for k in pk)
            cur.execute(f"UPDATE {t} SET {sets} FROM (SELECT st.* FROM {self.stage} st JOIN {d} USING (_row) "
                        f"WHERE {d}.kind = 'updated') AS s WHERE {on}")
        cur.execute(f"DROP TABLE {d}")
        return counts


