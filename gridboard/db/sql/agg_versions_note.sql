-- agg_versions_note: note one write (agg_versions_table.sql): the version before it, the one it made
-- and the report days it touched; then the oldest rows beyond the last $kept go (agg_versions_trim).
INSERT INTO agg_versions
SELECT coalesce(max(seq), 0) + 1, $from_mark, $to_mark, CAST($days AS DATE[]) FROM agg_versions
