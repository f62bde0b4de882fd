"""Helpers shared by the tests/test_ingest_*.py files: a small county and content hashes."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import duckdb

from gridboard.core import schema
from gridboard.db import store

CONTENT_TABLES = (*schema.ALL_TABLES, "meta", "unit_closure")


def content_hash(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """md5 of the ordered rows of every table: equal hashes mean equal content."""
    out = {}
    for t in CONTENT_TABLES:
        out[t] = con.execute(
            f"SELECT md5(coalesce(string_agg(CAST(x AS TEXT), chr(10) ORDER BY CAST(x AS TEXT)), '')) FROM {t} x"
        ).fetchone()[0]
    return out


_BUILT: list[Path] = []  # the county, built once per process (a schema costs ~0.4 s, a copy ~10 ms)


def small_county(path: Path) -> duckdb.DuckDBPyConnection:
    """County C1 → town T1 → grids G1 (网格一), G2 (网格二); volunteer V1; one case. A copy of
    the process's one built file at `path`, opened read-write."""
    if not _BUILT or not _BUILT[0].exists():
        folder = Path(tempfile.mkdtemp(prefix="gridboard-county-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _build_small_county(folder / "county.duckdb").close()
        _BUILT[:] = [folder / "county.duckdb"]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(_BUILT[0], path)
    return store.connect(path)


def _build_small_county(path: Path) -> duckdb.DuckDBPyConnection:
    con = store.connect(path, create=True)
    con.execute("""INSERT INTO units (unit_id, parent_id, level, name, grid_type) VALUES
        ('C1', NULL, 'county', '测试县', NULL), ('T1', 'C1', 'town', '城关镇', NULL),
        ('G1', 'T1', 'grid', '网格一', 'general'), ('G2', 'T1', 'grid', '网格二', 'general')""")
    con.execute("INSERT INTO volunteers (volunteer_id, unit_id, name) VALUES ('V1', 'G1', '张三')")
    con.execute("""INSERT INTO cases (case_id, unit_id, reported_at, status)
                   VALUES ('OLD1', 'G1', TIMESTAMP '2024-01-01 08:00:00', 'open')""")
    store.rebuild_unit_closure(con)
    return con


CASE_HEADER = "事件编号,所属网格,来源渠道,事件类型,上报时间,办结时间,办理时限,状态,满意度"


def case_csv(*rows: str, header: str = CASE_HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")
