-- agg_pending_from: the first report day in [$start_day, $end_day) of an aggregate table ({table})
-- with a row not settled at $as_of (its cases are counted from the cases table from there on).
SELECT min(report_day) FROM {table}
WHERE report_day >= $start_day AND report_day < $end_day AND (max_settle IS NULL OR max_settle >= $as_of)
