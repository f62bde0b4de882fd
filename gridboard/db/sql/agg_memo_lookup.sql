-- agg_memo_lookup: the memoised values (agg_memo_table.sql) of one question that are exact for
-- its period end $end and evaluation time $as_of, one row per group.
SELECT grp, any_value(value) AS value
FROM agg_memo
WHERE mark = $mark
  AND kind = $kind
  AND unit = $unit
  AND start = $start
  AND end_lo < $end AND $end <= end_hi
  AND asof_lo <= $as_of AND $as_of < asof_hi
GROUP BY grp
