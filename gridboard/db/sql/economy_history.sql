-- economy_history: per year up to $year, over the villages under $unit: villages reporting, weak (band 0 by
-- the lower edges $edges), below $floor, at/above $goal, total and median operating income, dividends.
WITH vil AS (
    SELECT u.unit_id
    FROM unit_closure AS cl
    JOIN units AS u ON u.unit_id = cl.descendant_id
    WHERE cl.ancestor_id = $unit AND u.level = 'village'
),
edges AS (SELECT unnest($edges) AS edge),
eco AS (
    SELECT e.year, e.operating_income, e.dividends,
           (SELECT count(*) FROM edges WHERE edges.edge <= e.operating_income) AS band
    FROM collective_economy AS e
    JOIN vil ON vil.unit_id = e.unit_id
    WHERE e.year <= $year AND e.operating_income IS NOT NULL
)
SELECT year, count(*) AS reporting, count(*) FILTER (WHERE band = 0) AS weak,
       count(*) FILTER (WHERE operating_income < $floor) AS below_floor,
       count(*) FILTER (WHERE operating_income >= $goal) AS at_goal,
       sum(operating_income) AS total_operating_income, median(operating_income) AS median_operating_income,
       sum(dividends) AS dividends
FROM eco
GROUP BY year
ORDER BY year
