-- grid_index: the counts the grid index needs (DESIGN.md "Grid index"), per group of {scope}
-- and, when {month} is a month expression, per calendar month. Same definitions and keys as
-- kpis.sql (tests/test_ranking.py holds them equal): cohort = cases reported in [$start, $end),
-- status <> 'cancelled', evaluated at $as_of; only the one quantile the index uses, so a year of a
-- 10-million-case county costs a fraction of a full breakdown.
-- Fragments, fixed texts from gridboard.gridindex: scope (a scope_*.sql yielding unit_id,
-- grp_unit) and month (CAST(NULL AS DATE) or the reporting month of case c).
WITH scope AS (
    {scope}
),
cohort AS (
    SELECT s.grp_unit AS grp, {month} AS month, c.*
    FROM cases AS c
    JOIN scope AS s ON s.unit_id = c.unit_id
    WHERE c.reported_at >= $start
      AND c.reported_at < $end
      AND c.status <> 'cancelled'
),
agg AS (
    SELECT
        grp,
        month,
        count(*) AS received,
        count(*) FILTER (WHERE closed_at <= $as_of) AS closed,
        count(*) FILTER (WHERE due_at <= $as_of) AS due_passed,
        count(*) FILTER (WHERE due_at <= $as_of AND closed_at <= due_at) AS closed_on_time,
        count(*) FILTER (WHERE responded_at <= $as_of) AS responded,
        quantile_cont((epoch(responded_at) - epoch(reported_at)) / 60.0, 0.5)
            FILTER (WHERE responded_at <= $as_of) AS median_response_min,
        count(satisfaction) AS surveyed,
        count(*) FILTER (WHERE satisfaction IN ('satisfied', 'basic')) AS satisfied,
        count(*) FILTER (WHERE closed_at <= $as_of AND handled_level = 'grid') AS closed_in_grid
    FROM cohort
    GROUP BY grp, month
)
SELECT
    grp,
    month,
    received,
    closed,
    CAST(closed AS DOUBLE) / NULLIF(received, 0) AS closure_rate,
    CAST(closed_on_time AS DOUBLE) / NULLIF(due_passed, 0) AS on_time_rate,
    median_response_min,
    CAST(satisfied AS DOUBLE) / NULLIF(surveyed, 0) AS satisfaction_rate,
    CAST(closed_in_grid AS DOUBLE) / NULLIF(closed, 0) AS grid_resolved_rate,
    due_passed,
    closed_on_time,
    responded,
    surveyed,
    satisfied,
    closed_in_grid
FROM agg
ORDER BY grp, month
