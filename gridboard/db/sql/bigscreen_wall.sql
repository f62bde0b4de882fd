-- bigscreen_wall: the deadline wall, cases open at $as_of under $unit in state L1/L2/L3, least time
-- left to breach first (overdue ones lead; same order as open_cases.sql), with the names of the
-- case's grid and town. {source} is bigscreen_open_source.sql, {graded} is deadline_graded.sql.
WITH cases AS (
    {source}
),
graded AS (
    {graded}
),
top AS (
    SELECT * FROM graded
    WHERE deadline_state IS NOT NULL
    ORDER BY due_at IS NULL, left_s, reported_at, case_id
    LIMIT $limit
),
names AS (
    SELECT cl.descendant_id AS unit_id,
           max(a.name) FILTER (WHERE a.level = 'grid') AS grid_name,
           max(a.name) FILTER (WHERE a.level = 'town') AS town_name
    FROM unit_closure AS cl
    JOIN units AS a ON a.unit_id = cl.ancestor_id
    WHERE cl.descendant_id IN (SELECT unit_id FROM top)
    GROUP BY cl.descendant_id
)
SELECT t.case_id, t.unit_id, u.name AS unit_name, n.grid_name, n.town_name,
       t.category, t.title, t.reported_at, t.due_at, t.supervised, t.reporter_phone,
       t.left_s / 60.0 AS minutes_left, t.deadline_state
FROM top AS t
JOIN units AS u ON u.unit_id = t.unit_id
LEFT JOIN names AS n ON n.unit_id = t.unit_id
ORDER BY t.due_at IS NULL, t.left_s, t.reported_at, t.case_id
