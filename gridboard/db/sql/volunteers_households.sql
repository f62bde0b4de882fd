-- volunteers_households: households of $unit: its own value, or the sum over the grids below it when NULL.
SELECT coalesce(
    u.households,
    (SELECT sum(g.households)
     FROM unit_closure AS cl
     JOIN units AS g ON g.unit_id = cl.descendant_id
     WHERE cl.ancestor_id = u.unit_id AND g.level = 'grid')
) AS households
FROM units AS u
WHERE u.unit_id = $unit
