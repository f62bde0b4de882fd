-- duration_value_rows: one duration's rows of duration_values.sql (fragment): measure number {m},
-- value {value} over the cohort rows k where {keep} holds, grouped by value; then its ranges row
-- ({lo} and {hi} from gridboard.metrics.memo.settle_range_sql over the column {keep} compares).
SELECT {m} AS m, {value} AS v, count(*) AS n, CAST(NULL AS TIMESTAMP) AS lo, CAST(NULL AS TIMESTAMP) AS hi,
    CAST(NULL AS TIMESTAMP) AS last
FROM cohort AS k
WHERE {keep}
GROUP BY 2
UNION ALL
SELECT {m}, NULL, 0, {lo}, {hi}, max(k.reported_at)
FROM cohort AS k
