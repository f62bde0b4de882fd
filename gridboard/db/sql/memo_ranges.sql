-- memo_ranges: how long one answer over a whole cohort stays exact (gridboard/metrics/memo.py,
-- agg_memo_table.sql): among the scope's cases (status <> 'cancelled') reported from $start, the
-- latest report before $end and the first in [$end, $scan_end); among the cohort [$start, $end),
-- the times of {settle} (the case column the answer compares with $as_of) around $as_of: the
-- latest at or before it, the first after it.
WITH scope AS (
    {scope}
),
k AS (
    SELECT c.reported_at, c.{settle} AS t
    FROM cases AS c
    JOIN scope AS s ON s.unit_id = c.unit_id
    WHERE c.reported_at >= $start
      AND c.reported_at < $scan_end
      AND c.status <> 'cancelled'
)
SELECT
    max(reported_at) FILTER (WHERE reported_at < $end) AS end_lo,
    min(reported_at) FILTER (WHERE reported_at >= $end) AS end_hi,
    max(t) FILTER (WHERE reported_at < $end AND t <= $as_of) AS asof_lo,
    min(t) FILTER (WHERE reported_at < $end AND t > $as_of) AS asof_hi
FROM k
