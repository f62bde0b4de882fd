-- kpis_agg: the counts and rates of kpis.sql from an aggregate table (agg_units or agg_dims),
-- exactly equal to the raw query. Cohort: cases reported in [$start, $end) in the scope, status <>
-- 'cancelled'; the whole report days [$start_day, $end_day) come from the aggregate rows, a cut
-- last day [$tail_start, $end) from the cases table.
-- An aggregate row holds each count as its cases will stand once every timestamp the count
-- compares with $as_of has passed (evaluated at $forever). So the count at $as_of is every row's
-- sum, corrected case by case for the cases not settled at $as_of (settle >= $as_of: a timestamp
-- the counts compare with $as_of is not yet past): their count at $as_of added, their final count
-- taken off. Those cases are found by one scan of the period's settle columns, and only they meet
-- the unit map. (Before: every case of each (day, unit) row not settled was counted from the cases
-- table, and a year-ago window had such rows back to June: 2.3 M cases joined, 0.15 s at 10 M,
-- against 0.06 s now.)
-- Fragments (fixed texts from gridboard.metrics.fast): scope, cube_rows (agg_cube_rows.sql),
-- unit (agg_unit or town_unit), raw_group, columns (the case columns counted), settle
-- (aggregates.settle_sql over c), sums (sum of each count), counts (catalog.count_sql), final
-- (the same counts at $forever, negated), rates (catalog.rate_sql).
WITH scope AS (
    {scope}
),
cube AS (
    {cube_rows}
),
unsettled AS MATERIALIZED (
    SELECT {columns}, m.{unit} AS key_unit, c.reported_at >= $tail_start AS in_tail
    FROM cases AS c
    JOIN agg_unit_map AS m ON m.unit_id = c.unit_id
    WHERE c.reported_at >= $start
      AND c.reported_at < $end
      AND c.status <> 'cancelled'
      AND (c.reported_at >= $tail_start OR {settle} >= $as_of)
),
raw AS (
    SELECT {raw_group} AS grp, c.*
    FROM unsettled AS c
    JOIN scope AS s ON s.unit_id = c.key_unit
),
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
