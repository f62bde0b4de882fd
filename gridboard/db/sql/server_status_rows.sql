-- server_status_rows: the stored cases whose ids a status-feed file names (every contract column)
SELECT *
FROM cases
WHERE case_id IN (SELECT unnest($ids))
