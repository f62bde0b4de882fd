-- cohort: the cases reported in [$start, $end) in the scope, status <> 'cancelled' (fragment).
-- Needs a CTE named scope (unit_id, grp_unit); {group} is the grouping expression.
SELECT {group} AS grp, c.*
FROM cases AS c
JOIN scope AS s ON s.unit_id = c.unit_id
WHERE c.reported_at >= $start
  AND c.reported_at < $end
  AND c.status <> 'cancelled'
