-- agg_month_open: the first month in [$month_from, $month_to) of agg_hist_month with a row not
-- settled at $as_of (NULL when every month there is settled): whole months before it may be read
-- from agg_hist_month.
SELECT min(report_day) FROM agg_hist_month
WHERE report_day >= $month_from AND report_day < $month_to AND (max_settle IS NULL OR max_settle >= $as_of)
