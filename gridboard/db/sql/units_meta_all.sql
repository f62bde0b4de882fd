-- units_meta_all: parent, name, households and grid type of every unit (the grid index's table,
-- kept by the process per data version: gridboard.ranking.gridindex._units_meta).
SELECT unit_id, parent_id, name, households, grid_type FROM units
