-- distribution_stats: one duration of the cohort ({value} over k, e.g. response minutes) where
-- {keep} holds (e.g. responded by $as_of): count, median, P90 and P99 (quantile_cont, as in
-- kpis.sql), min, max, and how many are at most $within_limit (NULL: 0).
-- Fragments, filled by gridboard.kpi_views from fixed texts: scope, cohort, value, keep.
WITH scope AS (
    {scope}
),
cohort AS (
    {cohort}
),
durations AS (
    SELECT {value} AS v
    FROM cohort AS k
    WHERE {keep}
),
-- The three quantiles are one list quantile_cont: one sort of the values instead of three (at
-- 10 M cases, 本年: 0.17 s -> 0.11 s), the same values.
stats AS (
    SELECT
        count(*) AS n,
        quantile_cont(v, [0.5, 0.9, 0.99]) AS q,
        min(v) AS min,
        max(v) AS max,
        count(*) FILTER (WHERE v <= $within_limit) AS within
    FROM durations
)
SELECT n, q[1] AS median, q[2] AS p90, q[3] AS p99, min, max, within
FROM stats
