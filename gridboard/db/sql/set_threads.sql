-- set_threads: the ingest worker's DuckDB threads (setting ingest_threads, when not 0).
SET threads = $threads
