-- fields_present: for each optional source field (catalog.SOURCE_FIELDS), 1 when some case holds a
-- value of it, else 0; each probe stops at the first such case (scalar subqueries: DuckDB and Spark).
SELECT
    (SELECT count(*) FROM (SELECT 1 AS hit FROM cases WHERE satisfaction IS NOT NULL LIMIT 1) AS a) AS satisfaction,
    (SELECT count(*) FROM (SELECT 1 AS hit FROM cases WHERE handled_level IS NOT NULL LIMIT 1) AS b) AS handled_level,
    (SELECT count(*) FROM (SELECT 1 AS hit FROM cases WHERE reopened IS NOT NULL LIMIT 1) AS c) AS reopened
