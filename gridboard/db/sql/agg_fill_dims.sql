-- agg_fill_dims: adds the agg_dims rows (report day x town unit x category x source) of the cases
-- reported in [$from, $to) on {days}; counts and max_settle as in agg_fill_units.sql.
INSERT INTO agg_dims
SELECT CAST(k.reported_at AS DATE) AS report_day, m.town_unit, k.category, k.source, max({settle}) AS max_settle,
    {counts}
FROM cases AS k
JOIN agg_unit_map AS m ON m.unit_id = k.unit_id
WHERE k.status <> 'cancelled' AND k.reported_at >= $from AND k.reported_at < $to AND {days}
GROUP BY CAST(k.reported_at AS DATE), m.town_unit, k.category, k.source
ORDER BY report_day
