-- kpis_agg_durations: the duration quantiles of kpis.sql from agg_hist, per group, within one
-- histogram bin (bins are 1 % wide: the estimate lies within 1 % of the exact value, see README
-- "Performance"). Rows whose max_settle is not before $as_of are replaced by the exact values of
-- their cases, binned the same way. Quantiles are interpolated like quantile_cont: position
-- h = (n - 1) q, value(floor h) + (h - floor h) (value(ceil h) - value(floor h)), a value at
-- position p inside a bin spread evenly between the bin's min and max.
-- Fragments (fixed texts from gridboard.metrics.engine): scope, cube_group / raw_group, values
-- (one SELECT per measure over cohort rows k: grp, measure, v), bin (agg_bin.sql), wanted
-- (a VALUES list: metric key, measure, quantile).
WITH scope AS (
    {scope}
),
cube AS (
    SELECT {cube_group} AS grp, a.*
    FROM agg_hist AS a
    JOIN scope AS s ON s.unit_id = a.town_unit
    WHERE a.report_day >= $start_day AND a.report_day < $end_day
),
pending AS (
    SELECT DISTINCT report_day, town_unit
    FROM cube
    WHERE max_settle IS NULL OR max_settle >= $as_of
),
settled AS (
    SELECT cube.grp, cube.measure, cube.b, cube.n, cube.vmin, cube.vmax
    FROM cube
    LEFT JOIN pending AS p ON p.report_day = cube.report_day AND p.town_unit = cube.town_unit
    WHERE p.town_unit IS NULL
),
recent AS MATERIALIZED (
    SELECT c.*, m.town_unit AS key_unit, CAST(c.reported_at AS DATE) AS key_day
    FROM cases AS c
    JOIN agg_unit_map AS m ON m.unit_id = c.unit_id
    WHERE c.reported_at >= $raw_start
      AND c.reported_at < $end
      AND c.status <> 'cancelled'
),
raw AS (
    SELECT {raw_group} AS grp, c.*
    FROM recent AS c
    JOIN pending AS p ON p.report_day = c.key_day AND p.town_unit = c.key_unit
    JOIN scope AS s ON s.unit_id = c.key_unit
),
raw_values AS (
    {values}
),
bins AS (
    SELECT grp, measure, b, sum(n) AS n, min(vmin) AS vmin, max(vmax) AS vmax
    FROM (
        SELECT grp, measure, b, n, vmin, vmax FROM settled
        UNION ALL
        SELECT grp, measure, {bin} AS b, 1 AS n, v AS vmin, v AS vmax FROM raw_values
    ) AS u
    GROUP BY grp, measure, b
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
