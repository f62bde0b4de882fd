-- economy_villages: every village (level 'village') under $unit (households: its own, else the sum over its
-- grids) with its collective economy in $year,
-- its operating income in $year - 1 and $year - 2, its income history up to $year (oldest first), and its
-- band in $year and $year - 1: how many of the ascending lower edges $edges the operating income reaches
-- (0 = weak; NULL when the year has no operating income).
WITH vil AS (
    SELECT u.unit_id, u.name, u.parent_id, p.name AS parent_name,
           coalesce(u.households, (SELECT sum(g.households) FROM unit_closure AS gc
                                   JOIN units AS g ON g.unit_id = gc.descendant_id
                                   WHERE gc.ancestor_id = u.unit_id AND g.level = 'grid')) AS households,
           u.population, u.lon, u.lat
    FROM unit_closure AS cl
    JOIN units AS u ON u.unit_id = cl.descendant_id
    LEFT JOIN units AS p ON p.unit_id = u.parent_id
    WHERE cl.ancestor_id = $unit AND u.level = 'village'
),
edges AS (SELECT unnest($edges) AS edge),
eco AS (
    SELECT e.unit_id, e.year, e.operating_income, e.total_income, e.dividends, e.cooperatives,
           e.party_led_cooperatives,
           CASE WHEN e.operating_income IS NULL THEN NULL
                ELSE (SELECT count(*) FROM edges WHERE edges.edge <= e.operating_income) END AS band
    FROM collective_economy AS e
    JOIN vil ON vil.unit_id = e.unit_id
    WHERE e.year <= $year
)
SELECT vil.unit_id, vil.name, vil.parent_id, vil.parent_name, vil.households, vil.population, vil.lon, vil.lat,
       cur.operating_income, cur.total_income, cur.dividends, cur.cooperatives, cur.party_led_cooperatives,
       cur.band,
       prev.operating_income AS income_prev, prev.band AS band_prev,
       prev2.operating_income AS income_prev2,
       (SELECT list(h.operating_income ORDER BY h.year) FROM eco AS h WHERE h.unit_id = vil.unit_id) AS history,
       (SELECT list(h.year ORDER BY h.year) FROM eco AS h WHERE h.unit_id = vil.unit_id) AS history_years
FROM vil
LEFT JOIN eco AS cur ON cur.unit_id = vil.unit_id AND cur.year = $year
LEFT JOIN eco AS prev ON prev.unit_id = vil.unit_id AND prev.year = $year - 1
LEFT JOIN eco AS prev2 ON prev2.unit_id = vil.unit_id AND prev2.year = $year - 2
ORDER BY vil.unit_id
