-- kpis: every case metric of DESIGN.md over the cohort, grouped by one dimension (or none).
-- Cohort: cases reported in [$start, $end) in the scope (a unit and all units below it),
-- status <> 'cancelled'. "Closed" means closed_at <= $as_of.
-- Fragments, filled by gridboard.metrics.engine from fixed texts only: scope (a scope_*.sql
-- yielding unit_id, grp_unit), cohort (cohort.sql with the grouping expression over c and s), and
-- the aggregate columns of gridboard/core/catalog.py, where every count's predicate is defined:
-- counts (count_sql), durations (duration_sql, exact epoch differences) and rates (rate_sql).
WITH scope AS (
    {scope}
),
cohort AS (
    {cohort}
),
agg AS (
    SELECT
        grp,
        {counts},
        {durations}
    FROM cohort AS k
    GROUP BY grp
)
SELECT
    *,
    {rates}
FROM agg
ORDER BY grp
