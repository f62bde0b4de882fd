-- kpis: every case metric of DESIGN.md over the cohort, grouped by one dimension (or none).
-- Cohort: cases reported in [$start, $end) in the scope (a unit and all units below it),
-- status <> 'cancelled'. "Closed" means closed_at <= $as_of. Durations are exact epoch
-- differences (date_diff would count minute/hour boundaries instead).
-- Fragments, filled by gridboard.metrics from fixed texts only: scope (a scope_*.sql yielding
-- unit_id, grp_unit) and cohort (cohort.sql, with the grouping expression over c and s).
WITH scope AS (
    {scope}
),
cohort AS (
    {cohort}
),
agg AS (
    SELECT
        grp,
        count(*) AS received,
        count(*) FILTER (WHERE closed_at <= $as_of) AS closed,
        count(*) FILTER (WHERE due_at <= $as_of) AS due_passed,
        count(*) FILTER (WHERE due_at <= $as_of AND closed_at <= due_at) AS closed_on_time,
        count(*) FILTER (WHERE due_at < $as_of AND (closed_at IS NULL OR closed_at > $as_of)) AS overdue_open,
        count(*) FILTER (WHERE responded_at <= $as_of) AS responded,
        quantile_cont((epoch(responded_at) - epoch(reported_at)) / 60.0, 0.5)
            FILTER (WHERE responded_at <= $as_of) AS median_response_min,
        quantile_cont((epoch(responded_at) - epoch(reported_at)) / 60.0, 0.9)
            FILTER (WHERE responded_at <= $as_of) AS p90_response_min,
        quantile_cont((epoch(closed_at) - epoch(reported_at)) / 3600.0, 0.5)
            FILTER (WHERE closed_at <= $as_of) AS median_close_hours,
        count(satisfaction) AS surveyed,
        count(*) FILTER (WHERE satisfaction IN ('satisfied', 'basic')) AS satisfied,
        count(*) FILTER (WHERE closed_at <= $as_of AND satisfaction IS NOT NULL) AS closed_surveyed,
        count(*) FILTER (WHERE closed_at <= $as_of AND handled_level = 'grid') AS closed_in_grid,
        count(*) FILTER (WHERE reopened) AS reopened,
        count(*) FILTER (WHERE supervised) AS supervised
    FROM cohort
    GROUP BY grp
)
SELECT
    grp,
    received,
    closed,
    CAST(closed AS DOUBLE) / NULLIF(received, 0) AS closure_rate,
    CAST(closed_on_time AS DOUBLE) / NULLIF(due_passed, 0) AS on_time_rate,
    overdue_open,
    median_response_min,
    p90_response_min,
    median_close_hours,
    CAST(satisfied AS DOUBLE) / NULLIF(surveyed, 0) AS satisfaction_rate,
    CAST(closed_surveyed AS DOUBLE) / NULLIF(closed, 0) AS callback_rate,
    CAST(closed_in_grid AS DOUBLE) / NULLIF(closed, 0) AS grid_resolved_rate,
    CAST(reopened AS DOUBLE) / NULLIF(closed, 0) AS reopen_rate,
    due_passed,
    closed_on_time,
    responded,
    surveyed,
    satisfied,
    closed_surveyed,
    closed_in_grid,
    reopened,
    supervised
FROM agg
ORDER BY grp
