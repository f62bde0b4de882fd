-- agg_versions_since: the writes agg_versions remembers, in order (a reader walks them from the
-- version of an answer it holds to the current one: gridboard.metrics.shared).
SELECT from_mark, to_mark, days FROM agg_versions ORDER BY seq
