-- agg_fill_months: adds the agg_hist_month rows of the months in {months} (a filter over the
-- month's first day m, or TRUE) by summing their days' agg_hist rows: per month x town unit x
-- measure x bin, the count, the min and max value and the latest max_settle.
INSERT INTO agg_hist_month
SELECT m AS report_day, town_unit, measure, b, sum(n) AS n, min(vmin) AS vmin, max(vmax) AS vmax,
    max(max_settle) AS max_settle
FROM (SELECT CAST(date_trunc('month', report_day) AS DATE) AS m, * FROM agg_hist) AS a
WHERE {months}
GROUP BY m, town_unit, measure, b
ORDER BY report_day
