-- bigscreen_open_grid: cases open at $as_of ("now") and at $before ("before", the same time the day
-- before) under $unit, counted by grid and deadline state (NULL state = on track; NULL grid_id = a
-- case above grid level). Same cases and grading as deadline_counts.sql: {source} is
-- bigscreen_open_source.sql, {graded} is deadline_graded.sql and {graded_before} the same text
-- with $as_of read as $before.
WITH cases AS (
    {source}
),
graded AS (
    {graded}
),
graded_before AS (
    {graded_before}
),
grids AS (
    SELECT cl.descendant_id, cl.ancestor_id AS grid_id
    FROM unit_closure AS cl
    JOIN units AS u ON u.unit_id = cl.ancestor_id
    WHERE u.level = 'grid'
),
both_moments AS (
    SELECT 'now' AS moment, unit_id, deadline_state FROM graded
    UNION ALL
    SELECT 'before' AS moment, unit_id, deadline_state FROM graded_before
)
SELECT b.moment, gr.grid_id, b.deadline_state, count(*) AS n
FROM both_moments AS b
LEFT JOIN grids AS gr ON gr.descendant_id = b.unit_id
GROUP BY ALL
ORDER BY ALL
