-- kpis_agg: the counts and rates of kpis.sql from an aggregate table (agg_units or agg_dims),
-- exactly equal to the raw query. Cohort: cases reported in [$start, $end) in the scope, status <>
-- 'cancelled'; the whole report days [$start_day, $end_day) come from the aggregate rows, a cut
-- last day [$tail_start, $end) from the cases table.
-- An aggregate row holds each count as its cases will stand once every timestamp the count
-- compares with $as_of has passed (evaluated at $forever). So the count at $as_of is every row's
-- sum, corrected case by case for the unsettled cases (agg_unsettled.sql): their count at $as_of
-- added and, but for the cut last day's, their final count taken off.
-- Fragments (fixed texts from gridboard.metrics.fast): unsettled (agg_unsettled.sql: scope, cube,
-- unsettled, raw), sums (sum of each count), counts (catalog.count_sql), final (the same counts at
-- $forever, negated), rates (catalog.rate_sql).
WITH {unsettled},
parts AS (
    SELECT grp, {sums} FROM cube GROUP BY grp
    UNION ALL
    SELECT grp, {counts} FROM raw AS k GROUP BY grp
    UNION ALL
    SELECT grp, {final} FROM raw AS k WHERE NOT k.in_tail GROUP BY grp
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
