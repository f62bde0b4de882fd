-- lake_month_stats: per month of reported_at (YYYY-MM), the cases' row count and a content
-- fingerprint (the sum of each whole row's hash): the Parquet export rewrites a month when either changed.
SELECT strftime(c.reported_at, '%Y-%m') AS month,
       count(*) AS rows,
       CAST(sum(hash(c)) AS VARCHAR) AS fingerprint
FROM cases AS c
GROUP BY month
ORDER BY month
