-- units_meta: parent, name, households and grid type of the units in $ids (the grid index's table).
SELECT unit_id, parent_id, name, households, grid_type FROM units WHERE list_contains($ids, unit_id)
