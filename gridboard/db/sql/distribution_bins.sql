-- distribution_bins: histogram of one duration ({value} over k where {keep}, as in
-- distribution_stats.sql): bin b counts b*$width <= v < (b+1)*$width; bin $bins holds everything
-- from $bins*$width up, negative values (bad data) fall in bin 0. {bin} is that expression, the
-- same text the case list uses, so a bar and its cases always agree.
WITH scope AS (
    {scope}
),
cohort AS (
    {cohort}
)
SELECT {bin} AS bin, count(*) AS n
FROM cohort AS k
WHERE {keep}
GROUP BY bin
ORDER BY bin
