-- agg_memo_insert: memoise the values of one question, one row per group (lists of equal length,
-- zipped by unnest), with the ranges of end and as_of each is exact for.
INSERT INTO agg_memo
SELECT $mark, $kind, $unit, $start,
       unnest($grps), unnest($values), unnest($end_los), unnest($end_his), unnest($asof_los), unnest($asof_his)
