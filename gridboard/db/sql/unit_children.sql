-- unit_children: the direct children of $unit as (unit_id, name), in id order.
SELECT unit_id, name FROM units WHERE parent_id = $unit ORDER BY unit_id
