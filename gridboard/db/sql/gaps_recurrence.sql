-- gaps_recurrence: the cohort's recurring cases (fragment; needs CTEs scope (unit_id, grp_unit)
-- and grid_of (gaps_grid_of.sql)). A case recurs when an earlier case at the same place (its
-- grid; a unit outside any grid is its own place) and of the same category was closed, by
-- $as_of, at most $days days before this one was reported. Cohort as in cohort.sql: reported in
-- [$start, $end), not cancelled; cases without a category are left out.
-- The latest earlier closure is a running max over the time-ordered closures and reports of each
-- (place, category): a window function instead of a self-join that grows with the square of the
-- cases per grid. Partitions are keyed by hash(place, category), which sorts far faster than two
-- strings on 10 M cases (a 64-bit collision is astronomically unlikely; listings join back on the
-- real place and category). At equal times a closure sorts before a report.
-- Rows: case_id, unit_id, grp, place, category, reported_at, last_close.
WITH later AS (
    SELECT c.case_id, c.unit_id, s.grp_unit AS grp, coalesce(g.grid_id, c.unit_id) AS place, c.category,
           c.reported_at
    FROM cases AS c
    JOIN scope AS s ON s.unit_id = c.unit_id
    LEFT JOIN grid_of AS g ON g.unit_id = c.unit_id
    WHERE c.reported_at >= $start
      AND c.reported_at < $end
      AND c.reported_at <= $as_of
      AND c.status <> 'cancelled'
      AND c.category IS NOT NULL
),
earlier AS (
    SELECT coalesce(g.grid_id, c.unit_id) AS place, c.category, c.closed_at
    FROM cases AS c
    LEFT JOIN grid_of AS g ON g.unit_id = c.unit_id
    WHERE c.status <> 'cancelled'
      AND c.category IS NOT NULL
      AND c.closed_at <= $as_of
      AND c.closed_at < $end
      AND c.closed_at >= CAST($start AS TIMESTAMP) - $days * INTERVAL 1 DAY
),
events AS (
    SELECT hash(place, category) AS pk, closed_at AS t, 0 AS kind,
           CAST(NULL AS TEXT) AS case_id, CAST(NULL AS TEXT) AS unit_id, CAST(NULL AS TEXT) AS grp,
           place, category
    FROM earlier
    WHERE place IN (SELECT place FROM later)
    UNION ALL
    SELECT hash(place, category), reported_at, 1, case_id, unit_id, grp, place, category
    FROM later
),
marked AS (
    SELECT *,
           max(CASE WHEN kind = 0 THEN t END) OVER (
               PARTITION BY pk ORDER BY t, kind ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
           ) AS last_close
    FROM events
)
SELECT case_id, unit_id, grp, place, category, t AS reported_at, last_close
FROM marked
WHERE kind = 1
  AND last_close >= t - $days * INTERVAL 1 DAY
