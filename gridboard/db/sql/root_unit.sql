-- root_unit: the county root, the one unit without a parent (the first by id if several).
SELECT unit_id FROM units WHERE parent_id IS NULL ORDER BY unit_id LIMIT 1
