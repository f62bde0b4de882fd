"""The lake's command-line pieces: `export-parquet`, and `kpis --engine spark --parquet DIR`.

gridboard/cli.py registers `export-parquet` from COMMANDS, adds `engine_args()` to its kpis parser
and calls `kpis()` when --engine is spark; it prints the result exactly as it prints DuckDB's. Errors are LakeError (one line, exit 2). Heavy modules (pyarrow, sqlglot, pyspark) are
imported only when a command runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gridboard.lake.errors import LakeError

ENGINES: tuple[str, ...] = ("duckdb", "spark")


def engine_args(p: argparse.ArgumentParser) -> None:
    """The kpis options choosing the engine."""
    p.add_argument("--engine", choices=ENGINES, default="duckdb",
                   help="duckdb (the --db file, default) or spark (a Parquet export, --parquet)")
    p.add_argument("--parquet", type=Path, default=None, help="export directory (export-parquet --to) for --engine spark")
    p.add_argument("--master", default="local[2]", help="Spark master for --engine spark (default local[2])")


def kpis(args: argparse.Namespace) -> Any:
    """`kpis` on Spark: the answer of gridboard.metrics.kpi_json (the metric engine's own functions,
    the same defaults for the window) over a SparkLake instead of a DuckDB connection."""
    from gridboard.lake import spark as lake_spark
    from gridboard.metrics import engine, kpi_json

    if args.parquet is None:
        raise LakeError("--engine spark needs --parquet DIR (a directory written by export-parquet)")
    if not (Path(args.parquet) / "_manifest.json").is_file():
        raise LakeError(f"{args.parquet} holds no gridboard Parquet export (no _manifest.json); run export-parquet first")
    from pyspark.sql import SparkSession

    had_session = SparkSession.getActiveSession() is not None
    spark = lake_spark.session(args.master)
    try:
        lake = lake_spark.SparkLake(spark, args.parquet)
        return kpi_json.result(lake, unit=args.unit, start=args.start, end=args.end, as_of=args.as_of, by=args.by)
    except (LakeError, engine.MetricError):
        raise
    except Exception as exc:  # Spark's analysis or Java errors: one line, never a traceback
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise LakeError(f"Spark failed ({type(exc).__name__}): {first}") from None
    finally:
        if not had_session:
            spark.stop()


def _export_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", type=Path, default=None, help="DuckDB file (default: the configured data/gridboard.duckdb)")
    p.add_argument("--to", dest="to", type=Path, required=True, help="export directory (created; updated in place)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")


def cmd_export(args: argparse.Namespace) -> int:
    """Write (or bring up to date) the Parquet export of a database."""
    from gridboard.core import config
    from gridboard.db import store
    from gridboard.lake import export

    path = args.db if args.db is not None else config.load().db_path
    con = store.connect(path, read_only=True)
    try:
        report = export.export_parquet(con, args.to)
    finally:
        con.close()
    if args.json:
        json.dump(report.to_dict(), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(report.describe())
    return 0


COMMANDS: list[tuple[str, str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]] = [
    ("export-parquet", "export every table as Parquet for Spark/Trino (cases by month, incremental)",
     _export_parser, cmd_export),
]
