-- agg_unsettled: the CTEs kpis_agg.sql and kpis_agg_durations.sql share (fragment, after WITH).
-- scope: the units of {scope}; cube: the aggregate rows of the period's whole report days
-- ({cube_rows}: SELECT grp, a.* over an aggregate table, joined to scope on its unit column), each
-- holding its cases as they will finally stand; picked and raw ({cases}: agg_cases.sql): the cases
-- of the period that the cube does not hold as they stand at $as_of — those reported in
-- [$start, $tail_start) with a timestamp the counts compare with $as_of not yet past
-- (settle >= $as_of), and every case of a cut last day [$tail_start, $end) (in_tail), which no cube
-- row holds.
-- (Before: every case of a (day, unit) row not settled at $as_of was read from the cases table, and
-- a year-ago window had such rows back to June: 2.3 M cases joined, 0.15 s at 10 M cases.)
scope AS (
    {scope}
),
cube AS (
    {cube_rows}
),
{cases}
