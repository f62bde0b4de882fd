-- economy_boundaries: the county, towns and villages under $unit (with $unit itself) that have a boundary
-- GeoJSON geometry, for the economy map (outline layers and village shapes).
SELECT u.unit_id, u.name, u.level, u.boundary
FROM unit_closure AS cl
JOIN units AS u ON u.unit_id = cl.descendant_id
WHERE cl.ancestor_id = $unit AND u.level IN ('county', 'town', 'village') AND u.boundary IS NOT NULL
ORDER BY cl.depth, u.unit_id
