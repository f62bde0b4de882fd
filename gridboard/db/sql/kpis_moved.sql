-- kpis_moved: what kpis_agg.sql's counts gained between an earlier answer for the same start,
-- unit and grouping, at end $end_before and as_of $as_of_before, and this question (the same start,
-- a later or equal $end and $as_of), per group. {cases} (agg_cases.sql: picked, raw): the cases
-- reported since $end_before (is_new), and those with a timestamp the counts compare with as_of in
-- [$as_of_before, $as_of] (a comparison with as_of changes its value only when the timestamp lies
-- between the two), counted at $as_of and, but for the new ones, taken off as counted at
-- $as_of_before. Every other case of the period counts the same at both (gridboard.metrics.fast adds
-- these rows to the earlier answer's counts: a new minute's counts without a pass over the aggregates).
-- Fragments (fixed texts from gridboard.metrics.fast): scope, cases, counts (catalog.count_sql),
-- before (the same counts at $as_of_before, negated).
WITH scope AS (
    {scope}
),
{cases}
SELECT grp, {counts} FROM raw AS k GROUP BY grp
UNION ALL
SELECT grp, {before} FROM raw AS k WHERE NOT k.is_new GROUP BY grp
