-- agg_fill_units: adds the agg_units rows of the cases reported in [$from, $to) on {days}
-- (a day filter over k, or TRUE), in report-day order (zone maps keep a period's scan short). $as_of is bound far in the future: each count as it stands once
-- all its timestamps have passed; {settle} is the latest timestamp the counts compare with $as_of.
INSERT INTO agg_units
SELECT CAST(k.reported_at AS DATE) AS report_day, m.agg_unit, max({settle}) AS max_settle,
    {counts}
FROM cases AS k
JOIN agg_unit_map AS m ON m.unit_id = k.unit_id
WHERE k.status <> 'cancelled' AND k.reported_at >= $from AND k.reported_at < $to AND {days}
GROUP BY CAST(k.reported_at AS DATE), m.agg_unit
ORDER BY report_day
