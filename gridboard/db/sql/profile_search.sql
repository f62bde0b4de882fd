-- profile_search: up to $limit units whose name contains $text (case-insensitive) or whose id starts with it,
-- higher levels first, then by name; with the parent's name to tell namesakes apart.
SELECT u.unit_id, u.name, u.level, p.name AS parent_name
FROM units AS u
LEFT JOIN units AS p ON p.unit_id = u.parent_id
WHERE contains(lower(u.name), lower($text)) OR starts_with(u.unit_id, $text)
ORDER BY CASE u.level WHEN 'county' THEN 0 WHEN 'town' THEN 1 WHEN 'community' THEN 2 WHEN 'village' THEN 2
                      WHEN 'grid' THEN 3 ELSE 4 END,
         u.name, u.unit_id
LIMIT $limit
