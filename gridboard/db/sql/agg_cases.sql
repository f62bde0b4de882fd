-- agg_cases: the cases an answer from the aggregates reads one by one (fragment: the CTEs picked and
-- raw, after a CTE scope). picked: the cases of the period [$start, $end), status <> 'cancelled',
-- reported since {since} (flag {flag}) or for which {which} holds — found by one scan of the
-- period's settle columns, so that only they meet the unit map; raw: those of the scope, grouped by
-- {raw_group}, with the columns the counts and values read ({columns}). {unit}: agg_unit or
-- town_unit. Used by agg_unsettled.sql (the cases a cube row does not hold as they stand at as_of)
-- and kpis_moved.sql (the cases whose counts moved since an earlier answer).
picked AS MATERIALIZED (
    SELECT {columns}, m.{unit} AS key_unit, c.reported_at >= {since} AS {flag}
    FROM cases AS c
    JOIN agg_unit_map AS m ON m.unit_id = c.unit_id
    WHERE c.reported_at >= $start
      AND c.reported_at < $end
      AND c.status <> 'cancelled'
      AND (c.reported_at >= {since} OR {which})
),
raw AS (
    SELECT {raw_group} AS grp, c.*
    FROM picked AS c
    JOIN scope AS s ON s.unit_id = c.key_unit
)
