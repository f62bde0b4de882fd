-- agg_memo_table: exact per-group quantiles memoised per data version (gridboard/metrics/memo.py).
-- One row per (mark, kind, unit, start, grp): the value computed for the cohort reported in
-- [start, end) at as_of, and the ranges of end and as_of it stays exact for: end_lo < end <= end_hi
-- (no case of the group reported in between) and asof_lo <= as_of < asof_hi (no timestamp the
-- measure compares with as_of in between). mark = meta's agg_version when it was computed.
CREATE TABLE IF NOT EXISTS agg_memo (
    mark TEXT NOT NULL,
    kind TEXT NOT NULL,
    unit TEXT NOT NULL,
    start TIMESTAMP NOT NULL,
    grp TEXT NOT NULL,
    value DOUBLE,
    end_lo TIMESTAMP NOT NULL,
    end_hi TIMESTAMP NOT NULL,
    asof_lo TIMESTAMP NOT NULL,
    asof_hi TIMESTAMP NOT NULL
)
