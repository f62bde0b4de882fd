-- scope_pair: every unit under $unit labelled $unit, and every unit under $parent labelled
-- $parent (a unit under both is listed twice: once per group).
SELECT descendant_id AS unit_id, ancestor_id AS grp_unit
FROM unit_closure
WHERE ancestor_id = $unit OR ancestor_id = $parent
