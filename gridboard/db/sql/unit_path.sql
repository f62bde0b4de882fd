-- unit_path: the units from the county down to $unit (unit_id, name, level), top first.
SELECT u.unit_id, u.name, u.level
FROM unit_closure AS cl
JOIN units AS u ON u.unit_id = cl.ancestor_id
WHERE cl.descendant_id = $unit
ORDER BY cl.depth DESC
