-- kpis_agg: the counts and rates of kpis.sql from an aggregate table ({cube}: agg_units or agg_dims),
-- exactly equal to the raw query. Cohort: cases reported on the days [$start_day, $end_day) in the
-- scope, status <> 'cancelled'. An aggregate row answers for $as_of only when every timestamp its
-- counts compare with $as_of has passed (max_settle < $as_of); the cases of every other row's
-- (report day, {unit}) are counted from the cases table with the catalogue's predicates.
-- Fragments (fixed texts from gridboard.metrics.engine): scope, cube, unit (the cube's unit
-- column), cube_group / raw_group (the grouping expression over a / c), sums (sum of each count),
-- counts (catalog.count_sql), rates (catalog.rate_sql).
WITH scope AS (
    {scope}
),
cube AS (
    SELECT {cube_group} AS grp, a.*
    FROM {cube} AS a
    JOIN scope AS s ON s.unit_id = a.{unit}
    WHERE a.report_day >= $start_day AND a.report_day < $end_day
),
pending AS (
    SELECT DISTINCT report_day, {unit} AS pending_unit
    FROM cube
    WHERE max_settle IS NULL OR max_settle >= $as_of
),
settled AS (
    SELECT cube.*
    FROM cube
    LEFT JOIN pending AS p ON p.report_day = cube.report_day AND p.pending_unit = cube.{unit}
    WHERE p.pending_unit IS NULL
),
recent AS MATERIALIZED (
    SELECT c.*, m.{unit} AS key_unit, CAST(c.reported_at AS DATE) AS key_day
    FROM cases AS c
    JOIN agg_unit_map AS m ON m.unit_id = c.unit_id
    WHERE c.reported_at >= $raw_start
      AND c.reported_at < $end
      AND c.status <> 'cancelled'
),
raw AS (
    SELECT {raw_group} AS grp, c.*
    FROM recent AS c
    JOIN pending AS p ON p.report_day = c.key_day AND p.pending_unit = c.key_unit
    JOIN scope AS s ON s.unit_id = c.key_unit
),
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
