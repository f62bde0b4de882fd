-- scope_level: every unit below $unit, labelled with its ancestor (or itself) at one of $levels.
SELECT cl.descendant_id AS unit_id, cl.ancestor_id AS grp_unit
FROM unit_closure AS cl
JOIN units AS a ON a.unit_id = cl.ancestor_id
JOIN unit_closure AS sub ON sub.descendant_id = cl.descendant_id AND sub.ancestor_id = $unit
WHERE list_contains($levels, a.level)
