-- agg_cube_rows: the rows of one aggregate table ({cube}, unit column {unit}) reported on the days
-- [$start_day, $end_day) under the scope, with their group {cube_group} (fragment for agg_unsettled.sql).
SELECT {cube_group} AS grp, a.*
FROM {cube} AS a
JOIN scope AS s ON s.unit_id = a.{unit}
WHERE a.report_day >= $start_day AND a.report_day < $end_day
