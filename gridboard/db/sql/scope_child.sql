-- scope_child: every unit below $unit, labelled with the direct child of $unit it lies under.
SELECT cl.descendant_id AS unit_id, cl.ancestor_id AS grp_unit
FROM unit_closure AS cl
JOIN units AS child ON child.unit_id = cl.ancestor_id
WHERE child.parent_id = $unit
