-- agg_fill_hist: adds the agg_hist rows of the cases reported in [$from, $to) on {days}. {values}
-- unions one SELECT per duration measure (measure, v, settle) over cohort rows k whose count holds
-- with $as_of far in the future; {bin} is the log bin of v (agg_bin.sql).
INSERT INTO agg_hist
SELECT report_day, town_unit, measure, {bin} AS b, count(*) AS n, min(v) AS vmin, max(v) AS vmax,
    max(settle) AS max_settle
FROM (
    {values}
) AS x
GROUP BY report_day, town_unit, measure, {bin}
ORDER BY report_day
