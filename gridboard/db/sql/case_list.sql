-- case_list: the cases behind a number (a metric's numerator or denominator), paged.
-- {cohort} is cohort.sql over {scope}; {predicate} is a fixed condition from gridboard.drill
-- (e.g. closed_at <= $as_of); total is the number of matching cases before paging.
WITH scope AS (
    {scope}
),
cohort AS (
    {cohort}
)
SELECT count(*) OVER () AS total,
       k.case_id, k.unit_id, u.name AS unit_name, k.category, k.subcategory, k.title, k.source,
       k.status, k.reported_at, k.dispatched_at, k.responded_at, k.closed_at, k.due_at,
       k.callback_at, k.department, k.handled_level, k.satisfaction, k.reopened, k.supervised,
       k.reporter_phone
FROM cohort AS k
JOIN units AS u ON u.unit_id = k.unit_id
WHERE ({predicate})
ORDER BY k.reported_at DESC, k.case_id
LIMIT $limit OFFSET $offset
