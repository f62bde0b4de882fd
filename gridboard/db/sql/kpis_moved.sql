-- kpis_moved: what kpis_agg.sql's counts gained between an earlier answer for the same start,
-- unit and grouping, at end $end_before and as_of $as_of_before, and this question (the same start,
-- a later or equal $end and $as_of), per group: the moved cases (agg_moved.sql) counted at $as_of,
-- and, but for those reported since $end_before, their counts at $as_of_before taken off. Every
-- other case of the period counts the same at both (gridboard.metrics.fast adds these rows to the
-- earlier answer's counts: a new minute's counts without a pass over the aggregates).
-- Fragments (fixed texts from gridboard.metrics.fast): moved (agg_moved.sql: scope, moved, raw),
-- counts (catalog.count_sql), before (the same counts at $as_of_before, negated).
WITH {moved}
SELECT grp, {counts} FROM raw AS k GROUP BY grp
UNION ALL
SELECT grp, {before} FROM raw AS k WHERE NOT k.is_new GROUP BY grp
