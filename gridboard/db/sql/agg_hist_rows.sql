-- agg_hist_rows: the duration histogram rows of the days [$start_day, $end_day) under the scope
-- (fragment for agg_unsettled.sql): whole months [$month_from, $open_from) from agg_hist_month, whose
-- rows are all settled at $as_of (gridboard.metrics.fast picks $open_from so), and the other days
-- from agg_hist. A month row is the sum of its days' rows, so both give the same bins. {cube_group}
-- groups a row (a month row's report_day is the month's first day).
SELECT {cube_group} AS grp, a.*
FROM agg_hist AS a
JOIN scope AS s ON s.unit_id = a.town_unit
WHERE a.report_day >= $start_day AND a.report_day < $month_from
UNION ALL
SELECT {cube_group} AS grp, a.*
FROM agg_hist_month AS a
JOIN scope AS s ON s.unit_id = a.town_unit
WHERE a.report_day >= $month_from AND a.report_day < $open_from
UNION ALL
SELECT {cube_group} AS grp, a.*
FROM agg_hist AS a
JOIN scope AS s ON s.unit_id = a.town_unit
WHERE a.report_day >= $open_from AND a.report_day < $end_day
