-- within_counts: per group of {scope}, the cohort cases that have a duration ({keep}, e.g.
-- responded by $as_of) as n, and those whose duration ({value}, exact epoch differences) is at
-- most $within_limit as within: the share within the time limit, explained by group in
-- gridboard.metrics.explain. Cohort as cohort.sql. Fragments from fixed texts (kpi_views.MEASURES
-- and the scope_*.sql files): scope, cohort, value, keep.
WITH scope AS (
    {scope}
),
cohort AS (
    {cohort}
)
SELECT
    grp,
    count(*) FILTER (WHERE {keep}) AS n,
    count(*) FILTER (WHERE {keep} AND {value} <= $within_limit) AS within
FROM cohort AS k
GROUP BY grp
ORDER BY grp
