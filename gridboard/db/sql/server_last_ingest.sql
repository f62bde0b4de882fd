-- server_last_ingest: the newest ingest_log row without the user or the file hash (health endpoint)
SELECT id, table_name, file_name, rows_read, rows_inserted, rows_updated, rows_rejected,
       started_at, finished_at, outcome
FROM ingest_log
ORDER BY id DESC
LIMIT 1
