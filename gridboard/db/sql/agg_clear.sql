-- agg_clear: drops the rows of one aggregate table ({table}) for the report days in {days}
-- (a filter over report_day, or TRUE) before they are recomputed.
DELETE FROM {table} WHERE {days}
