"""The Parquet export for a data lake: every contract table and unit_closure, cases by month, incremental.

Layout under the export directory (what Spark, Trino or Hive read as external tables):

    cases/month=YYYY-MM/part-0.parquet   cases reported in that month (Hive-style partition; the
                                         month is in the path, not in the file), sorted by reported_at
    units/part-0.parquet, volunteers/…, volunteer_services/…, collective_economy/…, ingest_log/…,
    unit_closure/part-0.parquet          one file per table, rewritten whole when it changed
    _schema/part-0.parquet               the cases schema with no rows (readers of an empty export)
    _manifest.json                       what was exported: per month and per table the row count and
                                         a content fingerprint, the DuckDB version, the root unit

How a changed month is known: DuckDB computes, per month of reported_at, the row count and the sum
of the hash of every whole row (all columns) in one scan (db/sql/lake_month_stats.sql). A month is
rewritten when its pair differs from the manifest's or its directory is missing, deleted when it no
longer has cases, and left alone otherwise; the other tables likewise. A case whose reported_at
moves to another month changes both months. Row hashes are DuckDB's: after a DuckDB upgrade
(another version in the manifest) everything is rewritten once. Files are written beside their
final place and renamed into it; the manifest is written last, so an interrupted export is
finished by the next one.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from gridboard.core import schema
from gridboard.db import queries, store
from gridboard.lake.errors import ExportError

MANIFEST = "_manifest.json"
FORMAT = 1
# Every table a reader needs: the contract tables and the derived closure the scopes join.
TABLES: tuple[str, ...] = (*schema.ALL_TABLES, "unit_closure")
_BATCH_ROWS = 256_000


@dataclass
class ExportReport:
    """What one export did."""

    directory: Path
    months_written: list[str] = field(default_factory=list)
    months_unchanged: list[str] = field(default_factory=list)
    months_deleted: list[str] = field(default_factory=list)
    tables_written: list[str] = field(default_factory=list)
    tables_unchanged: list[str] = field(default_factory=list)
    case_rows_written: int = 0

    def describe(self) -> str:
        return (
            f"exported to {self.directory}: cases months written {len(self.months_written)}"
            f" ({', '.join(self.months_written) or 'none'}), unchanged {len(self.months_unchanged)},"
            f" deleted {len(self.months_deleted)}; {self.case_rows_written:,} case rows written;"
            f" tables written: {', '.join(self.tables_written) or 'none'};"
            f" unchanged: {', '.join(self.tables_unchanged) or 'none'}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "directory": str(self.directory),
            "months_written": self.months_written,
            "months_unchanged": self.months_unchanged,
            "months_deleted": self.months_deleted,
            "tables_written": self.tables_written,
            "tables_unchanged": self.tables_unchanged,
            "case_rows_written": self.case_rows_written,
        }


def read_manifest(directory: Path) -> dict[str, Any] | None:
    """The manifest of an export directory, or None when there is none yet."""
    path = Path(directory) / MANIFEST
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ExportError(f"unreadable manifest {path}: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ExportError(f"{path} is not a gridboard export manifest of format {FORMAT}")
    return manifest


def _month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    year, mon = (int(x) for x in month.split("-"))
    start = dt.datetime(year, mon, 1)
    end = dt.datetime(year + (mon == 12), mon % 12 + 1, 1)
    return start, end


def _write(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any], target: Path) -> int:
    """Stream a query's rows into target/part-0.parquet (written beside, then renamed). Row count."""
    tmp = target.with_name(f".tmp-{target.name}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    reader = con.sql(sql, params=queries.bind(sql, params)).to_arrow_reader(_BATCH_ROWS)
    rows = 0
    with pq.ParquetWriter(tmp / "part-0.parquet", reader.schema, compression="zstd") as writer:
        for batch in reader:
            writer.write_batch(batch)
            rows += batch.num_rows
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return rows


def _same_version(manifest: dict[str, Any] | None) -> dict[str, Any]:
    """The old manifest when its fingerprints are comparable with this DuckDB's, else an empty one."""
    if manifest is None or manifest.get("duckdb") != duckdb.__version__:
        return {"months": {}, "tables": {}}
    return manifest


def export_parquet(con: duckdb.DuckDBPyConnection, directory: Path) -> ExportReport:
    """Export the database behind `con` into `directory` (created), rewriting only what changed."""
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise ExportError(f"{directory} exists and is not a directory")
    directory.mkdir(parents=True, exist_ok=True)
    old = _same_version(read_manifest(directory))
    report = ExportReport(directory)

    months = {r["month"]: {"rows": int(r["rows"]), "fingerprint": r["fingerprint"]}
              for r in queries.rows(con, queries.text("lake_month_stats"), {})}
    cases_dir = directory / "cases"
    month_sql = queries.text("lake_cases_month")
    for month, stats in months.items():
        target = cases_dir / f"month={month}"
        if old["months"].get(month) == stats and (target / "part-0.parquet").is_file():
            report.months_unchanged.append(month)
            continue
        start, end = _month_bounds(month)
        report.case_rows_written += _write(con, month_sql, {"start": start, "end": end}, target)
        report.months_written.append(month)
    if cases_dir.is_dir():
        for stale in sorted(cases_dir.glob("month=*")):
            if stale.name.removeprefix("month=") not in months:
                shutil.rmtree(stale)
                report.months_deleted.append(stale.name.removeprefix("month="))
    _write(con, queries.text("lake_cases_schema"), {}, directory / "_schema")

    tables: dict[str, dict[str, Any]] = {}
    for table in TABLES:
        row = queries.rows(con, queries.named("lake_table_stats", table=table), {})[0]
        tables[table] = {"rows": int(row["rows"]), "fingerprint": row["fingerprint"]}
        if table == "cases":
            continue
        target = directory / table
        if old["tables"].get(table) == tables[table] and (target / "part-0.parquet").is_file():
            report.tables_unchanged.append(table)
            continue
        _write(con, queries.named("lake_table", table=table), {}, target)
        report.tables_written.append(table)

    manifest = {
        "format": FORMAT,
        "duckdb": duckdb.__version__,
        "schema_version": schema.SCHEMA_VERSION,
        "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "root_unit": store.root_unit(con) if tables["units"]["rows"] else None,
        "months": months,
        "tables": tables,
    }
    tmp = directory / f".tmp-{MANIFEST}"
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, directory / MANIFEST)
    return report
