-- agg_hist_values: one duration measure's values over cohort rows k (fragment): measure name
-- {measure}, value {value}, kept where {predicate} holds; {settle} as in agg_fill_units.sql.
SELECT CAST(k.reported_at AS DATE) AS report_day, m.town_unit, '{measure}' AS measure, {value} AS v,
    {settle} AS settle
FROM cases AS k
JOIN agg_unit_map AS m ON m.unit_id = k.unit_id
WHERE k.status <> 'cancelled' AND k.reported_at >= $from AND k.reported_at < $to AND {days} AND {predicate}
