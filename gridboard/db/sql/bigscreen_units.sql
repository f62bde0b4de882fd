-- bigscreen_units: towns and grids with centroid and boundary (GeoJSON text, may be NULL), and the
-- town each grid lies in, for the wall-screen map; plus the county root.
SELECT u.unit_id, u.parent_id, u.level, u.name, u.lon, u.lat, u.boundary,
       (SELECT t.unit_id FROM unit_closure AS cl JOIN units AS t ON t.unit_id = cl.ancestor_id
        WHERE cl.descendant_id = u.unit_id AND t.level = 'town') AS town_id
FROM units AS u
WHERE u.level IN ('county', 'town', 'grid')
ORDER BY u.level, u.unit_id
