-- deadline_graded: cases open at $as_of under $unit, each with its deadline state (fragment).
-- Open at as_of: reported by then, not cancelled, not closed by then. States (DESIGN.md):
-- L1 临期 when >= 75 % of the time limit is used, L2 超期 when past due_at, L3 严重超期 when
-- past due by more than the time limit again, or supervised. NULL = on track or no limit.
WITH open_now AS (
    SELECT c.case_id, c.unit_id, c.category, c.subcategory, c.title, c.source, c.department,
           c.reported_at, c.due_at, c.supervised, c.reporter_phone,
           epoch(c.due_at) - epoch(c.reported_at) AS limit_s,
           epoch(c.due_at) - epoch(CAST($as_of AS TIMESTAMP)) AS left_s,
           epoch(CAST($as_of AS TIMESTAMP)) - epoch(c.reported_at) AS used_s
    FROM cases AS c
    JOIN unit_closure AS s ON s.descendant_id = c.unit_id AND s.ancestor_id = $unit
    WHERE c.status <> 'cancelled'
      AND c.reported_at <= $as_of
      AND (c.closed_at IS NULL OR c.closed_at > $as_of)
)
SELECT *,
    CASE
        WHEN coalesce(supervised, false) THEN 'L3'
        WHEN left_s < 0 AND limit_s > 0 AND -left_s > limit_s THEN 'L3'
        WHEN left_s < 0 THEN 'L2'
        WHEN limit_s > 0 AND used_s >= 0.75 * limit_s THEN 'L1'
    END AS deadline_state
FROM open_now
