-- feed_templates: recent cases a new demo case copies its place, kind and time limit from
SELECT *
FROM (
    SELECT unit_id, source, category, subcategory, title, department,
           epoch(due_at) - epoch(reported_at) AS limit_s, lon, lat
    FROM cases
    WHERE reported_at >= $since AND status <> 'cancelled' AND due_at > reported_at
) USING SAMPLE reservoir(200 ROWS) REPEATABLE (7)
