-- bigscreen_wall: the deadline wall, cases open at $as_of under $unit in state L1/L2/L3: up to
-- $limit cases of EACH state, least time left to breach first within the state (same order as
-- open_cases.sql), with the department and the names of the case's grid, community and town.
-- {source} is bigscreen_open_source.sql, {graded} is deadline_graded.sql.
WITH cases AS (
    {source}
),
graded AS (
    {graded}
),
ranked AS (
    SELECT *, row_number() OVER (
        PARTITION BY deadline_state ORDER BY due_at IS NULL, left_s, reported_at, case_id) AS state_rank
    FROM graded
    WHERE deadline_state IS NOT NULL
),
top AS (
    SELECT * FROM ranked WHERE state_rank <= $limit
),
names AS (
    SELECT cl.descendant_id AS unit_id,
           max(a.name) FILTER (WHERE a.level = 'grid') AS grid_name,
           max(a.name) FILTER (WHERE a.level IN ('community', 'village')) AS community_name,
           max(a.name) FILTER (WHERE a.level = 'town') AS town_name
    FROM unit_closure AS cl
    JOIN units AS a ON a.unit_id = cl.ancestor_id
    WHERE cl.descendant_id IN (SELECT unit_id FROM top)
    GROUP BY cl.descendant_id
)
SELECT t.case_id, t.unit_id, u.name AS unit_name, n.grid_name, n.community_name, n.town_name,
       t.department, t.category, t.title, t.reported_at, t.due_at, t.supervised, t.reporter_phone,
       t.left_s / 60.0 AS minutes_left, t.deadline_state
FROM top AS t
JOIN units AS u ON u.unit_id = t.unit_id
LEFT JOIN names AS n ON n.unit_id = t.unit_id
ORDER BY t.deadline_state, t.state_rank
