-- scope_child_direct: scope_child plus the cases filed on $unit itself, grouped under $unit
-- (the "direct" row), so the groups add up to the parent.
SELECT cl.descendant_id AS unit_id, cl.ancestor_id AS grp_unit
FROM unit_closure AS cl
JOIN units AS child ON child.unit_id = cl.ancestor_id
WHERE child.parent_id = $unit
UNION ALL
SELECT $unit AS unit_id, $unit AS grp_unit
