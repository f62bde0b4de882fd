-- bigscreen_hourly: per hour from $start (on the hour) to the hour of $as_of, under $unit: cases received
-- (reported in the hour, not cancelled: the received cohort of DESIGN.md) and cases closed in the
-- hour (closed_at in the hour). Hours without cases are listed with 0.
WITH scope AS (
    SELECT descendant_id AS unit_id FROM unit_closure WHERE ancestor_id = $unit
),
received AS (
    SELECT date_trunc('hour', c.reported_at) AS hour, count(*) AS n
    FROM cases AS c JOIN scope AS s ON s.unit_id = c.unit_id
    WHERE c.reported_at >= $start AND c.reported_at <= $as_of AND c.status <> 'cancelled'
    GROUP BY 1
),
closed AS (
    SELECT date_trunc('hour', c.closed_at) AS hour, count(*) AS n
    FROM cases AS c JOIN scope AS s ON s.unit_id = c.unit_id
    WHERE c.closed_at >= $start AND c.closed_at <= $as_of AND c.status <> 'cancelled'
    GROUP BY 1
),
hours AS (
    SELECT unnest(range(CAST($start AS TIMESTAMP), date_trunc('hour', CAST($as_of AS TIMESTAMP)) + INTERVAL 1 HOUR,
                        INTERVAL 1 HOUR)) AS hour
)
SELECT h.hour, coalesce(r.n, 0) AS received, coalesce(k.n, 0) AS closed
FROM hours AS h
LEFT JOIN received AS r ON r.hour = h.hour
LEFT JOIN closed AS k ON k.hour = h.hour
ORDER BY h.hour
