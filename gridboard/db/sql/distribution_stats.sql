-- distribution_stats: durations of the cohort, one or more in the same pass ({columns}, per duration
-- i from gridboard.kpi_views: its values where its count holds, e.g. response minutes of the cases
-- responded by $as_of): count n_i, median, P90 and P99 as one list q_i (quantile_cont, as in
-- kpis.sql), min_i, max_i, how many are at most $within_limit_i (NULL: 0) as within_i, and the
-- as_of range the answer stays exact for (asof_lo_i, asof_hi_i over the times it compares with
-- $as_of); for all of them end_lo, the latest report of the cohort, and end_hi, the first report in
-- [$end, $scan_end) (from those days alone) — memo_ranges.sql's ranges without a second scan of the
-- period. The response page's two distributions in one pass: at 10 M cases, 本年, 0.22 s against
-- 0.16 + 0.18 s apart. One list quantile_cont is one sort of the values instead of three.
-- Fragments, filled by gridboard.kpi_views from fixed texts: scope, cohort, columns.
WITH scope AS (
    {scope}
),
cohort AS (
    {cohort}
),
stats AS (
    SELECT
        {columns},
        max(k.reported_at) AS end_lo
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
SELECT *
FROM stats, later
