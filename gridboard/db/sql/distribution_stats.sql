-- distribution_stats: one duration of the cohort ({value} over k, e.g. response minutes) where
-- {keep} holds (e.g. responded by $as_of): count, median, P90 and P99 (quantile_cont, as in
-- kpis.sql), min, max, and how many are at most $within_limit (NULL: 0); in the same pass, how
-- long the answer stays exact (as memo_ranges.sql: {ranges} over the cohort, end_lo, asof_lo,
-- asof_hi; end_hi, the first report in [$end, $scan_end), from those days alone), so that keeping
-- it in the memo costs no second scan of the period (at 10 M cases, 本年: 0.06 s a distribution).
-- Fragments, filled by gridboard.kpi_views from fixed texts: scope, cohort, value, keep, ranges.
WITH scope AS (
    {scope}
),
cohort AS (
    {cohort}
),
-- The three quantiles are one list quantile_cont: one sort of the values instead of three (at
-- 10 M cases, 本年: 0.17 s -> 0.11 s), the same values.
stats AS (
    SELECT
        count(*) FILTER (WHERE {keep}) AS n,
        quantile_cont({value}, [0.5, 0.9, 0.99]) FILTER (WHERE {keep}) AS q,
        min({value}) FILTER (WHERE {keep}) AS min,
        max({value}) FILTER (WHERE {keep}) AS max,
        count(*) FILTER (WHERE {keep} AND {value} <= $within_limit) AS within,
        {ranges}
    FROM cohort AS k
),
later AS (
    SELECT min(c.reported_at) AS end_hi
    FROM cases AS c
    JOIN scope AS s ON s.unit_id = c.unit_id
    WHERE c.reported_at >= $end
      AND c.reported_at < $scan_end
      AND c.status <> 'cancelled'
)
SELECT n, q[1] AS median, q[2] AS p90, q[3] AS p99, min, max, within, end_lo, asof_lo, asof_hi, end_hi
FROM stats, later
