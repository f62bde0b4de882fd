-- unit_names: id, name and level of the units in $ids.
SELECT unit_id, name, level FROM units WHERE list_contains($ids, unit_id)
