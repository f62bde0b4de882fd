-- agg_map: fills agg_unit_map from units and unit_closure (every unit: its grid if it is a
-- micro-grid, its town ancestor if it has one, else itself).
INSERT INTO agg_unit_map
SELECT
    u.unit_id,
    CASE WHEN u.level = 'micro_grid' THEN coalesce(g.anc, u.unit_id) ELSE u.unit_id END AS agg_unit,
    coalesce(t.anc, u.unit_id) AS town_unit
FROM units AS u
LEFT JOIN (
    SELECT cl.descendant_id, min(cl.ancestor_id) AS anc
    FROM unit_closure AS cl JOIN units AS a ON a.unit_id = cl.ancestor_id
    WHERE a.level = 'grid'
    GROUP BY cl.descendant_id
) AS g ON g.descendant_id = u.unit_id
LEFT JOIN (
    SELECT cl.descendant_id, min(cl.ancestor_id) AS anc
    FROM unit_closure AS cl JOIN units AS a ON a.unit_id = cl.ancestor_id
    WHERE a.level = 'town'
    GROUP BY cl.descendant_id
) AS t ON t.descendant_id = u.unit_id
