-- unit_exists: one row when the unit $unit exists, none otherwise.
SELECT unit_id FROM units WHERE unit_id = $unit
