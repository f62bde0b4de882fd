-- deadline_counts: cases open at $as_of under $unit, counted by deadline state (NULL = on track).
-- {graded} is deadline_graded.sql.
WITH graded AS (
    {graded}
)
SELECT deadline_state, count(*) AS n
FROM graded
GROUP BY deadline_state
