-- demo_summary: one row of what the demo build wrote (units by level, households, cases at $as_of, people, economy).
WITH u AS (
  SELECT
    count(*) FILTER (WHERE level = 'town') AS towns,
    count(*) FILTER (WHERE level = 'community') AS communities,
    count(*) FILTER (WHERE level = 'village') AS villages,
    count(*) FILTER (WHERE level = 'grid') AS grids,
    count(*) FILTER (WHERE grid_type = 'dedicated') AS dedicated_grids,
    count(*) FILTER (WHERE level = 'micro_grid') AS micro_grids,
    coalesce(sum(households) FILTER (WHERE level = 'micro_grid'), 0) AS households,
    coalesce(sum(population) FILTER (WHERE level = 'micro_grid'), 0) AS population
  FROM units
), c AS (
  SELECT
    count(*) AS cases,
    count(*) FILTER (WHERE status IN ('open', 'in_progress')) AS open_cases,
    count(*) FILTER (WHERE status IN ('open', 'in_progress') AND due_at < $as_of) AS overdue_cases
  FROM cases
)
SELECT u.*, c.*,
  (SELECT count(*) FROM volunteers) AS volunteers,
  (SELECT count(*) FROM volunteer_services) AS services,
  (SELECT count(*) FROM collective_economy) AS economy_rows
FROM u, c
