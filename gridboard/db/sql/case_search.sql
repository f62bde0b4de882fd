-- case_search: up to $limit cases matching $q, best first: the exact case id, then a phone equal to
-- or ending with $digits (when given), then a title or grid name containing $like; newest first within.
SELECT c.case_id, c.title, c.category, c.status, c.reported_at, c.reporter_phone, u.name AS unit_name,
       CASE WHEN c.case_id = $q THEN 0
            WHEN $digits <> '' AND c.reporter_phone LIKE '%' || $digits THEN 1
            ELSE 2 END AS rank
FROM cases AS c
JOIN units AS u ON u.unit_id = c.unit_id
WHERE c.case_id = $q
   OR c.case_id ILIKE $like ESCAPE '\'
   OR ($digits <> '' AND length($digits) >= 4 AND c.reporter_phone LIKE '%' || $digits)
   OR c.title ILIKE $like ESCAPE '\'
   OR u.name ILIKE $like ESCAPE '\'
ORDER BY rank, c.reported_at DESC, c.case_id
LIMIT $limit
