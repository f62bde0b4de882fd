-- scope_subtree: the unit $unit and every unit below it, one group.
SELECT descendant_id AS unit_id, CAST(NULL AS TEXT) AS grp_unit
FROM unit_closure
WHERE ancestor_id = $unit
