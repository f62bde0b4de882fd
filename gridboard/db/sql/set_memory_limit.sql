-- set_memory_limit: the ingest worker caps DuckDB's memory (setting ingest_memory_limit, checked by gridboard.core.config).
SET memory_limit = $memory_limit
