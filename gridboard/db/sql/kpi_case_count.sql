-- kpi_case_count: how many cohort cases the condition {predicate} (over k) holds for: the number
-- a case list stands for. Fragments as in kpi_case_page.sql.
WITH scope AS (
    {scope}
),
cohort AS (
    {cohort}
)
SELECT count(*) AS total
FROM cohort AS k
WHERE {predicate}
