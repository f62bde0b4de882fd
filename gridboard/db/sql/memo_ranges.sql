-- memo_ranges: how long one answer over a whole cohort stays exact (gridboard/metrics/memo.py,
-- agg_memo_table.sql): among the scope's cases (status <> 'cancelled') reported from $start, the
-- latest report before $end and the first in [$end, $scan_end); among the cohort [$start, $end),
-- the times the answer compares with $as_of around it: {settle_lo} the latest at or before it,
-- {settle_hi} the first after it (fixed texts over k from gridboard.metrics.memo, one term per
-- case column the answer's counts compare with $as_of).
WITH scope AS (
    {scope}
),
k AS (
    SELECT c.*
    FROM cases AS c
    JOIN scope AS s ON s.unit_id = c.unit_id
    WHERE c.reported_at >= $start
      AND c.reported_at < $scan_end
      AND c.status <> 'cancelled'
)
SELECT
    max(k.reported_at) FILTER (WHERE k.reported_at < $end) AS end_lo,
    min(k.reported_at) FILTER (WHERE k.reported_at >= $end) AS end_hi,
    {settle_lo} AS asof_lo,
    {settle_hi} AS asof_hi
FROM k
