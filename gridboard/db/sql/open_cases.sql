-- open_cases: cases open at $as_of under $unit with deadline state, least time left first.
-- With $states_only, only cases in L1/L2/L3. {graded} is deadline_graded.sql.
WITH graded AS (
    {graded}
)
SELECT g.case_id, g.unit_id, u.name AS unit_name, g.category, g.subcategory, g.title, g.source,
       g.department, g.reported_at, g.due_at, g.supervised, g.reporter_phone,
       g.left_s / 60.0 AS minutes_left, g.deadline_state
FROM graded AS g
JOIN units AS u ON u.unit_id = g.unit_id
WHERE NOT $states_only OR g.deadline_state IS NOT NULL
ORDER BY g.due_at IS NULL, g.left_s, g.reported_at, g.case_id
LIMIT $limit
