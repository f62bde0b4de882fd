-- agg_tables: the aggregate tables kept current by every writer (gridboard/db/aggregates.py).
-- agg_unit_map: each unit's aggregate unit (a micro-grid's grid, else itself) and town unit (its
-- town ancestor, else itself). agg_units / agg_dims: per report day x unit (x category x source)
-- the catalogue's counts as they stand once every timestamp of the row has passed, and max_settle,
-- the latest such timestamp: a row answers for an evaluation time as_of only when
-- max_settle < as_of. agg_hist: per report day x town unit x duration measure x log bin (1 %),
-- the number of values, their min and max; agg_hist_month: the same summed per month (report_day:
-- the month's first day). Fragment {counts}: one BIGINT column per catalogue count.
CREATE TABLE IF NOT EXISTS agg_unit_map (
    unit_id TEXT PRIMARY KEY,
    agg_unit TEXT NOT NULL,
    town_unit TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS agg_units (
    report_day DATE NOT NULL,
    agg_unit TEXT NOT NULL,
    max_settle TIMESTAMP,
    {counts}
);
CREATE TABLE IF NOT EXISTS agg_dims (
    report_day DATE NOT NULL,
    town_unit TEXT NOT NULL,
    category TEXT,
    source TEXT,
    max_settle TIMESTAMP,
    {counts}
);
CREATE TABLE IF NOT EXISTS agg_hist (
    report_day DATE NOT NULL,
    town_unit TEXT NOT NULL,
    measure TEXT NOT NULL,
    b INTEGER NOT NULL,
    n BIGINT NOT NULL,
    vmin DOUBLE NOT NULL,
    vmax DOUBLE NOT NULL,
    max_settle TIMESTAMP
);
CREATE TABLE IF NOT EXISTS agg_hist_month (
    report_day DATE NOT NULL,
    town_unit TEXT NOT NULL,
    measure TEXT NOT NULL,
    b INTEGER NOT NULL,
    n BIGINT NOT NULL,
    vmin DOUBLE NOT NULL,
    vmax DOUBLE NOT NULL,
    max_settle TIMESTAMP
);
