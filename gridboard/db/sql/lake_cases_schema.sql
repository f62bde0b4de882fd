-- lake_cases_schema: no rows, only the columns of cases (the Parquet export's _schema file).
SELECT * FROM cases LIMIT 0
