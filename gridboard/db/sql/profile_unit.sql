-- profile_unit: one unit $unit: its row, its parent's name, the path of names from the county down, households
-- and population (its own values, else the sums over the grids below it), and the units below it by level.
WITH below AS (
    SELECT count(*) FILTER (WHERE g.level = 'town') AS towns,
           count(*) FILTER (WHERE g.level = 'community') AS communities,
           count(*) FILTER (WHERE g.level = 'village') AS villages,
           count(*) FILTER (WHERE g.level = 'grid') AS grids,
           count(*) FILTER (WHERE g.level = 'micro_grid') AS micro_grids,
           sum(g.households) FILTER (WHERE g.level = 'grid') AS grid_households,
           sum(g.population) FILTER (WHERE g.level = 'grid') AS grid_population
    FROM unit_closure AS cl
    JOIN units AS g ON g.unit_id = cl.descendant_id
    WHERE cl.ancestor_id = $unit AND cl.depth > 0
),
path AS (
    SELECT string_agg(a.name, ' / ' ORDER BY cl.depth DESC) AS path
    FROM unit_closure AS cl
    JOIN units AS a ON a.unit_id = cl.ancestor_id
    WHERE cl.descendant_id = $unit
)
SELECT u.unit_id, u.parent_id, u.level, u.name, u.grid_type, p.name AS parent_name, path.path,
       coalesce(u.households, below.grid_households) AS households,
       coalesce(u.population, below.grid_population) AS population,
       below.towns, below.communities, below.villages, below.grids, below.micro_grids,
       u.lon, u.lat
FROM units AS u
LEFT JOIN units AS p ON p.unit_id = u.parent_id
CROSS JOIN below
CROSS JOIN path
WHERE u.unit_id = $unit
