-- gaps_recurrence_pairs: the recurring cases of one group (or all: {predicate} over r), newest
-- first, paged, each with the earlier case it repeats (the one closed at last_close at the same
-- place and category; the smallest id when several closed at that instant). total is the number
-- of recurring cases before paging. Fragments from gridboard.gaps: scope, grid_of, recurring,
-- predicate (TRUE or r.grp = $group_value).
WITH scope AS (
    {scope}
),
grid_of AS (
    {grid_of}
),
recurring AS (
    {recurring}
),
page AS (
    SELECT count(*) OVER () AS total, r.*
    FROM recurring AS r
    WHERE {predicate}
    ORDER BY r.reported_at DESC, r.case_id
    LIMIT $limit OFFSET $offset
),
earlier AS (
    SELECT p.case_id, min(e.case_id) AS earlier_case_id
    FROM page AS p
    JOIN cases AS e ON e.category = p.category AND e.closed_at = p.last_close AND e.status <> 'cancelled'
    LEFT JOIN grid_of AS g ON g.unit_id = e.unit_id
    WHERE coalesce(g.grid_id, e.unit_id) = p.place
    GROUP BY p.case_id
)
SELECT p.total, p.case_id, p.unit_id, u.name AS unit_name, p.category, c.title, p.reported_at,
       c.status, c.reporter_phone,
       x.earlier_case_id, e.title AS earlier_title, e.reported_at AS earlier_reported_at,
       p.last_close AS earlier_closed_at,
       (epoch(p.reported_at) - epoch(p.last_close)) / 86400.0 AS days_after_close
FROM page AS p
JOIN cases AS c ON c.case_id = p.case_id
JOIN units AS u ON u.unit_id = p.unit_id
LEFT JOIN earlier AS x ON x.case_id = p.case_id
LEFT JOIN cases AS e ON e.case_id = x.earlier_case_id
ORDER BY p.reported_at DESC, p.case_id
