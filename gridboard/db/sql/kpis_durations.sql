-- kpis_durations: the exact duration quantiles of kpis.sql alone (the counts come from the
-- aggregates), per group. Fragments as in kpis.sql: scope, cohort, durations (catalog.duration_sql).
WITH scope AS (
    {scope}
),
cohort AS (
    {cohort}
)
SELECT
    grp,
    {durations}
FROM cohort AS k
GROUP BY grp
