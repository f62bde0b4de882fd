-- unit_tree: every unit as (unit_id, parent_id, level, name), for the sidebar's unit picker.
SELECT unit_id, parent_id, level, name FROM units ORDER BY unit_id
