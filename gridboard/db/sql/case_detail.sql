-- case_detail: one case ($case_id) with its unit's name and level.
SELECT c.*, u.name AS unit_name, u.level AS unit_level
FROM cases AS c
JOIN units AS u ON u.unit_id = c.unit_id
WHERE c.case_id = $case_id
