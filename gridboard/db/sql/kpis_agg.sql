-- kpis_agg: the counts and rates of kpis.sql from an aggregate table (agg_units or agg_dims),
-- exactly equal to the raw query. Cohort: cases reported on the days [$start_day, $end_day) in the
-- scope, status <> 'cancelled'. An aggregate row answers for $as_of only when every timestamp its
-- counts compare with $as_of has passed (max_settle < $as_of); the cases of every other row's
-- (report day, unit) are counted from the cases table with the catalogue's predicates.
-- Fragments (fixed texts from gridboard.metrics.fast): parts (agg_parts.sql: scope, cube, pending,
-- settled, raw), sums (sum of each count), counts (catalog.count_sql), rates (catalog.rate_sql).
WITH {parts},
parts AS (
    SELECT grp, {sums} FROM settled GROUP BY grp
    UNION ALL
    SELECT grp, {counts} FROM raw AS k GROUP BY grp
),
agg AS (
    SELECT grp, {sums}
    FROM parts
    GROUP BY grp
)
SELECT
    *,
    {rates}
FROM agg
ORDER BY grp
