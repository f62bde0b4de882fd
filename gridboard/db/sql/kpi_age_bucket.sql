-- kpi_age_bucket: how long an overdue case has been past due at $as_of, as a bucket code (fragment over k):
-- d0_1 up to 1 day, d1_3 up to 3 days, d3_7 up to 7 days, d7p beyond. Exact: epoch seconds / 86400.
CASE
    WHEN (epoch(CAST($as_of AS TIMESTAMP)) - epoch(k.due_at)) / 86400.0 <= 1 THEN 'd0_1'
    WHEN (epoch(CAST($as_of AS TIMESTAMP)) - epoch(k.due_at)) / 86400.0 <= 3 THEN 'd1_3'
    WHEN (epoch(CAST($as_of AS TIMESTAMP)) - epoch(k.due_at)) / 86400.0 <= 7 THEN 'd3_7'
    ELSE 'd7p'
END
