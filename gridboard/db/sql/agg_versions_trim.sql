-- agg_versions_trim: keep the last $kept writes of agg_versions.
DELETE FROM agg_versions WHERE seq <= (SELECT max(seq) FROM agg_versions) - $kept
