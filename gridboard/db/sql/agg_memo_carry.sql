-- agg_memo_carry: after a write that changed only the cases under the units $units (every unit at
-- or above a touched case, agg_staged_units.sql) and reported on the days $days (agg_staged_days.sql:
-- the days of its rows and of the rows they replace), the memoised values of the previous data
-- version $old that no touched case can change move to the new version $mark (the rest are then
-- cleared): every value of a period none of whose report days (from its start to the latest end it
-- holds for) was touched — its cohort is as it was, whatever the units (a tick of today's cases
-- leaves last year's values alone); every value of a unit with no touched case below it (its whole
-- scope is as it was); and the per-group quantiles grouped by unit (kind ending in '@unit',
-- gridboard.metrics.memo) of a group with no touched case below it (its cohort is as it was). A
-- whole answer (its groups kept together, memo.keep_whole) moves only with its unit or its period,
-- and the warm's markers never move: the first screens are asked again at the new version.
UPDATE agg_memo SET mark = $mark
WHERE mark = $old
  AND kind NOT LIKE 'warmed|%'
  AND (NOT EXISTS (SELECT 1 FROM (SELECT unnest($days) AS d) AS t
                   WHERE t.d >= CAST(agg_memo.start AS DATE) AND t.d <= CAST(agg_memo.end_hi AS DATE))
       OR NOT list_contains($units, unit)
       OR (kind LIKE '%@unit' AND NOT list_contains($units, grp)))
