-- lake_cases_month: the cases reported in [$start, $end) (one month of the Parquet export), in
-- reporting order so each file's row groups carry narrow reported_at statistics.
SELECT * FROM cases
WHERE reported_at >= $start AND reported_at < $end
ORDER BY reported_at, case_id
