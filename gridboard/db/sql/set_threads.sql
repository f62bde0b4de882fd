-- set_threads: DuckDB's threads for the database instance (GRIDBOARD_DB_THREADS; the worker's ingest_threads).
SET threads = $threads
