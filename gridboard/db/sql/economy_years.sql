-- economy_years: the years with collective-economy rows for villages under $unit, oldest first.
SELECT DISTINCT e.year
FROM collective_economy AS e
JOIN unit_closure AS cl ON cl.descendant_id = e.unit_id
WHERE cl.ancestor_id = $unit
ORDER BY e.year
