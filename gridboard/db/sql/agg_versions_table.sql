-- agg_versions_table: one row per write the writer could describe (aggregates.mark_current with a
-- carry): the data version before it ($from_mark), the one it made, and the report days it touched
-- (its rows' and the rows it replaced). A reader holding an answer of an older version reuses it when
-- no write since touched a day of its period (gridboard.metrics.shared). The last VERSIONS_KEPT rows
-- are kept; a write that cannot say what it touched (a rebuild) empties the table.
CREATE TABLE IF NOT EXISTS agg_versions (
    seq BIGINT NOT NULL,
    from_mark TEXT NOT NULL,
    to_mark TEXT NOT NULL,
    days DATE[] NOT NULL
)
