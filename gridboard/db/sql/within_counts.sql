-- within_counts: per group of {scope}, for each duration asked ({columns}: a pair of columns per
-- duration i), the cohort cases that have the duration (e.g. responded by $as_of) as n_i, and those
-- whose duration (exact epoch differences) is at most $within_limit_i as within_i: the share within
-- the time limit, explained by group in gridboard.metrics.explain; several durations in one pass.
-- Each group split by {older} (the report days a process keeps apart, gridboard.metrics.shared
-- .moving_counts: k.reported_at < $cut, or FALSE). Cohort as cohort.sql. Fragments from fixed texts
-- (gridboard.metrics.within: the catalogue's duration values and counts, the scope_*.sql files):
-- scope, cohort, older, columns.
WITH scope AS (
    {scope}
),
cohort AS (
    {cohort}
)
SELECT
    grp,
    {older} AS older,
    {columns}
FROM cohort AS k
GROUP BY grp, older
ORDER BY grp, older
