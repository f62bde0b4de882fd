-- grid_index: the counts the grid index needs (DESIGN.md "Grid index"), per group of {scope}
-- and, when {month} is a month expression, per calendar month. The cohort is cohort.sql's
-- (cases reported in [$start, $end), status <> 'cancelled', evaluated at $as_of) and the columns
-- are the catalogue's (gridboard/core/catalog.py), like kpis.sql; only the counts, rates and the
-- one quantile the index uses, so a year of a 10-million-case county costs a fraction of a full
-- breakdown. Fragments, fixed texts from gridboard.ranking.gridindex: scope, cohort, month
-- (CAST(NULL AS DATE) or the reporting month of cohort row k), counts, durations, rates.
WITH scope AS (
    {scope}
),
cohort AS (
    {cohort}
),
agg AS (
    SELECT
        grp,
        {month} AS month,
        {counts},
        {durations}
    FROM cohort AS k
    GROUP BY grp, {month}
)
SELECT
    *,
    {rates}
FROM agg
ORDER BY grp, month
