"""The Parquet export (no Spark): layout, contents, incremental rewrites by month, CLI errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from browser_support import small_database

from gridboard import cli
from gridboard.core import schema
from gridboard.db import store
from gridboard.lake import export
from gridboard.lake.errors import ExportError

AS_OF = dt.datetime(2026, 3, 15, 12, 0)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return small_database(tmp_path / "small.duckdb", AS_OF, cases=300, seed=5)


def _months(con) -> dict[str, int]:
    rows = con.execute("SELECT strftime(reported_at, '%Y-%m'), count(*) FROM cases GROUP BY 1").fetchall()
    return dict(rows)


def _mtimes(directory: Path) -> dict[str, int]:
    return {p.parent.name: p.stat().st_mtime_ns for p in (directory / "cases").glob("month=*/part-0.parquet")}


def test_export_layout_and_contents(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "lake"
    con = store.connect(db, read_only=True)
    try:
        months = _months(con)
        report = export.export_parquet(con, out)
        n_closure = con.execute("SELECT count(*) FROM unit_closure").fetchone()[0]
        first = con.execute("SELECT * FROM cases ORDER BY case_id LIMIT 1").fetchone()
    finally:
        con.close()
    assert len(months) >= 2
    assert sorted(report.months_written) == sorted(months) and report.case_rows_written == 300
    assert sorted(report.tables_written) == sorted(t for t in export.TABLES if t != "cases")
    for month, n in months.items():
        part = pq.read_table(out / "cases" / f"month={month}" / "part-0.parquet")
        assert part.num_rows == n
        assert "month" not in part.column_names  # the partition is in the path
        assert part.schema.field("reported_at").type == pa.timestamp("us")  # naive: no zone shift
        times = part.column("reported_at").to_pylist()
        assert times == sorted(times) and all(t.strftime("%Y-%m") == month for t in times)
    # Hive-style partitions read back as one table with the month column
    cases = ds.dataset(out / "cases", format="parquet", partitioning="hive").to_table()
    assert cases.num_rows == 300 and "month" in cases.column_names
    row = cases.filter(ds.field("case_id") == first[0]).to_pylist()[0]
    assert row["title"] == first[5] and row["reported_at"] == first[6]
    assert pq.read_table(out / "unit_closure" / "part-0.parquet").num_rows == n_closure
    assert pq.read_table(out / "_schema" / "part-0.parquet").schema.names == [c.name for c in schema.CASES.columns]
    manifest = json.loads((out / export.MANIFEST).read_text())
    assert {m: v["rows"] for m, v in manifest["months"].items()} == months
    assert manifest["tables"]["cases"]["rows"] == 300 and manifest["root_unit"] == "C"


def test_export_rewrites_only_changed_months(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "lake"
    con = store.connect(db)
    try:
        export.export_parquet(con, out)
        before = _mtimes(out)
        again = export.export_parquet(con, out)
        assert again.months_written == [] and again.tables_written == [] and again.case_rows_written == 0
        assert _mtimes(out) == before

        # one changed title in the newest month: that month only
        newest = max(before)
        month = newest.removeprefix("month=")
        case_id = con.execute("SELECT min(case_id) FROM cases WHERE strftime(reported_at, '%Y-%m') = $m",
                              {"m": month}).fetchone()[0]
        con.execute("UPDATE cases SET title = '改过的标题' WHERE case_id = $c", {"c": case_id})
        changed = export.export_parquet(con, out)
        assert changed.months_written == [month] and changed.tables_written == []
        after = _mtimes(out)
        assert {k for k in after if after[k] != before[k]} == {newest}
        part = pq.read_table(out / "cases" / newest / "part-0.parquet").to_pylist()
        assert [r["title"] for r in part if r["case_id"] == case_id] == ["改过的标题"]

        # a case moved to another month changes both; a unit renamed rewrites units only
        oldest = min(before).removeprefix("month=")
        start = dt.datetime.strptime(oldest, "%Y-%m") + dt.timedelta(days=3)
        con.execute("UPDATE cases SET reported_at = $t WHERE case_id = $c", {"t": start, "c": case_id})
        con.execute("UPDATE units SET name = '新名字' WHERE unit_id = 'T1'")
        moved = export.export_parquet(con, out)
        assert sorted(moved.months_written) == sorted({month, oldest}) and moved.tables_written == ["units"]

        # every case of a month deleted: its partition goes
        con.execute("DELETE FROM cases WHERE strftime(reported_at, '%Y-%m') = $m", {"m": oldest})
        gone = export.export_parquet(con, out)
        assert gone.months_deleted == [oldest] and not (out / "cases" / f"month={oldest}").exists()
        manifest = json.loads((out / export.MANIFEST).read_text())
        assert oldest not in manifest["months"]
        total = ds.dataset(out / "cases", format="parquet", partitioning="hive").count_rows()
        assert total == con.execute("SELECT count(*) FROM cases").fetchone()[0]
    finally:
        con.close()


def test_export_of_an_empty_database(tmp_path: Path) -> None:
    con = store.connect(tmp_path / "empty.duckdb", create=True)
    try:
        report = export.export_parquet(con, tmp_path / "lake")
    finally:
        con.close()
    assert report.months_written == [] and not (tmp_path / "lake" / "cases").exists()
    assert pq.read_table(tmp_path / "lake" / "_schema" / "part-0.parquet").num_rows == 0
    assert json.loads((tmp_path / "lake" / export.MANIFEST).read_text())["root_unit"] is None


def test_bad_targets_are_refused(db: Path, tmp_path: Path) -> None:
    not_dir = tmp_path / "file.txt"
    not_dir.write_text("x")
    con = store.connect(db, read_only=True)
    try:
        with pytest.raises(ExportError, match="not a directory"):
            export.export_parquet(con, not_dir)
        (tmp_path / "other").mkdir()
        (tmp_path / "other" / export.MANIFEST).write_text('{"format": 99}')
        with pytest.raises(ExportError, match="format"):
            export.export_parquet(con, tmp_path / "other")
    finally:
        con.close()


def test_cli_export_and_spark_errors(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["export-parquet", "--db", str(db), "--to", str(tmp_path / "lake"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["case_rows_written"] == 300
    assert cli.main(["export-parquet", "--db", str(db), "--to", str(tmp_path / "lake")]) == 0
    assert "case rows written" in capsys.readouterr().out

    assert cli.main(["export-parquet", "--db", str(tmp_path / "missing.duckdb"), "--to", str(tmp_path / "x")]) == 2
    assert "database not found" in capsys.readouterr().err
    # --engine spark checks its directory before starting Spark: one line, exit 2
    assert cli.main(["kpis", "--engine", "spark"]) == 2
    assert "needs --parquet" in capsys.readouterr().err
    assert cli.main(["kpis", "--engine", "spark", "--parquet", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no _manifest.json" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
