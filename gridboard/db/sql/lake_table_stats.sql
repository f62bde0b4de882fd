-- lake_table_stats: row count and content fingerprint (sum of each whole row's hash) of one table;
-- {table} is a contract table name or unit_closure, from gridboard.lake.export's fixed list.
SELECT count(*) AS rows,
       CAST(coalesce(sum(hash(t)), 0) AS VARCHAR) AS fingerprint
FROM {table} AS t
