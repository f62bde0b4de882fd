-- gaps_grid_of: each unit at or below a grid with its grid (micro-grids roll up to their grid);
-- the "same place" of the recurrence flag. Units above grid level have no row (fragment).
SELECT cl.descendant_id AS unit_id, cl.ancestor_id AS grid_id
FROM unit_closure AS cl
JOIN units AS a ON a.unit_id = cl.ancestor_id
WHERE a.level = 'grid'
