-- kpi_ageing: the cohort's overdue open cases at $as_of (overdue_open of kpis.sql: not closed by
-- $as_of, due_at < $as_of) counted by days past due; {bucket} is kpi_age_bucket.sql.
-- Fragments, filled by gridboard.kpi_views from fixed texts: scope and cohort as in kpis.sql.
WITH scope AS (
    {scope}
),
cohort AS (
    {cohort}
)
SELECT {bucket} AS bucket, count(*) AS n
FROM cohort AS k
WHERE k.due_at < $as_of
  AND (k.closed_at IS NULL OR k.closed_at > $as_of)
GROUP BY bucket
ORDER BY bucket
