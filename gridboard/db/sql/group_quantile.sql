-- group_quantile: exact quantiles per group ({group}, as text) of {scope} (DESIGN.md's definition, like kpis.sql's
-- quantile_cont) over the cohort reported in [$start, $end) at $as_of, and what says how long the
-- values stay exact: the report times around $end (the latest before it, the first in
-- [$end, $scan_end)) and, among the group's cohort, the times the quantiles' counts compare with
-- $as_of around it (settle_lo: the latest at or before, settle_hi: the first after).
-- {restrict}: TRUE, or a condition on the group (only the groups to recompute).
-- Fragments (fixed texts from gridboard.metrics.memo): scope, group, values (quantile_cont(...) FILTER
-- (WHERE k.reported_at < $end AND predicate) AS key, ...), restrict, settle_lo, settle_hi.
WITH scope AS (
    {scope}
),
k AS (
    SELECT CAST({group} AS TEXT) AS grp, c.*
    FROM cases AS c
    JOIN scope AS s ON s.unit_id = c.unit_id
    WHERE c.reported_at >= $start
      AND c.reported_at < $scan_end
      AND c.status <> 'cancelled'
      AND {restrict}
)
SELECT
    grp,
    {values},
    max(k.reported_at) FILTER (WHERE k.reported_at < $end) AS end_lo,
    min(k.reported_at) FILTER (WHERE k.reported_at >= $end) AS end_hi,
    {settle_lo} AS asof_lo,
    {settle_hi} AS asof_hi
FROM k
GROUP BY grp
