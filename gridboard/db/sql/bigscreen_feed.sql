-- bigscreen_feed: the latest cases reported under $unit in [$since, $as_of], newest first, with the
-- names of the grid and town (cancelled cases left out, like every count of DESIGN.md).
WITH latest AS (
    SELECT c.case_id, c.unit_id, c.source, c.category, c.title, c.reported_at, c.status
    FROM cases AS c
    JOIN unit_closure AS s ON s.descendant_id = c.unit_id AND s.ancestor_id = $unit
    WHERE c.reported_at >= $since
      AND c.reported_at <= $as_of
      AND c.status <> 'cancelled'
    ORDER BY c.reported_at DESC, c.case_id DESC
    LIMIT $limit
),
names AS (
    SELECT cl.descendant_id AS unit_id,
           max(a.name) FILTER (WHERE a.level = 'grid') AS grid_name,
           max(a.name) FILTER (WHERE a.level = 'town') AS town_name
    FROM unit_closure AS cl
    JOIN units AS a ON a.unit_id = cl.ancestor_id
    WHERE cl.descendant_id IN (SELECT unit_id FROM latest)
    GROUP BY cl.descendant_id
)
SELECT l.*, u.name AS unit_name, n.grid_name, n.town_name
FROM latest AS l
JOIN units AS u ON u.unit_id = l.unit_id
LEFT JOIN names AS n ON n.unit_id = l.unit_id
ORDER BY l.reported_at DESC, l.case_id DESC
