-- agg_unsettled: the CTEs kpis_agg.sql and kpis_agg_durations.sql share (fragment, after WITH).
-- scope: the units of {scope}; cube: the aggregate rows of the period's whole report days
-- ({cube_rows}: SELECT grp, a.* over an aggregate table, joined to scope on its unit column), each
-- holding its cases as they will finally stand; unsettled: the cases of the period that the cube
-- does not hold as they stand at $as_of — those reported in [$start, $tail_start) with a timestamp
-- the counts compare with $as_of not yet past ({settle} >= $as_of), and every case of a cut last day
-- [$tail_start, $end) (in_tail), which no cube row holds — found by one scan of the period's settle
-- columns, so that only they meet the unit map; raw: those of the scope, grouped by {raw_group},
-- with the columns the counts and values read ({columns}). {unit}: agg_unit or town_unit.
-- (Before: every case of a (day, unit) row not settled at $as_of was read from the cases table, and
-- a year-ago window had such rows back to June: 2.3 M cases joined, 0.15 s at 10 M cases.)
scope AS (
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
)
