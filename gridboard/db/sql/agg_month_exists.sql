-- agg_month_exists: 1 when the database has the agg_hist_month table (added after schema 2), else 0.
SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'agg_hist_month'
