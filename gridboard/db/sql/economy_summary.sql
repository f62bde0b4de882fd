-- economy_summary: one row over the villages of {villages} (economy_villages) for $year: villages, reporting,
-- weak (band 0) this year and last, below $floor and at/above $goal this year and last, total and median
-- operating income, income of the villages reporting both years (growth), totals of income, dividends and
-- cooperatives.
WITH vil AS ({villages})
SELECT
    count(*) AS villages,
    count(operating_income) AS reporting,
    count(income_prev) AS reporting_prev,
    count(*) FILTER (WHERE band = 0) AS weak,
    count(*) FILTER (WHERE band_prev = 0) AS weak_prev,
    count(*) FILTER (WHERE operating_income < $floor) AS below_floor,
    count(*) FILTER (WHERE income_prev < $floor) AS below_floor_prev,
    count(*) FILTER (WHERE operating_income >= $goal) AS at_goal,
    count(*) FILTER (WHERE income_prev >= $goal) AS at_goal_prev,
    sum(operating_income) AS total_operating_income,
    median(operating_income) AS median_operating_income,
    sum(income_prev) AS total_operating_income_prev,
    count(*) FILTER (WHERE operating_income IS NOT NULL AND income_prev IS NOT NULL) AS matched,
    sum(operating_income) FILTER (WHERE income_prev IS NOT NULL) AS matched_income,
    sum(income_prev) FILTER (WHERE operating_income IS NOT NULL) AS matched_income_prev,
    sum(total_income) AS total_income,
    sum(dividends) AS dividends,
    sum(cooperatives) AS cooperatives,
    sum(party_led_cooperatives) AS party_led_cooperatives
FROM vil
