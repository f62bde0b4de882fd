-- ingest_history: the latest $n ingest_log rows, newest first.
SELECT * FROM ingest_log ORDER BY id DESC LIMIT $n
