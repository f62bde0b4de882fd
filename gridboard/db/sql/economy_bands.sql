-- economy_bands: villages of {villages} (economy_villages) per operating-income band in $year and in
-- $year - 1, with the band's operating income in $year.
WITH vil AS ({villages})
SELECT band, 'current' AS which, count(*) AS villages, sum(operating_income) AS income
FROM vil WHERE band IS NOT NULL GROUP BY band
UNION ALL
SELECT band_prev AS band, 'previous' AS which, count(*) AS villages, sum(income_prev) AS income
FROM vil WHERE band_prev IS NOT NULL GROUP BY band_prev
