"""The metric engine on Apache Spark: a queries.Runner over a Parquet export (gridboard.lake.export).

`SparkLake(spark, directory)` registers one temporary view per exported table (cases from its
month partitions, without the partition column), then runs the very named queries the DuckDB
engine runs: gridboard.metrics.engine and gridboard.ranking.gridindex take it where they take a
DuckDB connection (queries.rows dispatches to `SparkLake.rows`), so no metric is defined twice.
Each query is translated by gridboard.lake.dialect and bound with Spark's named parameter markers
(`spark.sql(text, args=…)`): values are never pasted into the SQL text.

`session()` builds a local or cluster SparkSession that needs no network and downloads nothing
(no spark.jars.packages): UI off, driver on 127.0.0.1 for local masters, few shuffle partitions,
session time zone UTC (the epoch fragment's exact arithmetic relies on it). pyspark is imported
only here and only when called.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from gridboard.lake import dialect, export
from gridboard.lake.errors import LakeError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def session(master: str = "local[2]", *, shuffle_partitions: int = 4, small: bool = False) -> SparkSession:
    """A SparkSession for the lake (the active one when there is one).

    `small` (tests, demo-sized exports): interpreted expressions instead of compiling Java code per
    query stage, and no adaptive re-planning; on 20 000 cases that halves each query's time.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:  # pragma: no cover - pyspark is pinned in requirements.txt
        raise LakeError("pyspark is not installed (pip install -r requirements.txt)") from None
    builder = (
        SparkSession.builder.master(master)
        .appName("gridboard")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
    )
    if small:
        builder = builder.config("spark.sql.codegen.wholeStage", "false").config("spark.sql.adaptive.enabled", "false")
    if master.startswith("local"):
        builder = builder.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # Java missing, port refused: one line
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise LakeError(f"cannot start Spark ({master}): {first} (is Java 17 installed?)") from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark


class SparkLake:
    """Named queries on Spark over one Parquet export (a gridboard.db.queries.Runner)."""

    def __init__(self, spark: SparkSession, directory: Path, *, cache: bool = False) -> None:
        """Register the export's tables as views in a session of its own (temporary views of two
        exports never mix; the JVM is shared); `cache` keeps them in memory for many queries."""
        spark = spark.newSession()
        self.spark = spark
        self.cache = cache
        self.directory = Path(directory)
        manifest = export.read_manifest(self.directory)
        if manifest is None:
            raise LakeError(f"{self.directory} holds no gridboard Parquet export (no {export.MANIFEST}); "
                            "run `python -m gridboard export-parquet` first")
        self.manifest = manifest
        # The epoch fragment computes exact microseconds of naive timestamps read as UTC wall clock.
        spark.conf.set("spark.sql.session.timeZone", "UTC")
        self._register()

    def _register(self) -> None:
        reader = self.spark.read
        for table in export.TABLES:
            if table == "cases":
                continue
            self._view(reader.parquet(str(self.directory / table)), table)
        if self.manifest["months"]:
            cases = reader.option("basePath", str(self.directory / "cases")).parquet(str(self.directory / "cases"))
            cases = cases.drop("month")
        else:
            cases = reader.parquet(str(self.directory / "_schema"))
        self._view(cases, "cases")

    def _view(self, frame: Any, name: str) -> None:
        if self.cache:  # few cached partitions: one task per core instead of one per month file
            frame = frame.coalesce(self.spark.sparkContext.defaultParallelism).cache()
        frame.createOrReplaceTempView(name)

    def rows(self, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        """One dict per row of a DuckDB-dialect named query, run on Spark."""
        text, args = dialect.to_spark(sql, params)
        return [r.asDict(recursive=True) for r in self.spark.sql(text, args=args).collect()]
