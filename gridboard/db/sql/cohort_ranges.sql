-- cohort_ranges: the as_of range [asof_lo, asof_hi) in which counts over a cohort stay as they are:
-- no time of the columns the counts compare with $as_of lies between (lo, hi: the fragments of
-- gridboard.metrics.memo.settle_range_sql; NULL: unbounded). Asked beside a count over the older
-- report days that the process keeps (gridboard.metrics.shared.moving_counts). Cohort as cohort.sql.
WITH scope AS (
    {scope}
),
cohort AS (
    {cohort}
)
SELECT {lo} AS asof_lo, {hi} AS asof_hi
FROM cohort AS k
