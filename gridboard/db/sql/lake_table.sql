-- lake_table: every row of one table for the Parquet export; {table} from gridboard.lake.export's fixed list.
SELECT * FROM {table}
