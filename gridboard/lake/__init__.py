"""The data lake: the same metrics on Apache Spark over a partitioned Parquet export.

export (DuckDB → Parquet, cases by month, incremental), dialect (DuckDB-dialect named queries →
Spark SQL via sqlglot plus named fragments), spark (a queries.Runner over the export), commands
(the CLI's export-parquet and `kpis --engine spark`), errors. See README.md, "Scale".
"""
