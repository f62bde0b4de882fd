-- agg_moved: the CTEs kpis_moved.sql reads (fragment, after WITH). scope: the units of {scope};
-- moved: the cases of the period [$start, $end), status <> 'cancelled', whose counts at $as_of may
-- differ from those of an earlier answer at ($end_before, $as_of_before) — those reported since
-- $end_before (is_new), and those with a timestamp the counts compare with as_of in
-- [$as_of_before, $as_of] ({changed}: a comparison with as_of changes its value only when the
-- timestamp lies between the two) — found by one scan of the period's settle columns; raw: those of
-- the scope, grouped by {raw_group}, with the columns the counts read ({columns}). {unit}: agg_unit
-- or town_unit.
scope AS (
    {scope}
),
moved AS MATERIALIZED (
    SELECT {columns}, m.{unit} AS key_unit, c.reported_at >= $end_before AS is_new
    FROM cases AS c
    JOIN agg_unit_map AS m ON m.unit_id = c.unit_id
    WHERE c.reported_at >= $start
      AND c.reported_at < $end
      AND c.status <> 'cancelled'
      AND (c.reported_at >= $end_before OR {changed})
),
raw AS (
    SELECT {raw_group} AS grp, c.*
    FROM moved AS c
    JOIN scope AS s ON s.unit_id = c.key_unit
)
