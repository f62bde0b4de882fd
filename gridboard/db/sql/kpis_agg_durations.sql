-- kpis_agg_durations: the duration quantiles of kpis.sql from agg_hist, per group, within one
-- histogram bin (bins are 1 % wide: the estimate lies within 1 % of the exact value, see README
-- "Performance"). Each histogram row holds its cases' durations as they will finally stand; the
-- unsettled cases (agg_unsettled.sql) correct the bins one by one: a value measured at $as_of is
-- added, a value measured in the end taken off (but for the cut last day's cases, which no row
-- holds). A value taken off leaves its bin's min and max as they were: they still lie inside the
-- bin, so the 1 % bound holds. Quantiles are interpolated like quantile_cont: position
-- h = (n - 1) q, value(floor h) + (h - floor h) (value(ceil h) - value(floor h)), a value at
-- position p inside a bin spread evenly between the bin's min and max.
-- Fragments (fixed texts from gridboard.metrics.fast): unsettled (agg_unsettled.sql over
-- agg_hist_rows.sql: whole settled months from agg_hist_month, other days from agg_hist), values
-- (SELECTs over the raw cases k: grp, measure, v, n = +1 for a value at $as_of, -1 for a final value
-- to take off), bin (agg_bin.sql), wanted (a VALUES list: metric key, measure, quantile).
WITH {unsettled},
raw_values AS (
    {values}
),
bins AS (
    SELECT grp, measure, b, sum(n) AS n, min(vmin) AS vmin, max(vmax) AS vmax
    FROM (
        SELECT grp, measure, b, n, vmin, vmax FROM cube
        UNION ALL
        SELECT grp, measure, {bin} AS b, n, CASE WHEN n > 0 THEN v END AS vmin, CASE WHEN n > 0 THEN v END AS vmax
        FROM raw_values
    ) AS u
    GROUP BY grp, measure, b
    HAVING sum(n) > 0
),
cum AS (
    SELECT
        grp, measure, n, vmin, vmax,
        sum(n) OVER (PARTITION BY grp, measure ORDER BY b ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - n
            AS before,
        sum(n) OVER (PARTITION BY grp, measure) AS total
    FROM bins
),
wanted (metric, measure, q) AS (
    {wanted}
),
pos AS (
    SELECT DISTINCT c.grp, w.metric, w.measure, (c.total - 1) * w.q AS h
    FROM cum AS c
    JOIN wanted AS w ON w.measure = c.measure
),
ends AS (
    SELECT grp, metric, measure, h, 'lo' AS side, floor(h) AS at FROM pos
    UNION ALL
    SELECT grp, metric, measure, h, 'hi' AS side, ceil(h) AS at FROM pos
),
vals AS (
    SELECT
        e.grp, e.metric, e.h, e.side,
        CASE WHEN c.n = 1 THEN c.vmin ELSE c.vmin + (c.vmax - c.vmin) * (e.at - c.before) / (c.n - 1) END AS v
    FROM ends AS e
    JOIN cum AS c ON c.grp IS NOT DISTINCT FROM e.grp AND c.measure = e.measure
        AND e.at >= c.before AND e.at < c.before + c.n
)
SELECT
    grp,
    metric,
    max(v) FILTER (WHERE side = 'lo')
        + (max(h) - floor(max(h))) * (max(v) FILTER (WHERE side = 'hi') - max(v) FILTER (WHERE side = 'lo')) AS value
FROM vals
GROUP BY grp, metric
